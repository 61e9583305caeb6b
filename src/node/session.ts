// Sets up what every command needs in Node: the back end over a fresh arena, the data set found on disk
// and placed in the arena, and a model sized for the batch. Commands then only run and report.

import type { BackendName } from '../core/kernels/kernels.js';
import { createBackend, type Backend } from '../core/backend.js';
import { Model, type ModelSpec } from '../core/model.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import { locateData, type LocatedData } from './data-files.js';
import { loadWasmModule } from './wasm-file.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { defaultThreads, nodeThreadOptions } from './threads.js';

export interface SessionOptions {
  backend: BackendName;
  dataDir?: string;
  verify?: boolean;
  seed: number;
  spec: ModelSpec;
  /** Rows of the largest batch the model will see. */
  batchRows: number;
  /** Kernel threads for the wasm back end (default: every core; 1 = no worker threads). */
  threads?: number;
  /** Which build of the wasm kernels (default: plain SIMD). */
  simd?: SimdBuild;
}

export interface Session extends Backend {
  /** Where the data came from; its bytes live in the arena only, so the JS copy can be collected. */
  located: Omit<LocatedData, 'raw'>;
  data: Dataset;
  model: Model;
}

export async function openSession(options: SessionOptions): Promise<Session> {
  const build = options.simd ?? 'plain';
  const backend = await createBackend(options.backend, () => loadWasmModule(build), nodeThreadOptions(options.threads ?? defaultThreads(), build));
  const { raw, ...located } = await locateData({ dataDir: options.dataDir, verify: options.verify });
  const data = loadDataset(backend.arena, raw, options.seed, backend.kernels);
  const model = new Model(options.spec, backend.kernels, backend.arena, options.batchRows);
  return { ...backend, located, data, model };
}

export function describeBackend(name: BackendName, simd: SimdBuild = 'plain'): string {
  if (name === 'js') return 'js (TypeScript reference)';
  return simd === 'relaxed' ? 'wasm (AssemblyScript, WebAssembly SIMD with relaxed SIMD FMA)' : 'wasm (AssemblyScript, WebAssembly SIMD)';
}
