// The bench's CNN section: configs/best_cnn.yaml's network trained for an epoch by wasmfit (1 and N threads, each
// build) and by PyTorch on the same rows in the same run, at PyTorch's best (NCHW and channels_last, 1 and 2 torch
// threads, the fastest named); the convolution kernels' GFLOP/s against the WASM SIMD ceiling that simdPeak measures.
// The page's epoch of the same config is browser-epochs.ts's, with PAGE_CNN_WORKLOAD from here.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type Config } from '../config/schema.js';
import { checkNetwork } from '../data/description.js';
import { createMemory } from '../core/memory.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { PACKAGE_ROOT } from '../node/data-files.js';
import { openSession } from '../node/session.js';
import { loadWasmModule } from '../node/wasm-file.js';
import { median } from '../report/statistics.js';
import { train } from '../train/train.js';
import type { DataOptions } from './network.js';
import { PYTHON_EPOCH_SCRIPT, blasText, childError, probeInterpreters, run, writeRows } from './python-peers.js';
import type { PageWorkload } from './browser-epochs.js';
import { cliLabel } from './epochs.js';
import type { BrowserVsCli, EpochRow, KernelRow, PeerTrial } from './report.js';

export const CNN_CONFIG = join(PACKAGE_ROOT, 'configs', 'best_cnn.yaml');
/** A PyTorch run whose epoch ends with a mean loss not below this did not learn (chance is ln 10 = 2.30). */
const LEARNED_LOSS = 2.0;
const RUN_TIMEOUT_MS = 15 * 60_000;
const MEMORY_FORMATS = ['contiguous', 'channels_last'] as const;
/**
 * The page's CNN epoch: one, as the CLI's rows time it. Before it, a run stopped after 20 batches (as PyTorch's
 * 20 warm-up batches) gets the page's worker and V8's optimising tier going; a whole warm-up epoch would double
 * the section's page time.
 */
export const PAGE_CNN_WORKLOAD: PageWorkload = { config: 'best_cnn', epochs: 1, warmup: { batches: 20 } };

export interface SimdCeiling {
  build: SimdBuild;
  /** One thread's 4-lane f32 multiply-adds per second, as GFLOP/s (a multiply-add is 2 flops a lane). */
  gflops: number;
}

export interface CnnReport {
  /** The network and recipe, as the tables name it. */
  network: string;
  config: string;
  ceilings: SimdCeiling[];
  epochs: EpochRow[];
  /** The fastest wasmfit CLI epoch over PyTorch's fastest (null when either did not run). */
  ratio_to_pytorch: number | null;
  /** The page's two-thread epoch over the CLI's (null or absent when the page was not asked for: --no-browser). */
  browser_vs_cli?: BrowserVsCli | null;
}

/** The simdPeak probe: median of 5 calls of 2^23 iterations (96 flops each) on one thread, by the process's CPU time. */
export async function simdCeiling(build: SimdBuild): Promise<SimdCeiling> {
  const memory = createMemory();
  const { exports } = await WebAssembly.instantiate(await loadWasmModule(build), { env: { memory, abort: () => { throw new Error('abort'); } } });
  const peak = exports.simdPeak as (iterations: number, seed: number) => number;
  const iterations = 1 << 23, times: number[] = [];
  peak(1 << 20, 0.5);
  // CPU time, not wall time: on a shared machine the probe's thread is descheduled for long stretches.
  for (let i = 0; i < 5; i++) {
    const start = process.cpuUsage();
    peak(iterations, 0.5);
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1e6);
  }
  return { build, gflops: (96 * iterations) / median(times) / 1e9 };
}

/** The bench CNN's config, read from configs/best_cnn.yaml. */
export function cnnConfig(): Config {
  return parseConfig(readFileSync(CNN_CONFIG, 'utf8'), 'configs/best_cnn.yaml');
}

export function describeCnn(c: Config): string {
  const layers = c.layers!.map((l) => (l.type === 'conv2d' ? `conv${l.kernel}x${l.kernel}x${l.filters} ${l.padding ?? 'valid'} ${l.activation}` :
    l.type === 'maxpool' ? `maxpool${l.size}` : l.type === 'dense' ? `dense${l.units}${l.activation === 'none' ? '' : ` ${l.activation}`}` : l.type));
  const optimiser = c.optimizer === 'adamw' ? `AdamW, weight decay ${c.weight_decay}` : c.optimizer === 'adam' ? 'Adam' : `SGD${c.momentum ? ` momentum ${c.momentum_gamma}` : ''}`;
  return `${layers.join(' -> ')}, batch ${c.batch_size}, ${optimiser}${c.L2_penalty ? `, L2 ${c.L2_penalty}` : ''}${c.label_smoothing ? `, label smoothing ${c.label_smoothing}` : ''}`;
}

/** One epoch of the CNN per build and thread count, one fresh session each (an epoch is long enough to time alone). */
export async function cnnEpochRows(data: DataOptions, builds: SimdBuild[], threadCounts: number[], log: (line: string) => void): Promise<EpochRow[]> {
  const config = { ...cnnConfig(), epochs: 1, early_stop: false };
  const rows: EpochRow[] = [];
  for (const build of builds) for (const threads of threadCounts) {
    const s = await openSession({ backend: 'wasm', dataDir: data.dataDir, verify: data.verify, seed: config.seed, spec: { layers: config.layers! }, batchRows: config.batch_size,
      fits: (d) => checkNetwork(config, d, 'the bench CNN (configs/best_cnn.yaml)'), simd: build, threads });
    const cpu = process.cpuUsage();
    const result = await train(s.model, s.data, config);
    const used = process.cpuUsage(cpu), seconds = s.data.train.count / result.history[0].samples_per_second;
    s.close();
    const cpuSeconds = (used.user + used.system) / 1e6;
    log(`CNN wasm ${build} ${threads} thread(s): ${seconds.toFixed(2)} s/epoch (process CPU ${cpuSeconds.toFixed(1)} s, validation included)`);
    rows.push({ backend: cliLabel(build), group: 'cli', threads, seconds, epochs: 1,
      note: `one epoch in a fresh session${build === 'relaxed' ? ' (train --simd relaxed)' : ''}; the process used ${cpuSeconds.toFixed(1)} s of CPU over it, validation included` });
  }
  return rows;
}

/** PyTorch on the same rows: every interpreter with torch, NCHW and channels_last, each thread count; the fastest is the row. */
export async function torchCnnRow(o: { pythons: string[]; x: Float32Array; y: Uint8Array; count: number; threads: number[]; log(line: string): void }): Promise<EpochRow> {
  const config = cnnConfig(), name = 'PyTorch';
  const probes = (await probeInterpreters(o.pythons)).filter((p) => p.torch);
  if (probes.length === 0) return { backend: name, group: 'peer', threads: null, seconds: null, epochs: 0, note: 'not run: no python3 imports torch (pip install torch, or Debian\'s python3-torch)' };
  const dir = writeRows(o);
  const network = join(dir, 'network.json');
  writeFileSync(network, JSON.stringify({ layers: config.layers, batch_size: config.batch_size, learning_rate: config.learning_rate,
    momentum: config.momentum ? config.momentum_gamma : 0, nesterov: config.nesterov ?? false, l2: config.L2_penalty,
    optimizer: config.optimizer, weight_decay: config.weight_decay, label_smoothing: config.label_smoothing }));
  const trials: (PeerTrial & { threads: number; version?: string })[] = [];
  try {
    for (const probe of probes) for (const format of MEMORY_FORMATS) for (const threads of o.threads) {
      const form = `${probe.python}, ${format === 'contiguous' ? 'NCHW' : 'channels_last'}, ${threads} thread${threads === 1 ? '' : 's'}`;
      const n = String(threads), env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      try {
        const r = JSON.parse((await run(probe.python, [PYTHON_EPOCH_SCRIPT, '--framework', 'torch', '--threads', n, '--x', join(dir, 'x.f32'), '--y', join(dir, 'y.u8'),
          '--count', String(o.count), '--network', network, '--memory-format', format], env, RUN_TIMEOUT_MS)).stdout) as { seconds?: number; loss?: number; version: string; blas: Record<string, string> };
        const learned = typeof r.seconds === 'number' && typeof r.loss === 'number' && r.loss < LEARNED_LOSS;
        trials.push({ form, threads, version: r.version, seconds: learned ? r.seconds! : null, note: learned ? `loss ${r.loss!.toFixed(3)}, ${blasText(r.blas)}` : `not counted: loss ${r.loss}` });
      } catch (e) {
        trials.push({ form, threads, seconds: null, note: `failed: ${childError(e)}` });
      }
      const t = trials[trials.length - 1];
      o.log(`CNN PyTorch ${form}: ${t.seconds === null ? t.note : `${t.seconds.toFixed(2)} s/epoch`}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const timed = trials.filter((t) => t.seconds !== null).sort((a, b) => a.seconds! - b.seconds!);
  const tried = trials.map((t) => `${t.form}: ${t.seconds === null ? t.note : `${t.seconds.toFixed(2)} s`}`).join('; ');
  if (timed.length === 0) return { backend: name, group: 'peer', threads: null, seconds: null, epochs: 0, note: `not run: ${tried}`, trials };
  const best = timed[0];
  return { backend: `PyTorch ${best.version} (${best.form.split(', ')[1]})`, group: 'peer', threads: best.threads, seconds: best.seconds, epochs: 1, trials,
    note: `torch.nn + the config's optimiser (${config.optimizer}; weight decay or L2 on the weights only) and label smoothing, no learning-rate schedule over the one timed epoch after 20 warm-up batches; the fastest of: ${tried}` };
}

/** The convolution kernels' rows of the kernel table (conv2d*, winograd*). */
export function convKernelRows(kernels: KernelRow[]): KernelRow[] {
  return kernels.filter((r) => r.kernel.startsWith('conv2d') || r.kernel.startsWith('winograd'));
}

export function cnnRatio(epochs: EpochRow[]): number | null {
  const ours = epochs.filter((r) => r.group === 'cli' && r.seconds !== null).map((r) => r.seconds!);
  const torch = epochs.find((r) => r.group === 'peer' && r.seconds !== null);
  return ours.length && torch ? Math.min(...ours) / torch.seconds! : null;
}
