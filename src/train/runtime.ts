// What a program embedding wasmfit holds: the compiled kernels and the chosen mode (init), then per data set
// a session (one fresh arena holding the data once) that trains, evaluates, predicts and loads models.
// Platform-neutral: both package entries (src/browser/index.ts, src/node/index.ts) build on it and differ
// only in where the .wasm comes from and how a thread is started (InitOptions.threadedBackend).

import { chooseMode, detectFeatures, type Features, type ModeChoice, type RunMode } from '../core/features.js';
import { compileWasm, type WasmSource } from '../core/wasm-loader.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { createBackend, type Backend } from '../core/backend.js';
import { Model, type Metrics, type ModelSpec } from '../core/model.js';
import { modelFromBytes, modelToBytes } from '../core/model-file.js';
import { arrangeSplits } from '../data/arrange.js';
import { loadDataset, splitIndices, type Dataset, type RawData, type Split } from '../data/dataset.js';
import { FASHION_MNIST } from '../data/fashion-mnist.js';
import type { Config } from '../config/schema.js';
import { train, type TrainHooks, type TrainResult } from './train.js';

export interface InitOptions {
  /** The kernel module: a URL, its bytes, a fetch Response or a compiled module; default: the file beside the entry. */
  wasm?: WasmSource;
  /** Threads to use: a count, true (every core, the default) or false (one). */
  threads?: number | boolean;
  /** Force a back end: 'js' skips WebAssembly entirely. */
  backend?: 'wasm' | 'js';
  /**
   * Which build of the kernels the entry loads when `wasm` (or `sharedWasm`) is not given: 'plain' SIMD (the
   * default) or 'relaxed' (FMA: faster, results differ in the last bits; the engine must accept relaxed SIMD).
   */
  simd?: SimdBuild;
  /** Builds a back end whose kernels run on `threads` threads over shared memory; the entries provide their own. */
  threadedBackend?: (threads: number) => Promise<Backend>;
}

/** Forward passes only, so evaluation may use a larger block than a training batch (as `wasmfit evaluate` does). */
export const EVAL_ROWS = 500;

export class Wasmfit {
  constructor(
    readonly features: Features,
    public choice: ModeChoice,
    private readonly module: WebAssembly.Module | null,
    private readonly threadedBackend?: InitOptions['threadedBackend'],
    /** The build of the wasm kernels in use (see InitOptions.simd). */
    readonly simd: SimdBuild = 'plain',
  ) {}

  get mode(): RunMode {
    return this.choice.mode;
  }
  get reason(): string {
    return this.choice.mode !== 'js' && this.simd === 'relaxed' ? `${this.choice.reason}; relaxed-SIMD (FMA) kernels` : this.choice.reason;
  }

  /**
   * A fresh arena with the data set placed in it once; every later run reuses it. When the threads cannot
   * start (say the shared-memory .wasm or the worker script is not served), it falls back to one thread and
   * says why in `reason`.
   */
  async open(raw: RawData): Promise<Session> {
    const module = this.module;
    let backend: Backend | undefined;
    if (this.choice.mode === 'wasm-threads' && this.threadedBackend) {
      try {
        backend = await this.threadedBackend(this.choice.threads);
      } catch (e) {
        this.choice = { mode: 'wasm-simd', threads: 1, reason: `single-threaded WebAssembly SIMD: starting ${this.choice.threads} threads failed (${(e as Error).message})` };
      }
    }
    backend ??= await createBackend(module ? 'wasm' : 'js', async () => module!);
    return new Session(backend, raw);
  }
}

/** Compiles the kernels (unless the JS back end is chosen) and decides the mode; defaultWasm is the entry's own file. */
export async function createWasmfit(options: InitOptions, defaultWasm: () => WasmSource): Promise<Wasmfit> {
  const features = detectFeatures();
  const forced = options.backend === 'js' ? { ...features, simd: false } : features;
  let choice = chooseMode(forced, options.threads, options.threadedBackend !== undefined);
  if (options.backend === 'js') choice = { mode: 'js', threads: 1, reason: 'the JS back end was requested' };
  const module = choice.mode === 'js' ? null : await compileWasm(options.wasm ?? defaultWasm());
  return new Wasmfit(features, choice, module, options.threadedBackend, options.simd ?? 'plain');
}

export interface TrainOutcome {
  model: Model;
  result: TrainResult;
  /** The epoch whose weights the model holds (the lowest validation loss, also after a stop). */
  bestEpoch: number;
  test: Metrics;
}

export class Session {
  readonly data: Dataset;
  private seed = 0;
  private readonly models = new Map<string, Model>();

  constructor(readonly backend: Backend, raw: RawData) {
    this.data = loadDataset(backend.arena, raw, 0, backend.kernels);
  }

  /** Stops the kernel threads, if any; the session is unusable afterwards. */
  close(): void {
    this.backend.close();
  }

  /** Re-draws the train/validation split for a seed, in place (the split's sizes do not depend on it). */
  resplit(seed: number): void {
    if (seed === this.seed) return;
    const split = splitIndices(this.data.train.count + this.data.validation.count, seed);
    arrangeSplits(this.data, [this.data.train, this.data.validation], Int32Array.from([...split.train, ...split.validation]));
    this.seed = seed;
  }

  /** A model over this arena; one per architecture and batch size, reused (the arena never frees). */
  model(spec: ModelSpec, rows: number): Model {
    const key = JSON.stringify([spec.layerSpecs, spec.activation, rows]);
    let model = this.models.get(key);
    if (!model) this.models.set(key, (model = new Model(spec, this.backend.kernels, this.backend.arena, rows)));
    return model;
  }

  /**
   * Trains a config as `wasmfit train` does and evaluates the test set. When hooks.signal stops it, the
   * weights of the lowest validation loss are restored even if early stopping is off.
   */
  async train(config: Config, hooks: TrainHooks = {}): Promise<TrainOutcome> {
    this.resplit(config.seed);
    const model = this.model({ layerSpecs: config.layer_specs, activation: config.activation }, config.batch_size);
    const result = await train(model, this.data, config, hooks);
    let bestEpoch = result.best_epoch;
    if (result.stop_reason === 'interrupted' && !config.early_stop && result.history.length > 0) {
      model.restoreBest();
      bestEpoch = lowestValidationLoss(result);
    }
    return { model, result, bestEpoch, test: model.evaluate(this.data, this.data.test) };
  }

  /** Reads a model file (as `wasmfit evaluate` does) and evaluates it on the test set. */
  loadModel(bytes: Uint8Array, name: string): { model: Model; test: Metrics; metadata: Record<string, string> } {
    const file = modelFromBytes(bytes, name);
    const model = this.model(file.spec, EVAL_ROWS);
    model.importTensors(file.tensors);
    return { model, test: model.evaluate(this.data, this.data.test), metadata: file.metadata };
  }

  evaluate(model: Model, split: 'train' | 'validation' | 'test' = 'test'): Metrics {
    return model.evaluate(this.data, this.data[split]);
  }

  /** Predicted classes of `count` test images from `first` on, with their true labels and pixels (count, FASHION_MNIST.pixels). */
  predict(model: Model, first: number, count: number): { predicted: Uint8Array; labels: Uint8Array; pixels: Uint8Array } {
    const test: Split = this.data.test;
    count = Math.max(0, Math.min(count, test.count - first, model.maxRows));
    model.gather(this.data, test, first, count);
    model.forward(count);
    const predicted = model.predicted(count);
    const size = FASHION_MNIST.pixels, labels = new Uint8Array(count), pixels = new Uint8Array(count * size);
    const arena = this.backend.arena;
    labels.set(arena.u8(this.data.labels + test.first + first, count));
    pixels.set(arena.u8(this.data.images + (test.first + first) * size, count * size));
    return { predicted, labels, pixels };
  }

  /** The model file `wasmfit train` writes, with the test metrics in its metadata. */
  modelFile(model: Model, test?: Metrics): Uint8Array {
    return modelToBytes(model, test ? { test_accuracy: String(test.accuracy), test_loss: String(test.loss) } : {});
  }
}

function lowestValidationLoss(result: TrainResult): number {
  let best = 0;
  result.history.forEach((r, i) => {
    if (r.val_loss < result.history[best].val_loss) best = i;
  });
  return result.history[best].epoch;
}
