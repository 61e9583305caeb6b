#!/usr/bin/env node
// `npm run build:web`: bundles the page (src/browser/page/) with esbuild into dist/web/ (main.js, worker.js,
// index.html, style.css, wasmfit.wasm), with configs/*.yaml baked in, and puts wasmfit.wasm beside the
// compiled browser entry (dist/src/browser/) where its new URL('./wasmfit.wasm', import.meta.url) looks.

import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PACKAGE_ROOT } from './data-files.js';

export const WEB_DIR = join(PACKAGE_ROOT, 'dist', 'web');
const PAGE_SRC = join(PACKAGE_ROOT, 'src', 'browser', 'page');
const WASM = join(PACKAGE_ROOT, 'build', 'wasmfit.wasm');

/** Browsers the page is built for: current Chromium and Firefox (module workers, DecompressionStream). */
const TARGETS = ['chrome110', 'firefox115', 'safari16.4'];

export async function buildWeb(): Promise<void> {
  const configDir = join(PACKAGE_ROOT, 'configs');
  const configs = Object.fromEntries(readdirSync(configDir).filter((f) => f.endsWith('.yaml')).sort()
    .map((f) => [basename(f, '.yaml'), readFileSync(join(configDir, f), 'utf8')]));
  mkdirSync(WEB_DIR, { recursive: true });
  await build({
    entryPoints: { main: join(PAGE_SRC, 'main.ts'), worker: join(PAGE_SRC, 'worker.ts') },
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
  copyFileSync(WASM, join(WEB_DIR, 'wasmfit.wasm'));
  mkdirSync(join(PACKAGE_ROOT, 'dist', 'src', 'browser'), { recursive: true });
  copyFileSync(WASM, join(PACKAGE_ROOT, 'dist', 'src', 'browser', 'wasmfit.wasm'));
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  await buildWeb();
}
