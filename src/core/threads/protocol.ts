// The thread pool's wire format, shared by the main thread and its workers: where each worker's mailbox lives in
// the control SharedArrayBuffer, and what a worker is told when it starts, including the exports it may run (the
// kernel manifest's, in the order a job's op index refers to). No engine APIs here.

/** The op of the message that stops a worker. */
export const OP_STOP = -1;

/** firstLayerBackwardCols takes 17; 24 f64 fill a mailbox from ARGS_AT to SLOT_BYTES exactly. */
export const MAX_ARGS = 24;
/** One mailbox per worker, 256 bytes apart so two workers never share a cache line. */
export const SLOT_BYTES = 256;
/**
 * i32 fields of a mailbox: seq (bumped by main per job), done (seq of the last finished job), op, failed,
 * elapsed, the microseconds the last job took in the worker (how the pool sees which thread is slower), and claim,
 * the seq of the last job a thread took: the worker, or the main thread when it found the job not yet started.
 */
export const SEQ = 0, DONE = 1, OP = 2, FAILED = 3, ELAPSED = 4, CLAIM = 5;
/** Byte offset of the f64 arguments inside a mailbox. */
export const ARGS_AT = 64;

/** What a worker is given when it starts: the compiled kernels, the shared memory they run over, its mailbox. */
export interface WorkerInit {
  /** The wasm exports this worker may be asked to run: a job's op is an index into this list. */
  ops: readonly string[];
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  /** Polls of its mailbox before a worker sleeps in Atomics.wait (waking costs tens of microseconds; a poll ~10 ns). */
  spin: number;
}

/** A started worker, as the platform adapter returns it: ready once its kernels are instantiated. */
export interface WorkerHandle {
  ready: Promise<void>;
  terminate(): void;
}

/** Starts a worker that calls runWorker(init) (src/core/threads/worker.ts): a Node worker_threads Worker or a Web Worker. */
export type SpawnWorker = (init: WorkerInit) => WorkerHandle;
