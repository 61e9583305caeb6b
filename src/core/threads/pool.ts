// The main thread's side of the pool: starts workers through an injected SpawnWorker, posts one job per
// worker into its mailbox (SharedArrayBuffer + Atomics), and spins until they are done. The main thread
// computes its own share in between, so a 2-thread pool has one worker. Nothing here allocates per job.

import { ARGS_AT, CLAIM, DONE, ELAPSED, FAILED, MAX_ARGS, OP, OP_STOP, SEQ, SLOT_BYTES, type SpawnWorker, type WorkerHandle } from './protocol.js';
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
  private taken = 0;
  /** Each worker's last job's export, and the calling thread's own instance of the exports (see runsLocally). */
  private readonly ops: WasmExport[];
  private local: Record<string, (...args: number[]) => unknown> | null = null;
  private readonly opIndex = new Map<string, number>(WORKER_OPS.map((name, i) => [name, i]));

  private constructor(private readonly handles: WorkerHandle[], control: SharedArrayBuffer) {
    this.boxes = handles.map((_, i) => new Int32Array(control, i * SLOT_BYTES, ARGS_AT / 4));
    this.args = handles.map((_, i) => new Float64Array(control, i * SLOT_BYTES + ARGS_AT, MAX_ARGS));
    this.seq = handles.map(() => 0);
    this.ops = handles.map(() => WORKER_OPS[0]);
  }

  /**
   * Lets wait() run a job on the calling thread, with these exports over the same memory, when its worker has not
   * started it: on a machine with more runnable threads than cores a worker can sit descheduled for milliseconds,
   * and the main thread, done with its own share, would otherwise spin until it runs. The job's arguments are the
   * same, so its results are too; only who computes them changes.
   */
  runsLocally(exports: Record<string, unknown>): void {
    this.local = exports as Record<string, (...args: number[]) => unknown>;
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
    this.ops[w] = op;
    Atomics.store(box, OP, this.opIndex.get(op)!);
    Atomics.store(box, SEQ, ++this.seq[w]);
    Atomics.notify(box, SEQ);
  }

  /**
   * Returns once worker w's last job is done: run here (returning true) if the worker has not started it, else
   * spinning until it finishes (jobs take 1-500 us), then sleeping in Atomics.wait: on a busy machine the worker
   * may be descheduled, and spinning would keep its core from it. A browser's main thread may not block, so there
   * it only spins.
   */
  wait(w: number): boolean {
    const box = this.boxes[w], seq = this.seq[w];
    if (this.local && Atomics.load(box, DONE) !== seq && Atomics.compareExchange(box, CLAIM, seq - 1, seq) === seq - 1) {
      const a = this.args[w];
      this.taken++;
      try {
        this.local[this.ops[w]](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23]);
      } finally {
        Atomics.store(box, DONE, seq);
      }
      return true;
    }
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
    return false;
  }

  /** Jobs the calling thread ran itself since the last resetWaited, its workers not having started them. */
  get takenJobs(): number {
    return this.taken;
  }

  /** Milliseconds spent in wait for a worker not yet done, since the last resetWaited: what the threads' imbalance cost. */
  get waitedMillis(): number {
    return this.waited;
  }

  resetWaited(): void {
    this.waited = 0;
    this.taken = 0;
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
