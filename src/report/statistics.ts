// The data set statistics of the report's Table 2: images per class in each split, and the per-image
// mean and standard deviation of the pixels before and after the per-image normalisation (computed with
// the same float32 mean and 1/std the training batches use). Platform-neutral.

import { imageStats, splitIndices, type RawData } from '../data/dataset.js';
import { pixelsOf } from '../data/description.js';

/** The median (the mean of the middle two for an even count); 0 for no values. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : 0;
}

export interface SplitStatistics {
  split: 'train' | 'validation' | 'test';
  images: number;
  perClass: number[];
  /** Means over the split's images of each image's pixel mean and (population) std, in 0..255 units. */
  before: { mean: number; std: number; min: number; max: number };
  /** The same after (x - mean) / std per image. */
  after: { mean: number; std: number; min: number; max: number };
}

export function datasetStatistics(raw: RawData, seed: number): SplitStatistics[] {
  const { train, validation } = splitIndices(raw.train.images.count, seed);
  const classes = raw.description.classes.length, dim = pixelsOf(raw.description);
  const test = Int32Array.from({ length: raw.test.images.count }, (_, i) => i);
  return [
    splitStatistics('train', raw.train.images.pixels, raw.train.labels, train, classes, dim),
    splitStatistics('validation', raw.train.images.pixels, raw.train.labels, validation, classes, dim),
    splitStatistics('test', raw.test.images.pixels, raw.test.labels, test, classes, dim),
  ];
}

function splitStatistics(split: SplitStatistics['split'], pixels: Uint8Array, labels: Uint8Array, indices: Int32Array, classes: number, dim: number): SplitStatistics {
  const perClass = new Array<number>(classes).fill(0);
  const stats = new Float32Array(2);
  let meanB = 0, stdB = 0, meanA = 0, stdA = 0, minB = Infinity, maxB = -Infinity, minA = Infinity, maxA = -Infinity;
  for (const i of indices) {
    perClass[labels[i]]++;
    const image = pixels.subarray(i * dim, (i + 1) * dim);
    imageStats(image, 1, dim, stats);
    const [m, inv] = [stats[0], stats[1]];
    let s = 0, s2 = 0, sa = 0, sa2 = 0;
    for (let j = 0; j < dim; j++) {
      const p = image[j], a = Math.fround((p - m) * inv);
      s += p;
      s2 += p * p;
      sa += a;
      sa2 += a * a;
      if (p < minB) minB = p;
      if (p > maxB) maxB = p;
      if (a < minA) minA = a;
      if (a > maxA) maxA = a;
    }
    const mb = s / dim, ma = sa / dim;
    meanB += mb;
    stdB += Math.sqrt(Math.max(0, s2 / dim - mb * mb));
    meanA += ma;
    stdA += Math.sqrt(Math.max(0, sa2 / dim - ma * ma));
  }
  const n = Math.max(1, indices.length);
  return {
    split, images: indices.length, perClass,
    before: { mean: meanB / n, std: stdB / n, min: minB, max: maxB },
    after: { mean: meanA / n, std: stdA / n, min: minA, max: maxA },
  };
}
