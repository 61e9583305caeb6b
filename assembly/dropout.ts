// Inverted dropout from a counter-based generator: element i of a batch's layer is kept when a hash of
// (key, i) is at least threshold, where the host derives key from the seed, epoch, batch and layer. The mask
// is a pure function of those, so the backward pass recomputes it, and any thread count or a resumed run
// draws the same one.

/** murmur3's 32-bit finaliser of key + i * 0x9e3779b9, per lane (u32 arithmetic, wrapping). */
// @ts-ignore: decorator
@inline export function hash4(i: v128, key: v128): v128 {
  let x = i32x4.add(i32x4.mul(i, i32x4.splat(0x9e3779b9)), key);
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x85ebca6b));
  x = v128.xor(x, i32x4.shr_u(x, 13));
  x = i32x4.mul(x, i32x4.splat(0xc2b2ae35));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/**
 * out (n) = inp * scale where hash(key, i) >= threshold (u32), else 0; out may alias inp. The forward pass
 * (inp the activations) and the backward pass (inp their gradient) are the same call.
 */
export function dropout(out: usize, inp: usize, n: i32, key: u32, threshold: u32, scale: f32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  const vkey = i32x4.splat(key), vthr = i32x4.splat(threshold), vscale = f32x4.splat(scale), four = i32x4.splat(4);
  let idx = i32x4(0, 1, 2, 3);
  let i: usize = 0;
  for (; i < n4; i += 16) {
    const keep = i32x4.ge_u(hash4(idx, vkey), vthr);
    v128.store(out + i, v128.and(f32x4.mul(v128.load(inp + i), vscale), keep));
    idx = i32x4.add(idx, four);
  }
  for (; i < end; i += 4) {
    const keep = i32x4.ge_u(hash4(idx, vkey), vthr);
    v128.store32_lane(out + i, v128.and(f32x4.mul(v128.load32_splat(inp + i), vscale), keep), 0);
    idx = i32x4.add(idx, i32x4.splat(1));
  }
}
