// The main thread's side of the pool: starts workers through an injected SpawnWorker, posts one job per
// worker into its mailbox (SharedArrayBuffer + Atomics), and spins until they are done. The main thread
// computes its own share in between, so a 2-thread pool has one worker. Nothing here allocates per job.

import { ARGS_AT, DONE, ELAPSED, FAILED, MAX_ARGS, OP, OP_STOP, SEQ, SLOT_BYTES, type SpawnWorker, type WorkerHandle } from './protocol.js';
import { WORKER_OPS, type WasmExport } from '../kernels/manifest.js';

/** ~10 ns a poll: a worker stays awake about 0.5 ms after its last job, across the gaps inside a batch. */
export const DEFAULT_SPIN = 50_000;

/**
 * Polls before the main thread sleeps while waiting for a worker (~2 ms, longer than any job of a batch).
 * Waking from Atomics.wait costs tens of microseconds, several times a batch: with a much shorter spin the main
 * thread sleeps in most waits and two threads train no faster than one.
 */
const WAIT_SPIN = 200_000;

export class ThreadPool {
  private readonly boxes: Int32Array[];
  private readonly args: Float64Array[];
  private readonly seq: number[];
  private canBlock = true;
  private waited = 0;
  private readonly opIndex = new Map<string, number>(WORKER_OPS.map((name, i) => [name, i]));

  private constructor(private readonly handles: WorkerHandle[], control: SharedArrayBuffer) {
    this.boxes = handles.map((_, i) => new Int32Array(control, i * SLOT_BYTES, ARGS_AT / 4));
    this.args = handles.map((_, i) => new Float64Array(control, i * SLOT_BYTES + ARGS_AT, MAX_ARGS));
    this.seq = handles.map(() => 0);
  }

  /** Starts `workers` workers over memory (which must be shared) and waits until each has instantiated the kernels. */
  static async start(workers: number, module: WebAssembly.Module, memory: WebAssembly.Memory, spawn: SpawnWorker, spin = DEFAULT_SPIN): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(Math.max(workers, 1) * SLOT_BYTES);
    const handles: WorkerHandle[] = [];
    try {
      for (let index = 0; index < workers; index++) handles.push(spawn({ ops: WORKER_OPS, module, memory, control, index, spin }));
      await Promise.all(handles.map((h) => h.ready));
    } catch (e) {
      for (const h of handles) h.terminate();
      throw e;
    }
    return new ThreadPool(handles, control);
  }

  get workers(): number {
    return this.handles.length;
  }

  /** Hands worker w one call of a kernel; returns at once. */
  post(w: number, op: WasmExport, args: readonly number[]): void {
    const box = this.boxes[w];
    this.args[w].set(args);
    Atomics.store(box, OP, this.opIndex.get(op)!);
    Atomics.store(box, SEQ, ++this.seq[w]);
    Atomics.notify(box, SEQ);
  }

  /**
   * Spins until worker w has finished its last job (jobs take 1-500 us), then sleeps in Atomics.wait: on a busy
   * machine the worker may be descheduled, and spinning would keep its core from it. A browser's main thread may
   * not block, so there it only spins.
   */
  wait(w: number): void {
    const box = this.boxes[w], seq = this.seq[w];
    if (Atomics.load(box, DONE) !== seq) {
      const started = performance.now();
      for (let spins = 0; ; spins++) {
        const done = Atomics.load(box, DONE);
        if (done === seq) break;
        if (spins > WAIT_SPIN && this.canBlock) {
          try {
            Atomics.wait(box, DONE, done, 1);
          } catch {
            this.canBlock = false;
          }
        }
      }
      this.waited += performance.now() - started;
    }
    if (Atomics.load(box, FAILED) !== 0) throw new Error('a kernel failed in a worker thread');
  }

  /** Milliseconds spent in wait for a worker not yet done, since the last resetWaited: what the threads' imbalance cost. */
  get waitedMillis(): number {
    return this.waited;
  }

  resetWaited(): void {
    this.waited = 0;
  }

  /** Microseconds worker w's last finished job took (read after wait). */
  elapsedMicros(w: number): number {
    return Atomics.load(this.boxes[w], ELAPSED);
  }

  /** Stops every worker: a stop message for a clean exit, then terminate for one stuck in a job. */
  close(): void {
    for (let w = 0; w < this.handles.length; w++) {
      const box = this.boxes[w];
      Atomics.store(box, OP, OP_STOP);
      Atomics.store(box, SEQ, ++this.seq[w]);
      Atomics.notify(box, SEQ);
      this.handles[w].terminate();
    }
  }
}
