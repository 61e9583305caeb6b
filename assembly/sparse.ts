// The first layer on sparse input. About half of Fashion-MNIST's pixels are 0, and after per-image
// normalisation such a pixel is the constant c = -mean/std, so a batch is X = c 1^T + S with S = pixel/std
// sparse: X W = c colsum(W) + S W and X^T dZ = 1 (c^T dZ) + S^T dZ, exact up to float rounding.
// The gather writes S as per-row lists; the two products below only touch its nonzeros.
// Row lists: nz + r * (dim + 4) * 4 holds [count, start1, start2, start3] (i32), then each nonzero's column as
// its byte offset in a 16-column panel, column * 64 (u16: columns below 1024), and val + r * dim * 4 the values
// (f32). The columns ascend; start_b is the index of the row's first nonzero at or past column
// BLOCK_COLUMNS * b, so entries [start_b, start_b+1) are block b (start0 = 0, start4 = count). Offsets of 2
// bytes, pre-multiplied, halve the lists the products stream and spare them a shift per nonzero.

import { tanh4, sigmoid4, relu4 } from './activations';
import { addTwoProducts, addProduct } from './fused';

export const ACT_NONE = 0, ACT_TANH = 1, ACT_SIGMOID = 2, ACT_RELU = 3;

/**
 * The products walk W (or dW) in blocks of BLOCK_COLUMNS of its rows, every batch row's nonzeros of one block
 * before the next block: a block of a 16-column panel is 12 KB (24 KB for the weight gradient's two panels)
 * and stays in L1 while the batch's rows pass over it, where a whole panel (50 KB) does not. Each element still
 * sums its terms in column (or row) order. Four blocks of 192 rows beat eight of 96 (fewer passes over the lists).
 */
const BLOCK_COLUMNS: usize = 192;
const BLOCKS = 4;
/** Bytes before a row's first column: the count and the starts of blocks 1 to BLOCKS - 1. */
const LIST_HEADER: usize = <usize>BLOCKS << 2;

/** Byte offsets [from, to) of block b's entries in a row's offset list (2 bytes each; head: the row's header). */
// @ts-ignore: decorator
@inline function blockFrom(head: usize, b: i32): usize {
  return b == 0 ? 0 : <usize>load<i32>(head + (<usize>b << 2)) << 1;
}
// @ts-ignore: decorator
@inline function blockTo(head: usize, b: i32): usize {
  return <usize>load<i32>(head + (b == BLOCKS - 1 ? 0 : <usize>(b + 1) << 2)) << 1;
}

/** Bias add and activation of 4 lanes, the forward epilogue shared by the vector body and the scalar tail. */
// @ts-ignore: decorator
@inline function epilogue(v: v128, bias: v128, act: i32): v128 {
  v = f32x4.add(v, bias);
  if (act == ACT_TANH) return tanh4(v);
  if (act == ACT_SIGMOID) return sigmoid4(v);
  if (act == ACT_RELU) return relu4(v);
  return v;
}

/**
 * For each 8-bit mask m, the positions of its set bits in ascending order, padded with 0x80 (a swizzle index
 * that reads 0): row m (8 bytes) lets the gather compact 8 pixels with one swizzle. Filled when the module is
 * instantiated; every instance writes the same bytes.
 */
const SET_BITS: usize = memory.data(256 * 8);
for (let m = 0; m < 256; m++) {
  let n = 0;
  for (let b = 0; b < 8; b++) if ((m >> b) & 1) store<u8>(SET_BITS + (m << 3) + n++, <u8>b);
  for (; n < 8; n++) store<u8>(SET_BITS + (m << 3) + n, 0x80);
}

/**
 * Appends the nonzero pixels among lanes [half, half + 8) of v (pixels j..j+15 of an image, m the bitmask of
 * those lanes' nonzeros) to a row's lists at entry `count`: their columns j + lane and values pixel * invStd,
 * in lane order. Always stores 8 entries (those past the new count are scratch). Returns the new count.
 */
// @ts-ignore: decorator
@inline function appendNonzeros(v: v128, m: i32, half: i32, j: usize, list: usize, vals: usize, count: usize, invStd: v128): usize {
  const lanes = i8x16.add(v128.load64_zero(SET_BITS + (<usize>m << 3)), i8x16.splat(<i8>half));
  const pixels = i16x8.extend_low_i8x16_u(i8x16.swizzle(v, lanes));
  // Offsets (j + lane) * 64 < 65536, the u16 lanes' wrap-around as i16 notwithstanding.
  v128.store(list + (count << 1), i16x8.shl(i16x8.add(i16x8.extend_low_i8x16_u(lanes), i16x8.splat(<i16>j)), 6));
  const at = count << 2;
  // Pixels are 0..255: the signed conversion is exact and V8 emits one instruction for it (the unsigned one, eight).
  v128.store(vals + at, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(pixels)), invStd));
  v128.store(vals + at, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(pixels)), invStd), 16);
  return count + <usize>popcnt(m);
}

/** c (rows) = -mean * invStd; nz / val = the nonzero pixels of images[idx[r]] as (column, pixel * invStd) with the block starts; y = labels. */
export function gatherSparse(nz: usize, val: usize, c: usize, y: usize, images: usize, labels: usize, stats: usize, idx: usize, rows: i32, dim: i32): void {
  const d = <usize>dim, d16 = <usize>(dim & ~15);
  for (let r: usize = 0; r < <usize>rows; r++) {
    const img = <usize>load<i32>(idx + (r << 2));
    const mean = load<f32>(stats + (img << 3)), invStd = load<f32>(stats + (img << 3), 4);
    store<f32>(c + (r << 2), -mean * invStd);
    const head = nz + r * ((d + <usize>BLOCKS) << 2), list = head + LIST_HEADER, vals = val + r * (d << 2);
    const src = images + img * d;
    let count: usize = 0;
    let j: usize = 0;
    // 16 pixels at a time, compacted 8 by 8 through SET_BITS, with no branch per nonzero (a loop over the mask's
    // bits mispredicts on every image). A half with no nonzero is skipped (the image's border; a branch that
    // follows the image's shape), and the chunks are walked block by block.
    // The 8 stores of a half may run past the row's final count, but not past pixel j + 16: inside the row.
    const vinv = f32x4.splat(invStd);
    for (let b: usize = 0; b < <usize>BLOCKS; b++) {
      // Block boundaries are multiples of 16: each falls after a whole chunk.
      const blockEnd = b + 1 < <usize>BLOCKS ? min(d16, BLOCK_COLUMNS * (b + 1)) : d16;
      for (; j < blockEnd; j += 16) {
        const v = v128.load(src + j);
        const mask = i8x16.bitmask(i8x16.ne(v, i8x16.splat(0)));
        if ((mask & 255) != 0) count = appendNonzeros(v, mask & 255, 0, j, list, vals, count, vinv);
        if ((mask >> 8) != 0) count = appendNonzeros(v, mask >> 8, 8, j, list, vals, count, vinv);
      }
      if (b + 1 < <usize>BLOCKS && j == BLOCK_COLUMNS * (b + 1)) store<i32>(head + ((b + 1) << 2), <i32>count);
    }
    for (; j < d; j++) {
      const px = load<u8>(src + j);
      if (px != 0) {
        store<u16>(list + (count << 1), <u16>(j << 6));
        store<f32>(vals + (count << 2), <f32>px * invStd);
        count++;
      }
    }
    store<i32>(head, <i32>count);
    // Blocks that start past the row's last whole chunk hold none of its pixels.
    for (let b: usize = 1; b < <usize>BLOCKS; b++) if (BLOCK_COLUMNS * b > d16) store<i32>(head + (b << 2), <i32>count);
    store<u8>(y + r, load<u8>(labels + img));
  }
}

// The weights W (k, n) of the first layer are kept in column panels (src/core/panels.ts): columns
// [16p, 16p + 16) (fewer in the last panel) as a (k, width) row-major block, the panels one after another, so
// panel p starts at byte w + 64 p k. A 16-column strip of a W row is then one cache line whose neighbours are
// the next rows' lines: the forward pass streams through 50 KB panels instead of striding 512 bytes (one L1 set
// in 8), and threads that split the columns at panel boundaries own disjoint, contiguous parts of W, of its
// gradient and of its velocity.

/** Bytes of one row of the panel that starts at byte column j (4 bytes a column) of a matrix n columns wide. */
// @ts-ignore: decorator
@inline function panelRowBytes(j: usize, n: i32): usize {
  const left = (<usize>n << 2) - j;
  return left < 64 ? left : 64;
}

/**
 * out (rows, n) = act(c wsum + S W + bias) with W (k, n) in column panels; also writes wsum (n) = colsum(W),
 * rows summed in order. Per element: c * wsum, then S's terms in column order.
 */
export function sparseForward(out: usize, nz: usize, val: usize, c: usize, w: usize, wsum: usize, bias: usize, rows: i32, k: i32, n: i32, act: i32): void {
  sparseForwardCols(out, nz, val, c, w, wsum, bias, rows, k, n, act, 0, n);
}

/** Columns [j0, j1) of sparseForward, j0 a multiple of 4 (16 for the fast path): how threads split it, each over its own panels. */
export function sparseForwardCols(out: usize, nz: usize, val: usize, c: usize, w: usize, wsum: usize, bias: usize, rows: i32, k: i32, n: i32, act: i32, j0: i32, j1: i32): void {
  const ldo = <usize>n << 2, ldnz = (<usize>k + <usize>BLOCKS) << 2, ldv = <usize>k << 2, kk = <usize>k;
  const start = <usize>j0 << 2, end = <usize>j1 << 2;
  // wsum down each panel's rows: full panels 16 columns at a time (4 independent sums), the last panel 4 columns
  // at a time, then single columns in lane 0 of a splat.
  let jw = start;
  for (; (jw & 63) == 0 && jw + 64 <= end && panelRowBytes(jw, n) == 64; jw += 64) {
    const p = w + jw * kk;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let q: usize = 0; q < kk; q++) {
      const row = p + (q << 6);
      s0 = f32x4.add(s0, v128.load(row)); s1 = f32x4.add(s1, v128.load(row, 16));
      s2 = f32x4.add(s2, v128.load(row, 32)); s3 = f32x4.add(s3, v128.load(row, 48));
    }
    v128.store(wsum + jw, s0); v128.store(wsum + jw, s1, 16); v128.store(wsum + jw, s2, 32); v128.store(wsum + jw, s3, 48);
  }
  while (jw < end) {
    const pw = panelRowBytes(jw & ~63, n), p = w + (jw & ~63) * kk + (jw & 63);
    const wide = jw + 16 <= end;
    let acc = f32x4.splat(0);
    for (let q: usize = 0; q < kk; q++) acc = f32x4.add(acc, wide ? v128.load(p + q * pw) : v128.load32_splat(p + q * pw));
    if (wide) v128.store(wsum + jw, acc);
    else store<f32>(wsum + jw, f32x4.extract_lane(acc, 0));
    jw += wide ? 16 : 4;
  }
  // Full panels: 16 columns (4 accumulators) per sweep over a row's nonzeros in one block, each a line of the
  // panel; the partial sums wait in out between blocks. V8 loads a loop body's operands up front, so
  // 4 accumulators + 8 W vectors + 2 broadcasts is what fits in its 15 xmm registers; two nonzeros a pass halve
  // the loop's bookkeeping (V8's stack check, compare, branch). The plain build still adds their terms one after
  // the other (assembly/fused.ts). One pointer walks both lists (a value's address is twice its offset's plus a
  // constant).
  let j = start;
  for (; (j & 63) == 0 && j + 64 <= end && panelRowBytes(j, n) == 64; j += 64) {
    const pj = w + j * kk;
    for (let b = 0; b < BLOCKS; b++) {
      for (let r: usize = 0; r < <usize>rows; r++) {
        const head = nz + r * ldnz, list = head + LIST_HEADER, o = out + r * ldo + j;
        let a0: v128, a1: v128, a2: v128, a3: v128;
        if (b == 0) {
          const cr = v128.load32_splat(c + (r << 2));
          a0 = f32x4.mul(cr, v128.load(wsum + j)); a1 = f32x4.mul(cr, v128.load(wsum + j, 16));
          a2 = f32x4.mul(cr, v128.load(wsum + j, 32)); a3 = f32x4.mul(cr, v128.load(wsum + j, 48));
        } else {
          a0 = v128.load(o); a1 = v128.load(o, 16); a2 = v128.load(o, 32); a3 = v128.load(o, 48);
        }
        const stop = list + blockTo(head, b), delta = val + r * ldv - (list << 1);
        let q = list + blockFrom(head, b);
        for (; q + 4 <= stop; q += 4) {
          const s = v128.load32_splat((q << 1) + delta), t = v128.load32_splat((q << 1) + delta, 4);
          const wp = pj + <usize>load<u16>(q), wq = pj + <usize>load<u16>(q, 2);
          a0 = addTwoProducts(a0, s, v128.load(wp), t, v128.load(wq)); a1 = addTwoProducts(a1, s, v128.load(wp, 16), t, v128.load(wq, 16));
          a2 = addTwoProducts(a2, s, v128.load(wp, 32), t, v128.load(wq, 32)); a3 = addTwoProducts(a3, s, v128.load(wp, 48), t, v128.load(wq, 48));
        }
        if (q < stop) {
          const s = v128.load32_splat((q << 1) + delta);
          const wp = pj + <usize>load<u16>(q);
          a0 = addProduct(a0, s, v128.load(wp)); a1 = addProduct(a1, s, v128.load(wp, 16));
          a2 = addProduct(a2, s, v128.load(wp, 32)); a3 = addProduct(a3, s, v128.load(wp, 48));
        }
        if (b == BLOCKS - 1) {
          v128.store(o, epilogue(a0, v128.load(bias + j), act)); v128.store(o, epilogue(a1, v128.load(bias + j, 16), act), 16);
          v128.store(o, epilogue(a2, v128.load(bias + j, 32), act), 32); v128.store(o, epilogue(a3, v128.load(bias + j, 48), act), 48);
        } else {
          v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
        }
      }
    }
  }
  // The last, narrower panel, row by row: 4 columns at a time, then single columns in lane 0 (the same mul, add
  // and epilogue sequence as a vector lane).
  if (j < end) {
    for (let r: usize = 0; r < <usize>rows; r++) {
      const head = nz + r * ldnz, list = head + LIST_HEADER, vals = val + r * ldv, o = out + r * ldo;
      const count = <usize>load<i32>(head) << 2;
      const cr = v128.load32_splat(c + (r << 2));
      for (let jn = j; jn < end;) {
        const pw = panelRowBytes(jn & ~63, n), p = w + (jn & ~63) * kk + (jn & 63);
        const wide = jn + 16 <= end;
        let a0 = f32x4.mul(cr, wide ? v128.load(wsum + jn) : v128.load32_splat(wsum + jn));
        for (let q: usize = 0; q < count; q += 4) {
          const wp = p + (<usize>load<u16>(list + (q >> 1)) >> 6) * pw;
          a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(vals + q), wide ? v128.load(wp) : v128.load32_splat(wp)));
        }
        if (wide) v128.store(o + jn, epilogue(a0, v128.load(bias + jn), act));
        else store<f32>(o + jn, f32x4.extract_lane(epilogue(a0, v128.load32_splat(bias + jn), act), 0));
        jn += wide ? 16 : 4;
      }
    }
  }
}

/**
 * Columns [j0, j1) of dw (k, n) = 1 (c^T dz) + S^T dz with dz (rows, n), dw in column panels, j0 a multiple of
 * 4 (16 for the fast path); per element: the c term, then S's terms in row order.
 */
export function sparseWeightGradCols(dw: usize, nz: usize, val: usize, c: usize, dz: usize, rows: i32, k: i32, n: i32, j0: i32, j1: i32): void {
  const ld = <usize>n << 2, ldnz = (<usize>k + <usize>BLOCKS) << 2, ldv = <usize>k << 2, kk = <usize>k;
  const panel = kk << 6; // bytes of a full panel
  let j = <usize>j0 << 2;
  const end = <usize>j1 << 2;
  // Two full panels (32 columns, 8 vectors of dz held per row) per sweep, then narrower strips. This loop spills
  // a few registers, yet runs faster than 16-column sweeps: dw's rows are revisited half as often.
  for (; (j & 63) == 0 && j + 128 <= end && panelRowBytes(j + 64, n) == 64; j += 128) {
    const p0 = dw + j * kk, p1 = p0 + panel;
    let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
    let v4 = f32x4.splat(0), v5 = f32x4.splat(0), v6 = f32x4.splat(0), v7 = f32x4.splat(0);
    for (let r: usize = 0; r < <usize>rows; r++) {
      const cr = v128.load32_splat(c + (r << 2)), d = dz + r * ld + j;
      v0 = f32x4.add(v0, f32x4.mul(cr, v128.load(d))); v1 = f32x4.add(v1, f32x4.mul(cr, v128.load(d, 16)));
      v2 = f32x4.add(v2, f32x4.mul(cr, v128.load(d, 32))); v3 = f32x4.add(v3, f32x4.mul(cr, v128.load(d, 48)));
      v4 = f32x4.add(v4, f32x4.mul(cr, v128.load(d, 64))); v5 = f32x4.add(v5, f32x4.mul(cr, v128.load(d, 80)));
      v6 = f32x4.add(v6, f32x4.mul(cr, v128.load(d, 96))); v7 = f32x4.add(v7, f32x4.mul(cr, v128.load(d, 112)));
    }
    for (let p: usize = 0; p < panel; p += 64) {
      v128.store(p0 + p, v0); v128.store(p0 + p, v1, 16); v128.store(p0 + p, v2, 32); v128.store(p0 + p, v3, 48);
      v128.store(p1 + p, v4); v128.store(p1 + p, v5, 16); v128.store(p1 + p, v6, 32); v128.store(p1 + p, v7, 48);
    }
    // A block of dw's rows at a time (24 KB of the two panels), every batch row's nonzeros in it in row order.
    for (let b = 0; b < BLOCKS; b++) for (let r: usize = 0; r < <usize>rows; r++) {
      const head = nz + r * ldnz, list = head + LIST_HEADER, d = dz + r * ld + j;
      const d0 = v128.load(d), d1 = v128.load(d, 16), d2 = v128.load(d, 32), d3 = v128.load(d, 48);
      const d4 = v128.load(d, 64), d5 = v128.load(d, 80), d6 = v128.load(d, 96), d7 = v128.load(d, 112);
      // Two nonzeros a pass, the second's terms after the first's (their rows of dw differ): half the loop's
      // bookkeeping. Written out: through an inline helper per line of 16 floats, V8 loses that gain.
      const stop = list + blockTo(head, b), delta = val + r * ldv - (list << 1);
      let q = list + blockFrom(head, b);
      for (; q + 4 <= stop; q += 4) {
        const s = v128.load32_splat((q << 1) + delta), t = v128.load32_splat((q << 1) + delta, 4);
        const row = <usize>load<u16>(q), o = p0 + row, e = p1 + row;
        const row2 = <usize>load<u16>(q, 2), o2 = p0 + row2, e2 = p1 + row2;
        v128.store(o, addProduct(v128.load(o), s, d0)); v128.store(o, addProduct(v128.load(o, 16), s, d1), 16);
        v128.store(o, addProduct(v128.load(o, 32), s, d2), 32); v128.store(o, addProduct(v128.load(o, 48), s, d3), 48);
        v128.store(e, addProduct(v128.load(e), s, d4)); v128.store(e, addProduct(v128.load(e, 16), s, d5), 16);
        v128.store(e, addProduct(v128.load(e, 32), s, d6), 32); v128.store(e, addProduct(v128.load(e, 48), s, d7), 48);
        v128.store(o2, addProduct(v128.load(o2), t, d0)); v128.store(o2, addProduct(v128.load(o2, 16), t, d1), 16);
        v128.store(o2, addProduct(v128.load(o2, 32), t, d2), 32); v128.store(o2, addProduct(v128.load(o2, 48), t, d3), 48);
        v128.store(e2, addProduct(v128.load(e2), t, d4)); v128.store(e2, addProduct(v128.load(e2, 16), t, d5), 16);
        v128.store(e2, addProduct(v128.load(e2, 32), t, d6), 32); v128.store(e2, addProduct(v128.load(e2, 48), t, d7), 48);
      }
      if (q < stop) {
        const s = v128.load32_splat((q << 1) + delta);
        const row = <usize>load<u16>(q), o = p0 + row, e = p1 + row;
        v128.store(o, addProduct(v128.load(o), s, d0)); v128.store(o, addProduct(v128.load(o, 16), s, d1), 16);
        v128.store(o, addProduct(v128.load(o, 32), s, d2), 32); v128.store(o, addProduct(v128.load(o, 48), s, d3), 48);
        v128.store(e, addProduct(v128.load(e), s, d4)); v128.store(e, addProduct(v128.load(e, 16), s, d5), 16);
        v128.store(e, addProduct(v128.load(e, 32), s, d6), 32); v128.store(e, addProduct(v128.load(e, 48), s, d7), 48);
      }
    }
  }
  // One full panel (16 columns, 4 vectors of dz) per sweep where a range ends half-way through a pair of panels:
  // threads may split the columns at any panel boundary. Each element's sums as in the two-panel sweep.
  for (; (j & 63) == 0 && j + 64 <= end && panelRowBytes(j, n) == 64; j += 64) {
    const p0 = dw + j * kk;
    let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
    for (let r: usize = 0; r < <usize>rows; r++) {
      const cr = v128.load32_splat(c + (r << 2)), d = dz + r * ld + j;
      v0 = f32x4.add(v0, f32x4.mul(cr, v128.load(d))); v1 = f32x4.add(v1, f32x4.mul(cr, v128.load(d, 16)));
      v2 = f32x4.add(v2, f32x4.mul(cr, v128.load(d, 32))); v3 = f32x4.add(v3, f32x4.mul(cr, v128.load(d, 48)));
    }
    for (let p: usize = 0; p < panel; p += 64) {
      v128.store(p0 + p, v0); v128.store(p0 + p, v1, 16); v128.store(p0 + p, v2, 32); v128.store(p0 + p, v3, 48);
    }
    for (let b = 0; b < BLOCKS; b++) for (let r: usize = 0; r < <usize>rows; r++) {
      const head = nz + r * ldnz, list = head + LIST_HEADER, d = dz + r * ld + j;
      const d0 = v128.load(d), d1 = v128.load(d, 16), d2 = v128.load(d, 32), d3 = v128.load(d, 48);
      const stop = list + blockTo(head, b), delta = val + r * ldv - (list << 1);
      let q = list + blockFrom(head, b);
      for (; q + 4 <= stop; q += 4) {
        const s = v128.load32_splat((q << 1) + delta), t = v128.load32_splat((q << 1) + delta, 4);
        const o = p0 + <usize>load<u16>(q), o2 = p0 + <usize>load<u16>(q, 2);
        v128.store(o, addProduct(v128.load(o), s, d0)); v128.store(o, addProduct(v128.load(o, 16), s, d1), 16);
        v128.store(o, addProduct(v128.load(o, 32), s, d2), 32); v128.store(o, addProduct(v128.load(o, 48), s, d3), 48);
        v128.store(o2, addProduct(v128.load(o2), t, d0)); v128.store(o2, addProduct(v128.load(o2, 16), t, d1), 16);
        v128.store(o2, addProduct(v128.load(o2, 32), t, d2), 32); v128.store(o2, addProduct(v128.load(o2, 48), t, d3), 48);
      }
      if (q < stop) {
        const s = v128.load32_splat((q << 1) + delta);
        const o = p0 + <usize>load<u16>(q);
        v128.store(o, addProduct(v128.load(o), s, d0)); v128.store(o, addProduct(v128.load(o, 16), s, d1), 16);
        v128.store(o, addProduct(v128.load(o, 32), s, d2), 32); v128.store(o, addProduct(v128.load(o, 48), s, d3), 48);
      }
    }
  }
  // Narrow strips: width 4 while possible, then single columns computed in lane 0, each within its panel.
  while (j < end) {
    const pw = panelRowBytes(j & ~63, n), base = dw + (j & ~63) * kk + (j & 63);
    const wide = j + 16 <= end;
    let v = f32x4.splat(0);
    for (let r: usize = 0; r < <usize>rows; r++) {
      const dv = wide ? v128.load(dz + r * ld + j) : v128.load32_splat(dz + r * ld + j);
      v = f32x4.add(v, f32x4.mul(v128.load32_splat(c + (r << 2)), dv));
    }
    for (let p: usize = 0; p < kk; p++) {
      if (wide) v128.store(base + p * pw, v);
      else store<f32>(base + p * pw, f32x4.extract_lane(v, 0));
    }
    for (let r: usize = 0; r < <usize>rows; r++) {
      const head = nz + r * ldnz, list = head + LIST_HEADER, vals = val + r * ldv;
      const count = <usize>load<i32>(head) << 2;
      const dv = wide ? v128.load(dz + r * ld + j) : v128.load32_splat(dz + r * ld + j);
      for (let q: usize = 0; q < count; q += 4) {
        const o = base + (<usize>load<u16>(list + (q >> 1)) >> 6) * pw;
        const s = v128.load32_splat(vals + q);
        if (wide) v128.store(o, f32x4.add(v128.load(o), f32x4.mul(s, dv)));
        else store<f32>(o, f32x4.extract_lane(f32x4.add(v128.load32_splat(o), f32x4.mul(s, dv)), 0));
      }
    }
    j += wide ? 16 : 4;
  }
}

/** dw (k, n) = X^T dz for X = c 1^T + S, in column panels: all columns of sparseWeightGradCols. */
export function sparseWeightGrad(dw: usize, nz: usize, val: usize, c: usize, dz: usize, rows: i32, k: i32, n: i32): void {
  sparseWeightGradCols(dw, nz, val, c, dz, rows, k, n, 0, n);
}
