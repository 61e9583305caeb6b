// The package API's first half: what init() returns, the compiled kernels and the chosen mode, which opens a
// Session (session.ts) per data set. Platform-neutral: both package entries (src/browser/index.ts,
// src/node/index.ts) build on it and differ only in where the .wasm comes from and how a thread is started
// (InitOptions.threadedBackend).

import { chooseMode, detectFeatures, type Features, type ModeChoice, type RunMode } from '../core/features.js';
import { compileWasm, type WasmSource } from '../core/wasm-loader.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { createBackend, type Backend } from '../core/backend.js';
import type { RawData } from '../data/dataset.js';
import { Session } from './session.js';

export interface InitOptions {
  /** The kernel module: a URL, its bytes, a fetch Response or a compiled module; default: the file beside the entry. */
  wasm?: WasmSource;
  /** Threads to use: a count, true (every core, the default) or false (one). */
  threads?: number | boolean;
  /** Force a back end: 'js' skips WebAssembly entirely. */
  backend?: 'wasm' | 'js';
  /**
   * Which build of the kernels the entry loads when `wasm` (or `sharedWasm`) is not given: 'plain' SIMD (the
   * default) or 'relaxed' (FMA: faster, results differ in the last bits; the engine must accept relaxed SIMD).
   */
  simd?: SimdBuild;
  /** Builds a back end whose kernels run on `threads` threads over shared memory; the entries provide their own. */
  threadedBackend?: (threads: number) => Promise<Backend>;
}

export class Wasmfit {
  constructor(
    readonly features: Features,
    public choice: ModeChoice,
    private readonly module: WebAssembly.Module | null,
    private readonly threadedBackend?: InitOptions['threadedBackend'],
    /** The build of the wasm kernels in use (see InitOptions.simd). */
    readonly simd: SimdBuild = 'plain',
  ) {}

  get mode(): RunMode {
    return this.choice.mode;
  }
  get reason(): string {
    return this.choice.mode !== 'js' && this.simd === 'relaxed' ? `${this.choice.reason}; relaxed-SIMD (FMA) kernels` : this.choice.reason;
  }

  /**
   * A fresh arena with the data set placed in it once; every later run reuses it. When the threads cannot
   * start (say the shared-memory .wasm or the worker script is not served), it falls back to one thread and
   * says why in `reason`.
   */
  async open(raw: RawData): Promise<Session> {
    const module = this.module;
    let backend: Backend | undefined;
    if (this.choice.mode === 'wasm-threads' && this.threadedBackend) {
      try {
        backend = await this.threadedBackend(this.choice.threads);
      } catch (e) {
        this.choice = { mode: 'wasm-simd', threads: 1, reason: `single-threaded WebAssembly SIMD: starting ${this.choice.threads} threads failed (${(e as Error).message})` };
      }
    }
    backend ??= await createBackend(module ? 'wasm' : 'js', async () => module!);
    return new Session(backend, raw);
  }
}

/** Compiles the kernels (unless the JS back end is chosen) and decides the mode; defaultWasm is the entry's own file. */
export async function createWasmfit(options: InitOptions, defaultWasm: () => WasmSource): Promise<Wasmfit> {
  const features = detectFeatures();
  const forced = options.backend === 'js' ? { ...features, simd: false } : features;
  let choice = chooseMode(forced, options.threads, options.threadedBackend !== undefined);
  if (options.backend === 'js') choice = { mode: 'js', threads: 1, reason: 'the JS back end was requested' };
  const module = choice.mode === 'js' ? null : await compileWasm(options.wasm ?? defaultWasm());
  return new Wasmfit(features, choice, module, options.threadedBackend, options.simd ?? 'plain');
}

