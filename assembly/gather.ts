// Batch assembly for the sparse first layer: picks images by index and writes each one's nonzero pixels as the
// row lists of sparse-lists.ts (column offsets and pixel * 1/std), its constant c = -mean/std and its label. The
// data set stays u8 in memory; only the batch's nonzeros become f32.

import { BLOCK_COLUMNS, BLOCKS, LIST_HEADER } from './sparse-lists';

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
  const columns = i16x8.extend_low_i8x16_u(lanes), base = i32x4.splat(<i32>j), at = count << 2;
  v128.store(list + at, i32x4.shl(i32x4.add(i32x4.extend_low_i16x8_u(columns), base), 6));
  v128.store(list + at, i32x4.shl(i32x4.add(i32x4.extend_high_i16x8_u(columns), base), 6), 16);
  // Pixels are 0..255: the signed conversion is exact and V8 emits one instruction for it (the unsigned one, eight).
  v128.store(vals + at, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(pixels)), invStd));
  v128.store(vals + at, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(pixels)), invStd), 16);
  return count + <usize>popcnt(m);
}

/** c (rows) = -mean * invStd; nz / val = the nonzero pixels of images[idx[r]] as (column, pixel * invStd) with the block starts; y = labels. */
export function gatherSparse(nz: usize, val: usize, c: usize, y: usize, images: usize, labels: usize, stats: usize, idx: usize, rows: i32, dim: i32): void {
  for (let r: usize = 0; r < <usize>rows; r++) {
    const img = <usize>load<i32>(idx + (r << 2));
    gatherRow(nz, val, c, y, r, images + img * <usize>dim, load<u8>(labels + img), load<f32>(stats + (img << 3)), load<f32>(stats + (img << 3), 4), dim);
  }
}

/** Row r of gatherSparse's output from the dim pixels at src, with the image's mean, invStd and label. */
// @ts-ignore: decorator
@inline export function gatherRow(nz: usize, val: usize, c: usize, y: usize, r: usize, src: usize, label: u8, mean: f32, invStd: f32, dim: i32): void {
  const d = <usize>dim, d16 = <usize>(dim & ~15);
  store<f32>(c + (r << 2), -mean * invStd);
  const head = nz + r * ((d + <usize>BLOCKS) << 2), list = head + LIST_HEADER, vals = val + r * (d << 2);
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
      store<u32>(list + (count << 2), <u32>(j << 6));
      store<f32>(vals + (count << 2), <f32>px * invStd);
      count++;
    }
  }
  store<i32>(head, <i32>count);
  // Blocks that start past the row's last whole chunk hold none of its pixels.
  for (let b: usize = 1; b < <usize>BLOCKS; b++) if (BLOCK_COLUMNS * b > d16) store<i32>(head + (b << 2), <i32>count);
  store<u8>(y + r, label);
}
