// The module's exports, one line per kernel family; names match the Kernels interface in
// src/core/kernels/kernels.ts so the host binds them by name. Nothing is defined here.

export { heapBase } from './memory';
export { gatherBatch } from './gather';
export { swapRows } from './rows';
export { gemmNN, gemmTN, gemmNT } from './gemm';
export { biasAdd, colSum } from './bias';
export { tanhForward, tanhBackward, sigmoidForward, sigmoidBackward, reluForward, reluBackward } from './activations';
export { softmaxCrossEntropy, countCorrect } from './loss';
export { sgdUpdate, sgdUpdateMatrix } from './update';
export { gatherSparse, sparseForward, sparseForwardCols, sparseWeightGrad, sparseWeightGradCols } from './sparse';
export { firstLayerBackward, firstLayerBackwardCols } from './first-layer';
