// What a kernel case is: the inputs of one call, the buffers to compare after it and how closely. The parity test
// runs each case on the TypeScript reference and on the wasm kernels; the bench verifies every variant on its timed
// cases the same way before it times them. Also the tolerances, each derived from how its kernel rounds.

import type { KernelCalls } from '../kernels.js';

export type CaseArray = Float32Array | Uint8Array | Int32Array;

/** Pass when |got - ref| <= atol + rtol * |ref| (or both are the same value, infinities and signed zeros included). */
export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface KernelCase {
  /** The sizes (and for timed cases, what the call is in a training step), as a person reads them. */
  shape: string;
  inputs: Record<string, CaseArray>;
  /** Fresh output buffers, filled with a sentinel before the call. */
  outputs?: Record<string, Float32Array | Uint8Array>;
  /** Buffers compared after the call (outputs, or inputs a kernel updates in place) and their tolerance. */
  compare: Record<string, Tolerance>;
  /** Tolerance for the kernel's return value, when it has one. */
  returns?: Tolerance;
  /** Blanks (with the sentinel) what the contract leaves unspecified in the outputs, in both runs, before comparing. */
  unspecified?(arrays: Record<string, CaseArray>): void;
  /** The gathered batch the call writes or reads, by buffer name: a threaded back end keeps a copy per worker. */
  batch?: { nz: string; val: string; c: string; y?: string };
  /** Floating-point operations of one call (2mkn for a product, the sparse ones counted as dense); 0: not counted. */
  flops: number;
  call(k: KernelCalls, p: Record<string, number>): number | void;
}

/**
 * The sizes of a training problem: a one-hidden-layer network (inputs, hidden, classes) on batches of `batch`. Cases
 * include its shapes; the bench times at them. `images` are real rows (batch of them, `inputs` u8 pixels each) and
 * their (mean, 1/std) for the gather and the sparse first layer, whose speed depends on where the zeros are;
 * without them the cases draw images of their own.
 */
export interface Problem {
  batch: number;
  inputs: number;
  hidden: number;
  classes: number;
  images?: { pixels: Uint8Array; stats: Float32Array };
}

// ---- tolerances (u = 2^-24, the f32 unit roundoff) ----
export const U = 2 ** -24;
export const EXACT: Tolerance = { atol: 0, rtol: 0 };
// A product over k terms of [-1, 1] inputs, accumulated in f32 in both back ends (the reference rounds each
// running sum to f32 too, NT's excepted, which sums in f64). Partial sums have rms sqrt(p/9), so the k roundings
// add up to an error of sd ~ u k / 7; the max over ~16K outputs is ~0.6 u k per side. 4 u k leaves ~4x margin;
// rtol 16 u covers the final rounding of large results.
export const gemmTol = (k: number): Tolerance => ({ atol: 4 * U * k, rtol: 16 * U });
// Column sums of rows values in [-1, 1] (partial sums rms sqrt(p/3)): as for GEMM, scaled by sqrt(3).
export const sumTol = (rows: number): Tolerance => ({ atol: 8 * U * rows, rtol: 16 * U });
// Short f32 expressions (2-4 roundings where the reference rounds once from f64): a few ulps.
export const ARITH: Tolerance = { atol: 2 ** -126, rtol: 8 * U };
// exp/tanh/sigmoid approximations: ~2e-7 polynomial error plus the surrounding arithmetic; 2e-6 = ~34 ulps.
// Results below the normal range (< 2^-126, e.g. sigmoid(-90) ~ 8e-40) are flushed to 0: atol 2^-125 covers that.
export const APPROX: Tolerance = { atol: 2 ** -125, rtol: 2e-6 };
// The sparse first layer sums `terms` products of a value (pixel / std, up to `scale` in size) and a [-1, 1]
// operand: the GEMM bound scaled by 1.25 scale (6.4 for pixels up to 255 and std down to 40: 32 u k).
export const sparseTol = (terms: number, scale: number): Tolerance => ({ atol: 5 * scale * U * terms, rtol: 16 * U });
/** Two tolerances' errors added (an error passed on through a step that adds its own). */
export const addTol = (a: Tolerance, b: Tolerance): Tolerance => ({ atol: a.atol + b.atol, rtol: a.rtol + b.rtol });
