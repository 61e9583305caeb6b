// wasmfit/infer as a web developer ships it: bundled and minified by esbuild through the package's exports (the
// browser condition), it holds neither js-yaml nor the trainer and stays under INFER_BUNDLE_BOUND gzipped; run in
// Chromium, a model loaded by URL gives the probabilities Node gives for the same images, bit for bit, from grey
// levels and from a Float32Array the page normalised by hand. In Node the same specifier resolves to the Node entry.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { init, parseConfig } from '../src/node/index.js';
import { launchBrowser, openPage, type Browser } from './helpers/browser.js';
import { ROOT } from './helpers/cli.js';
import { syntheticData } from './helpers/synthetic.js';

/**
 * Gzipped bytes of the minified bundle's JavaScript (the .wasm is fetched beside it): 14.6 KiB with the forward
 * passes of dense and layer-list networks, float input's checks, the model-file reader and the kernel manifest's
 * names and thread plans (its test cases stay out).
 */
const INFER_BUNDLE_BOUND = 15 * 1024;

const app = mkdtempSync(join(tmpdir(), 'wasmfit-infer-app-'));
const out = join(app, 'public');
const data = syntheticData(600, 300, 9);
let browser: Browser, server: WebServer;

before(async () => {
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'wasmfit'), 'dir');
  mkdirSync(out);
  const session = await (await init({ threads: false })).open(data);
  const config = parseConfig('layer_specs: [784, 24, 10]\nlearning_rate: 0.01\nbatch_size: 64\nepochs: 2\nactivation: ReLU\n', 'inline');
  const outcome = await session.train(config);
  writeFileSync(join(out, 'model.safetensors'), await session.modelFile(outcome.model, outcome.test, config));
  writeFileSync(join(out, 'pixels.bin'), data.test.images.pixels);
  browser = await launchBrowser();
});
after(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

const bundle = (minify: boolean) => build({
  stdin: { contents: APP, resolveDir: app, sourcefile: 'app.js' }, bundle: true, format: 'esm', platform: 'browser', minify,
  write: !minify, outfile: join(out, 'app.js'), metafile: true, logLevel: 'silent', absWorkingDir: app,
});

const APP = `import { loadModel } from 'wasmfit/infer';
const model = await loadModel('model.safetensors');
const pixels = new Uint8Array(await (await fetch('pixels.bin')).arrayBuffer());
// Normalised by hand as docs/model-file.md says: x = f32(f32(pixel - f32(mean)) * f32(1 / std)), per image.
const x = new Float32Array(pixels.length), f = Math.fround;
for (let at = 0; at < pixels.length; at += 784) {
  let sum = 0, sumSq = 0;
  for (let j = at; j < at + 784; j++) { sum += pixels[j]; sumSq += pixels[j] * pixels[j]; }
  const mean = sum / 784, std = Math.sqrt(Math.max(sumSq / 784 - mean * mean, 0)), m = f(mean), r = std > 1e-6 ? f(1 / std) : 0;
  for (let j = at; j < at + 784; j++) x[j] = f(f(pixels[j] - m) * r);
}
window.result = { probabilities: Array.from(model.predict(pixels)), normalised: Array.from(model.predict(x)), classes: model.classes, inputShape: model.inputShape };
`;

test('the inference entry bundles without js-yaml or the trainer, under its size bound', async () => {
  const result = await bundle(true);
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((i) => i.endsWith('dist/src/browser/infer.js')), `the browser inference entry was not used: ${inputs.join(', ')}`);
  const unwanted = inputs.filter((i) => /js-yaml|fast-png|src\/train\/|src\/config\/|src\/node\/|src\/report\/|threads/.test(i));
  assert.deepEqual(unwanted, [], 'the inference bundle pulls in the trainer, the config parser or a Node adapter');
  const gzipped = gzipSync(result.outputFiles![0].contents, { level: 9 }).length;
  assert.ok(gzipped < INFER_BUNDLE_BOUND, `${gzipped} bytes gzipped, the bound is ${INFER_BUNDLE_BOUND}`);
});

test('in Chromium, a model loaded by URL predicts what Node predicts, bit for bit', async () => {
  await bundle(false);
  copyFileSync(createRequire(join(app, 'app.js')).resolve('wasmfit/wasmfit.wasm'), join(out, 'wasmfit.wasm'));
  writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="app.js"></script>\n');
  server = await startWebServer({ root: out, isolation: false });
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForFunction(() => 'result' in window, null, { timeout: 60_000 });
  const inPage = await page.evaluate(() => (window as unknown as { result: { probabilities: number[]; normalised: number[]; classes: string[]; inputShape: number[] } }).result);
  const { loadModel } = await import('wasmfit/infer');
  const model = await loadModel(join(out, 'model.safetensors'));
  assert.deepEqual(inPage.classes, model.classes);
  assert.deepEqual(inPage.inputShape, [28, 28]);
  assert.deepEqual(inPage.probabilities, Array.from(model.predict(data.test.images.pixels)));
  assert.deepEqual(inPage.normalised, inPage.probabilities, 'a Float32Array normalised by hand gives the same bits');
  assert.deepEqual(problems, []);
});

test('in Node, wasmfit/infer resolves to the Node entry, which takes paths', async () => {
  assert.match(createRequire(import.meta.url).resolve('wasmfit/infer'), /dist\/src\/node\/infer\.js$/);
  const { loadModel } = await import('wasmfit/infer');
  assert.equal((await loadModel(join(out, 'model.safetensors'))).classes.length, 10);
});
