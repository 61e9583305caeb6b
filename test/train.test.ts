// Short training runs on the real data, through the CLI as a user runs it: both back ends learn (at least
// 80% validation accuracy in two epochs), the run directory is complete, the model file evaluates to the
// accuracy training reported, and the same seed gives the same history.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { untimed } from './helpers/untimed.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-train-'));
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

function trainRun(name: string, args: string[]) {
  const out = join(tmp, name);
  const r = runCli(['train', '--config', 'configs/config_6.yaml', '--out', out, ...args]);
  assert.equal(r.status, 0, r.stderr);
  return { out, stdout: r.stdout, history: JSON.parse(read(out, 'history.json')), summary: JSON.parse(read(out, 'summary.json')) };
}

/** History without the timings, which differ run to run. */

for (const backend of ['wasm', 'js']) {
  test(`two epochs on the ${backend} back end reach 80% validation accuracy and write a complete run directory`, () => {
    const run = trainRun(`two-${backend}`, ['--backend', backend, '--epochs', '2']);
    assert.match(run.stdout.split('\n')[0], new RegExp(`on the ${backend} .*back end`));
    assert.equal((run.stdout.match(/^epoch /gm) ?? []).length, 2);
    const last = run.history.history.at(-1);
    assert.ok(last.val_accuracy >= 0.8, `validation accuracy ${last.val_accuracy}`);
    assert.deepEqual(readdirSync(run.out).sort(), ['accuracy.svg', 'config.yaml', 'confusion.svg', 'history.json', 'loss.svg', 'metrics.csv', 'model.safetensors', 'summary.json']);
    assert.equal(read(run.out, 'metrics.csv').trim().split('\n').length, 3);
    assert.equal(run.summary.backend, backend);
    assert.equal(run.summary.epochs_run, 2);
    assert.ok(run.summary.test_accuracy > 0.78);

    // The model file alone reproduces the reported test accuracy.
    const ev = runCli(['evaluate', '--model', join(run.out, 'model.safetensors'), '--backend', backend, '--json']);
    assert.equal(ev.status, 0, ev.stderr);
    const result = JSON.parse(ev.stdout);
    assert.equal(result.test_accuracy, run.summary.test_accuracy);
    assert.ok(Math.abs(result.test_loss - run.summary.test_loss) < 1e-4);

    // The resolved config.yaml is itself a valid config that trains.
    const again = runCli(['train', '--config', join(run.out, 'config.yaml'), '--backend', backend, '--epochs', '1', '--out', join(tmp, `again-${backend}`), '--quiet']);
    assert.equal(again.status, 0, again.stderr);
  });
}

test('--simd relaxed trains with the FMA build, says so, and records it in the run files', () => {
  const run = trainRun('relaxed', ['--simd', 'relaxed', '--epochs', '2']);
  assert.match(run.stdout.split('\n')[0], /on the wasm \(AssemblyScript, WebAssembly SIMD with relaxed SIMD FMA\) back end/);
  assert.ok(run.history.history.at(-1).val_accuracy >= 0.8, `validation accuracy ${run.history.history.at(-1).val_accuracy}`);
  assert.equal(run.history.simd, 'relaxed');
  assert.equal(run.summary.simd, 'relaxed');
  const plain = trainRun('plain', ['--epochs', '1', '--quiet']);
  assert.equal(plain.summary.simd, 'plain');
});

test('the same seed and back end give the identical history; another seed does not', () => {
  const a = trainRun('seed-a', ['--epochs', '2', '--seed', '11', '--quiet']);
  const b = trainRun('seed-b', ['--epochs', '2', '--seed', '11', '--quiet']);
  const c = trainRun('seed-c', ['--epochs', '2', '--seed', '12', '--quiet']);
  assert.deepEqual(untimed(a.history.history), untimed(b.history.history));
  assert.deepEqual(readFileSync(join(a.out, 'model.safetensors')), readFileSync(join(b.out, 'model.safetensors')));
  assert.notDeepEqual(untimed(a.history.history), untimed(c.history.history));
});

test('a model evaluates on the other back end to the same accuracy, up to float rounding', () => {
  const run = trainRun('cross', ['--epochs', '1', '--quiet']);
  const ev = runCli(['evaluate', '--model', join(run.out, 'model.safetensors'), '--backend', 'js', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  // Different summation orders may flip a prediction that sits on a tie: allow 3 of 10,000.
  assert.ok(Math.abs(JSON.parse(ev.stdout).test_accuracy - run.summary.test_accuracy) <= 3e-4);
});

test('wasmfit data reports the Debian copy as verified with the 48,000 / 12,000 / 10,000 split', () => {
  const r = runCli(['data']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^checksums verified$/m);
  assert.match(r.stdout, /split: 48000 train \/ 12000 validation \/ 10000 test/);
});
