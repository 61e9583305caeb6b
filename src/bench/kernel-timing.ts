// Kernel timing over any list of kernel cases: every variant (back end, build, thread count) gets the same input
// bytes in its own memory, every case's outputs are checked against the first variant's (the JS reference),
// then every cell is timed (warm-up, median of samples, median of rounds). It knows no kernel by name: the
// cases, their buffers and their comparisons come from the caller.

import type { Backend } from '../core/backend.js';
import type { Kernels, ThreadPace, ThreadStats } from '../core/kernels/kernels.js';
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

/** Byte offsets of every named buffer in one variant's memory. */
export type Placed = Record<string, number>;

export interface KernelOutput {
  name: string;
  /** f32 elements to compare. */
  count: number;
  /** Why got differs from ref, or null; default: relative to the largest reference value, within the case's tolerance. */
  differs?(ref: Float32Array, got: Float32Array): string | null;
}

export interface KernelCase {
  name: string;
  shape: string;
  /** Floating-point operations per call (0: report microseconds only). */
  flops: number;
  outputs: KernelOutput[];
  /** Largest difference from the reference, relative to the reference's largest magnitude (default 1e-4). */
  tolerance?: number;
  run(kernels: Kernels, p: Placed, variant: KernelVariant): void;
}

export interface KernelTable {
  /** Input bytes, copied into every variant's memory. */
  inputs: Record<string, Float32Array | Uint8Array | Int32Array>;
  /** Output buffers: f32 element counts. */
  outputs: Record<string, number>;
  /** Runs once per variant after placing (e.g. derives inputs with a kernel, as training does). */
  prepare?(variant: KernelVariant, p: Placed): void;
  cases: KernelCase[];
}

export interface KernelTimingOptions {
  /** Rounds over the whole table; each cell reports its median round. */
  rounds: number;
  /** Calls before each timed cell of a threaded variant, so it times the split its balancer settles on. */
  threadedWarmupCalls: number;
  /** The pace to report for a threaded cell, from the threads' stats of its round (null: none). */
  pace?(stats: ThreadStats | undefined): ThreadPace | null;
  log(line: string): void;
}

/** Places the table in every variant, verifies every case against variants[0], times every cell. */
export function timeKernelTable(table: KernelTable, variants: KernelVariant[], options: KernelTimingOptions): KernelRow[] {
  const placed = variants.map((v) => place(table, v));
  options.log('verifying every kernel against the JS reference');
  verify(table, variants, placed);
  options.log('all kernels agree; timing kernels');
  // Every cell is timed in rounds over the whole table and the median round is reported: on a shared machine a
  // slow phase lasts seconds, long enough to spoil every sample of one cell taken in a row.
  const rounds = table.cases.map(() => variants.map(() => [] as { seconds: number; pace: ThreadPace | null }[]));
  for (let round = 0; round < options.rounds; round++) {
    table.cases.forEach((c, s) => variants.forEach((v, i) => {
      if (!runs(c, v)) return;
      const run = () => c.run(v.kernels, placed[i], v);
      if (v.backend.threads > 1) for (let n = 0; n < options.threadedWarmupCalls; n++) run();
      v.kernels.resetThreadStats?.();
      const seconds = timeCall(run);
      rounds[s][i].push({ seconds, pace: options.pace?.(v.kernels.threadStats?.()) ?? null });
    }));
  }
  return table.cases.map((c, s) => {
    const cells: Record<string, KernelCell> = {};
    variants.forEach((v, i) => {
      const taken = rounds[s][i];
      if (taken.length === 0) return;
      const seconds = median(taken.map((r) => r.seconds));
      const pace = taken.find((r) => r.seconds === seconds)?.pace ?? null;
      cells[v.label] = { microseconds: seconds * 1e6, gflops: c.flops ? c.flops / seconds / 1e9 : null, rounds_microseconds: taken.map((r) => Number((r.seconds * 1e6).toFixed(1))),
        ...(pace ? { thread_us_per_column: pace.microsPerColumn, thread_columns: pace.columns } : {}) };
    });
    options.log(`${c.name} ${c.shape}: ${Object.entries(cells).map(([label, cell]) => `${label} ${cell.microseconds.toFixed(1)} us`).join(', ')}`);
    return { kernel: c.name, shape: c.shape, cells };
  });
}

function runs(c: KernelCase, v: KernelVariant): boolean {
  return !v.only || v.only.includes(c.name);
}

function place(table: KernelTable, v: KernelVariant): Placed {
  const arena = v.backend.arena, p: Placed = {};
  for (const [name, arr] of Object.entries(table.inputs)) {
    p[name] = arena.alloc(arr.byteLength);
    new Uint8Array(arena.memory.buffer, p[name], arr.byteLength).set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
  }
  for (const [name, count] of Object.entries(table.outputs)) p[name] = arena.allocF32(count);
  table.prepare?.(v, p);
  return p;
}

/** Throws a WasmfitError naming the variant, case and output of the first mismatch. */
function verify(table: KernelTable, variants: KernelVariant[], placed: Placed[]): void {
  for (const c of table.cases) {
    const results = variants.map((v, i) => {
      if (!runs(c, v)) return null;
      const memory = () => new Uint8Array(v.backend.arena.memory.buffer);
      const saved = memory().slice(0, v.backend.arena.used);
      c.run(v.kernels, placed[i], v);
      const out = c.outputs.map((o) => new Float32Array(v.backend.arena.memory.buffer, placed[i][o.name], o.count).slice());
      memory().set(saved); // in-place kernels start from the same state when timed
      return out;
    });
    const ref = results[0]!;
    for (let i = 1; i < variants.length; i++) {
      results[i]?.forEach((got, o) => {
        const output = c.outputs[o];
        const why = output.differs ? output.differs(ref[o], got) : relativeDifference(ref[o], got, c.tolerance ?? 1e-4);
        if (why !== null) throw new WasmfitError(`${variants[i].label} ${c.name} (${c.shape}) differs from the JS reference: ${output.name} ${why}`);
      });
    }
  }
}

function relativeDifference(ref: Float32Array, got: Float32Array, tolerance: number): string | null {
  let scale = 1;
  for (const x of ref) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let e = 0; e < ref.length; e++) worst = Math.max(worst, Math.abs(got[e] - ref[e]) / scale);
  return worst <= tolerance ? null : `off by ${worst.toExponential(2)} of its largest value`;
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
