// The page in a real browser (Debian's Chromium via playwright-core), as a person uses it: served by the dev
// server, given the real data through "Use the server's data", trained on config_6, and checked on what is
// on screen: the back end and why, validation accuracy, the curves (read from their SVG, not pixels), the
// confusion matrix, the test-image grid, no console errors.
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

async function waitForResult(page: Page, timeout = 120_000): Promise<string> {
  await page.waitForFunction(() => (document.querySelector('#result')?.textContent ?? '') !== '' || document.querySelector('#run-status.error'), null, { timeout });
  assert.doesNotMatch(await page.textContent('#run-status') ?? '', /Error/);
  return (await page.textContent('#result')) ?? '';
}

/** The config's text with early stopping off, as a person would edit it in the page. */
async function earlyStopOff(page: Page): Promise<void> {
  const text = await page.inputValue('#config-text');
  assert.match(text, /^early_stop: true$/m);
  await page.fill('#config-text', text.replace(/^early_stop: true$/m, 'early_stop: false'));
}

/** Download model -> wasmfit evaluate: the CLI measures the test accuracy the page showed. */
async function assertEvaluatesInCli(page: Page, name: string, shown: string): Promise<void> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download model' }).click()]);
  assert.equal(download.suggestedFilename(), 'model.safetensors');
  const file = join(tmp, name);
  await download.saveAs(file);
  const ev = runCli(['evaluate', '--model', file, '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal(pct(JSON.parse(ev.stdout).test_accuracy), shown);
}

/** Once a run is over, nothing reads as still running: the bar at `bar` (1 ran to its end, 0 stopped), the last epoch's speed, no batch. */
async function assertProgressOver(page: Page, bar: number): Promise<void> {
  assert.equal(await page.$eval('#progress', (p) => (p as HTMLProgressElement).value), bar);
  assert.match(await page.textContent('#speed') ?? '', /^last epoch \d+\.\d\d s, \d+ images\/s$/);
}

/** The epoch table as a person reads it: one row of cells per epoch. */
async function epochRows(page: Page): Promise<string[][]> {
  return page.$$eval('#epochs tbody tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent ?? '')));
}

/** A chart as a person reads it, from the page's SVG: heading, axis labels and ticks, legend, each series' points. */
interface ChartOnScreen {
  title: string;
  xLabel: string;
  yLabel: string;
  xTicks: { label: string; x: number }[];
  /** y: the grid line the label names. */
  yTicks: { label: string; y: number }[];
  legend: string[];
  series: { name: string; color: string; points: [number, number][] }[];
  markers: { kind: string; x: number }[];
}

async function chartOnScreen(page: Page, id: string): Promise<ChartOnScreen> {
  return page.$eval(`#${id} > svg`, (svg) => {
    const num = (e: Element, name: string) => Number(e.getAttribute(name));
    const text = (e: Element | null) => e?.textContent?.trim() ?? '';
    const ticks = (axis: string) => Array.from(svg.querySelectorAll(`g.axis.${axis} > text:not(.label)`));
    return {
      title: text(svg.querySelector(':scope > text')),
      xLabel: text(svg.querySelector('g.axis.x > text.label')),
      yLabel: text(svg.querySelector('g.axis.y > text.label')),
      xTicks: ticks('x').map((t) => ({ label: text(t), x: num(t, 'x') })),
      yTicks: ticks('y').map((t) => ({ label: text(t), y: num(t.previousElementSibling!, 'y1') })),
      legend: Array.from(svg.querySelectorAll('g.legend > text'), text),
      series: Array.from(svg.querySelectorAll('g.series'), (g) => {
        const shapes = Array.from(g.querySelectorAll('polyline, circle'));
        return {
          name: g.getAttribute('data-name') ?? '',
          color: shapes[0]?.getAttribute('stroke') ?? shapes[0]?.getAttribute('fill') ?? '',
          points: shapes.flatMap((s) => s.tagName === 'circle' ? [[num(s, 'cx'), num(s, 'cy')] as [number, number]]
            : (s.getAttribute('points') ?? '').split(' ').map((xy) => xy.split(',').map(Number) as [number, number])),
        };
      }),
      markers: Array.from(svg.querySelectorAll('g.marker'), (g) => ({ kind: g.getAttribute('class')!.replace('marker ', ''), x: num(g.querySelector('line')!, 'x1') })),
    };
  });
}

/** The value a point's height stands for, read off the y axis as a person would: between the outermost labelled grid lines. */
function readY(chart: ChartOnScreen, y: number): number {
  const value = (label: string) => (label.endsWith('%') ? Number(label.slice(0, -1)) / 100 : Number(label));
  const [a, b] = [chart.yTicks[0], chart.yTicks[chart.yTicks.length - 1]];
  return value(a.label) + ((y - a.y) / (b.y - a.y)) * (value(b.label) - value(a.label));
}

/**
 * Both curves of a finished run: one point per row of the epoch table, at that epoch's tick, at the height of
 * the table's value; the axes labelled; the legend naming both series and the kept epoch, marked at its tick.
 */
function assertCurves(chart: ChartOnScreen, title: string, yLabel: string, values: { train: number[]; validation: number[] }, bestEpoch: number | undefined): void {
  const epochs = values.train.length;
  assert.equal(chart.title, title);
  assert.equal(chart.xLabel, 'epoch');
  assert.equal(chart.yLabel, yLabel);
  assert.deepEqual(chart.xTicks.map((t) => t.label), Array.from({ length: epochs }, (_, i) => String(i + 1)), `${title}: an x tick per epoch`);
  assert.deepEqual(chart.legend, ['train', 'validation', ...(bestEpoch ? [`best epoch ${bestEpoch}`] : [])]);
  assert.deepEqual(chart.series.map((s) => s.name), ['train', 'validation']);
  assert.notEqual(chart.series[0].color, chart.series[1].color, `${title}: the two series in different colours`);
  const span = readY(chart, chart.yTicks[chart.yTicks.length - 1].y) - readY(chart, chart.yTicks[0].y);
  for (const s of chart.series) {
    const expected = values[s.name as 'train' | 'validation'];
    assert.equal(s.points.length, epochs, `${title}, ${s.name}: one point per completed epoch`);
    s.points.forEach(([x, y], i) => {
      assert.equal(x, chart.xTicks[i].x, `${title}, ${s.name}: epoch ${i + 1} drawn at its tick`);
      assert.ok(Math.abs(readY(chart, y) - expected[i]) <= 0.01 * Math.abs(span), `${title}, ${s.name}, epoch ${i + 1}: drawn at ${readY(chart, y)}, the table says ${expected[i]}`);
    });
  }
  assert.deepEqual(chart.markers, bestEpoch ? [{ kind: 'best', x: chart.xTicks[bestEpoch - 1].x }] : [], `${title}: only restored weights' epoch marked, at its tick`);
}

test('with COOP/COEP the page is cross-origin isolated, trains config_6 (early stopping off) for 2 epochs to >= 80% validation accuracy, keeps the last epoch\'s weights, and its model evaluates in the CLI to the accuracy it shows', async () => {
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
  await earlyStopOff(page);
  await page.fill('#override-epochs', '2');
  await page.getByRole('button', { name: 'Train' }).click();
  const result = await waitForResult(page);

  const rows = await epochRows(page);
  assert.equal(rows.length, 2);
  const valAccuracy = Number(rows[1][4].replace('%', ''));
  assert.ok(valAccuracy >= 80, `validation accuracy shown: ${rows[1][4]}`);
  assert.match(rows[1][5], /^\d+\.\d\d s$/);
  assert.ok(Number(rows[1][6]) > 1000, `images/s shown: ${rows[1][6]}`);
  // Early stopping off and no Stop: as in the CLI, the model holds the last epoch's weights, not the best ones.
  assert.match(await page.textContent('#run-status') ?? '', /^Training finished after 2 epochs, in \d+\.\d s; kept the weights of the last epoch \(2\)\.$/);
  assert.match(result, /^Test accuracy \d+\.\d\d% \(loss \S+\) with the weights of the last epoch \(2\)$/);
  await assertProgressOver(page, 1);
  const column = (i: number) => rows.map((r) => Number(r[i].replace('%', '')) / (r[i].endsWith('%') ? 100 : 1));
  // No epoch marked: the kept weights are not chosen by validation loss.
  assertCurves(await chartOnScreen(page, 'loss-chart'), 'Cross-entropy loss', 'mean cross-entropy (nats)', { train: column(1), validation: column(3) }, undefined);
  assertCurves(await chartOnScreen(page, 'accuracy-chart'), 'Accuracy', 'accuracy', { train: column(2), validation: column(4) }, undefined);
  const samples = await page.$$eval('#samples .sample', (cells) => cells.map((c) => c.textContent ?? ''));
  assert.equal(samples.length, 24);
  assert.ok(samples.every((s) => /predicted: .+true: .+/.test(s)), samples[0]);
  const shown = /Test accuracy (\d+\.\d\d)%/.exec(result);
  assert.ok(shown, result);
  // The confusion matrix of the whole test set, agreeing with the accuracy shown.
  assert.equal(await page.textContent('#confusion svg > text'), `Confusion matrix of this run (test set): ${shown[1]}% of 10000 correct`);
  const cells = await page.$$eval('#confusion g.cell', (gs) => gs.map((g) => Number(g.textContent || 0)));
  assert.equal(cells.length, 100);
  assert.equal(cells.reduce((a, b) => a + b, 0), 10000);
  await page.screenshot({ path: artifactPath('browser-isolated.png'), fullPage: true });

  await assertEvaluatesInCli(page, 'from-page.safetensors', `${shown[1]}%`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page trains configs/best_cnn.yaml, a convolutional network, for one epoch and its model evaluates in the CLI to the accuracy it shows', async () => {
  const { page, problems } = await openPage(browser, isolated.url);
  await page.waitForFunction(() => document.querySelector('#mode')?.getAttribute('data-mode') !== '');
  await loadServerData(page);
  await page.selectOption('#config-select', 'best_cnn');
  await page.fill('#override-epochs', '1');
  await page.getByRole('button', { name: 'Train' }).click();
  // A CNN epoch is ~10x an MLP's: up to a minute on two quiet cores, several on a loaded machine.
  const result = await waitForResult(page, 480_000);
  const rows = await epochRows(page);
  assert.equal(rows.length, 1);
  assert.ok(Number(rows[0][4].replace('%', '')) >= 80, `validation accuracy shown: ${rows[0][4]}`);
  const shown = /Test accuracy (\d+\.\d\d)%/.exec(result);
  assert.ok(shown, result);
  await assertEvaluatesInCli(page, 'cnn-from-page.safetensors', `${shown[1]}%`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('?simd=relaxed trains on two threads with the relaxed-SIMD (FMA) kernels, which Chromium runs without a flag', async () => {
  const { page, problems } = await openPage(browser, `${isolated.url}?simd=relaxed`);
  await page.waitForFunction(() => document.querySelector('#mode')?.getAttribute('data-mode') !== '');
  await loadServerData(page);
  assert.equal(await page.getAttribute('#mode', 'data-mode'), 'wasm-threads');
  assert.match(await page.textContent('#mode') ?? '', /^Back end: WebAssembly SIMD on \d+ threads: .*; relaxed-SIMD \(FMA\) kernels\.$/);
  await page.selectOption('#config-select', 'config_6');
  await earlyStopOff(page);
  await page.fill('#override-epochs', '2');
  await page.getByRole('button', { name: 'Train' }).click();
  assert.match(await waitForResult(page), /^Test accuracy \d+\.\d\d% /);
  const rows = await epochRows(page);
  assert.equal(rows.length, 2);
  assert.ok(Number(rows[1][4].replace('%', '')) >= 80, `validation accuracy shown: ${rows[1][4]}`);
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
  assert.equal(await page.textContent('#confusion svg > text'), `Confusion matrix of model.safetensors (test set): ${pct(summary.test_accuracy)} of 10000 correct`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('without COOP/COEP the page falls back to single-threaded SIMD, still trains, and Stop restores the best weights even with early stopping off', async () => {
  const { page, problems } = await openPage(browser, plain.url);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  await page.waitForFunction(() => document.querySelector('#mode')?.getAttribute('data-mode') !== '');
  assert.equal(await page.getAttribute('#mode', 'data-mode'), 'wasm-simd');
  assert.match(await page.textContent('#mode') ?? '', /single-threaded WebAssembly SIMD: the page is not cross-origin isolated/);

  await loadServerData(page);
  await page.selectOption('#config-select', 'config_6'); // 100 epochs: only Stop ends it
  await earlyStopOff(page);
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#epochs tbody tr').length >= 2, null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  const result = await waitForResult(page);
  const rows = await epochRows(page);
  const valLosses = rows.map((r) => Number(r[3]));
  const best = valLosses.indexOf(Math.min(...valLosses)) + 1;
  // Where it stopped (a Stop lands mid-epoch, or rarely just between epochs), and the weights it restored.
  const batches = 48000 / 128;
  assert.match(await page.textContent('#run-status') ?? '', new RegExp(`^Training stopped after ${rows.length} epochs( and \\d+ of ${batches} batches of epoch ${rows.length + 1})?, ` +
    `in \\d+\\.\\d s; restored the weights of epoch ${best} \\(lowest validation loss\\)\\.$`));
  assert.match(result, new RegExp(`^Test accuracy \\d+\\.\\d\\d% \\(loss \\S+\\) with the weights of epoch ${best} \\(lowest validation loss\\)$`));
  await assertProgressOver(page, 0);
  const chart = await chartOnScreen(page, 'loss-chart');
  assert.deepEqual(chart.markers, [{ kind: 'best', x: chart.xTicks[best - 1].x }], 'the restored epoch marked');
  assert.ok(Number(rows[best - 1][4].replace('%', '')) >= 75);
  assert.equal(await page.isEnabled('#train'), true);
  await page.screenshot({ path: artifactPath('browser-not-isolated-stopped.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
