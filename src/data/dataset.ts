// Puts Fashion-MNIST into the arena once: pixels stay u8 (a quarter of f32's footprint) with each image's
// mean and 1/std beside them, so a batch is normalised while it is gathered. Also owns the seeded
// 48,000 / 12,000 train/validation split. Platform-neutral: the bytes come from an adapter.

import type { Arena } from '../core/memory.js';
import { Rng } from '../core/rng.js';
import { DataError } from '../core/errors.js';
import type { IdxImages } from './idx.js';

export const PIXELS = 784;
export const VALIDATION_FRACTION = 0.2;

export interface RawData {
  train: { images: IdxImages; labels: Uint8Array };
  test: { images: IdxImages; labels: Uint8Array };
}

/** A set of examples as an i32 index array in the arena (indices into the stored images). */
export interface Split {
  ptr: number;
  count: number;
}

export interface Dataset {
  /** All images, train then test, u8 (count, 784). */
  images: number;
  labels: number;
  /** f32 pairs (mean, 1/std) per image. */
  stats: number;
  train: Split;
  validation: Split;
  test: Split;
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

/** The seeded split of n training examples: the first 80% of a shuffled order train, the rest validate. */
export function splitIndices(n: number, seed: number): { train: Int32Array; validation: Int32Array } {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(seed, 'split').shuffle(order);
  const trainCount = Math.round(n * (1 - VALIDATION_FRACTION));
  return { train: order.slice(0, trainCount), validation: order.slice(trainCount) };
}

export function loadDataset(arena: Arena, raw: RawData, seed: number): Dataset {
  const trainCount = raw.train.images.count, testCount = raw.test.images.count;
  if (trainCount < 2) throw new DataError(`the training set holds ${trainCount} images, expected at least 2 to split into train and validation`);
  const total = trainCount + testCount;
  const images = arena.alloc(total * PIXELS, 'images');
  const labels = arena.alloc(total, 'labels');
  const stats = arena.allocF32(2 * total, 'image statistics');
  arena.u8(images, trainCount * PIXELS).set(raw.train.images.pixels);
  arena.u8(images + trainCount * PIXELS, testCount * PIXELS).set(raw.test.images.pixels);
  arena.u8(labels, trainCount).set(raw.train.labels);
  arena.u8(labels + trainCount, testCount).set(raw.test.labels);
  imageStats(arena.u8(images, total * PIXELS), total, PIXELS, arena.f32(stats, 2 * total));

  const split = splitIndices(trainCount, seed);
  const place = (indices: Int32Array, what: string): Split => {
    const ptr = arena.alloc(indices.length * 4, what);
    arena.i32(ptr, indices.length).set(indices);
    return { ptr, count: indices.length };
  };
  const testIndices = Int32Array.from({ length: testCount }, (_, i) => trainCount + i);
  return {
    images, labels, stats,
    train: place(split.train, 'train indices'),
    validation: place(split.validation, 'validation indices'),
    test: place(testIndices, 'test indices'),
  };
}
