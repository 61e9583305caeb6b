// Peak resident memory of a 2-epoch training run of the bench network, measured in a child process of its own
// (`wasmfit bench --rss-probe`), so the bench's own buffers and TensorFlow.js are not counted.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { train } from '../train/train.js';
import { BENCH_CONFIG, benchSession, type DataOptions } from './network.js';

const CLI = fileURLToPath(new URL('../node/cli.js', import.meta.url));
const PROBE_EPOCHS = 2;

/** Runs the probe child; MiB, or null with why it failed. */
export async function measurePeakRss(data: DataOptions, threads: number): Promise<{ mib: number | null; error?: string }> {
  const args = [CLI, 'bench', '--rss-probe', '--threads', String(threads), '--epochs', String(PROBE_EPOCHS),
    ...(data.dataDir ? ['--data-dir', data.dataDir] : []), ...(data.verify ? [] : ['--no-verify'])];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8', timeout: 10 * 60_000 });
    const mib = Number(stdout.trim());
    return Number.isFinite(mib) ? { mib } : { mib: null, error: `the probe printed ${JSON.stringify(stdout.trim())}` };
  } catch (e) {
    return { mib: null, error: ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n')[0] };
  }
}

/** The probe itself: trains, evaluates the test split, prints this process's peak RSS in MiB. */
export async function rssProbe(data: DataOptions, threads: number, epochs: number): Promise<void> {
  const s = await benchSession(data, 'wasm', threads);
  await train(s.model, s.data, { ...BENCH_CONFIG, epochs });
  s.model.evaluate(s.data, s.data.test);
  s.close();
  console.log((peakRssKiB() / 1024).toFixed(1));
}

/**
 * This process's peak resident memory in KiB. On Linux from VmHWM, which starts afresh at exec: getrusage's
 * maxRSS carries the parent's resident size at fork into the child, and the bench's parent is bigger than the
 * run it measures.
 */
function peakRssKiB(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    const kib = line === undefined ? NaN : Number.parseInt(line.slice('VmHWM:'.length), 10);
    if (Number.isFinite(kib)) return kib;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS;
}
