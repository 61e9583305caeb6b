// The Node adapter for the WASM kernels: reads and compiles build/wasmfit*.wasm from the package root, and
// makes Node 20 accept the relaxed-SIMD build. Instantiation (memory, imports, the Kernels binding) lives in
// src/core/kernels/wasm.ts.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { relaxedSimdSupported, type SimdBuild } from '../core/kernels/wasm.js';
import { WasmfitError } from '../core/errors.js';

// This file compiles to dist/src/node/wasm-file.js; the package root is three levels up. `shared` is the same
// kernels built over an imported shared memory, for worker threads (asconfig.json targets shared*).
const FILES: Record<SimdBuild, { single: URL; shared: URL }> = {
  plain: {
    single: new URL('../../../build/wasmfit.wasm', import.meta.url),
    shared: new URL('../../../build/wasmfit.shared.wasm', import.meta.url),
  },
  relaxed: {
    single: new URL('../../../build/wasmfit.relaxed.wasm', import.meta.url),
    shared: new URL('../../../build/wasmfit.shared.relaxed.wasm', import.meta.url),
  },
};

/** The compiled kernel module; throws with a build hint when its file is missing. */
export async function loadWasmModule(build: SimdBuild = 'plain'): Promise<WebAssembly.Module> {
  enableSimdBuild(build);
  return loadFrom(FILES[build].single);
}

/** The shared-memory build, for the multi-threaded back end. */
export async function loadSharedWasmModule(build: SimdBuild = 'plain'): Promise<WebAssembly.Module> {
  enableSimdBuild(build);
  return loadFrom(FILES[build].shared);
}

/**
 * Makes this process accept the given build, or says why it cannot. Node 20's V8 (11.3) implements relaxed
 * SIMD behind --experimental-wasm-relaxed-simd; V8 reads the flag when it validates a module, so setting it
 * now applies to every later compile in the process, worker threads included.
 */
export function enableSimdBuild(build: SimdBuild): void {
  if (build === 'plain' || relaxedSimdSupported()) return;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (!relaxedSimdSupported()) {
    throw new WasmfitError(`the relaxed SIMD build: Node ${process.version} refuses relaxed SIMD (WebAssembly.validate of an f32x4.relaxed_madd probe), even with --experimental-wasm-relaxed-simd`,
      undefined, 'use --simd plain, the default');
  }
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
