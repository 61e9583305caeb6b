// The page's Try it panel in Chromium: before any data or training it classifies with the model that ships
// with the page; a drawing by mouse or by touch shows three classes live; a test image picked with the arrow
// keys and a PNG chosen from the keyboard are classified as `wasmfit predict` classifies them; a loaded model
// takes over. The shipped model is what `wasmfit train --config configs/try_it.yaml` writes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { launchBrowser, openPage, type Browser } from './helpers/browser.js';
import { ROOT, runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-try-it-'));
const SHIPPED = join(ROOT, 'data', 'models', 'try_it.safetensors');
let browser: Browser, server: WebServer;

before(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startWebServer()]);
});
after(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

/** The three classes on screen: name and percentage, most probable first. */
async function topThree(page: Page): Promise<{ name: string; percent: number }[]> {
  return page.$$eval('#top3 li', (items) => items.map((li) => {
    const [, name, percent] = /^(.+) (\d+\.\d)% $/.exec(li.textContent ?? '') ?? [];
    return { name, percent: Number(percent) };
  }));
}

/** Waits until the three classes shown change from `before`, and returns them. */
async function nextTop(page: Page, before: string): Promise<{ name: string; percent: number }[]> {
  await page.waitForFunction((b) => document.querySelectorAll('#top3 li').length === 3 && document.querySelector('#top3')!.textContent !== b, before, { timeout: 30_000 });
  return topThree(page);
}

function assertRanked(top: { name: string; percent: number }[]): void {
  assert.equal(top.length, 3);
  assert.ok(top.every((t) => t.name && t.percent >= 0 && t.percent <= 100), JSON.stringify(top));
  assert.ok(top[0].percent >= top[1].percent && top[1].percent >= top[2].percent, JSON.stringify(top));
  assert.ok(top[0].percent + top[1].percent + top[2].percent <= 100.2, JSON.stringify(top));
}

/** `wasmfit predict --json` of a file: each image's probabilities by class name, as percentages to 0.1. */
function predicted(model: string, file: string, invert: boolean): { name: string; percent: number }[] {
  const r = runCli(['predict', '--model', model, '--json', ...(invert ? ['--invert'] : []), file]);
  assert.equal(r.status, 0, r.stderr);
  const { probabilities } = JSON.parse(r.stdout.trim().split('\n')[0]);
  const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  return (probabilities as number[]).map((p, c) => ({ name: names[c], percent: Number((100 * p).toFixed(1)) }))
    .sort((a, b) => b.percent - a.percent).slice(0, 3);
}

test('with no data and no training, a drawing by mouse and then by touch is classified live by the shipped model', async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.waitForFunction(() => /^Classifying/.test(document.querySelector('#try-model')!.textContent ?? ''), null, { timeout: 30_000 });
  assert.equal(await page.textContent('#try-model'), 'Classifying with the model shipped with the page (784-32-10).');
  const canvas = page.locator('#draw');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  // One stroke, slowly: the classes are redrawn while it goes on, not only at its end.
  await page.evaluate(() => {
    (window as unknown as { updates: number }).updates = 0;
    new MutationObserver(() => (window as unknown as { updates: number }).updates++).observe(document.querySelector('#top3')!, { childList: true });
  });
  await page.mouse.move(box.x + 0.3 * box.width, box.y + 0.1 * box.height);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    await page.mouse.move(box.x + 0.3 * box.width, box.y + (0.1 + 0.1 * i) * box.height);
    await page.waitForFunction((n) => (window as unknown as { updates: number }).updates >= n, i);
  }
  await page.mouse.up();
  assertRanked(await topThree(page));

  // Touch, as a phone sends it (trusted touch events, which the browser turns into pointer events).
  await page.getByRole('button', { name: 'Clear' }).click();
  assert.equal(await page.$$eval('#top3 li', (l) => l.length), 0);
  const cdp = await page.context().newCDPSession(page);
  const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', fx: number, fy: number) => cdp.send('Input.dispatchTouchEvent', {
    type, touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + fx * box.width, y: box.y + fy * box.height }],
  });
  await touch('touchStart', 0.2, 0.3);
  for (let i = 1; i <= 8; i++) await touch('touchMove', 0.2 + 0.075 * i, 0.3 + 0.05 * i);
  await touch('touchEnd', 0, 0);
  assertRanked(await nextTop(page, ''));
  assert.deepEqual(problems, []);
  await page.close();
});

test('keyboard only: the arrow keys pick test images and a PNG is chosen with Enter; both are classified as `wasmfit predict` classifies them, by the shipped model and by a loaded one', async () => {
  const { page, problems } = await openPage(browser, server.url);
  page.on('filechooser', () => undefined); // intercepted from the start (see page-controls.test.ts)
  await page.getByRole('button', { name: "Use the server's data" }).click();
  await page.waitForFunction(() => document.querySelector('#data-status')?.textContent?.startsWith('Data ready'), null, { timeout: 60_000 });
  await page.waitForFunction(() => /^Classifying/.test(document.querySelector('#try-model')!.textContent ?? ''));

  // The first test images as PNG files, dark on light as a drawing on paper: the panel inverts them, predict does with --invert.
  await page.focus('#try-model'); // a place above the strip; from here Tab only
  for (let i = 0; i < 40 && await page.evaluate(() => document.activeElement?.id) !== 'test-strip'; i++) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'test-strip');
  await page.keyboard.press('ArrowRight');
  const firstTest = await nextTop(page, '');
  assert.equal(await page.textContent('#try-note'), 'Test image 1 of 24; its true class: Ankle boot.');
  const pixels = await page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('#test-image-0')!;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0));
  });
  const png = join(tmp, 'ankle-boot-on-paper.png');
  writeFileSync(png, encode({ width: 28, height: 28, channels: 1, depth: 8, data: Uint8Array.from(pixels, (v) => 255 - v) }));
  assert.deepEqual(firstTest, predicted(SHIPPED, png, true));
  const first = await page.textContent('#top3') ?? '';
  await page.keyboard.press('End');
  await nextTop(page, first);
  assert.equal(await page.textContent('#try-note'), `Test image 24 of 24; its true class: ${await page.getAttribute('#test-image-23', 'aria-label').then((l) => l!.replace(/^test image 24, /, ''))}.`);

  // A model from the CLI, loaded with the keyboard, takes over the panel.
  const out = join(tmp, 'cli-run');
  const trained = runCli(['train', '--config', 'configs/config_4.yaml', '--epochs', '1', '--out', out, '--quiet']);
  assert.equal(trained.status, 0, trained.stderr);
  await page.focus('#load-model-button');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
  await chooser.setFiles(join(out, 'model.safetensors'));
  await page.waitForFunction(() => /^Classifying with model\.safetensors \(784-10, \d+\.\d\d% test accuracy\)\.$/.test(document.querySelector('#try-model')!.textContent ?? ''), null, { timeout: 60_000 });

  await page.focus('#clear-drawing');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'choose-image');
  const shown = await page.textContent('#top3') ?? '';
  const [pngChooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
  await pngChooser.setFiles(png);
  const fromPng = await nextTop(page, shown);
  assert.equal(await page.textContent('#try-note'), 'ankle-boot-on-paper.png, shrunk to 28x28, inverted (a light background).');
  assert.deepEqual(fromPng, predicted(join(out, 'model.safetensors'), png, true));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the shipped model is what `wasmfit train --config configs/try_it.yaml` writes, byte for byte', () => {
  const out = join(tmp, 'try-it-run');
  const r = runCli(['train', '--config', 'configs/try_it.yaml', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(SHIPPED)),
    'data/models/try_it.safetensors differs from a fresh training: retrain it as configs/try_it.yaml says');
});
