// The same config and seed give the same model file byte for byte from `wasmfit train` and from the page in
// Chromium (plain SIMD), whatever the thread count on either side.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { launchBrowser, openPage, type Browser } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-page-cli-'));
let browser: Browser, server: WebServer;

before(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startWebServer()]);
});
after(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

/** A safetensors file's JSON header: the tensors' places and the metadata, which a mismatch shows first. */
const header = (file: Buffer) => file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString('utf8');

test('config_8 with seed 7 for 2 epochs: the CLI on one thread and the page on two write the same model.safetensors', async () => {
  const out = join(tmp, 'cli');
  const r = runCli(['train', '--config', 'configs/config_8.yaml', '--epochs', '2', '--seed', '7', '--threads', '1', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const cli = readFileSync(join(out, 'model.safetensors'));

  const { page, problems } = await openPage(browser, server.url);
  await page.getByRole('button', { name: "Use the server's data" }).click();
  await page.waitForFunction(() => document.querySelector('#data-status')?.textContent?.startsWith('Data ready'), null, { timeout: 60_000 });
  assert.match(await page.textContent('#mode') ?? '', /^Back end: WebAssembly SIMD on [2-9]\d* threads/);
  await page.selectOption('#config-select', 'config_8');
  await page.fill('#override-epochs', '2');
  await page.fill('#override-seed', '7');
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => (document.querySelector('#result')?.textContent ?? '') !== '' || document.querySelector('#run-status.error'), null, { timeout: 180_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download model' }).click()]);
  const fromPage = readFileSync(await download.path());
  assert.equal(header(fromPage), header(cli));
  assert.ok(fromPage.equals(cli), 'the page\'s model file differs from the CLI\'s past the header');
  assert.deepEqual(problems, []);
  await page.close();
});
