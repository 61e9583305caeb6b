// Keeps the stored rows in the order batches are drawn. Shuffling an index array would make every gathered image
// a random read from a 55 MB array, and the gather would wait on memory for most of its time. So the rows move: each
// shuffle's order is applied to the images, labels and statistics, mirrored on the split's ids, and a batch
// is rows [first, first + 128) of its split.

import type { Rng } from '../core/rng.js';
import { splitIndices, type Dataset, type Split } from './dataset.js';

/**
 * The swaps, as pairs of stored rows in the order to apply them, that put rows whose ids read `ids` (from row
 * `first` on) into the order `want`, a permutation of them; ids is updated to read want. Each swap brings the
 * wanted row to the next position and touches only that position and a later one, so the swaps that settle a
 * prefix of the order come first and leave it in place for good: a batch's rows can move just before the batch.
 */
function placementSwaps(ids: Int32Array, first: number, want: Int32Array): Int32Array {
  if (want.length !== ids.length) throw new Error(`arrangeSplits: ${want.length} ids for ${ids.length} rows`);
  // Plain indexed loops: V8 runs them faster here than for-of, forEach and Math.max.
  const count = ids.length;
  let top = 0;
  for (let p = 0; p < count; p++) if (ids[p] > top) top = ids[p];
  // Position of each id, kept current as rows move; -1: not among these rows.
  const where = new Int32Array(top + 1).fill(-1);
  for (let p = 0; p < count; p++) where[ids[p]] = p;
  const pairs = new Int32Array(2 * count);
  let n = 0;
  for (let p = 0; p < count; p++) {
    const id = want[p], q = id >= 0 && id <= top ? where[id] : -1;
    // q < p: an id wanted twice, whose row already sits at an earlier position.
    if (q < p) throw new Error(`arrangeSplits: id ${id} is not in these splits`);
    if (q === p) continue;
    const moved = ids[p];
    ids[q] = moved;
    where[moved] = q;
    ids[p] = id;
    where[id] = p;
    pairs[n++] = first + p;
    pairs[n++] = first + q;
  }
  return pairs.subarray(0, n);
}

/**
 * One epoch's shuffle of a split: the order rng.shuffle gives its ids (the same draws, so a seed gives the same
 * order). On one thread its rows move at once, in one pass. Where the back end has threads, they move a batch at a
 * time: the next batch's rows on a worker thread while the main thread computes the layers after the first alone
 * (Kernels.swapRowsBehind), which takes the shuffle off the main thread's path. Either way every swap is planned
 * here, in one pass: planned batch by batch between the kernels, the lookups would miss the cache. The split's ids
 * name the epoch's order from the start; the rows follow once place or finish returns.
 */
export class EpochShuffle {
  /** The epoch's swaps in order; the first row of a pair is the position it settles, ascending. */
  private readonly pairs: Int32Array;
  /** Pairs applied or handed to swapRowsBehind. */
  private done = 0;

  constructor(private readonly data: Dataset, private readonly split: Split, rng: Rng) {
    const want = split.ids.slice();
    rng.shuffle(want);
    this.pairs = placementSwaps(split.ids, split.first, want);
    if (!data.canSwapBehind(1)) this.finish();
  }

  /** Pairs (from done on) that settle positions below end. */
  private until(end: number): number {
    const row = this.split.first + end;
    let k = this.done;
    while (2 * k < this.pairs.length && this.pairs[2 * k] < row) k++;
    return k;
  }

  /** Returns with the rows of positions [0, end) of the split in place. */
  place(end: number): void {
    this.data.settleRows();
    const k = this.until(end);
    if (k > this.done) this.data.swapRows(this.pairs.subarray(2 * this.done, 2 * k));
    this.done = k;
  }

  /** Starts moving the rows of positions [0, end) into place behind the main thread; place settles them. */
  placeBehind(end: number): void {
    const k = this.until(end);
    if (k === this.done) return;
    if (this.data.canSwapBehind(k - this.done)) this.data.swapRowsBehind(this.pairs.subarray(2 * this.done, 2 * k));
    else this.data.swapRows(this.pairs.subarray(2 * this.done, 2 * k));
    this.done = k;
  }

  /** Returns with the whole split in the epoch's order. */
  finish(): void {
    this.place(this.split.count);
  }
}

/** Shuffles a split's rows in place, at once: the order EpochShuffle moves in batch by batch. */
export function shuffleSplit(data: Dataset, split: Split, rng: Rng): void {
  new EpochShuffle(data, split, rng).finish();
}

/**
 * Rearranges adjacent splits (their rows one contiguous range, in the order given) so that their ids read
 * `want` end to end: a checkpoint's train order, or a new seed's train/validation split. `want` must be a
 * permutation of the splits' current ids.
 */
export function arrangeSplits(data: Dataset, splits: Split[], want: Int32Array): void {
  const first = splits[0].first;
  let count = 0;
  for (const s of splits) {
    if (s.first !== first + count) throw new Error('arrangeSplits: the splits are not adjacent in this order');
    count += s.count;
  }
  const ids = new Int32Array(count);
  let at = 0;
  for (const s of splits) {
    ids.set(s.ids, at);
    at += s.count;
  }
  data.swapRows(placementSwaps(ids, first, want));
  at = 0;
  for (const s of splits) {
    s.ids.set(ids.subarray(at, at + s.count));
    at += s.count;
  }
}

/** Re-draws the train/validation split for a seed and validation fraction, in place: rows move, the bounds follow. */
export function resplit(data: Dataset, seed: number, fraction: number): void {
  const { train, validation } = data;
  const split = splitIndices(train.count + validation.count, seed, fraction);
  arrangeSplits(data, [train, validation], Int32Array.from([...split.train, ...split.validation]));
  Object.assign(train, { count: split.train.length, ids: split.train });
  Object.assign(validation, { first: train.first + train.count, ptr: train.ptr + 4 * train.count, count: split.validation.length, ids: split.validation });
}
