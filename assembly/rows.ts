// Moves whole examples of the data set in place: the host keeps each split's rows in the order its batches
// are drawn, so that a batch is one contiguous run of memory (see src/data/arrange.ts).

/**
 * For each pair (i, j) of swaps (i32 pairs, count of them, applied in order): exchanges rows i and j of
 * images (u8, dim a row), labels (u8) and stats (f32 pairs).
 */
export function swapRows(images: usize, labels: usize, stats: usize, swaps: usize, count: i32, dim: i32): void {
  const d = <usize>dim, d16 = <usize>(dim & ~15);
  for (let s: usize = 0; s < <usize>count; s++) {
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
