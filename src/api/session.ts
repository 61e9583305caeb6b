// The package API's second half: a Session holds one data set in a fresh arena (placed once, re-split per seed)
// and trains, evaluates, predicts and loads models over it. The CLI's `wasmfit train` and the page train through
// it too, so a run is orchestrated one way wherever it starts. Platform-neutral.

import type { Backend } from '../core/backend.js';
import type { Metrics } from '../core/model.js';
import type { Trainable } from '../core/network.js';
import { createNetwork, type NetworkSpec } from '../core/networks.js';
import { modelFromBytes, modelToBytes, runMetadata } from './model-file.js';
import { resplit } from '../data/arrange.js';
import { loadDataset, VALIDATION_FRACTION, type Dataset, type RawData, type Split } from '../data/dataset.js';
import { checkModelFits, checkNetwork, imageTask } from '../data/description.js';
import { configDigest, networkSpec, type Config } from '../config/schema.js';
import { train, type TrainHooks, type TrainResult } from '../train/train.js';

/** Forward passes only, so evaluation may use a larger block than a training batch (as `wasmfit evaluate` does). */
export const EVAL_ROWS = 500;

export interface TrainOutcome {
  model: Trainable;
  /** The run: its history, why it stopped, and which weights the model holds (result.weights, result.best_epoch). */
  result: TrainResult;
  /** The test set's loss and accuracy with the weights the model holds. */
  test: Metrics;
}

export class Session {
  readonly data: Dataset;
  private readonly models = new Map<string, Trainable>();

  /** Places the data set in the back end's arena, split for `seed` and `fraction` (any other is a resplit away). */
  constructor(readonly backend: Backend, raw: RawData, private seed = 0, private fraction = VALIDATION_FRACTION) {
    this.data = loadDataset(backend.arena, raw, seed, backend.kernels, fraction);
  }

  /** Stops the kernel threads, if any; the session is unusable afterwards. */
  close(): void {
    this.backend.close();
  }

  /** Re-draws the train/validation split for a seed and validation fraction, in place. */
  resplit(seed: number, fraction = this.fraction): void {
    if (seed === this.seed && fraction === this.fraction) return;
    resplit(this.data, seed, fraction);
    [this.seed, this.fraction] = [seed, fraction];
  }

  /** A model over this arena; one per architecture and batch size, reused (the arena never frees). */
  model(spec: NetworkSpec, rows: number): Trainable {
    const key = JSON.stringify([spec, rows]);
    let model = this.models.get(key);
    if (!model) this.models.set(key, (model = createNetwork(spec, imageTask(this.data.description), this.backend.kernels, this.backend.arena, rows)));
    return model;
  }

  /** The model a config trains: this.model for its architecture and batch size. */
  modelFor(config: Config): Trainable {
    return this.model(networkSpec(config), config.batch_size);
  }

  /**
   * Trains a config on this data set, split for its seed, and evaluates the test set with the weights the run
   * ends with (see keepsBestWeights). To resume, restore a checkpoint into modelFor(config) and pass hooks.resume.
   */
  async train(config: Config, hooks: TrainHooks = {}): Promise<TrainOutcome> {
    checkNetwork(config, this.data.description, 'config');
    this.resplit(config.seed, config.data.validation_fraction);
    const model = this.modelFor(config);
    const result = await train(model, this.data, config, hooks);
    return { model, result, test: model.evaluate(this.data, this.data.test) };
  }

  /** Reads a model file (as `wasmfit evaluate` does) and evaluates it on the test set. */
  loadModel(bytes: Uint8Array, name: string): { model: Trainable; test: Metrics; metadata: Record<string, string> } {
    const file = modelFromBytes(bytes, name);
    checkModelFits(file, this.data.description, name);
    const model = this.model(file.spec, EVAL_ROWS);
    model.importTensors(file.tensors);
    return { model, test: model.evaluate(this.data, this.data.test), metadata: file.metadata };
  }

  evaluate(model: Trainable, split: 'train' | 'validation' | 'test' = 'test'): Metrics {
    return model.evaluate(this.data, this.data[split]);
  }

  /** Predicted classes of `count` test images from `first` on, with their true labels and pixels (count, pixels per image). */
  predict(model: Trainable, first: number, count: number): { predicted: Uint8Array; labels: Uint8Array; pixels: Uint8Array } {
    const test: Split = this.data.test;
    count = Math.max(0, Math.min(count, test.count - first, model.maxRows));
    model.gather(this.data, test, first, count);
    model.forward(count);
    const predicted = model.predicted(count);
    const size = this.data.dim, labels = new Uint8Array(count), pixels = new Uint8Array(count * size);
    const arena = this.backend.arena;
    labels.set(arena.u8(this.data.labels + test.first + first, count));
    pixels.set(arena.u8(this.data.images + (test.first + first) * size, count * size));
    return { predicted, labels, pixels };
  }

  /** The model file `wasmfit train` writes, recording the data set placed here, the config's digest, the test metrics and the run's best epoch (TrainResult.best_epoch). */
  async modelFile(model: Trainable, test?: Metrics, config?: Config, bestEpoch?: number): Promise<Uint8Array> {
    const configSha256 = config && (await configDigest(config));
    return modelToBytes(model, { data: this.data.description, ...(configSha256 ? { configSha256 } : {}) }, test ? runMetadata(test, bestEpoch) : {});
  }
}
