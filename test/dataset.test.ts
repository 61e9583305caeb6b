// The split and the normalisation: sizes, determinism by seed, disjointness, and per-image statistics
// (mean ~0 and std 1 after normalisation, as the report's Table 2), gathered by both back ends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitIndices, imageStats, loadDataset, type Split } from '../src/data/dataset.js';
import { arrangeSplits, EpochShuffle, resplit, shuffleSplit } from '../src/data/arrange.js';
import { Arena, createMemory } from '../src/core/memory.js';
import { JsKernels } from '../src/core/kernels/js.js';
import { NZ_COLUMN_BYTES, NZ_HEADER, nzOffsetsAt } from '../src/core/kernels/kernels.js';
import { nzLength } from '../src/core/kernels/cases/inputs.js';
import { Rng } from '../src/core/rng.js';
import type { IdxImages } from '../src/data/idx.js';
import { DEFAULT_SET } from '../src/data/known-sets.js';

const FASHION = { name: DEFAULT_SET.name, shape: [28, 28] as [number, number], classes: [...DEFAULT_SET.classes] };

test('the split is 80/20, disjoint, complete and fixed by the seed', () => {
  const a = splitIndices(60000, 7), b = splitIndices(60000, 7), c = splitIndices(60000, 8);
  assert.equal(a.train.length, 48000);
  assert.equal(a.validation.length, 12000);
  assert.deepEqual(a.train, b.train);
  assert.notDeepEqual(a.train, c.train);
  const all = new Set([...a.train, ...a.validation]);
  assert.equal(all.size, 60000);
});

test('per-image statistics are the population mean and 1/std', () => {
  const pixels = Uint8Array.from([0, 0, 255, 255, 7, 7, 7, 7]);
  const out = new Float32Array(4);
  imageStats(pixels, 2, 4, out);
  assert.equal(out[0], 127.5);
  assert.ok(Math.abs(out[1] - 1 / 127.5) < 1e-9);
  assert.equal(out[2], 7);
  assert.equal(out[3], 0, 'a constant image gets 1/std = 0 instead of infinity');
});

test('gathered batches are normalised per image: mean 0, std 1', () => {
  const rng = new Rng(1);
  const count = 50;
  const pixels = Uint8Array.from({ length: count * 784 }, () => (rng.next() < 0.5 ? 0 : rng.below(256)));
  const imgs: IdxImages = { count, rows: 28, cols: 28, pixels };
  const lbls = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const memory = createMemory();
  const arena = new Arena(memory, 1024);
  const k = new JsKernels(memory);
  const data = loadDataset(arena, { train: { images: imgs, labels: lbls }, test: { images: imgs, labels: lbls }, description: FASHION }, 3, k);
  assert.equal(data.train.count, 40);
  assert.equal(data.validation.count, 10);
  const nz = arena.alloc(nzLength(40, 784) * 4), val = arena.allocF32(40 * 784), c = arena.allocF32(40), y = arena.alloc(40);
  k.gatherSparse(nz, val, c, y, data.images, data.labels, data.stats, data.train.ptr, 40, 784);
  const counts = arena.i32(nz, nzLength(40, 784)), offsets = new Uint32Array(memory.buffer, nz, nzLength(40, 784));
  const vals = arena.f32(val, 40 * 784), cs = arena.f32(c, 40), ys = arena.u8(y, 40);
  for (let r = 0; r < 40; r++) {
    // The dense row X = c + S the lists stand for.
    const row = new Float64Array(784).fill(cs[r]);
    for (let q = 0; q < counts[r * (784 + NZ_HEADER)]; q++) row[offsets[nzOffsetsAt(r, 784) + q] / NZ_COLUMN_BYTES] += vals[r * 784 + q];
    const mean = row.reduce((s, v) => s + v, 0) / 784;
    const std = Math.sqrt(row.reduce((s, v) => s + (v - mean) ** 2, 0) / 784);
    assert.ok(Math.abs(mean) < 1e-5, `row ${r} mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 1e-4, `row ${r} std ${std}`);
    assert.equal(ys[r], lbls[data.train.ids[r]]);
  }
});

/** A small stored data set of random images over the given kernels, and a check that its rows match their ids. */
function storedData(kernels: (memory: WebAssembly.Memory) => Parameters<typeof loadDataset>[3]) {
  const rng = new Rng(5);
  const count = 30, testCount = 6;
  const pixels = Uint8Array.from({ length: (count + testCount) * 784 }, () => rng.below(256));
  const labels = Uint8Array.from({ length: count + testCount }, () => rng.below(10));
  const memory = createMemory();
  const arena = new Arena(memory, 1024);
  const raw = {
    train: { images: { count, rows: 28, cols: 28, pixels: pixels.subarray(0, count * 784) }, labels: labels.subarray(0, count) },
    test: { images: { count: testCount, rows: 28, cols: 28, pixels: pixels.subarray(count * 784) }, labels: labels.subarray(count) },
    description: FASHION,
  };
  const data = loadDataset(arena, raw, 1, kernels(memory));
  /** Rows [from, to) of a split hold the images and labels of ids[from, to). */
  const rowsMatch = (split: Split, ids: Int32Array, what: string, from = 0, to = split.count) => {
    const stored = arena.u8(data.images, (count + testCount) * 784), storedLabels = arena.u8(data.labels, count + testCount);
    for (let i = from; i < to; i++) {
      const row = split.first + i, id = ids[i];
      assert.deepEqual(stored.subarray(row * 784, (row + 1) * 784), pixels.subarray(id * 784, (id + 1) * 784), `${what}: row ${row}`);
      assert.equal(storedLabels[row], labels[id], `${what}: label of row ${row}`);
    }
  };
  const rowsMatchIds = (what: string) => {
    for (const split of [data.train, data.validation, data.test]) rowsMatch(split, split.ids, what);
  };
  return { data, count, testCount, rowsMatch, rowsMatchIds };
}

test('stored rows follow each split\'s order through shuffles, a new split and a restored order', () => {
  const { data, count, testCount, rowsMatchIds } = storedData((memory) => new JsKernels(memory));
  assert.deepEqual([...data.train.ids, ...data.validation.ids].sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i));
  assert.deepEqual([...data.test.ids], Array.from({ length: testCount }, (_, i) => count + i));
  rowsMatchIds('as loaded');

  const expected = data.train.ids.slice(), a = new Rng(9, 'shuffle'), b = new Rng(9, 'shuffle');
  for (let epoch = 0; epoch < 3; epoch++) {
    a.shuffle(expected);
    shuffleSplit(data, data.train, b);
    assert.deepEqual(data.train.ids, expected, 'the same order as shuffling the ids alone');
    rowsMatchIds(`after shuffle ${epoch + 1}`);
  }
  const split = splitIndices(count, 4);
  arrangeSplits(data, [data.train, data.validation], Int32Array.from([...split.train, ...split.validation]));
  assert.deepEqual(data.train.ids, split.train);
  assert.deepEqual(data.validation.ids, split.validation);
  rowsMatchIds('after a new split');
  const reversed = data.train.ids.slice().reverse();
  arrangeSplits(data, [data.train], reversed);
  assert.deepEqual(data.train.ids, reversed);
  rowsMatchIds('after restoring an order');
  assert.throws(() => arrangeSplits(data, [data.train], Int32Array.from(data.train.ids, () => data.train.ids[0])), /is not in these splits/);
});

test('a new validation fraction moves the boundary between train and validation, and every row follows', () => {
  const { data, count, rowsMatchIds } = storedData((memory) => new JsKernels(memory));
  resplit(data, 4, 0.5);
  assert.deepEqual([data.train.count, data.validation.count, data.validation.first], [15, 15, 15]);
  const expected = splitIndices(count, 4, 0.5);
  assert.deepEqual([data.train.ids, data.validation.ids], [expected.train, expected.validation]);
  rowsMatchIds('after a split of half and half');
  resplit(data, 0, 0.2);
  assert.deepEqual([data.train.count, data.validation.count], [24, 6]);
  rowsMatchIds('after the default split again');
  assert.throws(() => splitIndices(30, 0, 0.01), /a validation fraction of 0\.01 leaves 30 of the 30 training images to train on and 0 to validate, expected at least one of each/);
});

test('an epoch shuffled batch by batch behind the main thread gives each batch its rows, and never moves a drawn batch\'s rows', () => {
  // A back end with swaps behind, run at settleRows: the swaps it holds are checked against the rows drawn so far.
  let pending = null as { swaps: number; count: number; copy: Int32Array } | null;
  let js!: JsKernels, memory!: WebAssembly.Memory;
  const settleRows = () => {
    if (!pending) return;
    const now = new Int32Array(memory.buffer, pending.swaps, 2 * pending.count);
    assert.deepEqual(now, pending.copy, 'the swaps buffer changed while its swaps were behind');
    js.swapRows(data.images, data.labels, data.stats, pending.swaps, pending.count, 784);
    pending = null;
  };
  const { data, rowsMatch, rowsMatchIds } = storedData((m) => {
    memory = m;
    js = new JsKernels(m);
    return {
      swapRows: (...args) => js.swapRows(...args),
      swapRowsBehind: (_images, _labels, _stats, swaps, count) => {
        settleRows();
        pending = { swaps, count, copy: new Int32Array(m.buffer, swaps, 2 * count).slice() };
      },
      settleRows,
    };
  });
  const batch = 7, split = data.train;
  const rng = new Rng(2, 'shuffle'), reference = new Rng(2, 'shuffle');
  for (let epoch = 0; epoch < 3; epoch++) {
    const expected = split.ids.slice();
    reference.shuffle(expected);
    const shuffle = new EpochShuffle(data, split, rng);
    assert.deepEqual(split.ids, expected, 'the same order as shuffling the ids alone');
    let behind = 0;
    for (let first = 0; first < split.count; first += batch) {
      const end = Math.min(first + batch, split.count);
      shuffle.place(end);
      rowsMatch(split, expected, `epoch ${epoch + 1}, the batch at ${first}`, first, end);
      shuffle.placeBehind(end + batch);
      if (pending) {
        behind++;
        const rows = new Int32Array(memory.buffer, pending.swaps, 2 * pending.count);
        assert.ok(rows.every((row) => row >= split.first + end), `epoch ${epoch + 1}: swaps behind the batch at ${first} reach into drawn rows`);
      }
    }
    shuffle.finish();
    rowsMatchIds(`after epoch ${epoch + 1}`);
    assert.ok(behind >= 2, `epoch ${epoch + 1}: only ${behind} batches moved behind`);
  }
  // Stopped after two batches, with the third's rows moving behind: finish still leaves every row as its id says.
  const stopped = new EpochShuffle(data, split, rng);
  for (const end of [batch, 2 * batch]) {
    stopped.place(end);
    stopped.placeBehind(end + batch);
  }
  assert.ok(pending, 'the third batch\'s swaps are behind');
  stopped.finish();
  rowsMatchIds('after an epoch stopped at its third batch');
});
