// `wasmfit/infer` in Node: the browser entry's loadModel, plus file paths as sources and the kernels read from
// build/wasmfit.wasm. Neither the trainer nor js-yaml is loaded.

import { fileURLToPath } from 'node:url';
import { compileOnce, loadModelFrom, type Classifier, type ModelSource } from '../infer/classifier.js';
import { compileWasm, type WasmSource } from '../core/wasm-loader.js';
import { EXIT_RUNTIME } from '../core/errors.js';
import { MAX_MODEL_BYTES } from '../api/model-file.js';
import { loadWasmModule } from './wasm-file.js';
import { readUserFile } from './files.js';

export interface LoadModelOptions {
  /** The kernel module: a URL, its bytes, a fetch Response or a compiled module; default: build/wasmfit.wasm. */
  wasm?: WasmSource;
}

const defaultKernels = compileOnce(() => loadWasmModule('plain'));

/** A model file's path, if the source names one: a file: URL, or a string with no scheme (http:, data:, ...). */
function pathOf(source: ModelSource): string | undefined {
  if (source instanceof URL) return source.protocol === 'file:' ? fileURLToPath(source) : undefined;
  if (typeof source !== 'string') return undefined;
  if (source.startsWith('file:')) return fileURLToPath(source);
  // Two letters or more, so that a Windows drive (C:) stays a path.
  return /^[a-z][a-z0-9+.-]+:/i.test(source) ? undefined : source;
}

/** A trained model from a path, its bytes, a Blob or File, a fetch Response or a URL, ready to predict. */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Classifier> {
  const kernels = options.wasm === undefined ? defaultKernels : () => compileWasm(options.wasm!);
  const path = pathOf(source);
  return path === undefined ? loadModelFrom(source, kernels) : loadModelFrom(readUserFile(path, 'model', MAX_MODEL_BYTES, EXIT_RUNTIME), kernels, path);
}

export { Classifier, CHUNK, type ModelSource, type Pixels, type Prediction } from '../infer/classifier.js';
export { WasmfitError } from '../core/errors.js';
