// SIMD approximations of exp for the activation and loss kernels: WebAssembly has no exp instruction.
// Cephes-style range reduction x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r, and 2^n built
// in the exponent bits. Max relative error ~2e-7 on the range where the result is a normal f32.

import { mulAdd } from './fused';

// Above this 2^n would need exponent 128 (inf); 88 keeps n <= 127 and the result finite (~1.65e38).
const EXP_HI: f32 = 88.0;
// ln(2^-126): below this the result would be subnormal and is flushed to exactly 0 instead.
const EXP_LO: f32 = -87.33654475;

/** e^x per lane (4 x f32); saturates at e^88 for x > 88 and flushes to 0 below ln(2^-126); never inf, NaN only for NaN. */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  const under = f32x4.lt(x, f32x4.splat(EXP_LO));
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  return v128.andnot(expClamped4(x), under);
}

/** e^x per lane for x >= 0 (or NaN), as exp4 computes it, without the underflow handling it cannot need: tanh's exp. */
// @ts-ignore: decorator
@inline export function expNonNeg4(x: v128): v128 {
  return expClamped4(f32x4.pmin(x, f32x4.splat(EXP_HI)));
}

/** e^x per lane for x in [EXP_LO, EXP_HI] (or NaN). */
// @ts-ignore: decorator
@inline function expClamped4(x: v128): v128 {
  // Adding 1.5 * 2^23 rounds x log2(e) (|.| < 2^22 here) to an integer, ties to even as f32x4.nearest does, and
  // leaves it in the low mantissa bits: n as a float by subtracting the constant back, 2^n from the bits. V8
  // compiles nearest and trunc_sat to 8 instructions and a constant from memory. tanh and sigmoid give the same
  // bits this way as with nearest (NaNs aside) for all 2^32 inputs.
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504089)), f32x4.splat(12582912.0));
  const n = f32x4.sub(t, f32x4.splat(12582912.0));
  // ln2 split in two so n * C1 is exact in f32 (C1 has 9 significant bits).
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = mulAdd(y, r, f32x4.splat(1.3981999507e-3));
  y = mulAdd(y, r, f32x4.splat(8.3334519073e-3));
  y = mulAdd(y, r, f32x4.splat(4.1665795894e-2));
  y = mulAdd(y, r, f32x4.splat(1.6666665459e-1));
  y = mulAdd(y, r, f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return f32x4.mul(y, scale);
}
