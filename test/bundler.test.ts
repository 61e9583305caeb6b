// The README's example app, bundled with esbuild the way a developer would (import 'wasmfit' resolved through
// package.json exports with the browser condition), then run in Chromium: it must pick the browser entry
// (no node: imports, no top-level await in it), find wasmfit.wasm beside the bundle, and train; built by
// docs/browser.md's exact commands, it trains on threads in a cross-origin isolated page; built by Vite
// (which emits the .wasm files and the kernel worker itself), too.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { launchBrowser, openPage, type Browser } from './helpers/browser.js';
import { ROOT } from './helpers/cli.js';

const app = mkdtempSync(join(tmpdir(), 'wasmfit-app-'));
let browser: Browser, server: WebServer | undefined;

before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

const PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="app.js"></script><body>training…</body>\n';

/** Serves dir, opens it in Chromium and returns what the app writes once trained. */
async function trainedText(dir: string, isolation: boolean): Promise<{ text: string; problems: string[] }> {
  await server?.close();
  server = await startWebServer({ root: dir, isolation });
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForFunction(() => /test accuracy/.test(document.body.textContent ?? ''), null, { timeout: 120_000 });
  const text = await page.textContent('body') ?? '';
  await page.close();
  return { text, problems };
}

/** The shell lines of docs/browser.md's Bundlers section, comments left out. */
function documentedSteps(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'browser.md'), 'utf8');
  const block = /## Bundlers[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/browser.md has no ```sh block under ## Bundlers');
  return block[1].split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/** Runs one documented line in the app's directory: npx esbuild with its arguments, or cp FILES... DIR. */
function runStep(dir: string, line: string): void {
  const [command, ...args] = line.split(/\s+/);
  if (command === 'npx' && args[0] === 'esbuild') {
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'esbuild'), args.slice(1), { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } else if (command === 'cp') {
    const target = join(dir, args.at(-1)!);
    for (const file of args.slice(0, -1)) copyFileSync(join(dir, file), join(target, file.split('/').at(-1)!));
  } else {
    assert.fail(`a step this test cannot run: ${line}`);
  }
}

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
  writeFileSync(join(out, 'index.html'), PAGE);
  const { text, problems } = await trainedText(out, false);
  assert.match(text, /^single-threaded WebAssembly SIMD: the page is not cross-origin isolated .*; test accuracy (\d+\.\d\d)%$/);
  assert.ok(Number(/(\d+\.\d\d)%$/.exec(text)![1]) > 70, text); // one epoch: about 77%
  assert.deepEqual(problems, []);
});

test("docs/browser.md's esbuild commands give a cross-origin isolated page kernel threads; without the thread files it runs one thread and says why", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmfit-app-threads-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'wasmfit'), 'dir');
  writeFileSync(join(dir, 'app.js'), readmeApp());
  const steps = documentedSteps();
  for (const line of steps) runStep(dir, line);
  writeFileSync(join(dir, 'public', 'index.html'), PAGE);
  assert.doesNotMatch(readFileSync(join(dir, 'public', 'kernel-worker.js'), 'utf8'), /^\s*import\b/m, 'kernel-worker.js imports nothing');
  const threaded = await trainedText(join(dir, 'public'), true);
  const threads = /^WebAssembly SIMD on (\d+) threads: cross-origin isolated, SharedArrayBuffer present; test accuracy \d+\.\d\d%$/.exec(threaded.text);
  assert.ok(threads && Number(threads[1]) >= 2, threaded.text);
  assert.deepEqual(threaded.problems, []);

  rmSync(join(dir, 'public', 'kernel-worker.js'));
  const single = await trainedText(join(dir, 'public'), true);
  assert.match(single.text, /^single-threaded WebAssembly SIMD: starting \d+ threads failed \(.+\); test accuracy \d+\.\d\d%$/);
});

test('the README app built by Vite trains on kernel threads in a cross-origin isolated page', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmfit-app-vite-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'wasmfit'), 'dir');
  writeFileSync(join(dir, 'app.js'), readmeApp());
  writeFileSync(join(dir, 'index.html'), PAGE);
  await viteBuild({ root: dir, configFile: false, logLevel: 'silent', build: { outDir: join(dir, 'dist'), target: 'es2022' } });
  const { text, problems } = await trainedText(join(dir, 'dist'), true);
  const threads = /^WebAssembly SIMD on (\d+) threads: cross-origin isolated, SharedArrayBuffer present; test accuracy \d+\.\d\d%$/.exec(text);
  assert.ok(threads && Number(threads[1]) >= 2, text);
  assert.deepEqual(problems, []);
});
