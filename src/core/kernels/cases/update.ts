// Cases of the optimiser step: lengths around the vector width and the problem's parameter counts, weights with
// exact (signed) zeros (sign(0) = 0 must add no L1 term), with and without penalties (the common case has a loop
// of its own) and momentum; the matrix form over the problem's weight matrices.

import { U, type KernelCase, type Problem, type Tolerance } from './case.js';
import type { CaseInputs } from './inputs.js';

// All terms are O(1): a few roundings at magnitude 1, so an absolute tolerance of a few ulps of 1.
const TOL: Tolerance = { atol: 8 * U, rtol: 8 * U };
const sizes = (p: Problem) => [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, p.classes, p.hidden, p.inputs, p.batch * p.hidden, p.hidden * p.classes];

function sgdCase(x: CaseInputs, n: number, lr: number, gamma: number, l2: number, l1: number, what = ''): KernelCase {
  return {
    shape: what || `n=${n} lr=${lr} gamma=${gamma} l2=${l2} l1=${l1}`,
    inputs: { w: x.withSpecials(n, [0, -0, 1, -1], -1, 1), g: x.uniform(n), v: x.uniform(n, -0.1, 0.1) },
    compare: { w: TOL, g: TOL, v: TOL },
    flops: 0,
    call: (k, q) => k.sgdUpdate(q.w, q.g, q.v, n, lr, gamma, l2, l1),
  };
}

export function sgdSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return [
    ...sizes(p).map((n) => sgdCase(x, n, 0.05, 0.9, 1e-3, 1e-4)),
    // Without penalties (the common case, its own loop), with and without momentum.
    sgdCase(x, 17, 0.1, 0, 0, 0), sgdCase(x, p.inputs * p.hidden + 3, 0.01, 0.9, 0, 0), sgdCase(x, p.hidden * p.classes + p.classes, 0.01, 0.5, 0.1, 0.01),
  ];
}

/** The step's update of every weight: with momentum and no penalty (its own loop), and with L2 (the general one). */
export function sgdTimed(x: CaseInputs, p: Problem): KernelCase[] {
  const weights = p.inputs * p.hidden + p.hidden * p.classes;
  return [sgdCase(x, weights, 0.001, 0.9, 0, 0, `${weights} weights, momentum`), sgdCase(x, weights, 0.001, 0.9, 1e-4, 0, `${weights} weights, momentum and L2`)];
}

export function sgdMatrixSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return [[1, 1], [3, 5], [7, 33], [p.inputs, p.hidden], [p.hidden, p.classes]].map(([rows, cols]): KernelCase => {
    const n = rows * cols;
    return {
      shape: `rows=${rows} cols=${cols}`,
      inputs: { w: x.withSpecials(n, [0, -0, 1, -1], -1, 1), g: x.uniform(n), v: x.uniform(n, -0.1, 0.1) },
      compare: { w: TOL, g: TOL, v: TOL },
      flops: 0,
      call: (k, q) => k.sgdUpdateMatrix(q.w, q.g, q.v, rows, cols, 0.05, 0.9, 1e-3, 1e-4),
    };
  });
}
