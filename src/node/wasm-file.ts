// The Node adapter for the WASM kernels: reads and compiles build/wasmfit.wasm from the package root.
// Instantiation (memory, imports, the Kernels binding) lives in src/core/kernels/wasm.ts.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// This file compiles to dist/src/node/wasm-file.js; the package root is three levels up.
const WASM_URL = new URL('../../../build/wasmfit.wasm', import.meta.url);

/** The compiled kernel module; throws with a build hint when build/wasmfit.wasm is missing. */
export async function loadWasmModule(): Promise<WebAssembly.Module> {
  let bytes: Buffer;
  try {
    bytes = await readFile(WASM_URL);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`the WASM kernels are not built (${fileURLToPath(WASM_URL)} is missing) ---> run npm run build`);
    }
    throw err;
  }
  // readFile's Buffer is typed over ArrayBufferLike but is never shared; compile wants a plain ArrayBuffer.
  return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
}
