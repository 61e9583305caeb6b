// Chooses and sets up a kernel back end over a fresh arena. The WASM module's bytes come from the
// platform (a file in Node, a fetch in the browser), so the caller passes a loader; so is starting worker
// threads (BackendOptions.spawnWorker), which the multi-threaded WASM back end needs.

import type { BackendName, Kernels } from './kernels/kernels.js';
import { JsKernels } from './kernels/js.js';
import { instantiateWasmKernels, simdSupported } from './kernels/wasm.js';
import { Arena, createMemory } from './memory.js';
import { WasmfitError } from './errors.js';
import { ThreadPool } from './threads/pool.js';
import type { SpawnWorker } from './threads/protocol.js';
import { threadedKernels, type ThreadedOptions } from './kernels/threaded.js';

export const BACKENDS: readonly BackendName[] = ['wasm', 'js'];

export interface Backend {
  kernels: Kernels;
  arena: Arena;
  /** Threads the kernels run on (1 = the calling thread only). */
  threads: number;
  /** Stops the worker threads, if any. */
  close(): void;
}

export interface BackendOptions {
  /** Threads for the wasm back end; above 1 it needs the shared-memory build and a way to start workers. */
  threads?: number;
  loadSharedWasm?: () => Promise<WebAssembly.Module | BufferSource>;
  spawnWorker?: SpawnWorker;
  /** How the threaded kernels split work (tests). */
  threaded?: ThreadedOptions;
}

/** Where the JS back end's arena starts: nothing static lives in its memory, but offset 0 stays unused. */
const JS_ARENA_BASE = 1024;

export async function createBackend(name: BackendName, loadWasm: () => Promise<WebAssembly.Module | BufferSource>, options: BackendOptions = {}): Promise<Backend> {
  const threads = name === 'wasm' ? Math.max(1, Math.floor(options.threads ?? 1)) : 1;
  const memory = createMemory(1, threads > 1);
  const single = { threads: 1, close: () => {} };
  if (name === 'js') return { kernels: new JsKernels(memory), arena: new Arena(memory, JS_ARENA_BASE), ...single };
  if (!simdSupported()) {
    throw new WasmfitError('this JavaScript engine lacks WebAssembly SIMD, which the wasm back end needs', undefined, 'use --backend js, or Node 16.4 or newer');
  }
  if (threads === 1) {
    const { kernels, heapBase } = await instantiateWasmKernels(await loadWasm(), memory);
    return { kernels, arena: new Arena(memory, heapBase), ...single };
  }
  if (!options.loadSharedWasm || !options.spawnWorker) throw new WasmfitError(`${threads} threads need the shared-memory kernels and worker threads, which this platform did not provide`, undefined, 'use --threads 1');
  if (typeof SharedArrayBuffer === 'undefined') throw new WasmfitError(`${threads} threads need SharedArrayBuffer, which this context lacks`, undefined, 'use --threads 1 (browsers need cross-origin isolation)');
  const { kernels, heapBase, module, exports } = await instantiateWasmKernels(await options.loadSharedWasm(), memory);
  const pool = await ThreadPool.start(threads - 1, module, memory, options.spawnWorker);
  return { kernels: threadedKernels(kernels, exports, pool, options.threaded), arena: new Arena(memory, heapBase), threads, close: () => pool.close() };
}
