// The layer products over packed panels of B. B's columns [j, j + 8) are copied as k rows of 8 contiguous floats
// into the caller's scratch, at byte j * k * 4 (so each column range has its own part of the scratch, and threads
// that split C's columns never share one), then every 4-row block of C is computed from that panel: a wide B's rows
// are 4 KB apart (1024 floats), and tiles reading B in place stream it from L2 or beyond with no prefetch, once
// per row block. NT's B^T is transposed into the panels, which also spares the tiles its lane-by-lane loads.
// The tiles are the unpacked driver's (gemm-tiles.ts), so every element is summed in the same order: the same bits.

import { gemm } from './gemm';
import { tile4x8 } from './gemm-tiles';

/** Below this many rows of C a panel serves too few tiles to pay for its copy: B is read in place. */
const MIN_PACKED_ROWS = 8;
/** Below this many columns the unpacked driver's overlapping edge tiles do less: B is read in place. */
const MIN_PACKED_COLUMNS = 16;
/** gemmTN packs A^T in strips of 8 rows: below 16 rows the last strip's overlap recomputes too much. */
const MIN_PACKED_STRIPS = 16;

/** B's columns [0, 8) from b (B (p, j) at b + p*pb + j*jb) into dst as k rows of 8 floats. */
// @ts-ignore: decorator
@inline function packPanel(dst: usize, b: usize, k: i32, pb: usize, jb: usize, gather: bool): void {
  if (!gather) { // jb = 4: a row's 8 columns are 32 contiguous bytes
    for (let p = 0; p < k; p++, b += pb, dst += 32) {
      v128.store(dst, v128.load(b));
      v128.store(dst, v128.load(b, 16), 16);
    }
    return;
  }
  // pb = 4: column j is k contiguous floats at b + j*jb. Four columns' 4 values at a time, transposed in registers.
  let p = 0;
  for (; p + 4 <= k; p += 4, b += 16, dst += 128) {
    for (let h: usize = 0; h < 2; h++) {
      const col = b + h * 4 * jb;
      const r0 = v128.load(col), r1 = v128.load(col + jb), r2 = v128.load(col + jb * 2), r3 = v128.load(col + jb * 3);
      const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      const at = dst + (h << 4);
      v128.store(at, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
      v128.store(at + 32, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
      v128.store(at + 64, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
      v128.store(at + 96, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
    }
  }
  for (; p < k; p++, b += 4, dst += 32) {
    for (let q: usize = 0; q < 8; q++) store<f32>(dst + (q << 2), load<f32>(b + q * jb));
  }
}

/**
 * Columns [j0, j1) of C (m, n) = sum over p of A (i, p) * B (p, j), operands as gemm takes them, B packed into
 * scratch (k * n floats; the panel of columns [j, j + 8) at byte j * k * 4) when the range holds a whole panel and a
 * panel serves enough rows; otherwise from B in place. A ragged range ends in a panel overlapping the one before,
 * in the range's own part of the scratch, as the row blocks end (its columns come out the same again).
 */
// @ts-ignore: decorator
@inline export function gemmPackedCols(c: usize, a: usize, b: usize, m: i32, k: i32, ra: usize, pa: usize, pb: usize, jb: usize, ldc: usize, gather: bool,
  scratch: usize, j0: i32, j1: i32): void {
  if (m < MIN_PACKED_ROWS || j1 - j0 < MIN_PACKED_COLUMNS) {
    gemm(c + (<usize>j0 << 2), a, b + <usize>j0 * jb, m, k, j1 - j0, ra, pa, pb, jb, ldc, gather);
    return;
  }
  for (let j = j0; ; j += 8) {
    if (j > j1 - 8) j = j1 - 8;
    const panel = scratch + <usize>j * (<usize>k << 2), cj = c + (<usize>j << 2);
    packPanel(panel, b + <usize>j * jb, k, pb, jb, gather);
    // Blocks of 4 rows; when m % 4 != 0 the last block starts at m - 4 and recomputes a few rows (as gemm).
    for (let i = 0; ; i += 4) {
      if (i > m - 4) i = m - 4;
      tile4x8(cj + <usize>i * ldc, a + <usize>i * ra, panel, k, ra, pa, 32, 4, ldc, false);
      if (i == m - 4) break;
    }
    if (j == j1 - 8) break;
  }
}

/** c (m, n) = a (m, k) * b (k, n); scratch: k * n floats, overwritten (B's panels). */
export function gemmNN(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  gemmNNCols(c, a, b, m, k, n, scratch, 0, n);
}

/** Columns [j0, j1) of gemmNN's c: how threads split a product. */
export function gemmNNCols(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, scratch: usize, j0: i32, j1: i32): void {
  gemmPackedCols(c, a, b, m, k, <usize>k << 2, 4, <usize>n << 2, 4, <usize>n << 2, false, scratch, j0, j1);
}

/**
 * A's columns [i, i + 8) (A (i, p) at a + i*4 + p*pa) into dst as two 4-row panels of k rows of 4 floats: the
 * weight gradient's A^T, whose rows are far apart, read contiguously.
 */
// @ts-ignore: decorator
@inline function packStrip(dst: usize, a: usize, k: i32, pa: usize): void {
  const second = dst + (<usize>k << 4);
  for (let p: usize = 0; p < <usize>k; p++, a += pa) {
    v128.store(dst + (p << 4), v128.load(a));
    v128.store(second + (p << 4), v128.load(a, 16));
  }
}

/** c (m, n) = a^T * b with a stored (k, m), b (k, n); scratch: 2 * k * n floats, overwritten. */
export function gemmTN(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  gemmTNCols(c, a, b, m, k, n, scratch, 0, n);
}

/**
 * Columns [j0, j1) of gemmTN's c. A weight gradient sums over the batch (k small), so the range's B panels fit in
 * L2 together: they are packed first, then every 8 rows of c pack their A^T strip (in the range's own part of the
 * scratch's second half) and sweep the panels. Columns past the last whole panel are computed from B in place.
 */
export function gemmTNCols(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, scratch: usize, j0: i32, j1: i32): void {
  const pa = <usize>m << 2, pb = <usize>n << 2, ldc = <usize>n << 2, kb = <usize>k << 2;
  if (m < MIN_PACKED_STRIPS || j1 - j0 < MIN_PACKED_COLUMNS) {
    gemm(c + (<usize>j0 << 2), a, b + (<usize>j0 << 2), m, k, j1 - j0, 4, pa, pb, 4, ldc, false);
    return;
  }
  const whole = j0 + ((j1 - j0) & ~7);
  for (let j = j0; j < whole; j += 8) packPanel(scratch + <usize>j * kb, b + (<usize>j << 2), k, pb, 4, false);
  const strip = scratch + (<usize>n + <usize>j0) * kb;
  for (let i = 0; ; i += 8) {
    if (i > m - 8) i = m - 8; // the last strip ends at m, recomputing a few rows (as gemm's row blocks)
    packStrip(strip, a + (<usize>i << 2), k, pa);
    const ci = c + <usize>i * ldc;
    for (let j = j0; j < whole; j += 8) {
      const panel = scratch + <usize>j * kb, cij = ci + (<usize>j << 2);
      tile4x8(cij, strip, panel, k, 4, 16, 32, 4, ldc, false);
      tile4x8(cij + (ldc << 2), strip + (<usize>k << 4), panel, k, 4, 16, 32, 4, ldc, false);
    }
    if (i == m - 8) break;
  }
  // A ragged end: the last 8 columns again, from B in place (an element's value is the same whichever tile computes it).
  if (whole < j1) gemm(c + (<usize>(j1 - 8) << 2), a, b + (<usize>(j1 - 8) << 2), m, k, 8, 4, pa, pb, 4, ldc, false);
}

/** c (m, n) = a (m, k) * b^T with b stored (n, k); scratch: k * n floats, overwritten (B^T's panels). */
export function gemmNT(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  gemmNTCols(c, a, b, m, k, n, scratch, 0, n);
}

/** Columns [j0, j1) of gemmNT's c. */
export function gemmNTCols(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, scratch: usize, j0: i32, j1: i32): void {
  gemmPackedCols(c, a, b, m, k, <usize>k << 2, 4, 4, <usize>k << 2, <usize>n << 2, true, scratch, j0, j1);
}
