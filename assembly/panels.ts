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
