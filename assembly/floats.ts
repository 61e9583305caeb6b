// Element-wise helpers over runs of f32 that kernels share, inlined where they are called.

/** bytes at dst += bytes at src, 16 at a time then 4 (bytes % 4 == 0). */
// @ts-ignore: decorator
@inline export function addFloats(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i));
}

/**
 * dst += slots 0, 1, ... count - 1 in that order, over `rows` rows rowBytes apart and the bytes [at, at + width) of
 * each: the second phase of a weight gradient whose chunks' products each wait in their own slot (slotBytes apart).
 */
// @ts-ignore: decorator
@inline export function addSlotsInOrder(dst: usize, slots: usize, slotBytes: usize, count: i32, rows: usize, rowBytes: usize, at: usize, width: usize): void {
  // Row by row, each row's additions from every slot while it sits in L1.
  for (let r: usize = 0; r < rows; r++) {
    const d = dst + r * rowBytes + at;
    for (let t = 0; t < count; t++) addFloats(d, slots + <usize>t * slotBytes + r * rowBytes + at, width);
  }
}
