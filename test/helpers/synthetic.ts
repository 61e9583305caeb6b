// Small generated data sets for tests that need examples but not the real Fashion-MNIST files: each class
// lights its own band of rows, with noise, so a network can learn it and gradients are non-trivial.

import { Rng } from '../../src/core/rng.js';
import type { RawData } from '../../src/data/dataset.js';

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
