// Entry point of one kernel thread in a browser: a module Web Worker that runs the platform-neutral job loop
// (src/core/threads/worker.ts) over the shared memory the pool sends it. It blocks in Atomics.wait, which
// workers may do.

import { runWorker } from '../core/threads/worker.js';
import type { WorkerInit } from '../core/threads/protocol.js';

const scope = self as unknown as { onmessage: ((e: MessageEvent<WorkerInit>) => void) | null; postMessage(m: string): void };
scope.onmessage = (event) => {
  scope.onmessage = null;
  void runWorker(event.data, () => scope.postMessage('ready'));
};
