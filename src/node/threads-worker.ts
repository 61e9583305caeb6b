// Entry point of one kernel worker thread in Node: runs the platform-neutral worker loop on what the pool sent.

import { parentPort, workerData } from 'node:worker_threads';
import { runWorker } from '../core/threads/worker.js';
import type { WorkerInit } from '../core/threads/protocol.js';

await runWorker(workerData as WorkerInit, () => parentPort!.postMessage('ready'));
