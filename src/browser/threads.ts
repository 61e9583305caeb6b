// The browser adapter of the thread pool (src/core/threads/): each kernel thread is a module Web Worker
// running kernel-worker.ts, handed the compiled shared-memory kernels, the memory and its mailbox.

import type { SpawnWorker } from '../core/threads/protocol.js';

/** A SpawnWorker over Web Workers made by create (which holds the new URL(..., import.meta.url) for bundlers). */
export function webWorkerSpawner(create: () => Worker): SpawnWorker {
  return (init) => {
    const worker = create();
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`a kernel worker failed to start (${e.message || 'its script did not load'})`));
      };
    });
    worker.postMessage(init);
    return { ready, terminate: () => worker.terminate() };
  };
}
