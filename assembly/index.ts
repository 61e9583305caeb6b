// The module's exports, one line per kernel family; nothing is defined here. The host binds them by name through
// the kernel manifest (src/core/kernels/manifest.ts), whose contract (src/core/kernels/kernels.ts) documents each.
//
// Naming grammar: `op` computes the whole result (`gemmNN`, `sparseForward`); `opCols` computes columns
// [j0, j1) of it, its last two arguments, so threads can split a layer by its units (`opRows`: rows [i0, i1), where
// a row range is not a plain pointer offset); `opChunks` then `opSumCols`, a kernel in two phases on threads:
// partial results of a range of chunks, then columns [j0, j1) of their sum in chunk order; `opStrided` takes one more
// argument, the row stride (in floats) of an operand that is a column block of a wider matrix. Products name
// their operands' layouts: N as stored, T transposed (gemmTN = A^T B); activations come in `<name>Forward` /
// `<name>Backward` pairs; a `sparse` kernel reads the batch as gatherSparse's nonzero lists. Arguments are byte
// offsets first, then sizes.

export { heapBase } from './memory';
export { ACT_NONE, ACT_TANH, ACT_SIGMOID, ACT_RELU, NZ_HEADER, NZ_BLOCK_COLUMNS, NZ_COLUMN_BYTES, PANEL_COLUMNS, WINOGRAD_CHUNK_TILES, CONV_CHUNK_PIXELS } from './abi';
export { gatherSparse } from './gather';
export { gatherSparseAugmented, gatherImagesAugmented } from './augment';
export { sparsifyRows } from './sparsify';
export { swapRows } from './rows';
export { gemmNN, gemmNNCols, gemmTN, gemmTNCols, gemmNT, gemmNTCols } from './gemm-panels';
export { biasAdd, colSum, colSumCols } from './bias';
export { tanhForward, tanhBackward, sigmoidForward, sigmoidBackward, reluForward, reluBackward } from './activations';
export { softmaxCrossEntropy, countCorrect } from './loss';
export { sgdUpdate, sgdUpdateMatrix, adamUpdate, adamUpdateMatrix } from './update';
export { dropout } from './dropout';
export { sparseForward, sparseForwardCols } from './sparse-forward';
export { sparseWeightGrad, sparseWeightGradCols } from './sparse-weight-grad';
export { firstLayerBackward, firstLayerBackwardCols } from './first-layer';
export { gatherImages } from './gather-images';
export { conv2dForward, conv2dWeightGrad, conv2dWeightGradChunks, conv2dWeightGradSumCols, conv2dInputGrad, transpose } from './conv';
export { maxPoolForward, maxPoolBackward, maxPoolReluBackward } from './pool';
export { winogradFilter, winogradForward, winogradWeightGrad, winogradWeightGradChunks, winogradWeightGradSumCols, winogradInputGrad } from './winograd';
export { simdPeak } from './peak';
