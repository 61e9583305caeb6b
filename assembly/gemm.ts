// The layer products: forward X W (NN), weight gradient X^T dZ (TN), input gradient dZ W^T (NT).
// One driver walks C in 4x8 tiles (gemm-tiles.ts); the three exports only set the operand strides.
// Edges are covered by overlapping tiles (safe: tiles overwrite C with identical values), so the only
// scalar path is n < 4. Operands must not alias C. The exported products copy B 8 columns at a time into
// contiguous panels first (gemm-panels.ts): a wide B's rows are 4 KB apart, and unpacked tiles miss the cache.

import { tile4x8, tile4x4, tile1x8, tile1x4, cell } from './gemm-tiles';

/** C rows (4 or 1 of them, from c / a) across all n columns, with overlapping tiles at the column edge. */
// @ts-ignore: decorator
@inline function rowBlock(c: usize, a: usize, b: usize, k: i32, n: i32, ra: usize, pa: usize, pb: usize, jb: usize, ldc: usize, gather: bool, four: bool): void {
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    if (four) tile4x8(c + (<usize>j << 2), a, b + <usize>j * jb, k, ra, pa, pb, jb, ldc, gather);
    else tile1x8(c + (<usize>j << 2), a, b + <usize>j * jb, k, pa, pb, jb, gather);
  }
  const rem = n - j;
  if (rem == 0) return;
  // n >= 4 here. Up to 4 columns left: one 4-wide tile ending at n; 5..7 left: an 8-wide one if it fits.
  const j4 = n - 4, j8 = n - 8;
  if (rem > 4 && j > 0) {
    if (four) tile4x8(c + (<usize>j8 << 2), a, b + <usize>j8 * jb, k, ra, pa, pb, jb, ldc, gather);
    else tile1x8(c + (<usize>j8 << 2), a, b + <usize>j8 * jb, k, pa, pb, jb, gather);
    return;
  }
  if (rem > 4) { // n is 5..7: two 4-wide tiles, from 0 and ending at n
    if (four) tile4x4(c, a, b, k, ra, pa, pb, jb, ldc, gather);
    else tile1x4(c, a, b, k, pa, pb, jb, gather);
  }
  if (four) tile4x4(c + (<usize>j4 << 2), a, b + <usize>j4 * jb, k, ra, pa, pb, jb, ldc, gather);
  else tile1x4(c + (<usize>j4 << 2), a, b + <usize>j4 * jb, k, pa, pb, jb, gather);
}

/** C (m, n) = sum over p of A (i, p) * B (p, j), with A, B and C (ldc bytes a row) given by byte strides (see gemm-tiles.ts). */
// @ts-ignore: decorator
@inline export function gemm(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, ra: usize, pa: usize, pb: usize, jb: usize, ldc: usize, gather: bool): void {
  if (m <= 0 || n <= 0) return;
  if (n < 4) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) cell(c + <usize>i * ldc + (<usize>j << 2), a + <usize>i * ra, b + <usize>j * jb, k, pa, pb);
    }
    return;
  }
  if (m < 4) {
    for (let i = 0; i < m; i++) rowBlock(c + <usize>i * ldc, a + <usize>i * ra, b, k, n, ra, pa, pb, jb, ldc, gather, false);
    return;
  }
  // Blocks of 4 rows; when m % 4 != 0 the last block starts at m - 4 and recomputes a few rows.
  for (let i = 0; ; i += 4) {
    if (i > m - 4) i = m - 4;
    rowBlock(c + <usize>i * ldc, a + <usize>i * ra, b, k, n, ra, pa, pb, jb, ldc, gather, true);
    if (i == m - 4) break;
  }
}

/** c (m, n) = a (m, k) * b (k, n) with B read in place: the convolutions' narrow products. */
export function productNN(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32): void {
  gemm(c, a, b, m, k, n, <usize>k << 2, 4, <usize>n << 2, 4, <usize>n << 2, false);
}

/** c (m, n) = a^T * b with a stored (k, m) but its rows lda floats apart (its first m columns are used), b (k, n). */
export function gemmTNStrided(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, lda: i32): void {
  gemm(c, a, b, m, k, n, 4, <usize>lda << 2, <usize>n << 2, 4, <usize>n << 2, false);
}
