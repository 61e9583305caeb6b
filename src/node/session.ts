// Sets up what every command needs in Node: the back end over a fresh arena and the data set found on disk,
// placed in the arena as the package API's Session (src/api/session.ts), and for the commands that do not train
// through that Session, a model sized for the batch. Commands then only run and report.

import type { BackendName } from '../core/kernels/kernels.js';
import { createBackend, type Backend } from '../core/backend.js';
import type { Trainable } from '../core/network.js';
import type { NetworkSpec } from '../core/networks.js';
import type { Dataset } from '../data/dataset.js';
import { describeShape, type DataDescription } from '../data/description.js';
import type { Config } from '../config/schema.js';
import { Session as DataSession } from '../api/session.js';
import { locateData, type LocatedData } from './data-files.js';
import { loadWasmModule } from './wasm-file.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { defaultThreads, nodeThreadOptions } from './threads.js';

export interface DataSessionOptions {
  backend: BackendName;
  dataDir?: string;
  /** Where dataDir came from, for messages (default --data-dir). */
  dataDirSource?: string;
  /** A known set's name (see data-files.ts). */
  dataName?: string;
  verify?: boolean;
  /** The part of the training file that validates (default 0.2). */
  validationFraction?: number;
  /** The seed whose train/validation split the data set is placed in. */
  seed: number;
  /** Kernel threads for the wasm back end (default: every core; 1 = no worker threads). */
  threads?: number;
  /** Which build of the wasm kernels (default: plain SIMD). */
  simd?: SimdBuild;
}

export interface SessionOptions extends DataSessionOptions {
  /** Refuses data the network does not fit (checkNetwork for a config, the model file's own shape for evaluate). */
  fits(data: DataDescription): void;
  spec: NetworkSpec;
  /** Rows of the largest batch the model will see. */
  batchRows: number;
}

/** Where the data came from; its bytes live in the arena only, so the JS copy can be collected. */
export type Located = Omit<LocatedData, 'raw'>;

export interface Session extends Backend {
  located: Located;
  data: Dataset;
  model: Trainable;
}

/** The back end and the data set found on disk, as the package API's Session: what `wasmfit train` trains through. */
export async function openDataSession(options: DataSessionOptions): Promise<{ session: DataSession; located: Located }> {
  const build = options.simd ?? 'plain';
  const backend = await createBackend(options.backend, () => loadWasmModule(build), nodeThreadOptions(options.threads ?? defaultThreads(), build));
  const { raw, ...located } = await locateData({ dataDir: options.dataDir, dataDirSource: options.dataDirSource, name: options.dataName, verify: options.verify });
  return { session: new DataSession(backend, raw, options.seed, options.validationFraction), located };
}

/** The same with a model for spec and batchRows, for the commands that drive a model themselves. */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { session, located } = await openDataSession(options);
  options.fits(session.data.description);
  return { ...session.backend, located, data: session.data, model: session.model(options.spec, options.batchRows) };
}

export function describeBackend(name: BackendName, simd: SimdBuild = 'plain'): string {
  if (name === 'js') return 'js (TypeScript reference)';
  return simd === 'relaxed' ? 'wasm (AssemblyScript, WebAssembly SIMD with relaxed SIMD FMA)' : 'wasm (AssemblyScript, WebAssembly SIMD)';
}

/** "fashion-mnist (28x28, 10 classes) in DIR (why DIR; checksums verified)": the data line of train and evaluate. */
export function describeData(located: Located, d: DataDescription): string {
  return `${d.name} (${describeShape(d.shape)}, ${d.classes.length} classes) in ${located.dir} (${located.source}; ${describeChecksums(located)})`;
}

/** "checksums verified", or why they were not checked. */
export function describeChecksums(located: Pick<Located, 'verified' | 'note'>): string {
  return located.verified ? 'checksums verified' : `checksums not checked: ${located.note}`;
}

/** Where a command's data is: --data-dir, else the config's data.dir (else the set's default places). */
export function dataLocation(flag: string | undefined, config: Config): Pick<DataSessionOptions, 'dataDir' | 'dataDirSource'> {
  if (flag !== undefined) return { dataDir: flag, dataDirSource: '--data-dir' };
  return config.data.dir === undefined ? {} : { dataDir: config.data.dir, dataDirSource: "the config's data.dir" };
}
