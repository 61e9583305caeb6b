// Small generated data sets for tests that need examples but not the real Fashion-MNIST files: each class
// lights its own band of rows, with noise, so a network can learn it and gradients are non-trivial. By default
// 28x28 images in 10 classes, read as Fashion-MNIST (--no-verify); any other shape or class count is a set of
// one's own, described by a dataset.yaml.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Rng } from '../../src/core/rng.js';
import { encodeIdx, IMAGE_MAGIC, LABEL_MAGIC } from '../../src/data/idx.js';
import type { RawData } from '../../src/data/dataset.js';
import { DEFAULT_SET } from '../../src/data/known-sets.js';
import { FILES } from '../../src/data/fashion-mnist.js';
import { numberedClasses } from '../../src/data/description.js';

export interface SyntheticShape {
  shape?: [number, number];
  classes?: number;
  /** Class names for dataset.yaml (a set of one's own); default "0".."N-1" there, Fashion-MNIST's for the default set. */
  names?: string[];
}

const isDefault = (o: SyntheticShape) => (o.shape ?? [28, 28]).join() === '28,28' && (o.classes ?? 10) === 10 && !o.names;

export function syntheticData(trainCount: number, testCount: number, seed = 1, options: SyntheticShape = {}): RawData {
  const [h, w] = options.shape ?? [28, 28], classes = options.classes ?? 10, dim = h * w;
  const rng = new Rng(seed, 'synthetic');
  const make = (count: number) => {
    const labels = Uint8Array.from({ length: count }, () => rng.below(classes));
    const pixels = new Uint8Array(count * dim);
    for (let i = 0; i < count; i++) {
      for (let p = 0; p < dim; p++) {
        const band = Math.floor(p / w / (h / classes)) === labels[i];
        pixels[i * dim + p] = band ? 150 + rng.below(100) : rng.next() < 0.5 ? 0 : rng.below(120);
      }
    }
    return { images: { count, rows: h, cols: w, pixels }, labels };
  };
  const description = isDefault(options)
    ? { name: DEFAULT_SET.name, shape: [28, 28] as [number, number], classes: [...DEFAULT_SET.classes] }
    : { name: 'synthetic', shape: [h, w] as [number, number], classes: options.names ?? numberedClasses(classes) };
  return { train: make(trainCount), test: make(testCount), description };
}

/** Writes a synthetic data set as the four gzipped IDX files wasmfit reads (the default one with --no-verify), and a dataset.yaml for any other. */
export function writeSyntheticDataDir(dir: string, trainCount: number, testCount: number, seed = 1, options: SyntheticShape = {}): string {
  const raw = syntheticData(trainCount, testCount, seed, options);
  const [h, w] = raw.description.shape;
  mkdirSync(dir, { recursive: true });
  const put = (key: keyof typeof FILES, bytes: Uint8Array) => writeFileSync(join(dir, `${FILES[key].name}.gz`), gzipSync(bytes));
  put('trainImages', encodeIdx(IMAGE_MAGIC, [trainCount, h, w], raw.train.images.pixels));
  put('trainLabels', encodeIdx(LABEL_MAGIC, [trainCount], raw.train.labels));
  put('testImages', encodeIdx(IMAGE_MAGIC, [testCount, h, w], raw.test.images.pixels));
  put('testLabels', encodeIdx(LABEL_MAGIC, [testCount], raw.test.labels));
  if (!isDefault(options)) writeFileSync(join(dir, 'dataset.yaml'), `name: synthetic\nclasses: ${JSON.stringify(raw.description.classes)}\n`);
  return dir;
}
