// The bench's epoch in NumPy and PyTorch, each timed by peers/python_epoch.py in a child process per Python
// interpreter and thread count, on the same normalised rows wasmfit trains on. Each peer's row is its fastest
// run, naming its BLAS and kernel; a peer that is not importable, or that would run on the netlib reference
// BLAS, is skipped with the reason. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for these children only,
// so OpenBLAS picks its own kernel for the CPU.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../node/data-files.js';
import type { EpochRow, PeerTrial } from './report.js';

export const PYTHON_EPOCH_SCRIPT = join(PACKAGE_ROOT, 'src', 'bench', 'peers', 'python_epoch.py');
/** Tried in order: the PATH's python3 (a virtualenv's or pyenv's), then the system's (Debian's python3-torch). */
export const DEFAULT_PYTHONS = ['python3', '/usr/bin/python3'];
/** A peer whose last epoch's mean loss is not below this did not learn (chance is ln 10 = 2.30). */
const LEARNED_LOSS = 2.0;
const PROBE_TIMEOUT_MS = 60_000, RUN_TIMEOUT_MS = 10 * 60_000;

export type Framework = 'numpy' | 'torch';
const PEER_NAME: Record<Framework, string> = { numpy: 'NumPy', torch: 'PyTorch' };
const HOW_TO_ADD: Record<Framework, string> = { numpy: 'pip install numpy', torch: 'pip install torch, or Debian\'s python3-torch' };

export interface PythonPeerOptions {
  /** Interpreters to try, in order (DEFAULT_PYTHONS unless the user names one). */
  pythons: string[];
  x: Float32Array;
  y: Uint8Array;
  count: number;
  /** Thread counts to try for each peer. */
  threads: number[];
  /** Timed epochs per run, after one warm-up epoch. */
  epochs: number;
  /** The network (tanh between layers) and batch size; default the bench's, 784-128-10 at batch 128. */
  layers?: number[];
  batch?: number;
  /** The peers to time; default both. */
  frameworks?: Framework[];
  log(line: string): void;
}

/** What an interpreter can import (from python_epoch.py --probe), or why it did not answer. */
interface Probe {
  python: string;
  executable?: string;
  version?: string;
  numpy?: string | null;
  torch?: string | null;
  error?: string;
  numpy_error?: string;
  torch_error?: string;
}

/** One child's answer (python_epoch.py --framework ...). */
interface PeerRun {
  framework: Framework;
  version: string;
  python: string;
  executable: string;
  threads: number;
  seconds?: number;
  epoch_seconds?: number[];
  loss?: number;
  blas: Record<string, string | number | null | undefined>;
}

/** Rows for NumPy and PyTorch, in that order (or those of o.frameworks). */
export async function pythonPeerRows(o: PythonPeerOptions): Promise<EpochRow[]> {
  const probes = await probeInterpreters(o.pythons);
  const rows: EpochRow[] = [];
  let dataDir: string | null = null;
  try {
    for (const framework of o.frameworks ?? (['numpy', 'torch'] as const)) {
      const able = probes.filter((p) => p[framework]);
      if (able.length === 0) {
        const why = probes.map((p) => `${p.python}: ${p.error ?? p[`${framework}_error`] ?? 'not importable'}`).join('; ');
        rows.push(skipRow(framework, `not run: ${PEER_NAME[framework]} is not importable (${why}); ${HOW_TO_ADD[framework]} adds it`));
        o.log(`${PEER_NAME[framework]}: not importable (${why})`);
        continue;
      }
      dataDir ??= writeRows(o);
      const trials: { run: PeerRun | null; trial: PeerTrial }[] = [];
      for (const probe of able) {
        for (const threads of o.threads) {
          const result = await runPeer(probe.python, framework, threads, dataDir, o);
          trials.push(result);
          o.log(`${PEER_NAME[framework]} (${probe.python}) ${threads} thread(s): ${result.trial.seconds === null ? result.trial.note : `${result.trial.seconds.toFixed(3)} s/epoch`}`);
        }
      }
      rows.push(peerRow(framework, trials, o.epochs));
    }
  } finally {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

/** Each interpreter once (by its real executable), in the order given. */
async function probeInterpreters(pythons: string[]): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (const python of pythons) {
    try {
      const { stdout } = await run(python, [PYTHON_EPOCH_SCRIPT, '--probe'], {}, PROBE_TIMEOUT_MS);
      const found = JSON.parse(stdout) as Omit<Probe, 'python'> & { python: string };
      if (probes.some((p) => p.executable === found.executable)) continue;
      probes.push({ ...found, version: found.python, python });
    } catch (e) {
      probes.push({ python, error: childError(e) });
    }
  }
  return probes;
}

/** The rows wasmfit trains on, as raw files the script reads with numpy.fromfile. */
function writeRows(o: PythonPeerOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmfit-bench-'));
  writeFileSync(join(dir, 'x.f32'), new Uint8Array(o.x.buffer, o.x.byteOffset, o.count * 784 * 4));
  writeFileSync(join(dir, 'y.u8'), o.y.subarray(0, o.count));
  return dir;
}

async function runPeer(python: string, framework: Framework, threads: number, dataDir: string, o: PythonPeerOptions): Promise<{ run: PeerRun | null; trial: PeerTrial }> {
  const form = `${python}, ${threads} thread${threads === 1 ? '' : 's'}`;
  const n = String(threads);
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [PYTHON_EPOCH_SCRIPT, '--framework', framework, '--threads', n, '--epochs', String(o.epochs),
    '--x', join(dataDir, 'x.f32'), '--y', join(dataDir, 'y.u8'), '--count', String(o.count),
    ...(o.layers ? ['--layers', o.layers.join(',')] : []), ...(o.batch ? ['--batch', String(o.batch)] : [])];
  let result: PeerRun;
  try {
    result = JSON.parse((await run(python, args, env, RUN_TIMEOUT_MS)).stdout) as PeerRun;
  } catch (e) {
    return { run: null, trial: { form, seconds: null, note: `failed: ${childError(e)}` } };
  }
  if (result.blas.reference) return { run: result, trial: { form, seconds: null, note: `not timed: it runs on the netlib reference BLAS (${result.blas.reference}), a handicapped peer; an optimised BLAS (Debian: apt install libopenblas0) makes it fair` } };
  if (typeof result.seconds !== 'number' || !(typeof result.loss === 'number' && result.loss < LEARNED_LOSS)) {
    return { run: result, trial: { form, seconds: null, note: `not counted: its last epoch's loss is ${result.loss}, so it did not learn` } };
  }
  return { run: result, trial: { form, seconds: result.seconds, note: `loss ${result.loss.toFixed(3)}, ${blasText(result.blas)}` } };
}

function peerRow(framework: Framework, trials: { run: PeerRun | null; trial: PeerTrial }[], epochs: number): EpochRow {
  const timed = trials.filter((t) => t.trial.seconds !== null).sort((a, b) => a.trial.seconds! - b.trial.seconds!);
  const tried = trials.map((t) => `${t.trial.form}: ${t.trial.seconds === null ? t.trial.note : `${t.trial.seconds.toFixed(3)} s`}`).join('; ');
  if (timed.length === 0) return { ...skipRow(framework, `not run: ${tried}`), trials: trials.map((t) => t.trial) };
  const best = timed[0].run!;
  return {
    backend: `${PEER_NAME[framework]} ${best.version} (${blasText(best.blas)})`, group: 'peer', threads: best.threads, seconds: best.seconds!, epochs,
    trials: trials.map((t) => t.trial),
    note: `${framework === 'numpy' ? 'hand-written forward and backward' : 'torch.nn + torch.optim.SGD'}, Python ${best.python} (${best.executable}); ` +
      `median of ${epochs} epoch${epochs === 1 ? '' : 's'} after a warm-up, the fastest of: ${tried}; last epoch's loss ${best.loss!.toFixed(3)}; ` +
      `BLAS ${blasDetail(best.blas)}; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset`,
  };
}

function skipRow(framework: Framework, note: string): EpochRow {
  return { backend: PEER_NAME[framework], group: 'peer', threads: null, seconds: null, epochs: 0, note };
}

/** "OpenBLAS 0.3.31, SkylakeX kernel", "mkl", or the library file when nothing names it. */
function blasText(blas: PeerRun['blas']): string {
  const api = blas.internal_api === 'openblas' ? 'OpenBLAS' : blas.internal_api;
  if (!api) return blas.filepath ? String(blas.filepath).split('/').pop()! : 'BLAS unknown';
  return [api, blas.version].filter(Boolean).join(' ') + (blas.architecture ? `, ${blas.architecture} kernel` : '');
}

function blasDetail(blas: PeerRun['blas']): string {
  const parts = [blasText(blas), blas.threading_layer && `${blas.threading_layer} threading`, blas.num_threads != null && `BLAS threads ${blas.num_threads}`,
    blas.filepath && String(blas.filepath), `named by ${blas.source ?? 'the library files mapped'}`];
  return parts.filter(Boolean).join(', ');
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<{ stdout: string }> {
  const options = { encoding: 'utf8' as const, timeout, maxBuffer: 4 << 20, ...(Object.keys(env).length ? { env } : {}) };
  return promisify(execFile)(file, args, options);
}

/** One line on why a child failed: not found, killed by the timeout, or the last line of its stderr. */
export function childError(e: unknown): string {
  const err = e as { code?: string | number; killed?: boolean; stderr?: string; message?: string };
  if (err.code === 'ENOENT') return 'not found';
  if (err.killed) return 'timed out';
  const lines = (err.stderr ?? '').trim().split('\n').filter(Boolean);
  return lines.length ? lines[lines.length - 1] : (err.message ?? String(e)).split('\n')[0];
}
