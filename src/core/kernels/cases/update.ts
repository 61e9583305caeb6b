// Cases of the optimiser steps: lengths around the vector width and the problem's parameter counts, weights with
// exact (signed) zeros (sign(0) = 0 must add no L1 term), with and without penalties (the common case has a loop
// of its own), momentum and Nesterov's step; Adam with and without AdamW's decay; the matrix forms over the
// problem's weight matrices. And dropout, whose mask must match exactly.

import { EXACT, U, type KernelCase, type Problem, type Tolerance } from './case.js';
import type { CaseInputs } from './inputs.js';

// All terms are O(1): a few roundings at magnitude 1, so an absolute tolerance of a few ulps of 1.
const TOL: Tolerance = { atol: 8 * U, rtol: 8 * U };
const sizes = (p: Problem) => [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, p.classes, p.hidden, p.inputs, p.batch * p.hidden, p.hidden * p.classes];

function sgdCase(x: CaseInputs, n: number, lr: number, gamma: number, l2: number, l1: number, what = '', nesterov = 0): KernelCase {
  return {
    shape: what || `n=${n} lr=${lr} gamma=${gamma} l2=${l2} l1=${l1} nesterov=${nesterov}`,
    inputs: { w: x.withSpecials(n, [0, -0, 1, -1], -1, 1), g: x.uniform(n), v: x.uniform(n, -0.1, 0.1) },
    compare: { w: TOL, g: TOL, v: TOL },
    flops: 0,
    call: (k, q) => k.sgdUpdate(q.w, q.g, q.v, n, lr, gamma, l2, l1, nesterov),
  };
}

export function sgdSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return [
    ...sizes(p).map((n) => sgdCase(x, n, 0.05, 0.9, 1e-3, 1e-4)),
    // Without penalties (the common case, its own loop), with and without momentum.
    sgdCase(x, 17, 0.1, 0, 0, 0), sgdCase(x, p.inputs * p.hidden + 3, 0.01, 0.9, 0, 0), sgdCase(x, p.hidden * p.classes + p.classes, 0.01, 0.5, 0.1, 0.01),
    // Nesterov, with and without penalties, around the vector width.
    ...[1, 3, 4, 5, 17, 33].flatMap((n) => [sgdCase(x, n, 0.05, 0.9, 0, 0, '', 1), sgdCase(x, n, 0.05, 0.9, 1e-3, 1e-4, '', 1)]),
  ];
}

/** The step's update of every weight: with momentum and no penalty (its own loop), and with L2 (the general one). */
export function sgdTimed(x: CaseInputs, p: Problem): KernelCase[] {
  const weights = p.inputs * p.hidden + p.hidden * p.classes;
  return [sgdCase(x, weights, 0.001, 0.9, 0, 0, `${weights} weights, momentum`), sgdCase(x, weights, 0.001, 0.9, 1e-4, 0, `${weights} weights, momentum and L2`)];
}

export function sgdMatrixSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return [[1, 1], [3, 5], [7, 33], [p.inputs, p.hidden], [p.hidden, p.classes]].flatMap(([rows, cols]) => [0, 1].map((nesterov): KernelCase => {
    const n = rows * cols;
    return {
      shape: `rows=${rows} cols=${cols} nesterov=${nesterov}`,
      inputs: { w: x.withSpecials(n, [0, -0, 1, -1], -1, 1), g: x.uniform(n), v: x.uniform(n, -0.1, 0.1) },
      compare: { w: TOL, g: TOL, v: TOL },
      flops: 0,
      call: (k, q) => k.sgdUpdateMatrix(q.w, q.g, q.v, rows, cols, 0.05, 0.9, 1e-3, 1e-4, nesterov),
    };
  }));
}

interface AdamHyper { step: number; beta1: number; beta2: number; eps: number; rs: number; keep: number; l2: number; l1: number }
/** Adam at step t (bias corrections folded as the host folds them), with AdamW's decay when wd > 0. */
const adamHyper = (t: number, lr: number, wd: number, l2: number, l1: number): AdamHyper =>
  ({ step: lr / (1 - 0.9 ** t), beta1: 0.9, beta2: 0.999, eps: 1e-8, rs: 1 / Math.sqrt(1 - 0.999 ** t), keep: 1 - lr * wd, l2, l1 });

function adamCase(x: CaseInputs, rows: number, cols: number, h: AdamHyper, matrix: boolean, what = ''): KernelCase {
  const n = rows * cols;
  // Moments as Adam leaves them, v of the order of m^2 (some both 0: the first step, where the update is about
  // step * (1 - beta1) * sign(g)). Then m / (sqrt(v) + eps) stays a few units, and w moves by a few step: the
  // tolerance is a few ulps of that and of w.
  const m = x.withSpecials(n, [0], -0.1, 0.1, 2), v = m.map((e) => e * e * (0.5 + x.next()));
  const tol: Tolerance = { atol: 8 * U * (1 + 10 * h.step), rtol: 16 * U };
  const { step, beta1, beta2, eps, rs, keep, l2, l1 } = h;
  return {
    shape: what || `${matrix ? `rows=${rows} cols=${cols}` : `n=${n}`} step=${step.toPrecision(3)} keep=${keep} l2=${l2} l1=${l1}`,
    inputs: { w: x.withSpecials(n, [0, -0, 1, -1], -1, 1), g: x.withSpecials(n, [0, -0, 1e-20], -1, 1, 1), m, v },
    compare: { w: tol, m: tol, v: tol },
    flops: 0,
    call: (k, q) => matrix ? k.adamUpdateMatrix(q.w, q.g, q.m, q.v, rows, cols, step, beta1, beta2, eps, rs, keep, l2, l1)
      : k.adamUpdate(q.w, q.g, q.m, q.v, n, step, beta1, beta2, eps, rs, keep, l2, l1),
  };
}

export const adamSweep = (x: CaseInputs, p: Problem): KernelCase[] => sizes(p).flatMap((n) => [
  adamCase(x, 1, n, adamHyper(1, 1e-3, 0, 0, 0), false), adamCase(x, 1, n, adamHyper(50, 1e-3, 1e-2, 0, 0), false),
  adamCase(x, 1, n, adamHyper(3, 3e-3, 0, 1e-3, 1e-4), false),
]);

/** AdamW's update of every weight. */
export function adamTimed(x: CaseInputs, p: Problem): KernelCase[] {
  const weights = p.inputs * p.hidden + p.hidden * p.classes;
  return [adamCase(x, 1, weights, adamHyper(100, 1e-3, 1e-4, 0, 0), false, `${weights} weights, AdamW`)];
}

export const adamMatrixSweep = (x: CaseInputs, p: Problem): KernelCase[] =>
  [[1, 1], [3, 5], [7, 33], [p.inputs, p.hidden], [p.hidden, p.classes]].flatMap(([rows, cols]) => [
    adamCase(x, rows, cols, adamHyper(2, 1e-3, 1e-4, 0, 0), true), adamCase(x, rows, cols, adamHyper(1000, 1e-2, 0, 1e-4, 1e-5), true),
  ]);

function dropoutCase(x: CaseInputs, n: number, rate: number, key: number, inPlace: boolean, what = ''): KernelCase {
  const threshold = Math.min(Math.round(rate * 2 ** 32), 2 ** 32 - 1), scale = 1 / (1 - rate);
  // Which elements are kept is exact; a kept one is one f32 product in both back ends.
  return {
    shape: what || `n=${n} rate=${rate} key=${key}${inPlace ? ' in-place' : ''}`,
    inputs: { x: x.withSpecials(n, [0, -0, 1e-30, -1e30, Infinity, -Infinity], -4, 4) },
    outputs: inPlace ? {} : { out: new Float32Array(n) },
    compare: inPlace ? { x: EXACT } : { out: EXACT },
    flops: 0,
    call: (k, q) => k.dropout(inPlace ? q.x : q.out, q.x, n, key, threshold, scale),
  };
}

export const dropoutSweep = (x: CaseInputs, p: Problem): KernelCase[] => [
  ...sizes(p).flatMap((n) => [dropoutCase(x, n, 0.5, 0x12345678, false), dropoutCase(x, n, 0.2, 0xfedcba98, true)]),
  // Rates at the edges: nothing dropped (threshold 0), almost everything dropped.
  dropoutCase(x, 33, 0, 7, false), dropoutCase(x, p.batch * p.hidden, 0.999, 0, false), dropoutCase(x, p.batch * p.hidden + 3, 0.1, 0xffffffff, true),
];

/** A hidden layer's mask on the forward pass (its gradient's on the backward pass is the same call). */
export const dropoutTimed = (x: CaseInputs, p: Problem): KernelCase[] => [dropoutCase(x, p.batch * p.hidden, 0.2, 0x9e3779b9, false, `${p.batch}x${p.hidden}, rate 0.2`)];
