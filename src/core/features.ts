// Which back end this engine can run, and why: WebAssembly SIMD (probed with WebAssembly.validate),
// threads (only where SharedArrayBuffer exists and, in a browser, the page is cross-origin isolated), else
// the plain-TypeScript kernels. Platform-neutral: it only reads globalThis. It decides; it loads nothing.

import { simdSupported } from './kernels/wasm.js';

export type RunMode = 'wasm-threads' | 'wasm-simd' | 'js';

export interface Features {
  simd: boolean;
  sharedArrayBuffer: boolean;
  /** The page's crossOriginIsolated; null outside a browser (Node has no such gate). */
  crossOriginIsolated: boolean | null;
  /** Logical cores the engine reports (navigator.hardwareConcurrency), 1 when it does not say. */
  cores: number;
}

export function detectFeatures(): Features {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  return {
    simd: simdSupported(),
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    crossOriginIsolated: typeof g.crossOriginIsolated === 'boolean' ? g.crossOriginIsolated : null,
    cores: Math.max(1, g.navigator?.hardwareConcurrency ?? 1),
  };
}

export interface ModeChoice {
  mode: RunMode;
  threads: number;
  /** One sentence a person can read: which back end runs and why not a faster one. */
  reason: string;
}

/**
 * requested: the threads the caller asked for (true or undefined = every core, false or 1 = one).
 * threadedKernels: whether the embedding can start kernel threads (InitOptions.threadedBackend; both package
 * entries provide one).
 */
export function chooseMode(f: Features, requested: number | boolean | undefined, threadedKernels: boolean): ModeChoice {
  if (!f.simd) {
    return { mode: 'js', threads: 1, reason: 'this engine lacks WebAssembly SIMD (WebAssembly.validate refused a v128 probe), so the plain-TypeScript kernels run' };
  }
  const wanted = requested === false ? 1 : requested === true || requested === undefined ? f.cores : Math.max(1, Math.floor(requested));
  const single = (why: string): ModeChoice => ({ mode: 'wasm-simd', threads: 1, reason: `single-threaded WebAssembly SIMD: ${why}` });
  if (wanted <= 1) return single(requested === undefined ? 'the engine reports one core' : 'one thread was requested');
  if (f.crossOriginIsolated === false) {
    return single('the page is not cross-origin isolated (the server sent no Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp headers), so SharedArrayBuffer and threads are unavailable');
  }
  if (!f.sharedArrayBuffer) return single('this engine has no SharedArrayBuffer, which threads need');
  if (!threadedKernels) {
    return single(`threads are available (${f.crossOriginIsolated ? 'cross-origin isolated, ' : ''}SharedArrayBuffer present, ${f.cores} cores) but this embedding gives no way to start kernel threads (InitOptions.threadedBackend)`);
  }
  return { mode: 'wasm-threads', threads: wanted, reason: `WebAssembly SIMD on ${wanted} threads: ${f.crossOriginIsolated ? 'cross-origin isolated, ' : ''}SharedArrayBuffer present` };
}
