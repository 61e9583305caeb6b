// Whole wasmfit training epochs on the real data, in the CLI's own process: each build at each thread count in
// fresh sessions, and the JS reference back end once. Rows for the report; the kernel table is kernel-timing's.

import type { SimdBuild } from '../core/kernels/wasm.js';
import type { Session } from '../node/session.js';
import { median } from '../report/statistics.js';
import { train } from '../train/train.js';
import { firstLayerPace } from './kernel-cases.js';
import { BENCH_CONFIG, benchSession, type DataOptions } from './network.js';
import { paceText, type EpochRow, type SessionTime } from './report.js';

export const CLI_LABEL = 'wasmfit WASM SIMD';
export const RELAXED_LABEL = 'wasmfit WASM relaxed SIMD (FMA)';
/** The rows' name for a build's CLI epochs, the MLP's and the CNN's alike. */
export const cliLabel = (build: SimdBuild): string => (build === 'plain' ? CLI_LABEL : RELAXED_LABEL);

export interface CliEpochOptions {
  data: DataOptions;
  threadCounts: number[];
  /** Builds to time; relaxedMissing says why the relaxed build is not among them when it was asked for. */
  builds: SimdBuild[];
  relaxedMissing: string | null;
  /** Timed epochs per session, after one warm-up epoch. */
  epochs: number;
  /** Fresh sessions per build and thread count; the row is the median of their medians. */
  sessions: number;
  /** An open plain 1-thread session to use as the first such session (it is closed here). */
  firstSession?: Session;
  log(line: string): void;
}

/** One row per build and thread count (relaxed rows say why they did not run when the build is unavailable). */
export async function cliEpochRows(options: CliEpochOptions): Promise<EpochRow[]> {
  const configs = (['plain', 'relaxed'] as const).flatMap((build) => options.threadCounts.map((threads) => ({ build, threads, perSession: [] as SessionTime[] })));
  const runnable = configs.filter((c) => options.builds.includes(c.build));
  let first = options.firstSession;
  // Fresh sessions, in rounds over the builds and thread counts: on a shared machine a whole process sometimes
  // runs 20-40% slower for about a session, so one session's median can mislead and the spread is reported.
  // Taken in rounds, every row samples the same stretch of the machine: a comparison between rows is not a
  // comparison between minutes.
  for (let run = 0; run < options.sessions; run++) {
    for (const c of runnable) {
      const reuse = first && c.build === 'plain' && c.threads === 1;
      const s = reuse ? first! : await benchSession(options.data, 'wasm', c.threads, c.build);
      if (reuse) first = undefined;
      c.perSession.push(await epochSeconds(s, options.epochs + 1));
      s.close();
    }
  }
  first?.close();
  return configs.map((c): EpochRow => {
    const label = cliLabel(c.build);
    if (!runnable.includes(c)) return { backend: label, group: 'cli', threads: c.threads, seconds: null, epochs: 0, note: `not run: ${options.relaxedMissing ?? 'not asked for'}` };
    const seconds = median(c.perSession.map((x) => x.seconds));
    const paced = c.perSession.some((x) => x.thread_us_per_column);
    const spread = c.perSession.map((x) => x.seconds.toFixed(3) + (x.thread_us_per_column ? ` [${paceText(x.thread_us_per_column)}; ${x.wait_ms_per_epoch!.toFixed(0)}]` : '')).join(', ');
    options.log(`wasm ${c.build} ${c.threads} thread(s): ${seconds.toFixed(3)} s/epoch (sessions ${spread})`);
    return { backend: label, group: 'cli', threads: c.threads, seconds, epochs: options.epochs * options.sessions, sessions: c.perSession,
      note: `${c.build === 'relaxed' ? 'train --simd relaxed; ' : ''}median of ${options.sessions} sessions' median epochs (${spread} s, taken in rounds over these rows), each after one warm-up epoch` +
        (paced ? '; in brackets each thread\'s median us per first-layer column, main thread first, and the ms an epoch the main thread waited for the worker' : '') };
  });
}

/** One epoch on the JS reference back end (slow: one epoch, no warm-up). */
export async function jsReferenceRow(data: DataOptions, log: (line: string) => void): Promise<EpochRow> {
  const s = await benchSession(data, 'js');
  const { seconds } = await epochSeconds(s, 1);
  s.close();
  log(`js reference: ${seconds.toFixed(2)} s/epoch`);
  return { backend: 'wasmfit JS reference', group: 'reference', threads: 1, seconds, epochs: 1, note: 'one epoch' };
}

/**
 * Median training seconds per epoch (train batches only, as samples_per_second measures them), first epoch dropped;
 * with worker threads, also over the epochs after the first each thread's pace on the first layer and the main
 * thread's waits for the workers per epoch (validation included).
 */
async function epochSeconds(s: Session, epochs: number): Promise<SessionTime> {
  const result = await train(s.model, s.data, { ...BENCH_CONFIG, epochs }, { onEpoch: (r) => { if (r.epoch === 1) s.kernels.resetThreadStats?.(); } });
  const secs = result.history.map((r) => s.data.train.count / r.samples_per_second);
  const seconds = median(secs.length > 1 ? secs.slice(1) : secs), stats = s.kernels.threadStats?.(), pace = firstLayerPace(stats);
  if (!stats || !pace || secs.length < 2) return { seconds };
  return { seconds, thread_us_per_column: pace.microsPerColumn, thread_columns: pace.columns, wait_ms_per_epoch: stats.waitMillis / (secs.length - 1) };
}
