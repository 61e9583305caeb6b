#!/usr/bin/env node
// `npm run build:web`: bundles the page (src/browser/page/) with esbuild into dist/web/ (main.js, worker.js,
// kernel-worker.js, index.html, style.css, the .wasm files, the Try it model), with configs/*.yaml baked in, and puts the .wasm
// files beside the compiled browser entry (dist/src/browser/), where its new URL('./...', import.meta.url) looks.
// There the kernel worker replaces tsc's output with one self-contained file: a bundler that leaves the
// worker's URL alone (esbuild) then needs only that file copied, not the modules it imports.

import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PACKAGE_ROOT } from './data-files.js';

export const WEB_DIR = join(PACKAGE_ROOT, 'dist', 'web');
const PAGE_SRC = join(PACKAGE_ROOT, 'src', 'browser', 'page');
// The plain and relaxed-SIMD builds, each single-threaded and over shared memory.
const WASM_FILES = ['wasmfit.wasm', 'wasmfit.shared.wasm', 'wasmfit.relaxed.wasm', 'wasmfit.shared.relaxed.wasm']
  .map((file) => join(PACKAGE_ROOT, 'build', file));

export const SHIPPED_MODEL = join(PACKAGE_ROOT, 'data', 'models', 'try_it.safetensors');

/** Browsers the page is built for: current Chromium and Firefox (module workers, DecompressionStream). */
const TARGETS = ['chrome110', 'firefox115', 'safari16.4'];

export async function buildWeb(): Promise<void> {
  const configDir = join(PACKAGE_ROOT, 'configs');
  const configs = Object.fromEntries(readdirSync(configDir).filter((f) => f.endsWith('.yaml')).sort()
    .map((f) => [basename(f, '.yaml'), readFileSync(join(configDir, f), 'utf8')]));
  mkdirSync(WEB_DIR, { recursive: true });
  await build({
    entryPoints: { main: join(PAGE_SRC, 'main.ts'), worker: join(PAGE_SRC, 'worker.ts'), 'kernel-worker': join(PACKAGE_ROOT, 'src', 'browser', 'kernel-worker.ts') },
    outdir: WEB_DIR,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGETS,
    sourcemap: true,
    define: { __WASMFIT_CONFIGS__: JSON.stringify(configs) },
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(PAGE_SRC, file), join(WEB_DIR, file));
  // The Try it panel's model, so it classifies before any training (configs/try_it.yaml says how it was made).
  mkdirSync(join(WEB_DIR, 'models'), { recursive: true });
  copyFileSync(SHIPPED_MODEL, join(WEB_DIR, 'models', basename(SHIPPED_MODEL)));
  // Beside the page's bundles and beside the compiled browser entry, where new URL('./...', import.meta.url) looks.
  const entryDir = join(PACKAGE_ROOT, 'dist', 'src', 'browser');
  mkdirSync(entryDir, { recursive: true });
  await build({
    entryPoints: [join(PACKAGE_ROOT, 'src', 'browser', 'kernel-worker.ts')],
    outfile: join(entryDir, 'kernel-worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGETS,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const wasm of WASM_FILES) {
    if (!existsSync(wasm)) continue; // only wasmfit.wasm is needed: without the others the page runs one plain thread
    copyFileSync(wasm, join(WEB_DIR, basename(wasm)));
    copyFileSync(wasm, join(entryDir, basename(wasm)));
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  await buildWeb();
}
