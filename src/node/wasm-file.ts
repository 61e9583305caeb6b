// The Node adapter for the WASM kernels: reads and compiles build/wasmfit.wasm from the package root.
// Instantiation (memory, imports, the Kernels binding) lives in src/core/kernels/wasm.ts.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// This file compiles to dist/src/node/wasm-file.js; the package root is three levels up.
const WASM_URL = new URL('../../../build/wasmfit.wasm', import.meta.url);
/** The same kernels built over an imported shared memory, for worker threads (asconfig.json target shared). */
const SHARED_WASM_URL = new URL('../../../build/wasmfit.shared.wasm', import.meta.url);

/** The compiled kernel module; throws with a build hint when build/wasmfit.wasm is missing. */
export async function loadWasmModule(): Promise<WebAssembly.Module> {
  return loadFrom(WASM_URL);
}

/** The shared-memory build, for the multi-threaded back end. */
export async function loadSharedWasmModule(): Promise<WebAssembly.Module> {
  return loadFrom(SHARED_WASM_URL);
}

async function loadFrom(url: URL): Promise<WebAssembly.Module> {
  let bytes: Buffer;
  try {
    bytes = await readFile(url);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`the WASM kernels are not built (${fileURLToPath(url)} is missing) ---> run npm run build`);
    }
    throw err;
  }
  // readFile's Buffer is typed over ArrayBufferLike but is never shared; compile wants a plain ArrayBuffer.
  return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
}
