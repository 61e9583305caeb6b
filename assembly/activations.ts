// Elementwise activations and their backward passes (tanh, sigmoid, ReLU), 4 lanes at a time.
// Each op is one v128 -> v128 function used by both the vector body and the scalar tail, so a tail
// element gets bit-identical arithmetic to a body element. All loops allow out to alias an input.

import { exp4, expNonNeg4 } from './approx';
import { mulAdd } from './fused';

const SIGN: i32 = 0x80000000;

/** tanh per lane: odd polynomial below |x| = 0.625 (no cancellation), 1 - 2/(e^2|x| + 1) above; +-1 for large |x|. */
// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  // Cephes tanhf minimax coefficients for tanh(x) = x + x^3 P(x^2) on |x| < 0.625.
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = mulAdd(p, z, f32x4.splat(2.06390887954e-2));
  p = mulAdd(p, z, f32x4.splat(-5.37397155531e-2));
  p = mulAdd(p, z, f32x4.splat(1.33314422036e-1));
  p = mulAdd(p, z, f32x4.splat(-3.33332819422e-1));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  // expNonNeg4 saturates at e^88, so 2 / (e + 1) underflows to ~1e-38 and 1 - it rounds to exactly 1.
  const e = expNonNeg4(f32x4.add(ax, ax));
  const big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(SIGN)));
  return v128.bitselect(p, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** sigmoid per lane from e = e^-|x| <= 1 (never overflows): 1/(1+e) for x >= 0, e/(1+e) for x < 0. */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  return v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(x, f32x4.splat(0.0)));
}

/** out (n) = tanh(inp (n)); out may alias inp. */
export function tanhForward(out: usize, inp: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  let i: usize = 0;
  for (; i < n4; i += 16) v128.store(out + i, tanh4(v128.load(inp + i)));
  for (; i < end; i += 4) store<f32>(out + i, f32x4.extract_lane(tanh4(f32x4.splat(load<f32>(inp + i))), 0));
}

/** dInp (n) = dOut * (1 - y^2), computed as (1 - y)(1 + y) to keep precision near |y| = 1; dInp may alias dOut. */
export function tanhBackward(dInp: usize, dOut: usize, y: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  const one = f32x4.splat(1.0);
  let i: usize = 0;
  for (; i < n4; i += 16) {
    const v = v128.load(y + i);
    v128.store(dInp + i, f32x4.mul(v128.load(dOut + i), f32x4.mul(f32x4.sub(one, v), f32x4.add(one, v))));
  }
  for (; i < end; i += 4) {
    const v = load<f32>(y + i);
    store<f32>(dInp + i, load<f32>(dOut + i) * ((1 - v) * (1 + v)));
  }
}

/** out (n) = 1 / (1 + exp(-inp)); exactly 0 / 1 for large |inp|; out may alias inp. */
export function sigmoidForward(out: usize, inp: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  let i: usize = 0;
  for (; i < n4; i += 16) v128.store(out + i, sigmoid4(v128.load(inp + i)));
  for (; i < end; i += 4) store<f32>(out + i, f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(inp + i))), 0));
}

/** dInp (n) = dOut * y * (1 - y); dInp may alias dOut. */
export function sigmoidBackward(dInp: usize, dOut: usize, y: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  const one = f32x4.splat(1.0);
  let i: usize = 0;
  for (; i < n4; i += 16) {
    const v = v128.load(y + i);
    v128.store(dInp + i, f32x4.mul(f32x4.mul(v128.load(dOut + i), v), f32x4.sub(one, v)));
  }
  for (; i < end; i += 4) {
    const v = load<f32>(y + i);
    store<f32>(dInp + i, load<f32>(dOut + i) * v * (1 - v));
  }
}

/** ReLU per lane: x where x > 0, else +0 (so -0 and NaN give +0, as the reference). */
// @ts-ignore: decorator
@inline export function relu4(x: v128): v128 {
  return v128.and(x, f32x4.gt(x, f32x4.splat(0.0)));
}

/** out (n) = inp > 0 ? inp : +0 (so -0 and NaN give +0, as the reference); out may alias inp. */
export function reluForward(out: usize, inp: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  let i: usize = 0;
  for (; i < n4; i += 16) v128.store(out + i, relu4(v128.load(inp + i)));
  for (; i < end; i += 4) {
    const v = load<f32>(inp + i);
    store<f32>(out + i, v > 0 ? v : 0);
  }
}

/** dInp (n) = y > 0 ? dOut : 0 (the kink at 0 passes no gradient); dInp may alias dOut. */
export function reluBackward(dInp: usize, dOut: usize, y: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  const zero = f32x4.splat(0.0);
  let i: usize = 0;
  for (; i < n4; i += 16) v128.store(dInp + i, v128.and(v128.load(dOut + i), f32x4.gt(v128.load(y + i), zero)));
  for (; i < end; i += 4) store<f32>(dInp + i, load<f32>(y + i) > 0 ? load<f32>(dOut + i) : 0);
}
