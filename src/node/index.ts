// The package's Node entry (the "node" condition of package.json exports): the same API as the browser
// entry, with the kernels read from build/wasmfit.wasm and the data found on disk as the CLI finds it.

import { createWasmfit, type InitOptions, type Wasmfit } from '../train/runtime.js';
import { loadWasmModule } from './wasm-file.js';
import { createBackend } from '../core/backend.js';
import { nodeThreadOptions } from './threads.js';

/** Loads the kernels (from options.wasm, else build/wasmfit.wasm of this package, or its relaxed build) and decides the mode. */
export async function init(options: InitOptions = {}): Promise<Wasmfit> {
  const build = options.simd ?? 'plain';
  const threadedBackend = options.threadedBackend ?? ((threads: number) => createBackend('wasm', () => loadWasmModule(build), nodeThreadOptions(threads, build)));
  return createWasmfit({ ...options, threadedBackend, wasm: options.wasm ?? (await loadWasmModule(build)) }, () => {
    throw new Error('unreachable: the Node entry always passes the module');
  });
}

export { Wasmfit, Session, EVAL_ROWS, type InitOptions, type TrainOutcome } from '../train/runtime.js';
export { locateData, findDataDir, type LocatedData, type DataOptions } from './data-files.js';
export { compileWasm, WasmLoadError, type WasmSource } from '../core/wasm-loader.js';
export { detectFeatures, chooseMode, type Features, type ModeChoice, type RunMode } from '../core/features.js';
export { parseConfig, resolveConfig, checkField, configToYaml, CONFIG_KEYS, DEFAULTS, type Config } from '../config/schema.js';
export { train, type EpochRecord, type TrainHooks, type TrainResult, type StopReason } from '../train/train.js';
export { Model, type ModelSpec, type Metrics } from '../core/model.js';
export { modelToBytes, modelFromBytes } from '../core/model-file.js';
export { FILES, FILE_KEYS, type FileKey } from '../data/fashion-mnist.js';
export type { RawData, Dataset } from '../data/dataset.js';
export { WasmfitError, ConfigError, DataError } from '../core/errors.js';
