// The bench's browser epochs: serves the built page (dist/web/) cross-origin isolated on 127.0.0.1, opens it in
// headless Chromium with ?threads=N, loads the server's data, warms up, trains a config for the timed epochs as
// a person would (config list, epochs field, Train and Stop buttons), and reads the epoch time off the page's
// own table. The MLP (config_6) and the CNN section (best_cnn) share it. Failures become notes in the rows.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../node/data-files.js';
import { launchChromium } from '../node/chromium.js';
import { startWebServer } from '../node/web-server.js';
import { median } from '../report/statistics.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import type { EpochRow } from './report.js';

export const PAGE_LABEL = 'wasmfit in Chromium (WASM SIMD)';
const PAGE_RELAXED_LABEL = 'wasmfit in Chromium (WASM relaxed SIMD)';

/** What the page trains, for how many timed epochs, and how it warms up first. */
export interface PageWorkload {
  /** A config of the page's list (configs/<name>.yaml). */
  config: string;
  /** Timed epochs, after the warm-up. */
  epochs: number;
  /** 'epoch': one more epoch in the same run, left out of the timing; batches: a run of its own, stopped after that many. */
  warmup: 'epoch' | { batches: number };
}

export interface PageRowsOptions {
  /** The Chromium executable, or null when none was found (the rows then say so). */
  chromium: string | null;
  threadCounts: number[];
  workload: PageWorkload;
  sessions: number;
  /** Also time the page's relaxed-SIMD build. */
  relaxed: boolean;
  dataDir?: string;
  log(line: string): void;
}

/** The page's epoch rows for each thread count (and build), and the Chromium's version when one ran. */
export async function pageEpochRows(options: PageRowsOptions): Promise<{ rows: EpochRow[]; version: string | null }> {
  const { chromium, workload } = options;
  const row = (backend: string, r: BrowserEpoch, prefix = ''): EpochRow =>
    ({ backend, group: 'page', threads: r.threads, seconds: r.seconds, epochs: r.seconds === null ? 0 : workload.epochs, note: prefix + r.note });
  if (!chromium) return { rows: options.threadCounts.map((threads) => row(PAGE_LABEL, { threads, seconds: null, note: 'not run: no Chromium found' })), version: null };
  options.log(`timing the page's ${workload.config} in ${chromium}`);
  const common = { chromium, threadCounts: options.threadCounts, workload, sessions: options.sessions, dataDir: options.dataDir, log: options.log };
  const plain = await browserEpochs(common);
  const rows = plain.rows.map((r) => row(PAGE_LABEL, r));
  if (options.relaxed) {
    const relaxed = await browserEpochs({ ...common, simd: 'relaxed' });
    rows.push(...relaxed.rows.map((r) => row(PAGE_RELAXED_LABEL, r, '?simd=relaxed; ')));
  }
  return { rows, version: plain.version };
}

export interface BrowserEpoch {
  threads: number;
  /** Training seconds per timed epoch (train batches only; the median of several), or null with the reason in note. */
  seconds: number | null;
  note: string;
}

export interface BrowserEpochsOptions {
  chromium: string;
  threadCounts: number[];
  workload: PageWorkload;
  /** Fresh pages per thread count; the row is the median of their medians (default 1). */
  sessions?: number;
  dataDir?: string;
  /** The page's kernel build (?simd=relaxed); default plain. */
  simd?: SimdBuild;
  log(line: string): void;
}

/** A page run's longest wait (a one-thread CNN epoch) takes about half a minute quiet; this is for a loaded machine. */
const RUN_TIMEOUT_MS = 10 * 60_000;

/** One row per thread count, in order, and the Chromium version (null when none ran). */
export async function browserEpochs(options: BrowserEpochsOptions): Promise<{ rows: BrowserEpoch[]; version: string | null }> {
  const notRun = (note: string) => ({ rows: options.threadCounts.map((threads) => ({ threads, seconds: null, note })), version: null });
  if (!existsSync(join(PACKAGE_ROOT, 'dist', 'web', 'index.html'))) return notRun('not run: the page is not built (npm run build)');
  let server, browser;
  try {
    server = await startWebServer({ ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
    if (!server.data) return notRun('not run: the server found no Fashion-MNIST files');
    browser = await launchChromium(options.chromium);
  } catch (e) {
    await server?.close();
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' ? ' (playwright-core is a dev dependency: npm install --no-save playwright-core)' : '';
    return notRun(`not run: ${firstLine(e)}${missing}`);
  }
  const rows: BrowserEpoch[] = [];
  let version: string | null = null;
  const relaxed = options.simd === 'relaxed', build = relaxed ? 'relaxed ' : '';
  try {
    for (const threads of options.threadCounts) {
      const runs: BrowserEpoch[] = [];
      for (let run = 0; run < (options.sessions ?? 1); run++) {
        const page = await browser.context.newPage();
        try {
          const problems: string[] = [];
          page.on('pageerror', (e) => problems.push(e.message));
          page.on('worker', (w) => w.on('console', (m) => void (m.type() === 'error' && problems.push(m.text()))));
          await page.goto(`${server.url}?threads=${threads}${relaxed ? '&simd=relaxed' : ''}`);
          version ??= await chromiumVersion(page);
          const row = await timePage(page, threads, options.workload, problems, relaxed, options.log);
          options.log(`chromium ${build}${options.workload.config} ${threads} thread(s): ${row.seconds === null ? row.note : `${row.seconds.toFixed(3)} s/epoch`}`);
          runs.push(row);
        } catch (e) {
          runs.push({ threads, seconds: null, note: `failed: ${firstLine(e)}` });
          options.log(`chromium ${build}${options.workload.config} ${threads} thread(s) failed: ${firstLine(e)}`);
        } finally {
          await page.close();
        }
      }
      rows.push(combine(threads, runs, options.workload));
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return { rows, version };
}

/** One row from a thread count's page runs: the median of those that timed, with their spread; else the first failure. */
function combine(threads: number, runs: BrowserEpoch[], workload: PageWorkload): BrowserEpoch {
  const timed = runs.filter((r) => r.seconds !== null).map((r) => r.seconds!);
  if (timed.length === 0 || runs.length === 1) return runs[0];
  return { threads, seconds: median(timed), note: `median of ${timed.length} pages (${timed.map((x) => x.toFixed(3)).join(', ')} s), each ${timingText(workload)}` };
}

/** How a page's figure was taken, for the rows' notes. */
export function timingText(w: PageWorkload): string {
  const epochs = w.epochs === 1 ? 'one epoch' : `the median of ${w.epochs} epochs`;
  const warmup = w.warmup === 'epoch' ? 'one warm-up' : `a warm-up run stopped after ${w.warmup.batches} batches`;
  return `${epochs} of ${w.config} after ${warmup}, from the page's images/s`;
}

async function timePage(page: Page, threads: number, workload: PageWorkload, problems: string[], relaxed: boolean, log: (line: string) => void): Promise<BrowserEpoch> {
  const text = async (selector: string) => (await page.textContent(selector)) ?? '';
  await page.getByRole('button', { name: "Use the server's data" }).click();
  await page.waitForFunction(() => /^(Data ready|Error)/.test(document.querySelector('#data-status')?.textContent ?? ''), null, { timeout: RUN_TIMEOUT_MS });
  const data = await text('#data-status');
  const train = Number(/(\d+) train/.exec(data)?.[1]);
  if (!train) throw new Error(data);
  // The worker starts the kernel threads with the data; a fallback to one thread is reported, not timed as two.
  const mode = await page.getAttribute('#mode', 'data-mode');
  const ran = mode === 'wasm-threads' ? Number(/on (\d+) threads/.exec(await text('#mode'))?.[1]) : 1;
  if (ran !== threads) return { threads, seconds: null, note: `not run: the page ran ${ran} thread(s): ${await text('#mode')}` };
  if (relaxed && !/relaxed-SIMD/.test(await text('#mode'))) return { threads, seconds: null, note: `not run: the page did not take the relaxed build: ${await text('#mode')}` };

  await page.selectOption('#config-select', workload.config);
  const { warmup } = workload;
  if (warmup !== 'epoch') log(`chromium ${workload.config} ${threads} thread(s) warm-up: ${await stoppedRun(page, warmup.batches)}`);
  const warmupEpochs = warmup === 'epoch' ? 1 : 0;
  await page.fill('#override-epochs', String(workload.epochs + warmupEpochs));
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForRunEnd(page);
  if (problems.length) throw new Error(problems.join('; '));
  // The table's images/s is samples_per_second (train batches only), the figure the CLI's rows use.
  const perSecond = await page.$$eval('#epochs tbody tr', (rows) => rows.map((r) => Number(r.querySelectorAll('td')[6]?.textContent)));
  if (perSecond.length !== workload.epochs + warmupEpochs || !perSecond.every((x) => x > 0)) throw new Error(`the page's epoch table shows ${perSecond.length} rows: ${perSecond.join(', ')} images/s`);
  return { threads, seconds: median(perSecond.slice(warmupEpochs).map((x) => train / x)), note: timingText(workload) };
}

/** The short warm-up: Train, then Stop once the progress line has passed `batches` batches (a run ends with a test evaluation either way); returns the run's status line. */
async function stoppedRun(page: Page, batches: number): Promise<string> {
  await page.fill('#override-epochs', '1');
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction((n) => Number(/batch (\d+)\//.exec(document.querySelector('#speed')?.textContent ?? '')?.[1]) >= n ||
    (document.querySelector('#result')?.textContent ?? '') !== '' || document.querySelector('#run-status.error'), batches, { timeout: RUN_TIMEOUT_MS });
  if (await page.isEnabled('#stop')) await page.getByRole('button', { name: 'Stop' }).click();
  return waitForRunEnd(page);
}

/** Waits for the run's result and returns its status line (an error is thrown). */
async function waitForRunEnd(page: Page): Promise<string> {
  await page.waitForFunction(() => (document.querySelector('#result')?.textContent ?? '') !== '' || document.querySelector('#run-status.error'), null, { timeout: RUN_TIMEOUT_MS });
  const status = (await page.textContent('#run-status')) ?? '';
  if (/Error|failed/.test(status)) throw new Error(status);
  return status;
}

/** The full version (the user agent's is reduced to 156.0.0.0): from User-Agent Client Hints, else the user agent. */
async function chromiumVersion(page: Page): Promise<string | null> {
  return page.evaluate(async () => {
    const hints = (navigator as unknown as { userAgentData?: { getHighEntropyValues(h: string[]): Promise<{ fullVersionList?: { brand: string; version: string }[] }> } }).userAgentData;
    const list = hints ? (await hints.getHighEntropyValues(['fullVersionList'])).fullVersionList ?? [] : [];
    return list.find((b) => /Chrom/.test(b.brand))?.version ?? /Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? null;
  });
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
