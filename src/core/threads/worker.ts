// A pool worker's whole life: instantiate the same compiled kernels over the same shared memory, then serve
// its mailbox forever: spin briefly for the next job, sleep in Atomics.wait when none comes, run, report done.
// Platform-neutral: the adapter (src/node/threads-worker.ts, or a Web Worker) calls runWorker and says ready.

import { ARGS_AT, CLAIM, DONE, ELAPSED, FAILED, MAX_ARGS, OP, OP_STOP, SEQ, SLOT_BYTES, type WorkerInit } from './protocol.js';

type Fn = (...args: number[]) => unknown;

export async function runWorker(init: WorkerInit, ready: () => void): Promise<void> {
  const { exports } = await WebAssembly.instantiate(init.module, {
    env: { memory: init.memory, abort: () => { throw new Error('wasm kernel aborted in a worker'); } },
  });
  const fns = init.ops.map((name) => {
    if (typeof exports[name] !== 'function') throw new Error(`the kernel module has no export ${name}, which a worker runs: rebuild it with npm run build:wasm`);
    return exports[name] as Fn;
  });
  const box = new Int32Array(init.control, init.index * SLOT_BYTES, ARGS_AT / 4);
  const args = new Float64Array(init.control, init.index * SLOT_BYTES + ARGS_AT, MAX_ARGS);
  // Read before saying ready: the main thread may post the first job as soon as it hears, and a worker that read
  // the sequence number after that job's would wait for the next one while the main thread waits for this one.
  let seen = Atomics.load(box, SEQ);
  ready();
  for (;;) {
    for (let spins = 0; Atomics.load(box, SEQ) === seen;) {
      if (++spins > init.spin) {
        Atomics.wait(box, SEQ, seen);
        spins = 0;
      }
    }
    seen = Atomics.load(box, SEQ);
    const op = Atomics.load(box, OP);
    if (op === OP_STOP) return;
    // The main thread runs a job itself when it finds it not started (this worker was descheduled): it then
    // marks it done.
    if (Atomics.compareExchange(box, CLAIM, seen - 1, seen) !== seen - 1) continue;
    const started = performance.now();
    try {
      fns[op](args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11], args[12], args[13], args[14], args[15], args[16], args[17], args[18], args[19], args[20], args[21], args[22], args[23]);
    } catch {
      Atomics.store(box, FAILED, 1);
    }
    Atomics.store(box, ELAPSED, Math.round((performance.now() - started) * 1000));
    Atomics.store(box, DONE, seen);
    Atomics.notify(box, DONE);
  }
}
