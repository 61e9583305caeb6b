// The page in a real browser (Debian's Chromium via playwright-core), as a person uses it: served by the dev
// server, given the real data through "Use the server's data", trained on config_6, and checked on what is
// on screen: the back end and why, validation accuracy, drawn curves, the test-image grid, no console errors.
// Also the model round trips with the CLI in both directions, and the fallback without COOP/COEP.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { artifactPath, launchBrowser, openPage, type Browser } from './helpers/browser.js';
import { ROOT, runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-browser-'));
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
let browser: Browser;
let isolated: WebServer, plain: WebServer;

before(async () => {
  [browser, isolated, plain] = await Promise.all([launchBrowser(), startWebServer(), startWebServer({ isolation: false })]);
});
after(async () => {
  await Promise.all([browser?.close(), isolated?.close(), plain?.close()]);
});

async function loadServerData(page: Page): Promise<void> {
  await page.getByRole('button', { name: "Use the server's data" }).click();
  await page.waitForFunction(() => document.querySelector('#data-status')?.textContent?.startsWith('Data ready'), null, { timeout: 60_000 });
  assert.match(await page.textContent('#data-status') ?? '', /48000 train \/ 12000 validation \/ 10000 test images \(checksums verified\)/);
}

async function waitForResult(page: Page): Promise<string> {
  await page.waitForFunction(() => (document.querySelector('#result')?.textContent ?? '') !== '' || document.querySelector('#run-status.error'), null, { timeout: 120_000 });
  assert.doesNotMatch(await page.textContent('#run-status') ?? '', /Error/);
  return (await page.textContent('#result')) ?? '';
}

/** The epoch table as a person reads it: one row of cells per epoch. */
async function epochRows(page: Page): Promise<string[][]> {
  return page.$$eval('#epochs tbody tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent ?? '')));
}

/** Pixels of a chart in each series' colour: a drawn curve has many. */
async function curvePixels(page: Page, id: string): Promise<{ blue: number; orange: number }> {
  return page.$eval(`#${id}`, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let blue = 0, orange = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.abs(r - 0x1f) < 30 && Math.abs(g - 0x77) < 30 && Math.abs(b - 0xb4) < 30) blue++;
      if (Math.abs(r - 0xff) < 30 && Math.abs(g - 0x7f) < 30 && Math.abs(b - 0x0e) < 30) orange++;
    }
    return { blue, orange };
  });
}

test('with COOP/COEP the page is cross-origin isolated, trains config_6 for 2 epochs to >= 80% validation accuracy, and its model evaluates in the CLI to the accuracy it shows', async () => {
  const { page, problems } = await openPage(browser, isolated.url);
  assert.equal(await page.evaluate(() => crossOriginIsolated && typeof SharedArrayBuffer === 'function'), true);
  await page.waitForFunction(() => document.querySelector('#mode')?.getAttribute('data-mode') !== '');
  await loadServerData(page);
  // Threads start with the data (the pool lives beside the arena); they need the shared-memory build.
  const mode = await page.textContent('#mode') ?? '';
  if (existsSync(join(ROOT, 'dist', 'web', 'wasmfit.shared.wasm'))) {
    assert.equal(await page.getAttribute('#mode', 'data-mode'), 'wasm-threads', mode);
    assert.match(mode, /^Back end: WebAssembly SIMD on \d+ threads: cross-origin isolated, SharedArrayBuffer present\.$/);
  } else {
    assert.match(mode, /single-threaded WebAssembly SIMD: threads are available \(cross-origin isolated, SharedArrayBuffer present/);
  }

  await page.selectOption('#config-select', 'config_6');
  await page.fill('#override-epochs', '2');
  await page.getByRole('button', { name: 'Train' }).click();
  const result = await waitForResult(page);

  const rows = await epochRows(page);
  assert.equal(rows.length, 2);
  const valAccuracy = Number(rows[1][4].replace('%', ''));
  assert.ok(valAccuracy >= 80, `validation accuracy shown: ${rows[1][4]}`);
  assert.match(rows[1][5], /^\d+\.\d\d s$/);
  assert.ok(Number(rows[1][6]) > 1000, `images/s shown: ${rows[1][6]}`);
  assert.match(await page.textContent('#run-status') ?? '', /Training finished after 2 epochs/);
  assert.match(await page.textContent('#speed') ?? '', /last epoch \d+\.\d\d s, \d+ images\/s/);
  for (const chart of ['loss-chart', 'accuracy-chart']) {
    const px = await curvePixels(page, chart);
    assert.ok(px.blue > 100 && px.orange > 100, `${chart}: ${JSON.stringify(px)} pixels of the two curves`);
  }
  const samples = await page.$$eval('#samples .sample', (cells) => cells.map((c) => c.textContent ?? ''));
  assert.equal(samples.length, 24);
  assert.ok(samples.every((s) => /predicted: .+true: .+/.test(s)), samples[0]);
  const shown = /Test accuracy (\d+\.\d\d)%/.exec(result);
  assert.ok(shown, result);
  await page.screenshot({ path: artifactPath('browser-isolated.png'), fullPage: true });

  // Download model -> wasmfit evaluate: the same accuracy as the page showed.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download model' }).click()]);
  assert.equal(download.suggestedFilename(), 'model.safetensors');
  const file = join(tmp, 'from-page.safetensors');
  await download.saveAs(file);
  const ev = runCli(['evaluate', '--model', file, '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal(pct(JSON.parse(ev.stdout).test_accuracy), `${shown[1]}%`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a model trained by the CLI loads into the page and shows the CLI\'s test accuracy', async () => {
  const out = join(tmp, 'cli-run');
  const r = runCli(['train', '--config', 'configs/config_4.yaml', '--epochs', '1', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));

  const { page, problems } = await openPage(browser, isolated.url);
  await loadServerData(page);
  await page.setInputFiles('#load-model', join(out, 'model.safetensors'));
  const result = await waitForResult(page);
  assert.match(result, new RegExp(`model\\.safetensors: test accuracy ${pct(summary.test_accuracy).replace('.', '\\.')}`));
  assert.equal(await page.isEnabled('#download'), true);
  assert.equal((await page.$$('#samples .sample')).length, 24);
  assert.deepEqual(problems, []);
  await page.close();
});

test('without COOP/COEP the page falls back to single-threaded SIMD, still trains, and Stop restores the best weights', async () => {
  const { page, problems } = await openPage(browser, plain.url);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  await page.waitForFunction(() => document.querySelector('#mode')?.getAttribute('data-mode') !== '');
  assert.equal(await page.getAttribute('#mode', 'data-mode'), 'wasm-simd');
  assert.match(await page.textContent('#mode') ?? '', /single-threaded WebAssembly SIMD: the page is not cross-origin isolated/);

  await loadServerData(page);
  await page.selectOption('#config-select', 'config_6'); // 100 epochs: only Stop ends it
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#epochs tbody tr').length >= 2, null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  const result = await waitForResult(page);
  const rows = await epochRows(page);
  const valLosses = rows.map((r) => Number(r[3]));
  const best = valLosses.indexOf(Math.min(...valLosses)) + 1;
  assert.match(await page.textContent('#run-status') ?? '', new RegExp(`Training stopped after ${rows.length} epochs .* restored the weights of epoch ${best}\\.`));
  assert.match(result, new RegExp(`weights of epoch ${best} \\(lowest validation loss\\)`));
  assert.ok(Number(rows[best - 1][4].replace('%', '')) >= 75);
  assert.equal(await page.isEnabled('#train'), true);
  await page.screenshot({ path: artifactPath('browser-not-isolated-stopped.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
