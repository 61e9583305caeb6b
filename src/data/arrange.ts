// Keeps the stored rows in the order batches are drawn. Shuffling an index array made every gathered image a
// random 784-byte read from a 55 MB array, and the gather waited on memory for most of its time (97 us a batch
// of 128 against 34 us with the images in order, in a one-thread epoch). So the rows themselves move: each
// shuffle's swaps are applied to the images, labels and statistics, mirrored on the split's ids, and a batch
// is rows [first, first + 128) of its split.

import type { Rng } from '../core/rng.js';
import type { Dataset, Split } from './dataset.js';

/**
 * Shuffles a split's rows in place: rng.shuffle(split.ids), so a seed gives the same order, with each of its
 * swaps applied to the stored rows too.
 */
export function shuffleSplit(data: Dataset, split: Split, rng: Rng): void {
  const ids = split.ids, pairs = new Int32Array(2 * Math.max(split.count - 1, 0));
  let n = 0;
  rng.shuffleSwaps(split.count, (i, j) => {
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
    pairs[n++] = split.first + i;
    pairs[n++] = split.first + j;
  });
  data.swapRows(pairs);
}

/**
 * Rearranges adjacent splits (their rows one contiguous range, in the order given) so that their ids read
 * `want` end to end: a checkpoint's train order, or a new seed's train/validation split. `want` must be a
 * permutation of the splits' current ids.
 */
export function arrangeSplits(data: Dataset, splits: Split[], want: Int32Array): void {
  const first = splits[0].first;
  const current = new Int32Array(want.length);
  let at = 0;
  for (const s of splits) {
    if (s.first !== first + at) throw new Error('arrangeSplits: the splits are not adjacent in this order');
    current.set(s.ids, at);
    at += s.count;
  }
  if (at !== want.length) throw new Error(`arrangeSplits: ${want.length} ids for ${at} rows`);
  // Row of each id, kept current while rows move; each step puts the wanted id at p with one swap.
  const where = new Map<number, number>();
  current.forEach((id, p) => where.set(id, p));
  const pairs: number[] = [];
  for (let p = 0; p < want.length; p++) {
    const q = where.get(want[p]);
    if (q === undefined) throw new Error(`arrangeSplits: id ${want[p]} is not in these splits`);
    if (q === p) continue;
    const moved = current[p];
    current[q] = moved;
    where.set(moved, q);
    current[p] = want[p];
    where.set(want[p], p);
    pairs.push(first + p, first + q);
  }
  data.swapRows(Int32Array.from(pairs));
  at = 0;
  for (const s of splits) {
    s.ids.set(want.subarray(at, at + s.count));
    at += s.count;
  }
}
