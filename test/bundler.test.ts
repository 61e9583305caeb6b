// The README's example app, bundled with esbuild the way a developer would (import 'wasmfit' resolved through
// package.json exports with the browser condition), then run in Chromium: it must pick the browser entry
// (no node: imports, no top-level await in it), find wasmfit.wasm beside the bundle, and train.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { launchBrowser, openPage, type Browser } from './helpers/browser.js';
import { ROOT } from './helpers/cli.js';

const app = mkdtempSync(join(tmpdir(), 'wasmfit-app-'));
let browser: Browser, server: WebServer;

before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

/** The README's ```js block that starts with "// app.js". */
function readmeApp(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```js\n(\/\/ app\.js[\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README.md has no ```js block starting with // app.js');
  return block[1];
}

test('the README app bundles with esbuild against the browser entry and trains in Chromium', async () => {
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'wasmfit'), 'dir');
  writeFileSync(join(app, 'app.js'), readmeApp());
  const out = join(app, 'public');
  const result = await build({
    entryPoints: [join(app, 'app.js')], bundle: true, format: 'esm', platform: 'browser', outdir: out,
    metafile: true, logLevel: 'silent', absWorkingDir: app,
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((i) => i.endsWith('dist/src/browser/index.js')), `the browser entry was not used: ${inputs.join(', ')}`);
  assert.ok(!inputs.some((i) => i.includes('src/node/')), 'a Node adapter was bundled');
  const bundle = readFileSync(join(out, 'app.js'), 'utf8');
  assert.doesNotMatch(bundle, /from ['"]node:|require\(['"]node:/);
  assert.match(bundle, /new URL\(["']\.\/wasmfit\.wasm["'], import\.meta\.url\)/);

  // As the README says: the .wasm, resolved through the package's exports, goes next to the bundle.
  copyFileSync(createRequire(join(app, 'app.js')).resolve('wasmfit/wasmfit.wasm'), join(out, 'wasmfit.wasm'));
  writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="app.js"></script><body>training…</body>\n');
  server = await startWebServer({ root: out, isolation: false });
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForFunction(() => /test accuracy/.test(document.body.textContent ?? ''), null, { timeout: 120_000 });
  const text = await page.textContent('body') ?? '';
  assert.match(text, /^single-threaded WebAssembly SIMD: the page is not cross-origin isolated .*; test accuracy (\d+\.\d\d)%$/);
  assert.ok(Number(/(\d+\.\d\d)%$/.exec(text)![1]) > 70, text); // one epoch: about 77%
  assert.deepEqual(problems, []);
});
