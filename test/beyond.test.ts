// The pieces of the experiments' section beyond the report: `wasmfit train --test-each-epoch` records the test
// split per epoch and the training time without changing a single weight, the time to an accuracy is read from
// that history, and the section's Markdown says what ran, what failed and what was skipped. The command end to end
// is in test/experiments.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { beyondFootnote, beyondRows, renderBeyond, spread, timeToAccuracy, type BeyondResults, type SeedOutcome } from '../src/report/beyond.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-beyond-'));
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

test('--test-each-epoch records the test split and the training time per epoch and leaves the model file byte for byte the same', () => {
  const data = writeSyntheticDataDir(join(tmp, 'data'), 600, 200);
  const train = (name: string, extra: string[]) => {
    const out = join(tmp, name);
    const r = runCli(['train', '--config', 'configs/fast_mlp.yaml', '--epochs', '3', '--data-dir', data, '--no-verify', '--out', out, ...extra]);
    assert.equal(r.status, 0, r.stderr);
    return { out, stdout: r.stdout, history: JSON.parse(read(out, 'history.json')), summary: JSON.parse(read(out, 'summary.json')) };
  };
  const plain = train('plain', []), watched = train('watched', ['--test-each-epoch']);
  assert.deepEqual(readFileSync(join(watched.out, 'model.safetensors')), readFileSync(join(plain.out, 'model.safetensors')));

  const h = watched.history.history;
  assert.equal(h.length, 3);
  for (const r of h) assert.ok(r.test_accuracy >= 0 && r.test_accuracy <= 1 && r.test_loss > 0, JSON.stringify(r));
  assert.ok(h[0].elapsed_seconds > 0 && h[1].elapsed_seconds > h[0].elapsed_seconds && h[2].elapsed_seconds > h[1].elapsed_seconds);
  // fast_mlp keeps its last epoch's weights, so the last test pass is the run's test accuracy.
  assert.equal(h[2].test_accuracy, watched.summary.test_accuracy);
  assert.match(watched.history.test_each_epoch, /never used to choose weights/);
  assert.equal((watched.stdout.match(/\(monitor: test acc \d+\.\d\d% at \d+\.\d\d s\)$/gm) ?? []).length, 3);
  const csv = read(watched.out, 'metrics.csv').trim().split('\n');
  assert.equal(csv[0], 'epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,samples_per_second,learning_rate,elapsed_seconds,test_loss,test_accuracy');
  assert.equal(Number(csv[3].split(',').at(-1)), h[2].test_accuracy);
  assert.match(read(watched.out, 'accuracy.svg'), /<g class="series" data-name="test \(monitor only\)"/);

  // Without the flag: no test columns, no test curve, and elapsed_seconds still there.
  assert.equal(plain.history.history[0].test_accuracy, undefined);
  assert.equal(plain.history.test_each_epoch, undefined);
  assert.match(read(plain.out, 'metrics.csv'), /^epoch,.*,learning_rate,elapsed_seconds$/m);
  assert.doesNotMatch(read(plain.out, 'accuracy.svg'), /monitor only/);
});

test('the time to an accuracy is the first epoch at or above it, with its training seconds', () => {
  const history = [
    { epoch: 1, val_accuracy: 0.9, test_accuracy: 0.85, elapsed_seconds: 1.5 },
    { epoch: 2, val_accuracy: 0.9, test_accuracy: 0.88, elapsed_seconds: 3.1 },
    { epoch: 3, val_accuracy: 0.9, test_accuracy: 0.87, elapsed_seconds: 4.4 },
    { epoch: 4, val_accuracy: 0.9, test_accuracy: 0.89, elapsed_seconds: 6.0 },
  ];
  assert.deepEqual(timeToAccuracy(history, 0.88), { epoch: 2, seconds: 3.1 });
  assert.deepEqual(timeToAccuracy(history, 0.885), { epoch: 4, seconds: 6.0 });
  assert.equal(timeToAccuracy(history, 0.9), undefined);
  // Validation accuracy never counts, and a history without test passes has no time to give.
  assert.equal(timeToAccuracy(history.map(({ test_accuracy: _t, ...r }) => r), 0.5), undefined);
  assert.deepEqual(spread([0.9, 0.91, 0.902]), { mean: (0.9 + 0.91 + 0.902) / 3, min: 0.9, max: 0.91, count: 3 });
});

test('the section\'s Markdown: the seed spread, floors met per seed, failures and a skipped peer said', () => {
  const seed = (s: number, acc: number, extra: Partial<SeedOutcome> = {}): SeedOutcome => ({
    seed: s, run: `runs/best_mlp_seed${s}`, test_accuracy: acc, train_test_accuracy: acc, epochs_run: 24, training_seconds: 30 + s, wall_seconds: 33 + s,
    median_epoch_seconds: 1.3, threads: 2, time_to_target: { epoch: 5, seconds: 6.5 + s }, load: [0.5, 1.5], ...extra,
  });
  const b: BeyondResults = {
    quick: false, target: 0.88, environment: 'Node test', wall_seconds: 200,
    recipes: [
      { config: 'best_mlp', epochs: 24, seeds: [seed(0, 0.903), seed(1, 0.8995), seed(2, 0.9023)] },
      { config: 'fast_mlp', epochs: 5, seeds: [seed(0, 0.886, { run: 'runs/fast_mlp_seed0', time_to_target: null }), { seed: 1, run: 'runs/fast_mlp_seed1', error: 'exit code 1' }] },
    ],
    peer: { status: 'skipped', reason: 'PyTorch is not importable (python3: not found)' },
  };
  const rows = beyondRows(b);
  assert.equal(rows[0], '| best_mlp | 784-512-256-10 ReLU, AdamW + cosine, dropout 0.2, smoothing 0.1, 24 epochs | — | **90.16%** mean of 3 seeds, min 89.95% | 90.00% met by 2 of 3 seeds | 24 / 24 | 33.0 s wall (1.30 s) |');
  assert.match(rows[1], /^\| fast_mlp .* \| \*\*88\.60%\*\* mean of 1 seed, min 88\.60% \| 88\.00% met by 1 of 1 seed \|/);
  assert.equal(rows[2], '| best_mlp in PyTorch | skipped: PyTorch is not importable (python3: not found) | — | **—** | — | — | — |');
  const note = beyondFootnote(b);
  assert.match(note, /best_mlp 6\.5 s \(epoch 5\), fast_mlp not reached 88\.00%/);
  assert.match(note, /load average 0\.5-1\.5/);
  const md = renderBeyond(b, 7);
  assert.match(md, /^## 7\. Beyond the report$/m);
  assert.match(md, /Test accuracy over 3 seeds: mean 90\.16%, min 89\.95%, max 90\.30%\./);
  assert.match(md, /^\| \[1\]\(runs\/best_mlp_seed1\/\) \| \*\*89\.95%\*\* \| 7\.5 s \(epoch 5\) \| 31\.0 s \| 34\.0 s \| 2 \| 0\.5 \/ 1\.5 \|$/m);
  assert.match(md, /^\| \[1\]\(runs\/fast_mlp_seed1\/\) \| not run: exit code 1 \|/m);
  assert.match(md, /^Skipped: PyTorch is not importable \(python3: not found\)$/m);
});
