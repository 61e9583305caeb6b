// The weights W (k, n) of the first layer are kept in column panels (src/core/panels.ts): columns
// [16p, 16p + 16) (fewer in the last panel) as a (k, width) row-major block, the panels one after another, so
// panel p starts at byte w + 64 p k. A 16-column strip of a W row is then one cache line whose neighbours are
// the next rows' lines: the forward pass streams through 50 KB panels instead of striding 512 bytes (one L1 set
// in 8), and threads that split the columns at panel boundaries own disjoint, contiguous parts of W, of its
// gradient and of its velocity.

/** Bytes of one row of the panel that starts at byte column j (4 bytes a column) of a matrix n columns wide. */
// @ts-ignore: decorator
@inline export function panelRowBytes(j: usize, n: i32): usize {
  const left = (<usize>n << 2) - j;
  return left < 64 ? left : 64;
}

/** The first min(bytes, 16) bytes of v (whole lanes) at p: a narrow panel's row ends inside a vector. */
// @ts-ignore: decorator
@inline export function storeBytes(p: usize, v: v128, bytes: usize): void {
  if (bytes >= 16) v128.store(p, v);
  else {
    if (bytes >= 8) v128.store64_lane(p, v, 0);
    if (bytes == 4) v128.store32_lane(p, v, 0);
    else if (bytes == 12) v128.store32_lane(p, v, 2, 8);
  }
}

/** The first min(bytes, 16) bytes at p (whole lanes) in a vector, zeros after: a narrow row read without running past it. */
// @ts-ignore: decorator
@inline export function loadBytes(p: usize, bytes: usize): v128 {
  if (bytes >= 16) return v128.load(p);
  if (bytes == 4) return v128.load32_zero(p);
  const v = v128.load64_zero(p);
  return bytes == 12 ? v128.load32_lane(p, v, 2, 8) : v;
}
