// Each kernel's cases, keyed by the manifest's names (manifest.ts): the parity test runs every kernel's seeded sweep
// on both back ends, and the bench verifies and times the cases of a training step (`timed`, with their FLOPs).
// Apart from the manifest so that loading the kernels carries no test cases; the mapped type makes tsc refuse a
// kernel of the contract that has no cases here.

import type { KernelName } from './kernels.js';
import { KERNEL_NAMES } from './manifest.js';
import type { KernelCase, Problem } from './cases/case.js';
import { CaseInputs } from './cases/inputs.js';
import { gemmSweep, gemmTimed } from './cases/gemm.js';
import { backwardSweep, biasAddSweep, colSumSweep, colSumTimed, forwardSweep } from './cases/elementwise.js';
import {
  firstLayerBackwardSweep, firstLayerBackwardTimed, gatherSparseAugmentedSweep, gatherSparseSweep, gatherSparseTimed, sparseForwardSweep, sparseForwardTimed, sparsifyRowsSweep,
  sparseWeightGradSweep, sparseWeightGradTimed,
} from './cases/first-layer.js';
import { countCorrectSweep, softmaxSweep, softmaxTimed } from './cases/loss.js';
import { adamMatrixSweep, adamSweep, adamTimed, dropoutSweep, dropoutTimed, sgdMatrixSweep, sgdSweep, sgdTimed } from './cases/update.js';
import { swapRowsSweep } from './cases/rows.js';
import {
  conv2dForwardSweep, conv2dForwardTimed, conv2dInputGradSweep, conv2dInputGradTimed, conv2dWeightGradSweep, conv2dWeightGradTimed,
  gatherImagesAugmentedSweep, gatherImagesSweep, maxPoolBackwardSweep, maxPoolForwardSweep, maxPoolReluBackwardSweep, transposeSweep,
} from './cases/conv.js';
import {
  winogradFilterSweep, winogradForwardSweep, winogradForwardTimed, winogradInputGradSweep, winogradInputGradTimed,
  winogradWeightGradSweep, winogradWeightGradTimed,
} from './cases/winograd.js';

export interface KernelCases {
  /** Parity cases: sizes around the vector width and the kernel's tiles, special values, the problem's shapes. */
  sweep(x: CaseInputs, p: Problem): KernelCase[];
  /** The calls a training step makes at the problem's shapes: what the bench verifies and times (absent: not timed). */
  timed?(x: CaseInputs, p: Problem): KernelCase[];
}

export const MANIFEST_CASES: { [K in KernelName]: KernelCases } = {
  gatherSparse: { sweep: gatherSparseSweep, timed: gatherSparseTimed },
  gatherSparseAugmented: { sweep: gatherSparseAugmentedSweep },
  swapRows: { sweep: swapRowsSweep },
  sparseForward: { sweep: sparseForwardSweep, timed: sparseForwardTimed },
  sparseWeightGrad: { sweep: sparseWeightGradSweep, timed: sparseWeightGradTimed },
  firstLayerBackward: { sweep: firstLayerBackwardSweep, timed: firstLayerBackwardTimed },
  gemmNN: { sweep: (x, p) => gemmSweep(x, 'gemmNN', p), timed: (x, p) => gemmTimed(x, 'gemmNN', p) },
  gemmTN: { sweep: (x, p) => gemmSweep(x, 'gemmTN', p), timed: (x, p) => gemmTimed(x, 'gemmTN', p) },
  gemmNT: { sweep: (x, p) => gemmSweep(x, 'gemmNT', p), timed: (x, p) => gemmTimed(x, 'gemmNT', p) },
  biasAdd: { sweep: biasAddSweep },
  colSum: { sweep: colSumSweep, timed: colSumTimed },
  tanhForward: { sweep: (x, p) => forwardSweep(x, 'tanhForward', p) },
  tanhBackward: { sweep: (x, p) => backwardSweep(x, 'tanhBackward', p) },
  sigmoidForward: { sweep: (x, p) => forwardSweep(x, 'sigmoidForward', p) },
  sigmoidBackward: { sweep: (x, p) => backwardSweep(x, 'sigmoidBackward', p) },
  reluForward: { sweep: (x, p) => forwardSweep(x, 'reluForward', p) },
  reluBackward: { sweep: (x, p) => backwardSweep(x, 'reluBackward', p) },
  softmaxCrossEntropy: { sweep: softmaxSweep, timed: softmaxTimed },
  countCorrect: { sweep: countCorrectSweep },
  sgdUpdate: { sweep: sgdSweep, timed: sgdTimed },
  sgdUpdateMatrix: { sweep: sgdMatrixSweep },
  adamUpdate: { sweep: adamSweep, timed: adamTimed },
  adamUpdateMatrix: { sweep: adamMatrixSweep },
  dropout: { sweep: dropoutSweep, timed: dropoutTimed },
  gatherImages: { sweep: gatherImagesSweep },
  sparsifyRows: { sweep: sparsifyRowsSweep },
  gatherImagesAugmented: { sweep: gatherImagesAugmentedSweep },
  conv2dForward: { sweep: conv2dForwardSweep, timed: conv2dForwardTimed },
  conv2dWeightGrad: { sweep: conv2dWeightGradSweep, timed: conv2dWeightGradTimed },
  conv2dInputGrad: { sweep: conv2dInputGradSweep, timed: conv2dInputGradTimed },
  winogradFilter: { sweep: winogradFilterSweep },
  winogradForward: { sweep: winogradForwardSweep, timed: winogradForwardTimed },
  winogradWeightGrad: { sweep: winogradWeightGradSweep, timed: winogradWeightGradTimed },
  winogradInputGrad: { sweep: winogradInputGradSweep, timed: winogradInputGradTimed },
  transpose: { sweep: transposeSweep },
  maxPoolForward: { sweep: maxPoolForwardSweep },
  maxPoolBackward: { sweep: maxPoolBackwardSweep },
  maxPoolReluBackward: { sweep: maxPoolReluBackwardSweep },
};

/** A kernel's parity cases for a problem, drawn from a stream of its own. */
export function sweepCases(name: KernelName, p: Problem, seed = 1): KernelCase[] {
  return MANIFEST_CASES[name].sweep(new CaseInputs(seed, name), p);
}

/** The calls of a training step of the problem that the bench times, each kernel's drawn from a stream of its own. */
export function timedCases(p: Problem, seed = 1): { kernel: KernelName; case: KernelCase }[] {
  return KERNEL_NAMES.flatMap((kernel) => (MANIFEST_CASES[kernel].timed?.(new CaseInputs(seed, kernel), p) ?? []).map((c) => ({ kernel, case: c })));
}
