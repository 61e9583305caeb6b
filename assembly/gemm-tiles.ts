// The GEMM micro-kernels: a 4x8 register tile of C (8 f32x4 accumulators, 2 B vectors, 1 broadcast A:
// 11 of V8's ~15 usable xmm registers) plus the narrower 4x4 / 1x8 / 1x4 tiles and a scalar cell for edges.
// Operands are addressed by byte strides so one tile serves NN, TN and NT (gather = B columns are strided).
// Every tile accumulates each C element in the same order (p ascending, f32 mul then add; one FMA in the relaxed
// build, assembly/fused.ts), so which tile computed an element never changes its value: the driver may cover
// edges with overlapping tiles.
// A (i, p) is at a + i*ra + p*pa; B (p, j) at b + p*pb + j*jb; C (i, j) at c + i*ldc + j*4; C is overwritten.

import { addProduct } from './fused';

/** 4 consecutive B columns of row p: one load when contiguous (jb = 4), else 4 lane loads (NT's B^T). */
// @ts-ignore: decorator
@inline function loadB(bp: usize, jb: usize, gather: bool): v128 {
  if (!gather) return v128.load(bp);
  let v = v128.load32_zero(bp);
  v = v128.load32_lane(bp + jb, v, 1);
  v = v128.load32_lane(bp + jb * 2, v, 2);
  return v128.load32_lane(bp + jb * 3, v, 3);
}

/** C (4, 8) tile at c = A (4 rows from a) * B (8 columns from b), over k. */
// @ts-ignore: decorator
@inline export function tile4x8(c: usize, a: usize, b: usize, k: i32, ra: usize, pa: usize, pb: usize, jb: usize, ldc: usize, gather: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const jb4 = jb * 4;
  let ap = a, bp = b;
  for (let p = 0; p < k; p++) {
    const b0 = loadB(bp, jb, gather), b1 = loadB(bp + jb4, jb, gather);
    let s = v128.load32_splat(ap);
    c00 = addProduct(c00, s, b0); c01 = addProduct(c01, s, b1);
    s = v128.load32_splat(ap + ra);
    c10 = addProduct(c10, s, b0); c11 = addProduct(c11, s, b1);
    s = v128.load32_splat(ap + ra * 2);
    c20 = addProduct(c20, s, b0); c21 = addProduct(c21, s, b1);
    s = v128.load32_splat(ap + ra * 3);
    c30 = addProduct(c30, s, b0); c31 = addProduct(c31, s, b1);
    ap += pa; bp += pb;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16);
}

/** C (4, 4) tile: the column edge of tile4x8. */
// @ts-ignore: decorator
@inline export function tile4x4(c: usize, a: usize, b: usize, k: i32, ra: usize, pa: usize, pb: usize, jb: usize, ldc: usize, gather: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let ap = a, bp = b;
  for (let p = 0; p < k; p++) {
    const b0 = loadB(bp, jb, gather);
    c0 = addProduct(c0, v128.load32_splat(ap), b0);
    c1 = addProduct(c1, v128.load32_splat(ap + ra), b0);
    c2 = addProduct(c2, v128.load32_splat(ap + ra * 2), b0);
    c3 = addProduct(c3, v128.load32_splat(ap + ra * 3), b0);
    ap += pa; bp += pb;
  }
  v128.store(c, c0); v128.store(c + ldc, c1); v128.store(c + ldc * 2, c2); v128.store(c + ldc * 3, c3);
}

/** C (1, 8) tile: the row edge when m < 4. */
// @ts-ignore: decorator
@inline export function tile1x8(c: usize, a: usize, b: usize, k: i32, pa: usize, pb: usize, jb: usize, gather: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  const jb4 = jb * 4;
  let ap = a, bp = b;
  for (let p = 0; p < k; p++) {
    const s = v128.load32_splat(ap);
    c0 = addProduct(c0, s, loadB(bp, jb, gather));
    c1 = addProduct(c1, s, loadB(bp + jb4, jb, gather));
    ap += pa; bp += pb;
  }
  v128.store(c, c0); v128.store(c, c1, 16);
}

/** C (1, 4) tile: the row and column edge. */
// @ts-ignore: decorator
@inline export function tile1x4(c: usize, a: usize, b: usize, k: i32, pa: usize, pb: usize, jb: usize, gather: bool): void {
  let c0 = f32x4.splat(0);
  let ap = a, bp = b;
  for (let p = 0; p < k; p++) {
    c0 = addProduct(c0, v128.load32_splat(ap), loadB(bp, jb, gather));
    ap += pa; bp += pb;
  }
  v128.store(c, c0);
}

/** One C element: used only when n < 4 (no 4-wide tile fits). Lane 0 of the tiles' own multiply-add (addProduct),
 * so the relaxed build fuses it as the tiles do and an element's value never depends on which path computed it
 * (threads that split a product's columns can leave a range under 4 wide). */
// @ts-ignore: decorator
@inline export function cell(c: usize, a: usize, b: usize, k: i32, pa: usize, pb: usize): void {
  let sum = f32x4.splat(0);
  let ap = a, bp = b;
  for (let p = 0; p < k; p++) {
    sum = addProduct(sum, v128.load32_splat(ap), v128.load32_splat(bp));
    ap += pa; bp += pb;
  }
  store<f32>(c, f32x4.extract_lane(sum, 0));
}
