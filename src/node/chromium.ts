// Finds a Chromium on this machine and launches it headless with playwright-core: no network beyond the
// served page (no QUIC, sync, component updates or background fetches), a fresh user-data directory per launch,
// removed on close. Shared by `wasmfit bench` (the browser epoch) and the browser tests; it knows nothing of
// the page. playwright-core is a dev dependency, so it is imported only when a launch is asked for.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, BrowserType } from 'playwright-core';

/** playwright's launchPersistentContext options (viewport, downloads); the path, headless and flags are set here. */
export type ChromiumOptions = Omit<NonNullable<Parameters<BrowserType['launchPersistentContext']>[1]>, 'executablePath' | 'headless' | 'args'>;

/** Where Chromium is looked for, in order: Debian's package first (what .ci/run installs). */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome'];

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** The first Chromium of CHROMIUM_PATHS that exists, or null. */
export function findChromium(): string | null {
  return CHROMIUM_PATHS.find((p) => existsSync(p)) ?? null;
}

/** Launches executablePath headless with CHROMIUM_FLAGS and a fresh user-data directory. */
export async function launchChromium(executablePath: string, options: ChromiumOptions = {}): Promise<Chromium> {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'wasmfit-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, { ...options, executablePath, headless: true, args: CHROMIUM_FLAGS });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
