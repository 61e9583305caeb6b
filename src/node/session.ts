// Sets up what every command needs in Node: the back end over a fresh arena and the data set found on disk,
// placed in the arena as the package API's Session (src/api/session.ts), and for the commands that do not train
// through that Session, a model sized for the batch. Commands then only run and report.

import type { BackendName } from '../core/kernels/kernels.js';
import { createBackend, type Backend } from '../core/backend.js';
import type { Network } from '../core/network.js';
import type { NetworkSpec } from '../core/networks.js';
import type { Dataset } from '../data/dataset.js';
import { Session as DataSession } from '../api/session.js';
import { locateData, type LocatedData } from './data-files.js';
import { loadWasmModule } from './wasm-file.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { defaultThreads, nodeThreadOptions } from './threads.js';

export interface DataSessionOptions {
  backend: BackendName;
  dataDir?: string;
  verify?: boolean;
  /** The seed whose train/validation split the data set is placed in. */
  seed: number;
  /** Kernel threads for the wasm back end (default: every core; 1 = no worker threads). */
  threads?: number;
  /** Which build of the wasm kernels (default: plain SIMD). */
  simd?: SimdBuild;
}

export interface SessionOptions extends DataSessionOptions {
  spec: NetworkSpec;
  /** Rows of the largest batch the model will see. */
  batchRows: number;
}

/** Where the data came from; its bytes live in the arena only, so the JS copy can be collected. */
export type Located = Omit<LocatedData, 'raw'>;

export interface Session extends Backend {
  located: Located;
  data: Dataset;
  model: Network;
}

/** The back end and the data set found on disk, as the package API's Session: what `wasmfit train` trains through. */
export async function openDataSession(options: DataSessionOptions): Promise<{ session: DataSession; located: Located }> {
  const build = options.simd ?? 'plain';
  const backend = await createBackend(options.backend, () => loadWasmModule(build), nodeThreadOptions(options.threads ?? defaultThreads(), build));
  const { raw, ...located } = await locateData({ dataDir: options.dataDir, verify: options.verify });
  return { session: new DataSession(backend, raw, options.seed), located };
}

/** The same with a model for spec and batchRows, for the commands that drive a model themselves. */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { session, located } = await openDataSession(options);
  return { ...session.backend, located, data: session.data, model: session.model(options.spec, options.batchRows) };
}

export function describeBackend(name: BackendName, simd: SimdBuild = 'plain'): string {
  if (name === 'js') return 'js (TypeScript reference)';
  return simd === 'relaxed' ? 'wasm (AssemblyScript, WebAssembly SIMD with relaxed SIMD FMA)' : 'wasm (AssemblyScript, WebAssembly SIMD)';
}
