// The package's browser entry (the "browser" condition of package.json exports): init() compiles the kernels
// and picks the fastest mode this page allows; the rest is the platform-neutral core. No node: imports and
// no top-level await, so any bundler can take it. The .wasm is found with the literal
// new URL('./wasmfit.wasm', import.meta.url), which webpack, Vite, Parcel and Rollup plugins rewrite to the
// emitted asset; esbuild leaves it as it is, so the file must sit next to the bundle (see the README).

import { createWasmfit, type InitOptions, type Wasmfit } from '../api/wasmfit.js';
import { createBackend } from '../core/backend.js';
import { compileWasm, type WasmSource } from '../core/wasm-loader.js';
import { webWorkerSpawner } from './threads.js';
import { relaxedSimdSupported } from '../core/kernels/wasm.js';
import { WasmfitError } from '../core/errors.js';

export interface BrowserInitOptions extends InitOptions {
  /** The shared-memory kernels for threads; default: the wasmfit.shared.wasm beside this module. */
  sharedWasm?: WasmSource;
}

/**
 * Loads the kernels (from options.wasm, else the wasmfit.wasm beside this module) and decides the mode.
 * Threads (cross-origin isolated pages only) run kernel-worker.js beside this module as module Web Workers.
 */
export function init(options: BrowserInitOptions = {}): Promise<Wasmfit> {
  const relaxed = options.simd === 'relaxed';
  if (relaxed && !relaxedSimdSupported()) {
    return Promise.reject(new WasmfitError("init({ simd: 'relaxed' }): this browser refuses relaxed SIMD (WebAssembly.validate of an f32x4.relaxed_madd probe)",
      undefined, "leave simd at 'plain', the default"));
  }
  // Literal URLs, one per build, so that bundlers find and emit each file.
  const sharedWasm = () => relaxed ? new URL('./wasmfit.shared.relaxed.wasm', import.meta.url) : new URL('./wasmfit.shared.wasm', import.meta.url);
  const threadedBackend = options.threadedBackend ?? ((threads: number) => createBackend('wasm', async () => null!, {
    threads,
    loadSharedWasm: () => compileWasm(options.sharedWasm ?? sharedWasm()),
    spawnWorker: webWorkerSpawner(() => new Worker(new URL('./kernel-worker.js', import.meta.url), { type: 'module' })),
  }));
  return createWasmfit({ ...options, threadedBackend }, () => relaxed ? new URL('./wasmfit.relaxed.wasm', import.meta.url) : new URL('./wasmfit.wasm', import.meta.url));
}

export * from '../api/index.js';
export { decodeFashionMnist, matchFiles, missingFiles, type DataSource, type DataSources, type DecodedData } from './data.js';
export { loadModel, type LoadModelOptions } from './infer.js';
