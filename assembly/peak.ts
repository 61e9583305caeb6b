// The bench's ceiling probe, not a kernel: the rate of 4-lane f32 multiply-adds (plain: a multiply then an add;
// relaxed build: one FMA) when nothing but the arithmetic limits it, against which the kernels' GFLOP/s are read.

import { addProduct } from './fused';

/**
 * 12 independent accumulator chains of `iterations` multiply-adds each (96 flops an iteration): a multiply then an
 * add wait about 6 cycles, so 12 chains keep two multiplies and two adds (or two FMAs) issuing every cycle. Returns
 * their sum so that none is dropped (the values overflow to infinity, which x86 computes at full speed).
 */
export function simdPeak(iterations: i32, seed: f32): f32 {
  const y = f32x4.splat(<f32>1.001);
  let a0 = f32x4.splat(seed), a1 = f32x4.add(a0, y), a2 = f32x4.add(a1, y), a3 = f32x4.add(a2, y), a4 = f32x4.add(a3, y), a5 = f32x4.add(a4, y);
  let a6 = f32x4.add(a5, y), a7 = f32x4.add(a6, y), a8 = f32x4.add(a7, y), a9 = f32x4.add(a8, y), a10 = f32x4.add(a9, y), a11 = f32x4.add(a10, y);
  for (let i = 0; i < iterations; i++) {
    a0 = addProduct(a0, a0, y); a1 = addProduct(a1, a1, y); a2 = addProduct(a2, a2, y); a3 = addProduct(a3, a3, y);
    a4 = addProduct(a4, a4, y); a5 = addProduct(a5, a5, y); a6 = addProduct(a6, a6, y); a7 = addProduct(a7, a7, y);
    a8 = addProduct(a8, a8, y); a9 = addProduct(a9, a9, y); a10 = addProduct(a10, a10, y); a11 = addProduct(a11, a11, y);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))), f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
