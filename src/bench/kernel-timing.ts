// Kernel timing over a list of kernel cases (the manifest's timed cases): every variant (back end, build, thread
// count) gets the same input bytes in its own memory, every case's outputs are checked against the first
// variant's (the JS reference) within the case's tolerance, then every cell is timed (warm-up, median of
// samples, median of rounds). It knows no kernel by name.

import type { Backend } from '../core/backend.js';
import type { Kernels, ThreadPace, ThreadStats } from '../core/kernels/kernels.js';
import type { KernelCase } from '../core/kernels/cases/case.js';
import { compareRuns, placeCase, registerBatchCopies, runCase, type PlacedCase } from '../core/kernels/cases/run.js';
import { WasmfitError } from '../core/errors.js';
import { median } from '../report/statistics.js';
import type { KernelCell, KernelRow } from './report.js';

export interface KernelVariant {
  label: string;
  kernels: Kernels;
  backend: Backend;
  /** The only kernels it runs, for a stand-in that is not a whole back end (a hand-blocked JS product). */
  only?: readonly string[];
}

export interface NamedCase {
  kernel: string;
  case: KernelCase;
}

export interface KernelTimingOptions {
  /** Rounds over the whole table; each cell reports its median round. */
  rounds: number;
  /** Calls before each timed cell of a threaded variant, so it times the split its balancer settles on. */
  threadedWarmupCalls: number;
  /** Whether a kernel's threaded cells get those calls: only kernels the balancer splits need them (default: all). */
  balanced?(kernel: string): boolean;
  /** The pace to report for a threaded cell, from the threads' stats of its round (null: none). */
  pace?(stats: ThreadStats | undefined): ThreadPace | null;
  log(line: string): void;
}

/** Places every case in every variant, verifies each against variants[0], times every cell. */
export function timeKernelCases(cases: NamedCase[], variants: KernelVariant[], options: KernelTimingOptions): KernelRow[] {
  // Every variant gets the same bytes at its own offsets; a threaded one a copy of each batch per worker, as in training.
  const placed = variants.map((v) => cases.map(({ case: c }) => {
    const p = placeCase(v.backend.arena, c);
    registerBatchCopies(v.kernels, v.backend.arena, c, p);
    return p;
  }));
  options.log('verifying every kernel against the JS reference');
  verify(cases, variants, placed);
  options.log('all kernels agree; timing kernels');
  // Every cell is timed in rounds over the whole table and the median round is reported: on a shared machine a
  // slow phase lasts seconds, long enough to spoil every sample of one cell taken in a row.
  const rounds = cases.map(() => variants.map(() => [] as { seconds: number; pace: ThreadPace | null }[]));
  for (let round = 0; round < options.rounds; round++) {
    cases.forEach((c, s) => variants.forEach((v, i) => {
      if (!runs(c, v)) return;
      const run = () => void c.case.call(v.kernels, placed[i][s].ptr);
      if (v.backend.threads > 1 && (options.balanced?.(c.kernel) ?? true)) for (let n = 0; n < options.threadedWarmupCalls; n++) run();
      v.kernels.resetThreadStats?.();
      const seconds = timeCall(run);
      rounds[s][i].push({ seconds, pace: options.pace?.(v.kernels.threadStats?.()) ?? null });
    }));
  }
  return cases.map((c, s) => {
    const cells: Record<string, KernelCell> = {};
    variants.forEach((v, i) => {
      const taken = rounds[s][i];
      if (taken.length === 0) return;
      const seconds = median(taken.map((r) => r.seconds));
      const pace = taken.find((r) => r.seconds === seconds)?.pace ?? null;
      cells[v.label] = { microseconds: seconds * 1e6, gflops: c.case.flops ? c.case.flops / seconds / 1e9 : null, rounds_microseconds: taken.map((r) => Number((r.seconds * 1e6).toFixed(1))),
        ...(pace ? { thread_us_per_column: pace.microsPerColumn, thread_columns: pace.columns } : {}) };
    });
    options.log(`${c.kernel} ${c.case.shape}: ${Object.entries(cells).map(([label, cell]) => `${label} ${cell.microseconds.toFixed(1)} us`).join(', ')}`);
    return { kernel: c.kernel, shape: c.case.shape, cells };
  });
}

function runs(c: NamedCase, v: KernelVariant): boolean {
  return !v.only || v.only.includes(c.kernel);
}

/** Throws a WasmfitError naming the variant, case and first mismatching element. */
function verify(cases: NamedCase[], variants: KernelVariant[], placed: PlacedCase[][]): void {
  cases.forEach((c, s) => {
    const results = variants.map((v, i) => {
      if (!runs(c, v)) return null;
      const memory = () => new Uint8Array(v.backend.arena.memory.buffer);
      const saved = memory().slice(0, v.backend.arena.used);
      const run = runCase(v.kernels, v.backend.arena.memory, c.case, placed[i][s]);
      memory().set(saved); // in-place kernels start from the same state when timed
      return run;
    });
    results.forEach((got, i) => {
      const why = i > 0 && got ? compareRuns(c.case, results[0]!, got) : null;
      if (why) throw new WasmfitError(`${variants[i].label} ${c.kernel} (${c.case.shape}) differs from the JS reference: ${why}`);
    });
  });
}

/** Median seconds per call: warm-up, then 15 samples of enough calls to last ~5 ms each. */
export function timeCall(fn: () => void): number {
  let calls = 1;
  for (let t = 0; t < 5e-3;) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    t = (performance.now() - t0) / 1000;
    if (t < 5e-3) calls *= 2;
  }
  const samples: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    samples.push((performance.now() - t0) / 1000 / calls);
  }
  return median(samples);
}
