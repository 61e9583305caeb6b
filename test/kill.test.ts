// SIGKILL at random moments while a run writes a checkpoint after every epoch: afterwards the newest
// checkpoint, or failing that the one before it, always loads and verifies, and the run resumes from it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLatestCheckpoint } from '../src/node/checkpoints.js';
import { decodeCheckpoint } from '../src/train/checkpoint.js';
import { Rng } from '../src/core/rng.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { startCli } from './helpers/spawn.js';

const KILLS = 20;
const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-kill-'));
// Small data and a small network: an epoch takes milliseconds, so most of the time goes to writing
// checkpoints and a random kill often lands in the middle of one.
const data = writeSyntheticDataDir(join(tmp, 'data'), 1500, 100);

test(`${KILLS} SIGKILLs at random moments never leave the run without a good checkpoint`, async () => {
  const dir = join(tmp, 'run');
  const rng = new Rng(2024, 'kill test');
  let fallbacks = 0;
  for (let i = 0; i < KILLS; i++) {
    const fresh = !existsSync(join(dir, 'checkpoints'));
    const args = fresh
      ? ['train', '--config', 'configs/config_6.yaml', '--learning-rate', '0.01', '--epochs', '100000', '--data-dir', data, '--no-verify', '--checkpoint-every', '1', '--out', dir]
      : ['train', '--resume', dir, '--data-dir', data, '--no-verify', '--checkpoint-every', '1'];
    const run = startCli(args);
    await run.waitFor(/^epoch +\d+\//m, 60_000);
    await new Promise((r) => setTimeout(r, rng.below(400)));
    run.child.kill('SIGKILL');
    const { signal } = await run.exit;
    assert.equal(signal, 'SIGKILL', `run ${i} ended by itself:\n${run.output()}`);

    const warnings: string[] = [];
    const loaded = loadLatestCheckpoint(dir, (files, source) => decodeCheckpoint(files.tensors, files.state, source), (w) => warnings.push(w));
    assert.ok(warnings.length <= 1, `fell back more than once after kill ${i}: ${warnings.join('; ')}`);
    fallbacks += warnings.length;
    assert.ok(loaded.value.state.loop.epoch >= 1);
  }
  // Informative only: how often a kill caught a checkpoint half-written.
  console.log(`kill test: ${fallbacks} of ${KILLS} kills fell back to the previous checkpoint`);
});
