// Small generated data sets for tests that need examples but not the real Fashion-MNIST files: each class
// lights its own band of rows, with noise, so a network can learn it and gradients are non-trivial.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Rng } from '../../src/core/rng.js';
import { encodeIdx, IMAGE_MAGIC, LABEL_MAGIC } from '../../src/data/idx.js';
import type { RawData } from '../../src/data/dataset.js';
import { FILES } from '../../src/data/fashion-mnist.js';

export function syntheticData(trainCount: number, testCount: number, seed = 1): RawData {
  const rng = new Rng(seed, 'synthetic');
  const make = (count: number) => {
    const labels = Uint8Array.from({ length: count }, () => rng.below(10));
    const pixels = new Uint8Array(count * 784);
    for (let i = 0; i < count; i++) {
      for (let p = 0; p < 784; p++) {
        const band = Math.floor(p / 28 / 2.8) === labels[i];
        pixels[i * 784 + p] = band ? 150 + rng.below(100) : rng.next() < 0.5 ? 0 : rng.below(120);
      }
    }
    return { images: { count, rows: 28, cols: 28, pixels }, labels };
  };
  return { train: make(trainCount), test: make(testCount) };
}

/** Writes a synthetic data set as the four gzipped IDX files wasmfit reads (use with --no-verify). */
export function writeSyntheticDataDir(dir: string, trainCount: number, testCount: number, seed = 1): string {
  const raw = syntheticData(trainCount, testCount, seed);
  mkdirSync(dir, { recursive: true });
  const put = (key: keyof typeof FILES, bytes: Uint8Array) => writeFileSync(join(dir, `${FILES[key].name}.gz`), gzipSync(bytes));
  put('trainImages', encodeIdx(IMAGE_MAGIC, [trainCount, 28, 28], raw.train.images.pixels));
  put('trainLabels', encodeIdx(LABEL_MAGIC, [trainCount], raw.train.labels));
  put('testImages', encodeIdx(IMAGE_MAGIC, [testCount, 28, 28], raw.test.images.pixels));
  put('testLabels', encodeIdx(LABEL_MAGIC, [testCount], raw.test.labels));
  return dir;
}
