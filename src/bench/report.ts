// The bench's results as data (bench.json) and as Markdown (bench.md): the kernel table, the epoch table with
// every row's ratio to the fastest wasmfit CLI epoch, the peers' ratios beside the machine they came from.
// It formats only; what is measured and how lives in the other files of src/bench.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeAtomic } from '../node/files.js';
import { convKernelRows, type CnnReport } from './cnn.js';

export interface BenchEnvironment {
  node: string;
  v8: string;
  cpu: string;
  /** The widest x86 vector extension the CPU has (AVX-512, AVX2, ...), when known. */
  vector_isa?: string;
  cores: number;
  /** The most threads the bench measured. */
  threads: number;
  load_average: number[];
  date: string;
  /** The Chromium the page ran in, when it ran. */
  chromium?: string;
}

export interface KernelCell {
  /** Median microseconds per call over the rounds. */
  microseconds: number;
  gflops: number | null;
  rounds_microseconds: number[];
  /** Each thread's median microseconds per first-layer column in the reported round, main thread first. */
  thread_us_per_column?: (number | null)[];
  thread_columns?: number[];
}

export interface KernelRow {
  kernel: string;
  shape: string;
  /** One cell per variant label that ran this kernel. */
  cells: Record<string, KernelCell>;
}

/** Which side of the comparison a row is on: the CLI's epochs set the baseline the others are divided by. */
export type EpochGroup = 'cli' | 'page' | 'reference' | 'peer';

/** One timed alternative of a peer (a thread count, a TensorFlow.js form), the fastest of which makes its row. */
export interface PeerTrial {
  form: string;
  seconds: number | null;
  note?: string;
}

export interface EpochRow {
  backend: string;
  group: EpochGroup;
  threads: number | null;
  /** Median training seconds per epoch (train batches only), or null when it did not run (note says why). */
  seconds: number | null;
  /** Timed epochs behind the figure. */
  epochs: number;
  note: string;
  /** wasmfit CLI rows: each fresh session's median epoch and, with worker threads, the threads' pace. */
  sessions?: SessionTime[];
  /** Peer rows: every alternative timed. */
  trials?: PeerTrial[];
}

/** One fresh session's median epoch and, with worker threads, each thread's pace on the first layer and the main thread's waits. */
export interface SessionTime {
  seconds: number;
  thread_us_per_column?: (number | null)[];
  thread_columns?: number[];
  wait_ms_per_epoch?: number;
}

export interface BrowserVsCli {
  threads: number;
  browser: number | null;
  cli: number | null;
  ratio: number | null;
  note: string;
}

export interface BenchReport {
  environment: BenchEnvironment;
  /** Kernel timing rounds per cell (0 when the kernel table was not timed). */
  kernel_rounds: number;
  variants: string[];
  kernels: KernelRow[];
  epochs: EpochRow[];
  browser_vs_cli: BrowserVsCli | null;
  peak_rss_mib: number | null;
  /** The CNN section (absent with --no-cnn). */
  cnn?: CnnReport;
}

/** Writes bench.json and bench.md into dir (created if missing) and returns the Markdown. */
export function writeBenchReport(dir: string, report: BenchReport): string {
  return writeReportPair(dir, 'bench', report, benchMarkdown(report));
}

/** Writes name.json (the report) and name.md (its Markdown) into dir, created if missing; returns the Markdown. */
export function writeReportPair(dir: string, name: string, report: unknown, markdown: string): string {
  const outDir = resolve(dir);
  mkdirSync(outDir, { recursive: true });
  writeAtomic(join(outDir, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
  writeAtomic(join(outDir, `${name}.md`), markdown + '\n');
  return markdown;
}

/** The page's plain-SIMD epoch over the CLI's at the same thread count (null when the page was not asked for); target, if any, goes in the note. */
export function browserVsCli(rows: EpochRow[], threads = 2, target: number | null = 1.5): BrowserVsCli | null {
  const browser = rows.find((r) => r.group === 'page' && r.threads === threads && !r.backend.includes('relaxed'));
  if (!browser) return null;
  const cli = rows.find((r) => r.group === 'cli' && r.threads === threads && !r.backend.includes('relaxed'));
  const ratio = browser.seconds !== null && cli?.seconds != null ? browser.seconds / cli.seconds : null;
  const note = ratio !== null ? `Chromium seconds / CLI seconds per epoch${target === null ? '' : `; target: at most ${target}`}`
    : browser.seconds === null ? `Chromium ${browser.note}` : `no CLI epoch with ${threads} threads (--threads ${threads} or more measures it)`;
  return { threads, browser: browser.seconds, cli: cli?.seconds ?? null, ratio, note };
}

/** A pace as the bench prints it: each thread's microseconds per column, main first ("3.61/5.70"). */
export function paceText(microsPerColumn: readonly (number | null)[]): string {
  return microsPerColumn.map((x) => (x === null ? '-' : x.toFixed(2))).join('/');
}

/** The machine in one phrase, as every ratio is stated beside it. */
export function machineText(e: BenchEnvironment): string {
  return `${e.cpu}${e.vector_isa ? ` (${e.vector_isa})` : ''}, ${e.cores} cores`;
}

export function benchMarkdown(report: BenchReport): string {
  const e = report.environment;
  const best = fastestCli(report.epochs);
  const ratio = (seconds: number | null) => (seconds === null || best === null ? '' : `${(seconds / best).toFixed(2)}x`);
  return [
    ...kernelSection(report),
    `One training epoch (48,000 images, 784-128-10 tanh, batch 128, SGD momentum; validation not included):`,
    '',
    `| back end | threads | seconds / epoch | vs fastest wasmfit | note |`,
    `|---|---|---|---|---|`,
    ...report.epochs.map((r) => `| ${r.backend} | ${r.threads ?? ''} | ${r.seconds === null ? 'n/a' : r.seconds.toFixed(3)} | ${ratio(r.seconds)} | ${r.note} |`),
    '',
    ...peerSection(report.epochs, best, e),
    ...browserSection(report.browser_vs_cli),
    ...cnnSection(report),
    `Peak RSS of a 2-epoch config_6 run: ${report.peak_rss_mib === null ? 'n/a' : `${report.peak_rss_mib.toFixed(0)} MiB`}. ` +
      `Node ${e.node} (V8 ${e.v8}), ${machineText(e)}, up to ${e.threads} threads, ${e.chromium ? `Chromium ${e.chromium} (headless), ` : ''}` +
      `load average ${e.load_average.join(' ')} at the start, ${e.date.slice(0, 10)}. Re-run with \`npx wasmfit bench\`.`,
  ].join('\n');
}

/** The fastest wasmfit CLI epoch, the baseline every ratio divides by (null when none ran). */
export function fastestCli(rows: EpochRow[]): number | null {
  const cli = rows.filter((r) => r.group === 'cli' && r.seconds !== null).map((r) => r.seconds!);
  return cli.length ? Math.min(...cli) : null;
}

function kernelSection(report: BenchReport): string[] {
  if (report.kernels.length === 0) return [];
  const labels = report.variants;
  const cell = (r: KernelRow, label: string) => {
    const v = r.cells[label];
    if (!v) return '';
    return v.gflops === null ? `${v.microseconds.toFixed(1)} us` : `${v.gflops.toFixed(1)} GFLOP/s (${v.microseconds.toFixed(0)} us)`;
  };
  // A two-thread cell far from half the one-thread time shows here whether one core ran slower or both did.
  const paces = report.kernels.flatMap((r) => labels.flatMap((l) => {
    const v = r.cells[l];
    return v?.thread_us_per_column ? [`${r.kernel} ${l}: ${paceText(v.thread_us_per_column)} (${v.thread_columns!.join('/')} columns)`] : [];
  }));
  return [
    `Per kernel at the training shapes (median per call, the median of ${report.kernel_rounds} rounds over the table; GFLOP/s count 2mkn, for the sparse kernels too, so they show the dense-equivalent rate):`,
    '',
    `| kernel | shape | ${labels.join(' | ')} |`,
    `|---|---|${labels.map(() => '---').join('|')}|`,
    ...report.kernels.map((r) => `| ${r.kernel} | ${r.shape} | ${labels.map((l) => cell(r, l)).join(' | ')} |`),
    '',
    ...(paces.length ? [`Each thread's median us per first-layer column in those threaded cells, main thread first: ${paces.join('; ')}.`, ''] : []),
  ];
}

/** One line: each timed peer's epoch as a multiple of the fastest wasmfit epoch, on this machine (skips are rows above). */
function peerSection(rows: EpochRow[], best: number | null, e: BenchEnvironment): string[] {
  const timed = rows.filter((r) => r.group === 'peer' && r.seconds !== null);
  if (timed.length === 0 || best === null) return [];
  return [`Peers on ${machineText(e)}, each in its fastest form and thread count, against wasmfit's fastest CLI epoch (${best.toFixed(3)} s): ` +
    timed.map((r) => `${r.backend} ${r.seconds!.toFixed(3)} s (${(r.seconds! / best).toFixed(2)}x)`).join(', ') + '. Below 1x the peer is faster.', ''];
}

function cnnSection(report: BenchReport): string[] {
  const cnn = report.cnn;
  if (!cnn) return [];
  const torch = cnn.epochs.find((r) => r.group === 'peer' && r.seconds !== null)?.seconds ?? null;
  const vs = (s: number | null) => (s === null || torch === null ? '' : `${(s / torch).toFixed(2)}x`);
  const ceiling = new Map(cnn.ceilings.map((c) => [c.build, c.gflops]));
  const labels = report.variants.filter((l) => l.startsWith('WASM'));
  const ofCeiling = (r: KernelRow, label: string) => {
    const v = r.cells[label], top = ceiling.get(label.includes('relaxed') ? 'relaxed' : 'plain');
    if (!v || v.gflops === null) return '';
    return `${v.gflops.toFixed(1)} GFLOP/s${top && label.includes(' 1 thread') ? ` (${((100 * v.gflops) / top).toFixed(0)}%)` : ''}`;
  };
  const conv = convKernelRows(report.kernels);
  return [
    `CNN (${cnn.config}: ${cnn.network}), one training epoch of the same rows; PyTorch in its fastest form and thread count:`,
    '',
    `| back end | threads | seconds / epoch | vs PyTorch | note |`,
    `|---|---|---|---|---|`,
    ...cnn.epochs.map((r) => `| ${r.backend} | ${r.threads ?? ''} | ${r.seconds === null ? 'n/a' : r.seconds.toFixed(2)} | ${vs(r.seconds)} | ${r.note} |`),
    '',
    cnn.ratio_to_pytorch === null ? 'wasmfit vs PyTorch on the CNN: n/a (see the notes above).'
      : `wasmfit's fastest CNN epoch takes ${cnn.ratio_to_pytorch.toFixed(2)}x PyTorch's on ${machineText(report.environment)} (target: at most 0.7x).`,
    '',
    ...cnnPageLine(cnn.browser_vs_cli, report.environment),
    ...(conv.length ? [
      `Convolution kernels against the WASM SIMD ceiling, one thread's 4-lane f32 multiply-add rate (${cnn.ceilings.map((c) => `${c.build} ${c.gflops.toFixed(1)} GFLOP/s`).join(', ')}); ` +
        'Winograd rows count the direct convolution\'s 2 pixels 9c oc FLOPs, so above 100% means fewer operations, not faster ones:',
      '',
      `| kernel | shape | ${labels.join(' | ')} |`,
      `|---|---|${labels.map(() => '---').join('|')}|`,
      ...conv.map((r) => `| ${r.kernel} | ${r.shape} | ${labels.map((l) => ofCeiling(r, l)).join(' | ')} |`),
      '',
    ] : []),
  ];
}

/** The page's CNN epoch against the CLI's, beside the machine (nothing with --no-browser). */
function cnnPageLine(bc: BrowserVsCli | null | undefined, e: BenchEnvironment): string[] {
  if (!bc) return [];
  return [bc.ratio === null ? `The page's CNN epoch vs the CLI's with ${bc.threads} threads: n/a (${bc.note}).`
    : `The page's CNN epoch with ${bc.threads} threads takes ${bc.ratio.toFixed(2)}x the CLI's on ${machineText(e)}: ${bc.browser!.toFixed(2)} s in Chromium / ${bc.cli!.toFixed(2)} s in the CLI.`, ''];
}

function browserSection(bc: BrowserVsCli | null): string[] {
  if (!bc) return [];
  return [bc.ratio === null ? `Browser vs CLI epoch with ${bc.threads} threads: n/a (${bc.note}).`
    : `Browser vs CLI epoch with ${bc.threads} threads: ${bc.browser!.toFixed(3)} s in Chromium / ${bc.cli!.toFixed(3)} s in the CLI = ${bc.ratio.toFixed(2)}x (target: at most 1.5x).`, ''];
}
