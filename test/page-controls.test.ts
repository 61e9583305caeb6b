// The page's controls as a keyboard and screen-reader user meets them, in Chromium: files and models given
// through buttons reached with Tab, focus kept on a live control, statuses in aria-live regions; controls that
// come back after training or a failed load; the query's thread count checked; a static host asked for
// nothing it lacks; a phone's width without sideways scrolling.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { dataFilePath } from '../src/node/data-files.js';
import { FILE_KEYS } from '../src/data/fashion-mnist.js';
import { launchBrowser, openPage, type Browser } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-page-controls-'));
let browser: Browser, server: WebServer, bare: WebServer;

before(async () => {
  [browser, server, bare] = await Promise.all([launchBrowser(), startWebServer(), startWebServer({ dataDir: null })]);
});
after(async () => {
  await Promise.all([browser?.close(), server?.close(), bare?.close()]);
});

const dataFiles = () => FILE_KEYS.map((k) => dataFilePath(server.data!.dir, k)!);
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

/** Presses Tab until the control with this id has the focus, as a keyboard user would; fails if it is never reached. */
async function tabTo(page: Page, id: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await focusedId(page) === id) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached #${id} (focus on #${await focusedId(page)})`);
}

/**
 * Playwright intercepts file choosers only once a listener exists, and turns that on asynchronously: a key
 * pressed in the same tick can open a real (headless, invisible) dialog instead. Listen from the start.
 */
async function interceptFileChoosers(page: Page): Promise<void> {
  page.on('filechooser', () => undefined);
  await page.evaluate(() => 0);
}

/** Presses key on the focused control and gives the file chooser it opens these files. */
async function chooseWithKey(page: Page, key: string, files: string[]): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press(key)]);
  await chooser.setFiles(files);
}

async function waitForText(page: Page, selector: string, pattern: RegExp, timeout = 120_000): Promise<string> {
  await page.waitForFunction(([s, p]) => new RegExp(p).test(document.querySelector(s)?.textContent ?? ''), [selector, pattern.source] as const, { timeout });
  return (await page.textContent(selector)) ?? '';
}

/** Which buttons of the data and training sections are enabled. */
async function enabled(page: Page): Promise<Record<string, boolean>> {
  return page.$$eval('#data-section button, #run-section button', (bs) => Object.fromEntries(bs.map((b) => [b.id, !(b as HTMLButtonElement).disabled])));
}

test('keyboard only: Tab to Choose files and give the data, train with Enter (focus on Stop, then back on Train), load a CLI model with Space; statuses are live regions', async () => {
  const out = join(tmp, 'cli-run');
  const r = runCli(['train', '--config', 'configs/config_4.yaml', '--epochs', '1', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);

  const { page, problems } = await openPage(browser, server.url);
  await interceptFileChoosers(page);
  for (const id of ['mode', 'data-status', 'config-status', 'run-status', 'result']) {
    assert.equal(await page.getAttribute(`#${id}`, 'aria-live'), 'polite', `#${id} is announced`);
  }
  await tabTo(page, 'choose-files');
  await chooseWithKey(page, 'Enter', dataFiles());
  assert.match(await waitForText(page, '#data-status', /^(Data ready|Error)/), /^Data ready: 48000 train/);

  await tabTo(page, 'override-epochs');
  await page.keyboard.type('1');
  await tabTo(page, 'train');
  await page.keyboard.press('Enter');
  assert.equal(await focusedId(page), 'stop', 'Train hands the focus to Stop');
  await waitForText(page, '#result', /./);
  assert.equal(await focusedId(page), 'train', 'a finished run hands the focus back to Train');
  assert.match(await page.textContent('#architecture') ?? '', /^Network of this run: 784-\d+(-\d+)*/);

  await tabTo(page, 'load-model-button');
  await chooseWithKey(page, ' ', [join(out, 'model.safetensors')]);
  assert.match(await waitForText(page, '#result', /^model\.safetensors:/), /^model\.safetensors: test accuracy \d+\.\d\d%/);
  assert.equal(await page.textContent('#architecture'), 'Network of model.safetensors: 784-10 (softmax regression); input 28x28 pixels; ' +
    '10 classes: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot');
  assert.deepEqual(problems, []);
  await page.close();
});

test('during training the data buttons are disabled and every control comes back after it; a truncated .gz is named as damaged and the data before stays in use', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await interceptFileChoosers(page);
  await page.getByRole('button', { name: "Use the server's data" }).click();
  await waitForText(page, '#data-status', /^Data ready/);
  await page.fill('#override-epochs', '2');
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => (document.querySelector('#progress') as HTMLProgressElement).value > 0);
  assert.deepEqual(await enabled(page), { 'choose-files': false, 'use-server-data': false, train: false, stop: true, download: false, 'load-model-button': false });
  await waitForText(page, '#result', /./);
  assert.deepEqual(await enabled(page), { 'choose-files': true, 'use-server-data': true, train: true, stop: false, download: true, 'load-model-button': true });

  // A truncated train-labels file among the real others.
  const labels = dataFiles().find((f) => basename(f).startsWith('train-labels'))!;
  const truncated = join(tmp, basename(labels));
  const bytes = readFileSync(labels);
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Choose files' }).click()]);
  await chooser.setFiles(dataFiles().map((f) => (f === labels ? truncated : f)));
  const status = await waitForText(page, '#data-status', /^Error/);
  assert.match(status, new RegExp(`^Error: ${basename(labels).replace(/\./g, '\\.')}: not a valid gzip file, truncated or damaged \\(.*\\) The data loaded before is still in use\\.$`));
  assert.doesNotMatch(status, /Failed to fetch/);
  assert.equal(await page.getAttribute('#data-status', 'aria-live'), 'assertive');
  assert.deepEqual(await enabled(page), { 'choose-files': true, 'use-server-data': true, train: true, stop: false, download: true, 'load-model-button': true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('?threads=abc is refused on screen with what is accepted, and nothing starts', async () => {
  const { page } = await openPage(browser, `${server.url}?threads=abc`);
  assert.equal(await waitForText(page, '#mode', /threads/, 30_000),
    '?threads=abc is not a thread count: give a whole number from 1 to 64, or leave it out for every core.');
  assert.equal(await page.getAttribute('#mode', 'aria-live'), 'assertive');
  const { page: two } = await openPage(browser, `${server.url}?threads=2`);
  assert.match(await waitForText(two, '#mode', /^Back end/, 30_000), /^Back end: (WebAssembly SIMD on 2 threads|single-threaded)/);
  await Promise.all([page.close(), two.close()]);
});

test('on a host without data the page asks for no data index and logs nothing; at 390x844 nothing scrolls sideways, the epoch table included', async () => {
  const { page, problems } = await openPage(browser, bare.url);
  await page.waitForFunction(() => document.querySelector('#mode')?.getAttribute('data-mode') !== '');
  const requests = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
  assert.ok(requests.includes('/worker.js'), requests.join(', '));
  assert.ok(!requests.some((p) => p.startsWith('/data/')), requests.join(', '));
  assert.equal(await page.isVisible('#use-server-data'), false);
  assert.deepEqual(problems, []);
  await page.close();

  const phone = await openPage(browser, server.url);
  await phone.page.setViewportSize({ width: 390, height: 844 });
  await phone.page.getByRole('button', { name: "Use the server's data" }).click();
  await waitForText(phone.page, '#data-status', /^Data ready/);
  await phone.page.fill('#override-epochs', '1');
  await phone.page.getByRole('button', { name: 'Train' }).click();
  await waitForText(phone.page, '#result', /./);
  assert.equal(await phone.page.$$eval('#epochs tbody tr', (rows) => rows.length), 1);
  const widths = await phone.page.evaluate(() => ({ page: document.documentElement.scrollWidth, table: document.querySelector('#epochs')!.getBoundingClientRect().width }));
  assert.ok(widths.page <= 390, `the page is ${widths.page} px wide`);
  assert.ok(widths.table <= 390 - 32, `the epoch table is ${widths.table} px wide`);
  assert.deepEqual(phone.problems, []);
  await phone.page.close();
});
