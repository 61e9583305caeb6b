// Normalised images that arrive as floats (a caller of the classifier normalised them) turned into gatherSparse's
// row lists (sparse-lists.ts): each row is x = c + s with c its smallest value, so s is 0 wherever the image's
// pixel was 0 and the lists are as sparse as the gather's. Values are finite (the host checks).

import { BLOCK_COLUMNS, BLOCKS, LIST_HEADER } from './sparse-lists';

/**
 * For each 4-bit mask m, the byte swizzle that moves the f32 lanes whose bit is set to the front in lane order,
 * padded with 0x80 (reads 0): one swizzle compacts 4 values, or their column offsets. Every instance writes the same.
 */
const LANES: usize = memory.data(16 * 16);
for (let m = 0; m < 16; m++) {
  let n = 0;
  for (let l = 0; l < 4; l++) {
    if (((m >> l) & 1) == 0) continue;
    for (let b = 0; b < 4; b++) store<u8>(LANES + (m << 4) + (n << 2) + b, <u8>((l << 2) + b));
    n++;
  }
  for (; n < 4; n++) for (let b = 0; b < 4; b++) store<u8>(LANES + (m << 4) + (n << 2) + b, 0x80);
}

/** c (rows) = each row's smallest value of x (rows, dim) f32; nz / val = the nonzeros of s = x - c as gatherSparse lays them out. */
export function sparsifyRows(nz: usize, val: usize, c: usize, x: usize, rows: i32, dim: i32): void {
  const d = <usize>dim, d4 = d & ~3;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const src = x + ((r * d) << 2);
    let least = f32x4.splat(Infinity);
    let j: usize = 0;
    for (; j < d4; j += 4) least = f32x4.min(least, v128.load(src + (j << 2)));
    let m = min(min(f32x4.extract_lane(least, 0), f32x4.extract_lane(least, 1)), min(f32x4.extract_lane(least, 2), f32x4.extract_lane(least, 3)));
    for (; j < d; j++) m = min(m, load<f32>(src + (j << 2)));
    store<f32>(c + (r << 2), m);
    const head = nz + r * ((d + <usize>BLOCKS) << 2), list = head + LIST_HEADER, vals = val + r * (d << 2);
    const vm = f32x4.splat(m), zero = f32x4.splat(0);
    let count: usize = 0;
    j = 0;
    // 4 values at a time, compacted through LANES with no branch per value. The 4 stores may run past the row's
    // final count, but not past column j + 4 <= dim: inside the row. Block boundaries are multiples of 4.
    for (let b: usize = 0; b < <usize>BLOCKS; b++) {
      if (b > 0) store<i32>(head + (b << 2), <i32>count);
      const end = b + 1 < <usize>BLOCKS ? min(d4, BLOCK_COLUMNS * (b + 1)) : d4;
      for (; j < end; j += 4) {
        const s = f32x4.sub(v128.load(src + (j << 2)), vm);
        const mask = i32x4.bitmask(f32x4.ne(s, zero));
        const lanes = v128.load(LANES + (<usize>mask << 4));
        v128.store(vals + (count << 2), i8x16.swizzle(s, lanes));
        v128.store(list + (count << 2), i8x16.swizzle(i32x4.shl(i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(<i32>j)), 6), lanes));
        count += <usize>popcnt(mask);
      }
    }
    for (; j < d; j++) {
      const s = load<f32>(src + (j << 2)) - m;
      if (s != 0) {
        store<u32>(list + (count << 2), <u32>(j << 6));
        store<f32>(vals + (count << 2), s);
        count++;
      }
    }
    store<i32>(head, <i32>count);
    // Blocks that start at or past the row's end hold none of its values.
    for (let b: usize = 1; b < <usize>BLOCKS; b++) if (BLOCK_COLUMNS * b >= d) store<i32>(head + (b << 2), <i32>count);
  }
}
