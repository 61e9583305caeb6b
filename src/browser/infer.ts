// `wasmfit/infer` in a browser or a bundle: load a trained model and classify images, with neither the trainer
// nor js-yaml. The kernels are the wasmfit.wasm beside this module (new URL('./wasmfit.wasm', import.meta.url),
// which bundlers rewrite to the emitted asset), or whatever options.wasm gives.

import { compileOnce, loadModelFrom, type Classifier, type ModelSource } from '../infer/classifier.js';
import { compileWasm, type WasmSource } from '../core/wasm-loader.js';

export interface LoadModelOptions {
  /** The kernel module: a URL, its bytes, a fetch Response or a compiled module; default: the file beside this module. */
  wasm?: WasmSource;
}

const defaultKernels = compileOnce(() => compileWasm(new URL('./wasmfit.wasm', import.meta.url)));

/** A trained model from its bytes, a Blob or File, a fetch Response or a URL, ready to predict. */
export function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Classifier> {
  return loadModelFrom(source, options.wasm === undefined ? defaultKernels : () => compileWasm(options.wasm!));
}

export { Classifier, CHUNK, type ModelSource, type Pixels, type Prediction } from '../infer/classifier.js';
export { WasmfitError } from '../core/errors.js';
