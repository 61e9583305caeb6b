// `wasmfit bench` from start to end: verify and time the kernels, time whole epochs of wasmfit (CLI, page, JS
// reference) and of the peers (TensorFlow.js, NumPy, PyTorch) on the same data, then the CNN (CLI, page, PyTorch),
// measure a run's peak memory, write bench.json and bench.md. Each step is a file of its own in src/bench; this one only orders them.

import { MANIFEST } from '../core/kernels/manifest.js';
import type { KernelName } from '../core/kernels/kernels.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { pageEpochRows, type PageWorkload } from './browser-epochs.js';
import { benchEnvironment } from './environment.js';
import { cliEpochRows, jsReferenceRow } from './epochs.js';
import { benchKernelCases, firstLayerPace, kernelVariants } from './kernel-cases.js';
import { timeKernelCases } from './kernel-timing.js';
import { benchSession, normalisedTrain, relaxedUnavailable, type DataOptions } from './network.js';
import { measurePeakRss } from './peak-rss.js';
import { pythonPeerRows } from './python-peers.js';
import { browserVsCli, writeBenchReport, type EpochRow } from './report.js';
import { tfjsRow } from './tfjs.js';
import { PAGE_CNN_WORKLOAD, cnnConfig, cnnEpochRows, cnnRatio, describeCnn, simdCeiling, torchCnnRow, type CnnReport } from './cnn.js';

export interface BenchSettings extends DataOptions {
  /** The most threads to measure; 1 and this many are timed. */
  maxThreads: number;
  /** Timed epochs per wasmfit session and peer run (after one warm-up epoch). */
  epochs: number;
  out: string;
  js: boolean;
  tfjs: boolean;
  /** Python interpreters for NumPy and PyTorch, tried in order; empty: skip them. */
  pythons: string[];
  /** A Chromium to time the page in, null when none was found, false to skip the page. */
  chromium: string | null | false;
  /** Also time the relaxed-SIMD build. */
  relaxed: boolean;
  /** Also time the CNN (configs/best_cnn.yaml) in wasmfit and PyTorch. */
  cnn: boolean;
  log(line: string): void;
}

/** Rounds over the whole kernel table; each cell reports its median round. */
const KERNEL_ROUNDS = 3;
/** Calls before a threaded cell is timed: three of the balancer's windows (two in a row must agree on a plan). */
const BALANCER_WARMUP_CALLS = 3 * 64;
/** Fresh sessions per build and thread count: a slow phase of a shared machine lasts about a session. */
const EPOCH_SESSIONS = 5;
/** Fresh pages per thread count in Chromium (each loads the data set and warms up: slower than a session). */
const PAGE_SESSIONS = 3;
/** The page's config_6 run: timed epochs after one warm-up epoch (each page epoch also validates, so fewer). */
const PAGE_MLP_WORKLOAD: PageWorkload = { config: 'config_6', epochs: 2, warmup: 'epoch' };
const PAGE_THREADS = [1, 2];

/** Runs the whole bench and returns the Markdown it wrote. */
export async function runBench(s: BenchSettings): Promise<string> {
  const environment = benchEnvironment(s.maxThreads);
  s.log(`Node ${environment.node}, ${environment.cpu}, ${environment.cores} cores, up to ${s.maxThreads} threads`);
  const relaxedMissing = s.relaxed ? relaxedUnavailable() : 'skipped (--no-relaxed)';
  if (relaxedMissing !== null) s.log(`relaxed SIMD build: ${relaxedMissing}`);
  const builds: SimdBuild[] = relaxedMissing === null ? ['plain', 'relaxed'] : ['plain'];
  const threadCounts = [...new Set([1, s.maxThreads])];

  const session = await benchSession(s, 'wasm', 1);
  const variants = await kernelVariants(s.maxThreads, builds);
  const kernels = timeKernelCases(benchKernelCases(session), variants, { rounds: KERNEL_ROUNDS, threadedWarmupCalls: BALANCER_WARMUP_CALLS, balanced: (kernel) => MANIFEST[kernel as KernelName]?.threads.split === 'columns', pace: firstLayerPace, log: s.log });
  for (const b of new Set(variants.map((v) => v.backend))) b.close();
  // The peers train on the same rows, normalised as wasmfit normalises them.
  const peerData = s.tfjs || s.pythons.length ? normalisedTrain(session) : null;

  // The page's rows for a workload, 1 and 2 threads (none with --no-browser); the Chromium's version goes in the environment.
  const pageRows = async (chromium: string | null, workload: PageWorkload, sessions: number, relaxed: boolean): Promise<EpochRow[]> => {
    const page = await pageEpochRows({ chromium, threadCounts: PAGE_THREADS, workload, sessions, relaxed, dataDir: s.dataDir, log: s.log });
    if (page.version) environment.chromium ??= page.version;
    return page.rows;
  };

  const epochs: EpochRow[] = await cliEpochRows({ data: s, threadCounts, builds, relaxedMissing, epochs: s.epochs, sessions: EPOCH_SESSIONS, firstSession: session, log: s.log });
  if (s.chromium !== false) epochs.push(...(await pageRows(s.chromium, PAGE_MLP_WORKLOAD, PAGE_SESSIONS, s.relaxed)));
  if (s.js) epochs.push(await jsReferenceRow(s, s.log));
  if (peerData && s.tfjs) epochs.push(await tfjsRow({ ...peerData, epochs: s.epochs, log: s.log }));
  if (peerData && s.pythons.length) {
    const threads = [...new Set([1, 2, s.maxThreads])];
    epochs.push(...(await pythonPeerRows({ ...peerData, pythons: s.pythons, threads, epochs: s.epochs, log: s.log })));
  }

  let cnn: CnnReport | undefined;
  if (s.cnn) {
    const config = cnnConfig(), ceilings = await Promise.all(builds.map(simdCeiling));
    s.log(`WASM SIMD ceiling (one thread): ${ceilings.map((c) => `${c.build} ${c.gflops.toFixed(1)} GFLOP/s`).join(', ')}`);
    const cnnEpochs = await cnnEpochRows(s, builds, threadCounts, s.log);
    // One page per thread count: an epoch is long enough to time alone, as the CLI's rows are; plain SIMD, as the page runs by default.
    if (s.chromium !== false) cnnEpochs.push(...(await pageRows(s.chromium, PAGE_CNN_WORKLOAD, 1, false)));
    if (s.pythons.length) {
      const rows = peerData ?? normalisedTrain(await benchSession(s, 'wasm', 1));
      cnnEpochs.push(await torchCnnRow({ ...rows, pythons: s.pythons, threads: [...new Set([1, 2, s.maxThreads])], log: s.log }));
    }
    cnn = { network: describeCnn(config), config: 'configs/best_cnn.yaml', ceilings, epochs: cnnEpochs, ratio_to_pytorch: cnnRatio(cnnEpochs),
      browser_vs_cli: browserVsCli(cnnEpochs, 2, null) };
  }

  const rss = await measurePeakRss(s, s.maxThreads);
  s.log(`peak RSS of a 2-epoch run: ${rss.mib === null ? `probe failed: ${rss.error}` : `${rss.mib.toFixed(0)} MiB`}`);
  return writeBenchReport(s.out, {
    environment, kernel_rounds: KERNEL_ROUNDS, variants: variants.map((v) => v.label), kernels, epochs,
    browser_vs_cli: browserVsCli(epochs), peak_rss_mib: rss.mib, ...(cnn ? { cnn } : {}),
  });
}
