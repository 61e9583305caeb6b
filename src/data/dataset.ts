// Puts a data set into the arena once: pixels stay u8 (a quarter of f32's footprint) with each image's
// mean and 1/std beside them, so a batch is normalised while it is gathered. Also owns the seeded
// train/validation split (Fashion-MNIST's 48,000 / 12,000 by default). The rows are stored in split order, train then validation then
// test, and kept in the order batches are drawn (src/data/arrange.ts), so that a batch is one contiguous run
// of memory. Platform-neutral: the bytes come from an adapter.

import type { Arena } from '../core/memory.js';
import { Rng } from '../core/rng.js';
import { DataError } from '../core/errors.js';
import type { IdxImages } from './idx.js';
import type { Kernels } from '../core/kernels/kernels.js';
import type { ExampleRange, StoredExamples } from '../core/model.js';
import { pixelsOf, type DataDescription } from './description.js';

/** The part of the training file held out for validation, unless the config says otherwise. */
export const VALIDATION_FRACTION = 0.2;

export interface RawData {
  train: { images: IdxImages; labels: Uint8Array };
  test: { images: IdxImages; labels: Uint8Array };
  description: DataDescription;
}

/**
 * A set of examples: rows [first, first + count) of the stored data, whose positions ptr also lists as an i32
 * array in the arena (the kernels gather by index); ids (host side) names the image at each row, as an index
 * into the training images followed by the test images.
 */
export interface Split extends ExampleRange {
  first: number;
  ids: Int32Array;
}

/** All rows (train, validation, test) in the arena: images (count, dim), labels and stats. */
export interface Dataset extends StoredExamples {
  description: DataDescription;
  /** Pixels of one image. */
  dim: number;
  train: Split;
  validation: Split;
  test: Split;
  /** Exchanges rows (images, labels and stats) for each pair of positions, in order. */
  swapRows(pairs: Int32Array): void;
  /** Whether swapRowsBehind can take this many pairs: the back end has threads and they fit its buffer. */
  canSwapBehind(pairs: number): boolean;
  /**
   * swapRows on a worker thread, started while the main thread computes alone (see Kernels.swapRowsBehind); the rows
   * it moves must not be read until settleRows, swapRows or another swapRowsBehind, each of which finishes it first.
   */
  swapRowsBehind(pairs: Int32Array): void;
  /** Returns once every swap asked for is done. */
  settleRows(): void;
}

/** Per-image mean and 1/std (population std, as NumPy's default); a constant image gets 1/std = 0. */
export function imageStats(pixels: Uint8Array, count: number, dim: number, out: Float32Array): void {
  for (let i = 0; i < count; i++) {
    let sum = 0, sumSq = 0;
    const base = i * dim;
    for (let j = 0; j < dim; j++) {
      const p = pixels[base + j];
      sum += p;
      sumSq += p * p;
    }
    const mean = sum / dim;
    const variance = Math.max(sumSq / dim - mean * mean, 0);
    const std = Math.sqrt(variance);
    out[2 * i] = mean;
    out[2 * i + 1] = std > 1e-6 ? 1 / std : 0;
  }
}

/** The seeded split of n training examples: the first (1 - fraction) of a shuffled order train, the rest validate. */
export function splitIndices(n: number, seed: number, fraction = VALIDATION_FRACTION): { train: Int32Array; validation: Int32Array } {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(seed, 'split').shuffle(order);
  const trainCount = Math.round(n * (1 - fraction));
  if (trainCount < 1 || trainCount >= n) {
    throw new DataError(`a validation fraction of ${fraction} leaves ${trainCount} of the ${n} training images to train on and ${n - trainCount} to validate, expected at least one of each`);
  }
  return { train: order.slice(0, trainCount), validation: order.slice(trainCount) };
}

export function loadDataset(arena: Arena, raw: RawData, seed: number, kernels: Pick<Kernels, 'swapRows' | 'swapRowsBehind' | 'settleRows'>, fraction = VALIDATION_FRACTION): Dataset {
  const trainCount = raw.train.images.count, testCount = raw.test.images.count;
  if (trainCount < 2) throw new DataError(`the training set holds ${trainCount} images, expected at least 2 to split into train and validation`);
  const total = trainCount + testCount, dim = pixelsOf(raw.description);
  const images = arena.alloc(total * dim, 'images');
  const labels = arena.alloc(total, 'labels');
  const stats = arena.allocF32(2 * total, 'image statistics');
  const positions = arena.alloc(total * 4, 'row positions');
  arena.i32(positions, total).set(Int32Array.from({ length: total }, (_, i) => i));

  const split = splitIndices(trainCount, seed, fraction);
  const ids = Int32Array.from([...split.train, ...split.validation, ...Array.from({ length: testCount }, (_, i) => trainCount + i)]);
  const pixels = arena.u8(images, total * dim), labelRows = arena.u8(labels, total);
  ids.forEach((id, row) => {
    const set = id < trainCount ? raw.train : raw.test, i = id < trainCount ? id : id - trainCount;
    pixels.set(set.images.pixels.subarray(i * dim, (i + 1) * dim), row * dim);
    labelRows[row] = set.labels[i];
  });
  imageStats(pixels, total, dim, arena.f32(stats, 2 * total));

  const place = (first: number, count: number): Split => ({ first, count, ptr: positions + 4 * first, ids: ids.slice(first, first + count) });
  // Swaps go through the arena in chunks; 4096 pairs (32 KB) make the kernel call's overhead negligible. Swaps
  // behind the main thread have a buffer of their own, which must stay unchanged until they are done.
  const chunk = 4096, swaps = arena.alloc(chunk * 8, 'row swaps'), behind = arena.alloc(chunk * 8, 'row swaps behind');
  const settleRows = () => kernels.settleRows?.();
  const canSwapBehind = (pairs: number) => kernels.swapRowsBehind !== undefined && pairs <= chunk;
  return {
    description: raw.description, dim, images, labels, stats,
    train: place(0, split.train.length),
    validation: place(split.train.length, split.validation.length),
    test: place(trainCount, testCount),
    swapRows(pairs: Int32Array): void {
      settleRows();
      for (let at = 0; at < pairs.length; at += 2 * chunk) {
        const part = pairs.subarray(at, at + 2 * chunk);
        arena.i32(swaps, part.length).set(part);
        kernels.swapRows(images, labels, stats, swaps, part.length / 2, dim);
      }
    },
    canSwapBehind,
    swapRowsBehind(pairs: Int32Array): void {
      if (!canSwapBehind(pairs.length / 2)) throw new Error(`swapRowsBehind: ${pairs.length / 2} pairs, more than this back end can take behind`);
      settleRows();
      arena.i32(behind, pairs.length).set(pairs);
      kernels.swapRowsBehind!(images, labels, stats, behind, pairs.length / 2, dim);
    },
    settleRows,
  };
}
