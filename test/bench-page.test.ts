// The bench's page epochs in Debian's Chromium on a small generated set: the page's controls the bench drives
// (config list, epochs field, Train, Stop) still give it a figure for each thread count, by the warm-up each
// workload asks for. Only that a figure came back is asserted, never how fast it is: speed is the bench's.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserEpochs, timingText, type PageWorkload } from '../src/bench/browser-epochs.js';
import { CHROMIUM } from './helpers/browser.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-bench-page-'));
let dataDir: string;

before(() => {
  // 4000 images: 3200 train rows after the validation split, 50 batches of 64, so a 5-batch warm-up is stopped well within its epoch.
  dataDir = writeSyntheticDataDir(join(tmp, 'data'), 4000, 100);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function timedRows(workload: PageWorkload): Promise<string[]> {
  const lines: string[] = [];
  const result = await browserEpochs({ chromium: CHROMIUM, threadCounts: [1, 2], workload, dataDir, log: (l) => lines.push(l) });
  for (const row of result.rows) assert.ok(row.seconds !== null && row.seconds > 0, `${row.threads} thread(s): ${row.note}\n${lines.join('\n')}`);
  assert.deepEqual(result.rows.map((r) => [r.threads, r.note]), [[1, timingText(workload)], [2, timingText(workload)]]);
  assert.match(result.version ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  return lines;
}

test('the bench times the page\'s best_cnn epoch on 1 and 2 threads after a warm-up run it stops with the Stop button', async () => {
  const lines = await timedRows({ config: 'best_cnn', epochs: 1, warmup: { batches: 5 } });
  const warmups = lines.filter((l) => l.includes('warm-up:'));
  assert.equal(warmups.length, 2, lines.join('\n'));
  for (const l of warmups) assert.match(l, /warm-up: Training stopped after 0 epochs and ([5-9]|[1-4]\d) of 50 batches of epoch 1,/);
});

test('the bench times the page\'s config_6 epochs on 1 and 2 threads after a warm-up epoch in the same run', async () => {
  await timedRows({ config: 'config_6', epochs: 2, warmup: 'epoch' });
});
