// `wasmfit bench`: checks its options and hands them to the harness in src/bench (kernels verified, then timed;
// whole epochs of wasmfit and its peers; bench.json and bench.md in --out), or with --shapes to the shapes grid
// (shapes.json and shapes.md).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runBench } from '../../bench/run.js';
import { runShapesBench, selectShapes } from '../../bench/shapes.js';
import { rssProbe } from '../../bench/peak-rss.js';
import { DEFAULT_PYTHONS } from '../../bench/python-peers.js';
import { WasmfitError, EXIT_USAGE } from '../../core/errors.js';
import { CHROMIUM_PATHS, findChromium } from '../chromium.js';
import { makeDirectory } from '../files.js';
import { defaultThreads } from '../threads.js';

export interface BenchOptions {
  threads?: number;
  epochs: number;
  out: string;
  dataDir?: string;
  verify: boolean;
  js: boolean;
  tfjs: boolean;
  /** A Chromium to time the page in; true or undefined: the first of CHROMIUM_PATHS; false: skip. */
  browser?: boolean | string;
  /** The Python for NumPy and PyTorch; true or undefined: DEFAULT_PYTHONS in order; false: skip. */
  python?: boolean | string;
  rssProbe?: boolean;
  /** Also time the relaxed-SIMD build (false: --no-relaxed). */
  relaxed: boolean;
  /** Time the shapes grid instead (true: every cell; a string: those cells, comma-separated). */
  shapes?: boolean | string;
  /** Also time the CNN in wasmfit and PyTorch (false: --no-cnn). */
  cnn: boolean;
}

export async function benchCommand(options: BenchOptions): Promise<void> {
  const maxThreads = options.threads ?? defaultThreads();
  const data = { dataDir: options.dataDir, verify: options.verify };
  if (options.rssProbe) return rssProbe(data, maxThreads, options.epochs);
  if (typeof options.browser === 'string' && !existsSync(options.browser)) throw new WasmfitError(`--browser ${options.browser}: no such file`, EXIT_USAGE, 'pass the path of a Chromium executable, or --no-browser');
  const chromium = options.browser === false ? false : typeof options.browser === 'string' ? options.browser : findChromium();
  if (options.browser === true && !chromium) throw new WasmfitError(`--browser: no Chromium found at ${CHROMIUM_PATHS.join(', ')}`, EXIT_USAGE, 'pass --browser PATH, or --no-browser');
  const pythons = options.python === false ? [] : typeof options.python === 'string' ? [options.python] : DEFAULT_PYTHONS;
  if (options.shapes !== undefined && options.shapes !== false) {
    if (typeof options.browser === 'string' || options.browser === true) throw new WasmfitError('--shapes times the CLI only; --browser does not apply', EXIT_USAGE, 'drop --browser, or run the bench without --shapes');
    let cells;
    try {
      cells = selectShapes(typeof options.shapes === 'string' ? options.shapes : undefined);
    } catch (e) {
      throw new WasmfitError((e as Error).message, EXIT_USAGE, 'name cells from that list, comma-separated, or pass --shapes alone for all of them');
    }
    const out = resolve(options.out);
    makeDirectory(out, 'output directory');
    console.log(await runShapesBench({ ...data, cells, maxThreads, out, pythons, log: (line) => process.stderr.write(`bench: ${line}\n`) }));
    return;
  }
  // Made before the long measurements, so that an --out that cannot be written fails at once.
  const out = resolve(options.out);
  makeDirectory(out, 'output directory');
  const md = await runBench({ ...data, maxThreads, epochs: options.epochs, out, js: options.js, tfjs: options.tfjs, pythons, chromium, relaxed: options.relaxed, cnn: options.cnn,
    log: (line) => process.stderr.write(`bench: ${line}\n`) });
  console.log(md);
}
