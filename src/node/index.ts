// The package's Node entry (the "node" condition of package.json exports): the same API as the browser
// entry, with the kernels read from build/wasmfit.wasm and the data found on disk as the CLI finds it.

import { createWasmfit, type InitOptions, type Wasmfit } from '../api/wasmfit.js';
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

export * from '../api/index.js';
export { locateData, findDataDir, type LocatedData, type DataOptions } from './data-files.js';
export { loadModel, type LoadModelOptions } from './infer.js';
// Reading the four files from Blobs, bytes or URLs takes only web APIs (fetch, DecompressionStream, crypto.subtle),
// which Node 20 has; so both entries offer it, and one app type-checks whichever entry TypeScript picks.
export { decodeFashionMnist, matchFiles, missingFiles, type DataSource, type DataSources, type DecodedData } from '../browser/data.js';
