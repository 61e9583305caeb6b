// Cases of the elementwise kernels: the activations forward (out of place and in place) over lengths around the
// vector width and the problem's sizes, laced with special values; their backward passes with special outputs
// meeting ordinary gradients and the other way round; the bias add and its column-sum gradient.

import { APPROX, ARITH, EXACT, sumTol, type KernelCase, type Problem, type Tolerance } from './case.js';
import { D_SPECIALS, SIGMOID_Y, TANH_Y, X_SPECIALS, type CaseInputs } from './inputs.js';

type Forward = 'tanhForward' | 'sigmoidForward' | 'reluForward';
type Backward = 'tanhBackward' | 'sigmoidBackward' | 'reluBackward';

/** Lengths around the vector width and the problem's: a class row, a hidden row, an image, hidden-layer batches. */
const vectorSizes = (p: Problem) => [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, p.classes, p.hidden, p.inputs, p.batch * p.hidden, p.hidden * p.classes];

/** The tolerance of each activation's forward and backward pass. */
export const FORWARD_TOL: Record<Forward, Tolerance> = { tanhForward: APPROX, sigmoidForward: APPROX, reluForward: EXACT };
const BACKWARD: Record<Backward, { y: readonly number[]; lo: number; hi: number; tol: Tolerance }> = {
  tanhBackward: { y: TANH_Y, lo: -1, hi: 1, tol: ARITH },
  sigmoidBackward: { y: SIGMOID_Y, lo: 0, hi: 1, tol: ARITH },
  reluBackward: { y: X_SPECIALS, lo: -4, hi: 4, tol: EXACT },
};

export function forwardSweep(x: CaseInputs, name: Forward, p: Problem): KernelCase[] {
  const tol = FORWARD_TOL[name], cases: KernelCase[] = [];
  for (const v of [...vectorSizes(p).map((n) => x.withSpecials(n, X_SPECIALS, -4, 4)), Float32Array.from(X_SPECIALS)]) {
    cases.push({
      shape: `n=${v.length}`, inputs: { x: v }, outputs: { out: new Float32Array(v.length) }, compare: { out: tol }, flops: 0,
      call: (k, q) => k[name](q.out, q.x, v.length),
    });
    cases.push({ // in place: out == inp
      shape: `n=${v.length} in-place`, inputs: { x: v }, compare: { x: tol }, flops: 0,
      call: (k, q) => k[name](q.x, q.x, v.length),
    });
  }
  return cases;
}

export function backwardSweep(x: CaseInputs, name: Backward, p: Problem): KernelCase[] {
  const { y: ySpecials, lo, hi, tol } = BACKWARD[name], cases: KernelCase[] = [];
  for (const n of [...vectorSizes(p), 3 * ySpecials.length * D_SPECIALS.length]) {
    // Different phases, so special y (the ReLU kink y = 0, y = +-1) meets ordinary nonzero d, and vice versa.
    const d = x.withSpecials(n, D_SPECIALS, -1, 1, 1), y = x.withSpecials(n, ySpecials, lo, hi);
    cases.push({
      shape: `n=${n}`, inputs: { d, y }, outputs: { out: new Float32Array(n) }, compare: { out: tol }, flops: 0,
      call: (k, q) => k[name](q.out, q.d, q.y, n),
    });
    cases.push({ // in place: dInp == dOut
      shape: `n=${n} in-place`, inputs: { d, y }, compare: { d: tol }, flops: 0,
      call: (k, q) => k[name](q.d, q.d, q.y, n),
    });
  }
  return cases;
}

const SMALL = [1, 3, 4, 5, 7, 8, 9, 17];
/** Matrices around the vector width, and the problem's activations and first-layer weights. */
const matrixShapes = (p: Problem): [number, number][] => [
  ...SMALL.flatMap((r) => SMALL.map((c): [number, number] => [r, c])),
  [p.batch, p.hidden], [p.batch, p.classes], [p.batch, p.inputs], [p.inputs, p.hidden],
];

export function biasAddSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return matrixShapes(p).map(([rows, cols]): KernelCase => ({
    shape: `rows=${rows} cols=${cols}`,
    inputs: { out: x.uniform(rows * cols), bias: x.uniform(cols) },
    compare: { out: EXACT }, // one correctly rounded f32 add in both back ends
    flops: 0,
    call: (k, q) => k.biasAdd(q.out, q.bias, rows, cols),
  }));
}

export function colSumSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return matrixShapes(p).map(([rows, cols]): KernelCase => ({
    shape: `rows=${rows} cols=${cols}`,
    inputs: { a: x.uniform(rows * cols) },
    outputs: { out: new Float32Array(cols) },
    compare: { out: sumTol(rows) },
    flops: 0,
    call: (k, q) => k.colSum(q.out, q.a, rows, cols),
  }));
}

/**
 * The bias gradient of a CNN step's Winograd convolution (every output pixel a row), the size threads split colSum
 * at; the first convolution's comes with its weight gradient (conv2dWeightGrad).
 */
export function colSumTimed(x: CaseInputs, p: Problem): KernelCase[] {
  return [[p.batch * 14 * 14, 64, 'conv 32->64 14x14']].map(([rows, cols, what]): KernelCase => ({
    shape: `bias grad ${what} rows=${rows} cols=${cols}`,
    inputs: { a: x.uniform(+rows * +cols) },
    outputs: { out: new Float32Array(+cols) },
    compare: { out: sumTol(+rows) },
    flops: 0,
    call: (k, q) => k.colSum(q.out, q.a, +rows, +cols),
  }));
}
