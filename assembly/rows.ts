// Moves whole examples of the data set in place: the host keeps each split's rows in the order its batches
// are drawn, so that a batch is one contiguous run of memory (see src/data/arrange.ts).

/**
 * Pairs a group: their far rows are read first, one byte a cache line, so that the misses overlap instead of each
 * swap waiting on its own (32 rows are 25 KB, within L1).
 */
const GROUP: usize = 32;

/** Where swapRows stores the bytes it read ahead, summed: a store no compiler drops, and with it those reads. */
const READ_AHEAD: usize = memory.data(4);

/**
 * For each pair (i, j) of swaps (i32 pairs, count of them, applied in order): exchanges rows i and j of
 * images (u8, dim a row), labels (u8) and stats (f32 pairs).
 */
export function swapRows(images: usize, labels: usize, stats: usize, swaps: usize, count: i32, dim: i32): void {
  const d = <usize>dim, d16 = <usize>(dim & ~15);
  let ahead: i32 = 0;
  for (let g: usize = 0; g < <usize>count; g += GROUP) {
    const end = min(g + GROUP, <usize>count);
    for (let s = g; s < end; s++) {
      const j = <usize>load<i32>(swaps + (s << 3), 4), b = images + j * d;
      // Every line of the row: each 64th byte, and the last in case the row ends on a line of its own.
      for (let p: usize = 0; p < d; p += 64) ahead += <i32>load<u8>(b + p) + <i32>load<u8>(b + min(p + 63, d - 1));
      ahead += <i32>load<u8>(labels + j) + <i32>load<u8>(stats + (j << 3));
    }
    for (let s = g; s < end; s++) {
      const i = <usize>load<i32>(swaps + (s << 3)), j = <usize>load<i32>(swaps + (s << 3), 4);
      if (i == j) continue;
      const a = images + i * d, b = images + j * d;
      let p: usize = 0;
      for (; p < d16; p += 16) {
        const t = v128.load(a + p);
        v128.store(a + p, v128.load(b + p));
        v128.store(b + p, t);
      }
      for (; p < d; p++) {
        const t = load<u8>(a + p);
        store<u8>(a + p, load<u8>(b + p));
        store<u8>(b + p, t);
      }
      const label = load<u8>(labels + i);
      store<u8>(labels + i, load<u8>(labels + j));
      store<u8>(labels + j, label);
      const stat = load<u64>(stats + (i << 3));
      store<u64>(stats + (i << 3), load<u64>(stats + (j << 3)));
      store<u64>(stats + (j << 3), stat);
    }
  }
  store<i32>(READ_AHEAD, ahead);
}
