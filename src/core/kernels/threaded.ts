// The WASM back end on several threads: the same Kernels, with the big kernels split across a ThreadPool as
// their manifest plans say (manifest.ts). Splits are contiguous row (or column) ranges at tile multiples, and
// every output element is computed by the same code with its sums in the same order whichever thread runs it,
// so results are bit-identical for any thread count. Here: how ranges, phases and column shares are run, the batch
// copies, and the kernels with schemes of their own (gatherSparse, gatherSparseAugmented, swapRows behind).

import { NZ_HEADER, type BatchBuffers, type KernelCalls, type KernelName, type Kernels } from './kernels.js';
import type { ThreadPool } from '../threads/pool.js';
import { ShareBalancer } from './balance.js';
import { KERNEL_NAMES, MANIFEST, type ThreadPlan, type WasmExport } from './manifest.js';

type Fn = (...args: number[]) => unknown;
/** Below this much work (multiply-adds or elements) a job's ~1-2 us hand-off costs more than it saves. */
const MIN_WORK = 32_768;
/** Column grain of the first layer's even splits: two panels, the weight gradient's widest sweep. */
const COLUMNS = 32;
/** Grain of the first layer's balanced splits: one panel of W0 (src/core/panels.ts). */
const PANEL_COLUMNS = 16;
/** Whether the first layer's kernels split n columns doing this much work, or run whole on the main thread. */
const splitsColumns = (n: number, work: number) => work >= MIN_WORK && n >= 2 * PANEL_COLUMNS;

export interface ThreadedOptions {
  /** The first layer's column shares to start from, for a layer n columns wide (tests; default: even). */
  initialShares?(n: number, parts: number): number[];
}

export function threadedKernels(base: Kernels, exports: WebAssembly.Exports, pool: ThreadPool, options: ThreadedOptions = {}): Kernels {
  const main = exports as unknown as Record<WasmExport, Fn>;
  const parts = pool.workers + 1;
  pool.runsLocally(exports);
  /**
   * The model's batch and one private copy per worker. Every thread gathers the whole batch into its own copy
   * (the work is repeated, in parallel) and the first layer's kernels read it there: with one shared copy, each
   * batch's lists would be written by one core and read by both, and moving those lines between the cores costs
   * more than gathering twice. Every model registers its own batch.
   */
  const batches = new Map<number, { primary: BatchBuffers; copies: BatchBuffers[]; columns?: number }>(); // by the primary's nz
  /**
   * Whether a registered batch of `rows` is gathered into the workers' copies: only when the first layer's kernels
   * will split it (splitColumns' test on their work, rows k n / 2). Softmax regression's 10 columns never split,
   * so its batch is gathered once, on the main thread, and a second thread only moves the rows behind it.
   */
  const copiesNeeded = (batch: { columns?: number }, rows: number, dim: number) =>
    batch.columns === undefined || splitsColumns(batch.columns, rows * dim * batch.columns / 2);
  /** The copy of the batch (nz, val, c) that part `part` (0 = main, w + 1 = worker w) reads: its own when registered. */
  const batchFor = (nz: number, val: number, c: number, part: number): Omit<BatchBuffers, 'y'> => {
    const batch = batches.get(nz);
    return batch === undefined ? { nz, val, c } : part === 0 ? batch.primary : batch.copies[part - 1];
  };

  /**
   * The swaps of a swapRowsBehind not yet started (images, labels, stats, swaps, count, dim), and the worker running
   * them once started (-1: none). Every job for a worker first waits for that worker's swaps: a worker runs one job
   * at a time.
   */
  let behind: number[] | null = null;
  let behindOn = -1;
  const post = (w: number, op: WasmExport, args: readonly number[]) => {
    if (behindOn === w) {
      pool.wait(w);
      behindOn = -1;
    }
    pool.post(w, op, args);
  };
  /** Starts the pending swaps on the last worker, once its current job is done. */
  const startBehind = () => {
    if (!behind) return;
    const w = pool.workers - 1;
    post(w, 'swapRows', behind);
    behindOn = w;
    behind = null;
  };
  const settleRows = () => {
    if (behindOn >= 0) pool.wait(behindOn);
    behindOn = -1;
    if (behind) main.swapRows(...behind);
    behind = null;
  };

  /**
   * Runs op over [0, total) in `parts` ranges (multiples of grain): workers take the later ranges, main the first;
   * below minWork it runs whole on the main thread. args gets each range and its part (0 = main, w + 1 = worker w).
   */
  function split(op: WasmExport, total: number, grain: number, work: number, args: (from: number, to: number, part: number) => number[], minWork = MIN_WORK): void {
    const per = Math.ceil(total / parts / grain) * grain;
    if (work < minWork || per >= total) {
      main[op](...args(0, total, 0));
      return;
    }
    let used = 0;
    for (let w = 0, from = per; w < pool.workers && from < total; w++, from += per) {
      post(w, op, args(from, Math.min(from + per, total), w + 1));
      used++;
    }
    main[op](...args(0, per, 0));
    for (let w = 0; w < used; w++) pool.wait(w);
  }

  /**
   * The first layer's kernels split its n columns by shares that follow the threads' measured speeds (balance.ts),
   * one balancer per width, shared by its forward pass, backward pass and update so that each core keeps
   * working on the same columns of W0. It starts from the even split at COLUMNS.
   */
  const balancers = new Map<number, ShareBalancer>();
  const sharesFor = (n: number): ShareBalancer => {
    let b = balancers.get(n);
    if (!b) {
      const per = Math.ceil(n / parts / COLUMNS) * COLUMNS;
      const even = Array.from({ length: parts }, (_, p) => Math.max(0, Math.min(per, n - p * per)));
      balancers.set(n, (b = new ShareBalancer(n, PANEL_COLUMNS, options.initialShares?.(n, parts) ?? even)));
    }
    return b;
  };
  const micros = new Array<number>(parts).fill(0);
  /**
   * Runs op over columns [0, n) by the width's shares (main first, then each worker's range); below minWork
   * whole on the main thread. When timed, each part's time feeds the balancer.
   */
  function splitColumns(op: WasmExport, n: number, work: number, timed: boolean, args: (from: number, to: number, part: number) => number[]): void {
    if (!splitsColumns(n, work)) {
      // The worker has nothing else to do meanwhile: the swaps behind start at once.
      if (op === 'sparseForwardCols') startBehind();
      main[op](...args(0, n, 0));
      return;
    }
    const shares = sharesFor(n), counts = shares.counts;
    const posted: number[] = [];
    micros.fill(0);
    for (let w = 0, from = counts[0]; w < pool.workers; from += counts[w + 1], w++) {
      if (counts[w + 1] === 0) continue;
      post(w, op, args(from, from + counts[w + 1], w + 1));
      posted.push(w);
    }
    const started = performance.now();
    if (counts[0] > 0) main[op](...args(0, counts[0], 0));
    micros[0] = (performance.now() - started) * 1000;
    let taken = false;
    for (const w of posted) {
      if (pool.wait(w)) taken = true;
      micros[w + 1] = pool.elapsedMicros(w);
    }
    // A share the main thread took over says nothing of its worker's pace.
    if (timed && !taken) shares.record({ columns: counts, micros });
    // The swaps behind start here: the main thread then computes the layers after the first and the loss alone, a
    // stretch about as long as a batch's swaps. The stretch after the first layer's update is too short for them:
    // the main thread would wait for the worker at the next batch.
    if (op === 'sparseForwardCols') startBehind();
  }

  /**
   * Each kernel as its manifest plan says. The first layer is split by columns throughout, by the same shares (whole
   * panels of W0): its forward pass, backward pass and update. Each core then reads and writes only its own
   * contiguous part of W0, of its gradient and of its velocity, which stay in its cache from batch to batch. (Split
   * by rows, every batch would move half of W0 between the cores; split by columns of a row-major W0, the cores
   * would fight over neighbouring lines.)
   */
  const planned: Partial<Record<KernelName, unknown>> = {};
  for (const name of KERNEL_NAMES) {
    const plan = MANIFEST[name].threads as ThreadPlan<KernelName>;
    type Call = (...args: Parameters<KernelCalls[KernelName]>) => void;
    if (plan.split === 'ranges') {
      planned[name] = ((...args) => {
        const { total, work } = plan.size(...args);
        split(plan.op, total, plan.grain, work, (i, j) => plan.range(i, j, ...args), plan.minWork);
      }) as Call;
    } else if (plan.split === 'columns') {
      planned[name] = ((...args) => {
        const { columns, work } = plan.size(...args), batch = plan.batch?.(...args);
        splitColumns(plan.op, columns, work, plan.timed, (i, j, part) => plan.range(i, j, batch ? batchFor(batch.nz, batch.val, batch.c, part) : null, ...args));
      }) as Call;
    } else if (plan.split === 'phases') {
      const whole = base[name] as Call;
      planned[name] = ((...args) => {
        if (plan.work(...args) < plan.minWork) return whole(...args);
        // Each split waits for its parts, so a phase reads what the one before wrote.
        for (const phase of plan.phases) split(phase.op, phase.total(...args), phase.grain, Infinity, (i, j) => phase.range(i, j, ...args));
      }) as Call;
    }
  }

  return {
    ...base,
    ...(planned as Partial<KernelCalls>),
    gatherSparse: (nz, val, c, y, images, labels, stats, idx, rows, dim) => {
      const batch = batches.get(nz);
      if (batch === undefined) {
        split('gatherSparse', rows, 4, rows * dim,
          (i, j) => [nz + 4 * i * (dim + NZ_HEADER), val + 4 * i * dim, c + 4 * i, y + i, images, labels, stats, idx + 4 * i, j - i, dim]);
        return;
      }
      if (!copiesNeeded(batch, rows, dim)) {
        main.gatherSparse(nz, val, c, y, images, labels, stats, idx, rows, dim);
        return;
      }
      // The registered batch: every copy, whatever the size, as the kernels after it split.
      batch.copies.forEach((b, w) => post(w, 'gatherSparse', [b.nz, b.val, b.c, b.y, images, labels, stats, idx, rows, dim]));
      main.gatherSparse(nz, val, c, y, images, labels, stats, idx, rows, dim);
      batch.copies.forEach((_, w) => pool.wait(w));
    },
    // Its draws are keyed by the row's index in the batch, so it does not split by rows: each copy gathers whole.
    gatherSparseAugmented: (nz, val, c, y, images, labels, stats, idx, rows, width, key, shift, flip) => {
      const batch = batches.get(nz);
      const copies = batch && copiesNeeded(batch, rows, width * width) ? batch.copies : [];
      copies.forEach((b, w) => post(w, 'gatherSparseAugmented', [b.nz, b.val, b.c, b.y, images, labels, stats, idx, rows, width, key, shift, flip]));
      main.gatherSparseAugmented(nz, val, c, y, images, labels, stats, idx, rows, width, key, shift, flip);
      copies.forEach((_, w) => pool.wait(w));
    },
    swapRows: (images, labels, stats, swaps, count, dim) => {
      settleRows();
      main.swapRows(images, labels, stats, swaps, count, dim);
    },
    swapRowsBehind: (images, labels, stats, swaps, count, dim) => {
      settleRows();
      behind = [images, labels, stats, swaps, count, dim];
    },
    settleRows,
    threadStats: () => ({ waitMillis: pool.waitedMillis, takenJobs: pool.takenJobs, paces: [...balancers.values()].map((b) => b.pace()) }),
    resetThreadStats: () => {
      pool.resetWaited();
      balancers.forEach((b) => b.resetPace());
    },
    batchCopies: pool.workers,
    useBatchCopies(primary, copies, columns) {
      if (copies.length !== pool.workers) throw new Error(`expected ${pool.workers} batch copies, got ${copies.length}`);
      batches.set(primary.nz, { primary, copies, columns });
    },
  };
}
