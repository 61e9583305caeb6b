// The package's API, platform-neutral: what both entries (src/node/index.ts, src/browser/index.ts) export besides
// their own init() and the data adapter of their platform. One list, so the two entries cannot drift apart.

export { Wasmfit, type InitOptions } from './wasmfit.js';
export { Session, EVAL_ROWS, type TrainOutcome } from './session.js';
export { compileWasm, WasmLoadError, type WasmSource } from '../core/wasm-loader.js';
export { detectFeatures, chooseMode, type Features, type ModeChoice, type RunMode } from '../core/features.js';
export { parseConfig, resolveConfig, checkField, configToYaml, CONFIG_KEYS, DEFAULTS, type Config } from '../config/schema.js';
export { train, keepsBestWeights, type EpochRecord, type TrainHooks, type TrainResult, type StopReason } from '../train/train.js';
export { Model, type ModelSpec, type Metrics } from '../core/model.js';
export { ConvNet, type ConvSpec } from '../core/conv-net.js';
export type { Trainable } from '../core/network.js';
export type { NetworkSpec } from '../core/networks.js';
export { modelToBytes, modelFromBytes } from './model-file.js';
export { FASHION_MNIST, FILES, FILE_KEYS, type FileKey } from '../data/fashion-mnist.js';
export { KNOWN_SETS, KNOWN_SET_NAMES, type KnownSet } from '../data/known-sets.js';
export type { DataDescription } from '../data/description.js';
export { Classifier, CHUNK, type ModelSource, type Pixels, type Prediction } from '../infer/classifier.js';
export type { RawData, Dataset } from '../data/dataset.js';
export { WasmfitError, ConfigError, DataError } from '../core/errors.js';
