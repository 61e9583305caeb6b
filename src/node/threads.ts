// The Node adapter of the thread pool: starts a worker_threads Worker running src/node/threads-worker.ts,
// and says how many threads this machine has. The pool itself (src/core/threads/) knows nothing of Node.

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { SpawnWorker } from '../core/threads/protocol.js';
import { loadSharedWasmModule } from './wasm-file.js';
import type { SimdBuild } from '../core/kernels/wasm.js';

/**
 * The most --threads (and --jobs) may ask for: each thread is a worker with a V8 heap of its own, so a
 * thousand of them cost gigabytes, and past the cores they only take turns.
 */
export const MAX_THREADS = 64;

/** The default --threads: every core, up to MAX_THREADS. */
export function defaultThreads(): number {
  return Math.min(availableParallelism(), MAX_THREADS);
}

export const spawnNodeWorker: SpawnWorker = (init) => {
  // The compiled module and the shared memory are sent as they are (no copy) through workerData.
  const worker = new Worker(new URL('./threads-worker.js', import.meta.url), { workerData: init });
  // A worker spends its life in a job loop; it must not keep the process alive on its own.
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a kernel worker thread exited (code ${code}) before it was ready`)));
  });
  return { ready, terminate: () => void worker.terminate() };
};

/** What createBackend needs for more than one thread, in Node. */
export const nodeThreadOptions = (threads: number, build: SimdBuild = 'plain') =>
  ({ threads, loadSharedWasm: () => loadSharedWasmModule(build), spawnWorker: spawnNodeWorker });
