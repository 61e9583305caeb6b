// The default run in full, as `npm start` trains it: config_6 for all its 100 epochs on the real data with two
// kernel threads must still meet its accuracy floor (88.0%). The thread tests show threads change no bit
// on a small synthetic set; this shows the whole threaded path (swaps behind, balanced column shares over
// ~37,500 batches, batch copies) leaves a model that is as good as the report's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';

test('config_6 trained in full with two kernel threads reaches at least 88.0% test accuracy', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'wasmfit-full-')), 'config_6');
  const r = runCli(['train', '--config', 'configs/config_6.yaml', '--threads', '2', '--quiet', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.threads, 2);
  assert.ok(summary.test_accuracy >= 0.88, `test accuracy ${summary.test_accuracy}`);
});
