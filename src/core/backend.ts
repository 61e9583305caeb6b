// Chooses and sets up a kernel back end over a fresh arena. The WASM module's bytes come from the
// platform (a file in Node, a fetch in the browser), so the caller passes a loader.

import type { BackendName, Kernels } from './kernels/kernels.js';
import { JsKernels } from './kernels/js.js';
import { instantiateWasmKernels, simdSupported } from './kernels/wasm.js';
import { Arena, createMemory } from './memory.js';
import { WasmfitError } from './errors.js';

export const BACKENDS: readonly BackendName[] = ['wasm', 'js'];

export interface Backend {
  kernels: Kernels;
  arena: Arena;
}

/** Where the JS back end's arena starts: nothing static lives in its memory, but offset 0 stays unused. */
const JS_ARENA_BASE = 1024;

export async function createBackend(name: BackendName, loadWasm: () => Promise<WebAssembly.Module | BufferSource>): Promise<Backend> {
  const memory = createMemory();
  if (name === 'js') return { kernels: new JsKernels(memory), arena: new Arena(memory, JS_ARENA_BASE) };
  if (!simdSupported()) {
    throw new WasmfitError('this JavaScript engine lacks WebAssembly SIMD, which the wasm back end needs', undefined, 'use --backend js, or Node 16.4 or newer');
  }
  const { kernels, heapBase } = await instantiateWasmKernels(await loadWasm(), memory);
  return { kernels, arena: new Arena(memory, heapBase) };
}
