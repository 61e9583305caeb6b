// A set of one's own in the page, in Chromium, by keyboard only: generated 32x32 images in 26 classes given with
// their dataset.yaml through the Choose files button, a short run, the network's input shape and the set's class
// names on screen, the model downloaded byte for byte as `wasmfit train` writes it, and a test image picked in
// the Try it panel classified as loadModel and `wasmfit predict` classify it. On 48x64 images the panel takes the
// model's shape (not a square), and says why the shipped 28x28 model cannot classify the set's test images.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { FILES, FILE_KEYS } from '../src/data/fashion-mnist.js';
import { loadModel } from '../src/node/infer.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { launchBrowser, openPage, type Browser } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-page-own-'));
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const letters = writeSyntheticDataDir(join(tmp, 'letters'), 520, 130, 7, { shape: [32, 32], classes: 26, names: LETTERS });
writeFileSync(join(letters, 'dataset.yaml'), `name: letters\nclasses: ${JSON.stringify(LETTERS)}\n`);
const CONFIG = 'layer_specs: [1024, 64, 26]\nlearning_rate: 0.01\nbatch_size: 32\nepochs: 3\nmomentum: true\nseed: 3\n';
let browser: Browser, server: WebServer;

before(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startWebServer({ dataDir: null })]);
});
after(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

async function tabTo(page: Page, id: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if (await focusedId(page) === id) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached #${id} (focus on #${await focusedId(page)})`);
}

async function waitForText(page: Page, selector: string, pattern: RegExp, timeout = 180_000): Promise<string> {
  await page.waitForFunction(([s, p]) => new RegExp(p).test(document.querySelector(s)?.textContent ?? ''), [selector, pattern.source] as const, { timeout });
  return (await page.textContent(selector)) ?? '';
}

test('keyboard only: a 32x32 set of 26 lettered classes trains in the page as in the CLI, and Try it classifies as loadModel does', async () => {
  const cliRun = join(tmp, 'cli'), configFile = join(tmp, 'letters.yaml');
  writeFileSync(configFile, CONFIG);
  const r = runCli(['train', '--config', configFile, '--data-dir', letters, '--threads', '1', '--out', cliRun, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const cliModel = join(cliRun, 'model.safetensors');

  const { page, problems } = await openPage(browser, server.url);
  // Playwright intercepts file choosers once a listener exists (see page-controls.test.ts).
  page.on('filechooser', () => undefined);
  await page.evaluate(() => 0);
  await tabTo(page, 'choose-files');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
  await chooser.setFiles([...FILE_KEYS.map((k) => join(letters, `${FILES[k].name}.gz`)), join(letters, 'dataset.yaml')]);
  assert.match(await waitForText(page, '#data-status', /^(Data ready|Error)/),
    /^Data ready: 416 train \/ 104 validation \/ 130 test images \(checksums not checked: a set of your own, described by dataset\.yaml\), read in \d+\.\d s; letters: 32x32 pixels, 26 classes\.$/);

  await tabTo(page, 'config-text');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(CONFIG);
  await tabTo(page, 'train');
  await page.keyboard.press('Enter');
  assert.match(await waitForText(page, '#result', /./), /^Test accuracy \d+\.\d\d%/);
  assert.equal(await page.textContent('#architecture'),
    `Network of this run: 1024-64-26, tanh between layers; input 32x32 pixels; 26 classes: ${LETTERS.join(', ')}`);
  assert.equal(await page.locator('#confusion .cell').count(), 26 * 26);
  assert.deepEqual(await page.$eval('#samples canvas', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]), [32, 32]);
  assert.match(await page.textContent('#samples .true') ?? '', /^true: [A-Z]$/);

  await tabTo(page, 'download');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  const fromPage = readFileSync((await download.path())!);
  assert.ok(fromPage.equals(readFileSync(cliModel)), 'the page\'s model file is the CLI\'s, byte for byte');

  // Try it: the run's model takes over, and the first test image, picked with the arrow keys, is classified.
  await waitForText(page, '#try-model', /^Classifying with this run's model \(1024-64-26, /);
  assert.deepEqual(await page.$eval('#draw', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]), [320, 320]);
  await tabTo(page, 'test-strip');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelectorAll('#top3 li').length === 3, null, { timeout: 30_000 });
  const shown = await page.$$eval('#top3 li', (items) => items.map((li) => li.textContent!.trim()));

  const pixels = gunzipSync(readFileSync(join(letters, 't10k-images-idx3-ubyte.gz'))).subarray(16, 16 + 1024);
  const expected = (await loadModel(cliModel)).classify(pixels, { top: 3 })[0].map((t) => `${t.name} ${(100 * t.probability).toFixed(1)}%`);
  assert.deepEqual(shown, expected);
  const predicted = runCli(['predict', '--model', cliModel, '--json', join(letters, 't10k-images-idx3-ubyte.gz')]);
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.equal(JSON.parse(predicted.stdout.split('\n')[0]).name, shown[0].replace(/ \d+\.\d%$/, ''));
  assert.deepEqual(problems, []);
  await page.close();
});

test('48x64 images (height x width): the Try it panel takes the model\'s shape, not a square, and classifies as loadModel does', async () => {
  const dir = writeSyntheticDataDir(join(tmp, 'wide'), 260, 40, 5, { shape: [48, 64], classes: 4, names: ['N', 'E', 'S', 'W'] });
  const config = 'layer_specs: [3072, 16, 4]\nlearning_rate: 0.01\nbatch_size: 32\nepochs: 1\n';
  const { page, problems } = await openPage(browser, server.url);
  page.on('filechooser', () => undefined);
  await page.evaluate(() => 0);
  await tabTo(page, 'choose-files');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
  await chooser.setFiles([...FILE_KEYS.map((k) => join(dir, `${FILES[k].name}.gz`)), join(dir, 'dataset.yaml')]);
  assert.match(await waitForText(page, '#data-status', /^(Data ready|Error)/), /synthetic: 48x64 pixels, 4 classes\.$/);
  // Before a run the shipped 28x28 model cannot take these images, and the panel says so.
  await tabTo(page, 'test-strip');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.textContent('#try-note'), 'Test image 1 is 48x64, but the model in use takes 28x28: train or load a model for this data.');

  await tabTo(page, 'config-text');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(config);
  await tabTo(page, 'train');
  await page.keyboard.press('Enter');
  await waitForText(page, '#result', /./);
  await waitForText(page, '#try-model', /^Classifying with this run's model \(3072-16-4, /);
  assert.deepEqual(await page.$eval('#draw', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]), [640, 480]);
  assert.deepEqual(await page.$eval('#test-image-0', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]), [64, 48]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download model' }).click()]);
  const model = await loadModel(new Uint8Array(readFileSync((await download.path())!)));
  await tabTo(page, 'test-strip');
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelectorAll('#top3 li').length === 3, null, { timeout: 30_000 });
  const shown = await page.$$eval('#top3 li', (items) => items.map((li) => li.textContent!.trim()));
  const pixels = gunzipSync(readFileSync(join(dir, 't10k-images-idx3-ubyte.gz'))).subarray(16, 16 + 3072);
  assert.deepEqual(shown, model.classify(pixels, { top: 3 })[0].map((t) => `${t.name} ${(100 * t.probability).toFixed(1)}%`));
  assert.deepEqual(problems, []);
  await page.close();
});
