// Element-wise helpers over runs of f32 that kernels share, inlined where they are called.

/** bytes at dst += bytes at src, 16 at a time then 4 (bytes % 4 == 0). */
// @ts-ignore: decorator
@inline export function addFloats(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i));
}
