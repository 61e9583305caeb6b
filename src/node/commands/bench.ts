// `wasmfit bench`: first verifies every benchmarked kernel of every back end against the JS reference on
// identical inputs (exit 1 on a mismatch), then times them at the training shapes (warm-up, median, GFLOP/s),
// then times whole training epochs on the real data for each back end and thread count, the same epoch in the
// page in headless Chromium (1 and 2 threads, when a Chromium is found) and with TensorFlow.js. Writes
// bench.json and bench.md (stamped with Node, CPU, threads, load and Chromium) to --out.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, type Backend } from '../../core/backend.js';
import type { Kernels, ThreadPace, ThreadStats } from '../../core/kernels/kernels.js';
import { MANIFEST, timedCases } from '../../core/kernels/manifest.js';
import { compareRuns, placeCase, registerBatchCopies, runCase } from '../../core/kernels/cases/run.js';
import { DEFAULTS, type Config } from '../../config/schema.js';
import { train } from '../../train/train.js';
import { WasmfitError, EXIT_USAGE } from '../../core/errors.js';
import { openSession, type Session } from '../session.js';
import { enableSimdBuild, loadWasmModule } from '../wasm-file.js';
import type { SimdBuild } from '../../core/kernels/wasm.js';
import { defaultThreads, nodeThreadOptions } from '../threads.js';
import { makeDirectory, writeAtomic } from '../files.js';
import { gemmNNBlocked } from '../../bench/js-blocked.js';
import { tfjsEpoch, tfjsFitEpoch } from '../../bench/tfjs.js';
import { CHROMIUM_PATHS, findChromium } from '../chromium.js';
import { browserEpochs } from '../browser-epochs.js';
import { median } from '../../report/statistics.js';

export interface BenchOptions {
  threads?: number;
  epochs: number;
  out: string;
  dataDir?: string;
  verify: boolean;
  js: boolean;
  tfjs: boolean;
  /** A Chromium to time the page in; true or undefined: the first of CHROMIUM_PATHS; false: skip. */
  browser?: boolean | string;
  rssProbe?: boolean;
  /** Also time the relaxed-SIMD build (false: --no-relaxed). */
  relaxed: boolean;
}

const B = 128, PIX = 784, HID = 128, CLS = 10;
/** Rounds over the whole kernel table; each cell reports its median round. */
const KERNEL_ROUNDS = 3;
/** Calls before a threaded cell is timed: three of the balancer's windows (two in a row must agree on a plan). */
const BALANCER_WARMUP_CALLS = 3 * 64;
/**
 * Fresh sessions (processes' pools) whose median epochs are taken per build and thread count: a slow phase of
 * this VM lasts seconds, about one session, so five take the median over five phases.
 */
const EPOCH_SESSIONS = 5;
/** Fresh pages per thread count in Chromium (each loads the data set and warms up: slower than a session). */
const PAGE_SESSIONS = 3;
/** The page's timed epochs (after one warm-up) per thread count: each page epoch also validates, so fewer. */
const BROWSER_EPOCHS = 2;
const BROWSER_THREADS = [1, 2];
const BROWSER_LABEL = 'wasmfit in Chromium (WASM SIMD)';
const BROWSER_RELAXED_LABEL = 'wasmfit in Chromium (WASM relaxed SIMD)';
const CLI_LABEL = 'wasmfit WASM SIMD';
const RELAXED_LABEL = 'wasmfit WASM relaxed SIMD (FMA)';
/** config_6's network and batch; the bench never early-stops, so every epoch is a full pass. */
const CONFIG: Config = { ...DEFAULTS, layer_specs: [PIX, HID, CLS], activation: 'tanh', learning_rate: 0.001, batch_size: B, epochs: 1, momentum: true, early_stop: false };

interface Variant { label: string; kernels: Kernels; backend: Backend; blocked?: boolean }

export async function benchCommand(options: BenchOptions): Promise<void> {
  const maxThreads = options.threads ?? defaultThreads();
  const epochs = options.epochs;
  if (typeof options.browser === 'string' && !existsSync(options.browser)) throw new WasmfitError(`--browser ${options.browser}: no such file`, EXIT_USAGE, 'pass the path of a Chromium executable, or --no-browser');
  const chromium = options.browser === false ? null : typeof options.browser === 'string' ? options.browser : findChromium();
  if (options.browser === true && !chromium) throw new WasmfitError(`--browser: no Chromium found at ${CHROMIUM_PATHS.join(', ')}`, EXIT_USAGE, 'pass --browser PATH, or --no-browser');
  if (options.rssProbe) return rssProbe(options, maxThreads, epochs);
  // Made before the long measurements, so that an --out that cannot be written fails at once.
  const outDir = resolve(options.out);
  makeDirectory(outDir, 'output directory');
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const environment: Record<string, unknown> = { node: process.version, v8: process.versions.v8, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, threads: maxThreads,
    load_average: loadavg().map((x) => Number(x.toFixed(2))), date: new Date().toISOString() };
  log(`Node ${environment.node}, ${environment.cpu}, ${environment.cores} cores, up to ${maxThreads} threads`);

  // ---- kernels: one memory per variant, identical inputs (a real batch of images for the sparse layer) ----
  const session = await benchSession(options, 'wasm', 1);
  const pixels = session.arena.u8(session.data.images, B * PIX).slice();
  const stats = session.arena.f32(session.data.stats, 2 * B).slice();
  const js = await createBackend('js', loadWasmModule);
  /** One build's wasm variants: 1 thread and, on a machine with more cores, maxThreads. */
  const wasmVariants = async (build: SimdBuild, name: string): Promise<Variant[]> => {
    const load = () => loadWasmModule(build);
    const one = await createBackend('wasm', load);
    const many = maxThreads > 1 ? await createBackend('wasm', load, nodeThreadOptions(maxThreads, build)) : null;
    return [{ label: `${name} 1 thread`, kernels: one.kernels, backend: one },
      ...(many ? [{ label: `${name} ${maxThreads} threads`, kernels: many.kernels, backend: many }] : [])];
  };
  const variants: Variant[] = [
    { label: 'JS reference', kernels: js.kernels, backend: js },
    // The reference with its gemmNN register-blocked: timed on gemmNN only.
    { label: 'JS register-blocked', backend: js, blocked: true, kernels: Object.assign(Object.create(js.kernels) as Kernels, {
      gemmNN: (c: number, a: number, b: number, m: number, k: number, n: number) => gemmNNBlocked(new Float32Array(js.arena.memory.buffer), c, a, b, m, k, n) }) },
    ...(await wasmVariants('plain', 'WASM SIMD')),
  ];
  // The opt-in relaxed-SIMD build (train --simd relaxed), where this engine accepts it.
  const relaxedMissing = options.relaxed ? relaxedUnavailable() : 'skipped (--no-relaxed)';
  if (relaxedMissing === null) variants.push(...(await wasmVariants('relaxed', 'WASM relaxed SIMD')));
  else log(`relaxed SIMD build: ${relaxedMissing}`);

  // The manifest's calls of a training step at config_6's shapes (the sparse layer on a real batch of images), each
  // verified against the JS reference within the manifest's tolerance before it is timed.
  const specs = timedCases({ batch: B, inputs: PIX, hidden: HID, classes: CLS, images: { pixels, stats } }).map(({ kernel, case: c }) => ({ name: kernel, shape: c.shape, flops: c.flops, case: c }));
  // Every variant gets the same bytes at its own offsets; a threaded one a copy of each batch per worker, as in training.
  const placed = variants.map((v) => specs.map((spec) => {
    const p = placeCase(v.backend.arena, spec.case);
    registerBatchCopies(v.kernels, v.backend.arena, spec.case, p);
    return p;
  }));

  log('verifying every kernel against the JS reference');
  const snapshot = (v: Variant) => new Uint8Array(v.backend.arena.memory.buffer).slice(0, v.backend.arena.used);
  specs.forEach((spec, s) => {
    const results = variants.map((v, i) => {
      if (v.blocked && spec.name !== 'gemmNN') return null;
      const saved = snapshot(v);
      const run = runCase(v.kernels, v.backend.arena.memory, spec.case, placed[i][s]);
      new Uint8Array(v.backend.arena.memory.buffer).set(saved); // in-place kernels start from the same state when timed
      return run;
    });
    results.forEach((got, i) => {
      const why = i > 0 && got ? compareRuns(spec.case, results[0]!, got) : null;
      if (why) throw new WasmfitError(`${variants[i].label} ${spec.name} (${spec.shape}) differs from the JS reference: ${why}`);
    });
  });
  log('all kernels agree; timing kernels');
  // Every cell is timed in KERNEL_ROUNDS rounds over the whole table and the median round is reported: on this
  // shared VM a slow phase lasts seconds, long enough to spoil every sample of one cell taken in a row.
  const rounds: number[][][] = specs.map(() => variants.map(() => []));
  const roundPaces: (ThreadPace | null)[][][] = specs.map(() => variants.map(() => []));
  for (let round = 0; round < KERNEL_ROUNDS; round++) {
    specs.forEach((spec, s) => variants.forEach((v, i) => {
      if (v.blocked && spec.name !== 'gemmNN') return;
      const run = () => void spec.case.call(v.kernels, placed[i][s].ptr);
      // Threads split the first layer by shares that follow their measured speeds (balance.ts), re-planned from
      // windows of 64 calls: as in training, a cell times the split the balancer settles on for the machine's
      // current phase, not the even split it starts from or one left by another phase.
      if (v.backend.threads > 1 && MANIFEST[spec.name].threads.split === 'columns') for (let c = 0; c < BALANCER_WARMUP_CALLS; c++) run();
      v.kernels.resetThreadStats?.();
      rounds[s][i].push(time(run));
      roundPaces[s][i].push(firstLayerPace(v.kernels.threadStats?.()));
    }));
  }
  const kernels = specs.map((spec, s) => {
    const row: Record<string, unknown> = { kernel: spec.name, shape: spec.shape };
    variants.forEach((v, i) => {
      if (rounds[s][i].length === 0) return;
      const seconds = median(rounds[s][i]);
      // The threads' pace in the reported (median) round, for the cells of kernels split by the first layer's columns.
      const pace = roundPaces[s][i][rounds[s][i].indexOf(seconds)] ?? null;
      row[v.label] = { microseconds: seconds * 1e6, gflops: spec.flops ? spec.flops / seconds / 1e9 : null, rounds_microseconds: rounds[s][i].map((x) => Number((x * 1e6).toFixed(1))),
        ...(pace ? { thread_us_per_column: pace.microsPerColumn, thread_columns: pace.columns } : {}) };
    });
    log(`${spec.name} ${spec.shape}: ${variants.map((v) => (row[v.label] ? `${v.label} ${(row[v.label] as { microseconds: number }).microseconds.toFixed(1)} us` : '')).filter(Boolean).join(', ')}`);
    return row;
  });
  for (const b of new Set(variants.map((v) => v.backend))) b.close();

  // ---- whole epochs on the real data ----
  const epochRows: { backend: string; threads: number | null; seconds: number | null; epochs: number; note: string; sessions?: SessionTime[] }[] = [];
  const threadCounts = [...new Set([1, maxThreads])];
  const configs = (['plain', 'relaxed'] as const).flatMap((build) => threadCounts.map((threads) => ({ build, threads, label: build === 'plain' ? CLI_LABEL : RELAXED_LABEL, perSession: [] as SessionTime[] })));
  const runnable = configs.filter((c) => c.build === 'plain' || relaxedMissing === null);
  // Fresh sessions, in rounds over the builds and thread counts: on this shared machine a whole process sometimes
  // runs 20-40% slower, and a slow phase of the VM lasts about a session, so one session's median can mislead and
  // the spread is reported. Taken in rounds, every row samples the same stretch of the machine's phases: a
  // comparison between rows is not a comparison between minutes.
  for (let run = 0; run < EPOCH_SESSIONS; run++) {
    for (const c of runnable) {
      const s = c.build === 'plain' && c.threads === 1 && run === 0 ? session : await benchSession(options, 'wasm', c.threads, c.build);
      c.perSession.push(await epochSeconds(s, epochs + 1));
      s.close();
    }
  }
  for (const c of configs) {
    if (!runnable.includes(c)) {
      epochRows.push({ backend: c.label, threads: c.threads, seconds: null, epochs: 0, note: `not run: ${relaxedMissing}` });
      continue;
    }
    const seconds = median(c.perSession.map((x) => x.seconds));
    const paced = c.perSession.some((x) => x.thread_us_per_column);
    const spread = c.perSession.map((x) => x.seconds.toFixed(3) + (x.thread_us_per_column ? ` [${paceText(x.thread_us_per_column)}; ${x.wait_ms_per_epoch!.toFixed(0)}]` : '')).join(', ');
    epochRows.push({ backend: c.label, threads: c.threads, seconds, epochs: epochs * EPOCH_SESSIONS, sessions: c.perSession,
      note: `${c.build === 'relaxed' ? 'train --simd relaxed; ' : ''}median of ${EPOCH_SESSIONS} sessions' median epochs (${spread} s, taken in rounds over these rows), each after one warm-up epoch` +
        (paced ? '; in brackets each thread\'s median us per first-layer column, main thread first, and the ms an epoch the main thread waited for the worker' : '') });
    log(`wasm ${c.build} ${c.threads} thread(s): ${seconds.toFixed(3)} s/epoch (sessions ${spread})`);
  }
  if (options.browser !== false) {
    if (chromium) {
      log(`timing the page in ${chromium}`);
      const browser = await browserEpochs({ chromium, threadCounts: BROWSER_THREADS, epochs: BROWSER_EPOCHS, sessions: PAGE_SESSIONS, dataDir: options.dataDir, log });
      environment.chromium = browser.version ?? chromium;
      for (const r of browser.rows) epochRows.push({ backend: BROWSER_LABEL, threads: r.threads, seconds: r.seconds, epochs: BROWSER_EPOCHS, note: r.note });
      if (options.relaxed) {
        const relaxed = await browserEpochs({ chromium, threadCounts: BROWSER_THREADS, epochs: BROWSER_EPOCHS, sessions: PAGE_SESSIONS, dataDir: options.dataDir, simd: 'relaxed', log });
        for (const r of relaxed.rows) epochRows.push({ backend: BROWSER_RELAXED_LABEL, threads: r.threads, seconds: r.seconds, epochs: BROWSER_EPOCHS, note: `?simd=relaxed; ${r.note}` });
      }
    } else {
      for (const threads of BROWSER_THREADS) epochRows.push({ backend: BROWSER_LABEL, threads, seconds: null, epochs: 0, note: 'not run: no Chromium found' });
    }
  }
  if (options.js) {
    const s = await benchSession(options, 'js');
    const { seconds } = await epochSeconds(s, 1);
    epochRows.push({ backend: 'wasmfit JS reference', threads: 1, seconds, epochs: 1, note: 'one epoch' });
    log(`js reference: ${seconds.toFixed(2)} s/epoch`);
  }
  if (options.tfjs) {
    const { x, y } = normalisedTrain(session);
    for (const backend of ['wasm', 'cpu'] as const) {
      const tfEpochs = backend === 'cpu' ? 1 : Math.max(2, epochs);
      const r = await tfjsEpoch(backend, x, y, session.data.train.count, tfEpochs);
      epochRows.push({ backend: `TensorFlow.js ${backend} (hand-written step)`, threads: null, seconds: r.seconds, epochs: tfEpochs, note: r.note });
      log(`tfjs ${backend}: ${r.seconds === null ? r.note : `${r.seconds.toFixed(2)} s/epoch`}`);
    }
    const fit = await tfjsFitEpoch(x, y, session.data.train.count, 1);
    epochRows.push({ backend: 'TensorFlow.js wasm (model.fit)', threads: null, seconds: fit.seconds, epochs: 1, note: fit.note });
    log(`tfjs model.fit: ${fit.seconds === null ? fit.note : `${fit.seconds.toFixed(2)} s/epoch`}`);
  }

  // ---- peak RSS of a config_6 training run, in a child process of its own ----
  const probe = spawnSync(process.execPath, [fileURLToPath(new URL('../cli.js', import.meta.url)), 'bench', '--rss-probe', '--threads', String(maxThreads), '--epochs', '2',
    ...(options.dataDir ? ['--data-dir', options.dataDir] : []), ...(options.verify ? [] : ['--no-verify'])], { encoding: 'utf8' });
  const peakRssMiB = probe.status === 0 ? Number(probe.stdout.trim()) : null;
  log(`peak RSS of a 2-epoch config_6 run: ${peakRssMiB === null ? `probe failed: ${probe.stderr.trim()}` : `${peakRssMiB.toFixed(0)} MiB`}`);

  const report = { environment, kernels, epochs: epochRows, browser_vs_cli: browserVsCli(epochRows), peak_rss_mib: peakRssMiB, variants: variants.map((v) => v.label) };
  writeAtomic(join(outDir, 'bench.json'), JSON.stringify(report, null, 2) + '\n');
  const md = markdown(report, variants.map((v) => v.label));
  writeAtomic(join(outDir, 'bench.md'), md + '\n');
  console.log(md);
}

/** A session on the real data with config_6's network and batch; the JS back end takes no threads. */
function benchSession(options: BenchOptions, backend: 'wasm' | 'js', threads?: number, simd: SimdBuild = 'plain'): Promise<Session> {
  return openSession({ backend, dataDir: options.dataDir, verify: options.verify, seed: 0, spec: { layerSpecs: CONFIG.layer_specs!, activation: 'tanh' }, batchRows: B,
    simd, ...(threads === undefined ? {} : { threads }) });
}

/** Why this process cannot run the relaxed-SIMD build, or null when it can. */
function relaxedUnavailable(): string | null {
  try {
    enableSimdBuild('relaxed');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Median seconds per call: warm-up, then 15 samples of enough calls to last ~5 ms each. */
function time(fn: () => void): number {
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

/**
 * Median training seconds per epoch (train batches only, as samples_per_second measures them), first epoch dropped;
 * with worker threads, also over the epochs after the first each thread's pace on the first layer and the main
 * thread's waits for the workers per epoch (validation included).
 */
async function epochSeconds(s: Session, epochs: number): Promise<SessionTime> {
  const result = await train(s.model, s.data, { ...CONFIG, epochs }, { onEpoch: (r) => { if (r.epoch === 1) s.kernels.resetThreadStats?.(); } });
  const secs = result.history.map((r) => s.data.train.count / r.samples_per_second);
  const seconds = median(secs.length > 1 ? secs.slice(1) : secs), stats = s.kernels.threadStats?.(), pace = firstLayerPace(stats);
  if (!stats || !pace || secs.length < 2) return { seconds };
  return { seconds, thread_us_per_column: pace.microsPerColumn, thread_columns: pace.columns, wait_ms_per_epoch: stats.waitMillis / (secs.length - 1) };
}

/** The threads' pace on the first layer (HID columns), or null on one thread (no stats). */
function firstLayerPace(stats: ThreadStats | undefined): ThreadPace | null {
  return stats?.paces.find((p) => p.n === HID && p.windows > 0) ?? null;
}

/** A pace as the bench prints it: each thread's microseconds per column, main first ("3.61/5.70"). */
function paceText(microsPerColumn: readonly (number | null)[]): string {
  return microsPerColumn.map((x) => (x === null ? '-' : x.toFixed(2))).join('/');
}

/** The training split as normalised f32 rows in split order, for TensorFlow.js (which cannot read the arena's u8 pixels). */
function normalisedTrain(s: Session): { x: Float32Array; y: Uint8Array } {
  const { count, ptr } = s.data.train;
  const idx = s.arena.i32(ptr, count), st = s.arena.f32(s.data.stats, 2 * 60000);
  const pixels = s.arena.u8(s.data.images, 60000 * PIX), labels = s.arena.u8(s.data.labels, 60000);
  const x = new Float32Array(count * PIX), y = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const img = idx[r], mean = st[2 * img], inv = st[2 * img + 1];
    for (let j = 0; j < PIX; j++) x[r * PIX + j] = (pixels[img * PIX + j] - mean) * inv;
    y[r] = labels[img];
  }
  return { x, y };
}

async function rssProbe(options: BenchOptions, threads: number, epochs: number): Promise<void> {
  const s = await benchSession(options, 'wasm', threads);
  await train(s.model, s.data, { ...CONFIG, epochs });
  s.model.evaluate(s.data, s.data.test);
  s.close();
  console.log((peakRssKiB() / 1024).toFixed(1));
}

/**
 * This process's peak resident memory in KiB. On Linux from VmHWM, which starts afresh at exec: getrusage's
 * maxRSS carries the parent's resident size at fork into the child, and the bench's parent (after TensorFlow.js)
 * is bigger than the run it measures (it reported 259-292 MiB for a run whose VmHWM was 238 MiB).
 */
function peakRssKiB(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    const kib = line === undefined ? NaN : Number.parseInt(line.slice('VmHWM:'.length), 10);
    if (Number.isFinite(kib)) return kib;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS;
}

type EpochRow = { backend: string; threads: number | null; seconds: number | null; note: string };
/** One fresh session's median epoch and, with worker threads, each thread's pace on the first layer and the main thread's waits. */
type SessionTime = { seconds: number; thread_us_per_column?: (number | null)[]; thread_columns?: number[]; wait_ms_per_epoch?: number };

/** Issue 4's figure: the page's 2-thread epoch over the CLI's (null with why when either did not run). */
function browserVsCli(rows: EpochRow[]): { threads: number; browser: number | null; cli: number | null; ratio: number | null; note: string } | null {
  const threads = 2;
  const browser = rows.find((r) => r.backend === BROWSER_LABEL && r.threads === threads);
  if (!browser) return null; // --no-browser
  const cli = rows.find((r) => r.backend === CLI_LABEL && r.threads === threads);
  const ratio = browser.seconds !== null && cli?.seconds != null ? browser.seconds / cli.seconds : null;
  const note = ratio !== null ? 'Chromium seconds / CLI seconds per epoch; issue 4 asks for at most 1.5'
    : browser.seconds === null ? `Chromium ${browser.note}` : `no CLI epoch with ${threads} threads (--threads ${threads} or more measures it)`;
  return { threads, browser: browser.seconds, cli: cli?.seconds ?? null, ratio, note };
}

function markdown(report: { environment: Record<string, unknown>; kernels: Record<string, unknown>[]; epochs: EpochRow[]; browser_vs_cli: ReturnType<typeof browserVsCli>; peak_rss_mib: number | null }, labels: string[]): string {
  const e = report.environment;
  const cell = (r: Record<string, unknown>, label: string) => {
    const v = r[label] as { microseconds: number; gflops: number | null } | undefined;
    if (!v) return '';
    return v.gflops === null ? `${v.microseconds.toFixed(1)} us` : `${v.gflops.toFixed(1)} GFLOP/s (${v.microseconds.toFixed(0)} us)`;
  };
  // The threads' pace in the first layer's split cells: a two-thread cell far from half the one-thread time shows here
  // whether one core ran slower (the columns then follow it) or both did.
  const paces = report.kernels.flatMap((r) => labels.flatMap((l) => {
    const v = r[l] as { thread_us_per_column?: (number | null)[]; thread_columns?: number[] } | undefined;
    return v?.thread_us_per_column ? [`${r.kernel} ${l}: ${paceText(v.thread_us_per_column)} (${v.thread_columns!.join('/')} columns)`] : [];
  }));
  const bc = report.browser_vs_cli;
  const best = Math.min(...report.epochs.filter((r) => r.backend.startsWith('wasmfit WASM') && r.seconds !== null).map((r) => r.seconds!));
  return [
    `Per kernel at the training shapes (median per call, the median of ${KERNEL_ROUNDS} rounds over the table; GFLOP/s count 2mkn, for the sparse kernels too, so they show the dense-equivalent rate):`,
    '',
    `| kernel | shape | ${labels.join(' | ')} |`,
    `|---|---|${labels.map(() => '---').join('|')}|`,
    ...report.kernels.map((r) => `| ${r.kernel} | ${r.shape} | ${labels.map((l) => cell(r, l)).join(' | ')} |`),
    '',
    ...(paces.length ? [`Each thread's median us per first-layer column in those threaded cells, main thread first: ${paces.join('; ')}.`, ''] : []),
    `One training epoch (48,000 images, 784-128-10 tanh, batch 128, SGD momentum; validation not included):`,
    '',
    `| back end | threads | seconds / epoch | vs fastest wasmfit | note |`,
    `|---|---|---|---|---|`,
    ...report.epochs.map((r) => `| ${r.backend} | ${r.threads ?? ''} | ${r.seconds === null ? 'n/a' : r.seconds.toFixed(3)} | ${r.seconds === null ? '' : `${(r.seconds / best).toFixed(1)}x`} | ${r.note} |`),
    '',
    ...(bc ? [bc.ratio === null ? `Browser vs CLI epoch with ${bc.threads} threads: n/a (${bc.note}).`
      : `Browser vs CLI epoch with ${bc.threads} threads: ${bc.browser!.toFixed(3)} s in Chromium / ${bc.cli!.toFixed(3)} s in the CLI = ${bc.ratio.toFixed(2)}x (issue 4: at most 1.5x).`, ''] : []),
    `Peak RSS of a 2-epoch config_6 run: ${report.peak_rss_mib === null ? 'n/a' : `${report.peak_rss_mib.toFixed(0)} MiB`}. ` +
      `Node ${e.node} (V8 ${e.v8}), ${e.cpu}, ${e.cores} cores, up to ${e.threads} threads, ${e.chromium ? `Chromium ${e.chromium} (headless), ` : ''}` +
      `load average ${(e.load_average as number[]).join(' ')} at the start, ${String(e.date).slice(0, 10)}` +
      `. Re-run with \`npx wasmfit bench\`.`,
  ].join('\n');
}
