// A layer-list network on a generated 28x28 data set of 10 classes, for the CNN suites: the back end it runs on,
// the network and data opened in it, and a whole training run's weights and timing-free history, which must be
// the same bytes for any thread count and after a resume.

import assert from 'node:assert/strict';
import { createBackend, type Backend } from '../../src/core/backend.js';
import { ConvNet } from '../../src/core/conv-net.js';
import type { LayerSpec } from '../../src/core/layer-list.js';
import type { BackendName } from '../../src/core/kernels/kernels.js';
import { loadDataset } from '../../src/data/dataset.js';
import { FASHION_MNIST } from '../../src/data/fashion-mnist.js';
import { imageTask } from '../../src/data/description.js';
import type { Config } from '../../src/config/schema.js';
import { train } from '../../src/train/train.js';
import { loadWasmModule } from '../../src/node/wasm-file.js';
import { nodeThreadOptions } from '../../src/node/threads.js';
import { syntheticData } from './synthetic.js';
import { untimed } from './untimed.js';

/** Fashion-MNIST's images as a layer list reads them. */
export const IMAGE_TASK = imageTask({ shape: [...FASHION_MNIST.imageShape], classes: [...FASHION_MNIST.classNames] });

/** A back end on the plain SIMD build (or the JS reference) with that many kernel threads. */
export async function backend(name: BackendName, threads = 1): Promise<Backend> {
  return createBackend(name, () => loadWasmModule('plain'), nodeThreadOptions(threads, 'plain'));
}

/** 530 training and 40 test images split by the config's seed, and the config's network (or layers) for that many rows. */
export function openCnn(b: Backend, config: Config, rows: number, layers: LayerSpec[] = config.layers!) {
  const data = loadDataset(b.arena, syntheticData(530, 40), config.seed, b.kernels);
  return { data, model: new ConvNet({ layers }, IMAGE_TASK, b.kernels, b.arena, rows) };
}

/** The config trained in full on the WASM back end with that many threads: its weights' bytes and untimed history. */
export async function trainedCnn(config: Config, threads: number): Promise<{ params: Buffer; history: unknown[] }> {
  const b = await backend('wasm', threads);
  try {
    assert.equal(b.threads, threads);
    const { data, model } = openCnn(b, config, config.batch_size);
    const result = await train(model, data, config);
    return { params: Buffer.from(b.arena.u8(model.params, model.paramBytes)), history: untimed(result.history) };
  } finally {
    b.close();
  }
}
