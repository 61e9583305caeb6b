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
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504089)));
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
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(y, scale), under);
}
