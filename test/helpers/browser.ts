// Drives Debian's Chromium (/usr/bin/chromium, installed by .ci/run) with playwright-core, launched by
// src/node/chromium.ts (headless, no network beyond the page's origin, a fresh user-data directory per launch).
// Collects every console error, page error and failed request so a test can assert that a person would have seen none.

import type { Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATHS, launchChromium, type Chromium } from '../../src/node/chromium.js';
import { ROOT } from './cli.js';

/** Debian's Chromium, the first of CHROMIUM_PATHS. */
export const CHROMIUM = CHROMIUM_PATHS[0];
export const ARTIFACTS = join(ROOT, 'test-artifacts');

export type Browser = Chromium;

export function launchBrowser(): Promise<Browser> {
  return launchChromium(CHROMIUM, { acceptDownloads: true, viewport: { width: 1280, height: 900 } });
}

/** A new page whose problems (console errors, uncaught exceptions, failed requests, other origins) are recorded. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  const origin = new URL(url).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !/^(data|blob):/.test(r.url())) problems.push(`request beyond the origin: ${r.url()}`);
  });
  page.on('worker', (w) => w.on('console', (m) => {
    if (m.type() === 'error') problems.push(`worker console error: ${m.text()}`);
  }));
  await page.goto(url);
  return { page, problems };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
