// A config's recipe in PyTorch, for the experiments' "beyond the report" section: finds a Python that imports
// torch (the bench's interpreters, in order), writes the config's train / validation / test split as the normalised
// rows wasmfit trains on, and runs src/report/peers/torch_recipe.py on them with as many threads as wasmfit uses.
// A missing torch is a skip with the reason, never a failure of the experiments.

import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Dataset, Split } from '../data/dataset.js';
import { DEFAULT_PYTHONS, childError } from '../bench/python-peers.js';
import { timeToAccuracy, type PeerOutcome } from '../report/beyond.js';
import { PACKAGE_ROOT } from './data-files.js';
import { openDataSession } from './session.js';

export const TORCH_RECIPE_SCRIPT = join(PACKAGE_ROOT, 'src', 'report', 'peers', 'torch_recipe.py');
export { DEFAULT_PYTHONS };
const PROBE_TIMEOUT_MS = 60_000, RUN_TIMEOUT_MS = 60 * 60_000;

export interface TorchRecipeOptions {
  config: Config;
  /** Interpreters to try, in order; empty: skipped (--no-python). */
  pythons: string[];
  threads: number;
  dataDir?: string;
  verify: boolean;
  /** Holds the running child while it runs, so that an interrupt reaches it. */
  children: Set<ChildProcess>;
}

interface Probe { python: string; executable?: string; torch?: string | null; error?: string; torch_error?: string }

export async function torchRecipe(o: TorchRecipeOptions): Promise<PeerOutcome> {
  if (!o.pythons.length) return { status: 'skipped', reason: 'not run (--no-python)' };
  const probes: Probe[] = [];
  for (const python of o.pythons) {
    try {
      probes.push({ ...JSON.parse((await run(python, [TORCH_RECIPE_SCRIPT, '--probe'], {}, PROBE_TIMEOUT_MS, o.children)).stdout), python });
    } catch (e) {
      probes.push({ python, error: childError(e) });
    }
  }
  const able = probes.find((p) => p.torch);
  if (!able) {
    const why = probes.map((p) => `${p.python}: ${p.error ?? p.torch_error ?? 'not importable'}`).join('; ');
    return { status: 'skipped', reason: `PyTorch is not importable (${why}); pip install torch, or Debian's python3-torch, adds it` };
  }
  const dir = await writeSplitRows(o);
  const n = String(o.threads);
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  // As in the bench: OpenBLAS picks its own kernel for this CPU.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const load: [number, number] = [loadavg()[0], 0];
  const started = performance.now();
  try {
    const args = [TORCH_RECIPE_SCRIPT, '--config', join(dir.path, 'config.json'), '--data', dir.path, '--counts', dir.counts.join(','), '--threads', n];
    const answer = JSON.parse((await run(able.python, args, env, RUN_TIMEOUT_MS, o.children)).stdout);
    const wall = (performance.now() - started) / 1000;
    load[1] = loadavg()[0];
    const history = answer.history as PeerOutcome['history'] & object;
    return {
      status: 'ran', torch: answer.torch, python: answer.python, executable: answer.executable, threads: answer.threads, config: undefined,
      epochs: history.length, training_seconds: answer.seconds, wall_seconds: wall, test_accuracy: history.at(-1)?.test_accuracy,
      time_to_target: timeToAccuracy(history) ?? null, history, load,
    };
  } catch (e) {
    return { status: 'failed', reason: `${able.python} ${TORCH_RECIPE_SCRIPT}: ${childError(e)}` };
  } finally {
    rmSync(dir.path, { recursive: true, force: true });
  }
}

/** The config's split (its seed and validation fraction) as float32 rows normalised per image, and uint8 labels. */
async function writeSplitRows(o: TorchRecipeOptions): Promise<{ path: string; counts: number[] }> {
  const { session } = await openDataSession({ backend: 'js', dataDir: o.dataDir, dataName: o.config.data.name, verify: o.verify, seed: o.config.seed, validationFraction: o.config.data.validation_fraction });
  const path = mkdtempSync(join(tmpdir(), 'wasmfit-torch-recipe-'));
  try {
    const data = session.data;
    for (const [name, split] of [['train', data.train], ['validation', data.validation], ['test', data.test]] as const) {
      const { x, y } = normalisedRows(session.backend.arena, data, split);
      writeFileSync(join(path, `${name}.f32`), new Uint8Array(x.buffer));
      writeFileSync(join(path, `${name}.u8`), y);
    }
    writeFileSync(join(path, 'config.json'), JSON.stringify(o.config));
    return { path, counts: [data.train.count, data.validation.count, data.test.count] };
  } catch (e) {
    rmSync(path, { recursive: true, force: true });
    throw e;
  } finally {
    session.close();
  }
}

/** A split's rows in split order, normalised as the kernels normalise them while gathering: (pixel - mean) / std. */
export function normalisedRows(arena: { i32(ptr: number, n: number): Int32Array; f32(ptr: number, n: number): Float32Array; u8(ptr: number, n: number): Uint8Array }, data: Dataset, split: Split): { x: Float32Array; y: Uint8Array } {
  const dim = data.dim, images = data.train.count + data.validation.count + data.test.count;
  const rows = arena.i32(split.ptr, split.count), stats = arena.f32(data.stats, 2 * images);
  const pixels = arena.u8(data.images, images * dim), labels = arena.u8(data.labels, images);
  const x = new Float32Array(split.count * dim), y = new Uint8Array(split.count);
  for (let r = 0; r < split.count; r++) {
    const img = rows[r], mean = stats[2 * img], inv = stats[2 * img + 1];
    for (let j = 0; j < dim; j++) x[r * dim + j] = (pixels[img * dim + j] - mean) * inv;
    y[r] = labels[img];
  }
  return { x, y };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeout: number, children: Set<ChildProcess>): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'utf8', timeout, maxBuffer: 16 << 20, ...(Object.keys(env).length ? { env } : {}) }, (error, stdout, stderr) => {
      children.delete(child);
      if (error) reject(Object.assign(error, { stderr }));
      else resolve({ stdout });
    });
    children.add(child);
  });
}
