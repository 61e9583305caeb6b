// Interrupts, resume and divergence on the real data, as a user meets them: Ctrl-C keeps the work done
// (exit 130, complete files, a checkpoint), a resumed run ends bit-identical to one never interrupted,
// a second signal quits at once without leaving temporary files, and a learning rate of 1e6 stops with
// the divergence message and the best weights intact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { startCli } from './helpers/spawn.js';
import { modelFromBytes } from '../src/api/model-file.js';
import { untimed } from './helpers/untimed.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-interrupt-'));
const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const ARGS = ['train', '--config', 'configs/config_4.yaml', '--epochs', '6', '--seed', '3'];

/** Every file a run leaves is complete: JSON parses, the model verifies, no temporary file remains. */
function assertComplete(dir: string) {
  const all = readdirSync(dir, { recursive: true }).map(String);
  assert.deepEqual(all.filter((f) => f.endsWith('.tmp')), [], 'no temporary files');
  for (const f of all.filter((f) => f.endsWith('.json'))) JSON.parse(readFileSync(join(dir, f), 'utf8'));
  if (existsSync(join(dir, 'model.safetensors'))) modelFromBytes(readFileSync(join(dir, 'model.safetensors')), 'model');
}

/** Runs args straight and, in another directory, interrupted after the first epoch line and resumed: the same bits. */
async function resumeMatchesStraight(args: string[], name: string) {
  const straight = join(tmp, `${name}-straight`), cut = join(tmp, name);
  const r = runCli([...args, '--out', straight, '--quiet']);
  assert.equal(r.status, 0, r.stderr);

  const run = startCli([...args, '--out', cut]);
  await run.waitFor(/^epoch 1\//m);
  run.child.kill('SIGINT');
  const { code } = await run.exit;
  assert.equal(code, 130, run.output());
  assert.match(run.output(), /SIGINT: stopping after the current batch/);
  assert.match(run.output(), /resume with: wasmfit train --resume /);
  const history = json(cut, 'history.json');
  assert.equal(history.stop_reason, 'interrupted');
  assert.ok(history.history.length >= 1 && history.history.length < 6);
  assertComplete(cut);
  assert.ok(readdirSync(join(cut, 'checkpoints')).length >= 1, 'a checkpoint was written on the interrupt');

  const resumed = runCli(['train', '--resume', cut, '--quiet']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming from .*checkpoints\/e\d+-b\d+/);
  assert.deepEqual(untimed(json(cut, 'history.json').history), untimed(json(straight, 'history.json').history));
  assert.deepEqual(readFileSync(join(cut, 'model.safetensors')), readFileSync(join(straight, 'model.safetensors')));
  assertComplete(cut);
}

test('SIGINT after the first epoch line: exit 130, complete files, stop_reason interrupted; resume matches an uninterrupted run bit for bit', async () => {
  await resumeMatchesStraight(ARGS, 'cut');
});

test('AdamW with a cosine schedule, dropout, label smoothing and augmentation resumes bit for bit after SIGINT', async () => {
  // Adam's moments, the step count the schedule and bias corrections follow, and per-batch masks and shifts.
  const config = join(tmp, 'adamw.yaml');
  writeFileSync(config, 'layer_specs: [784, 64, 10]\nactivation: ReLU\nlearning_rate: 0.001\nbatch_size: 128\nepochs: 4\nearly_stop: false\n'
    + 'optimizer: adamw\nweight_decay: 0.01\nlr_schedule: cosine\nlr_warmup_epochs: 0.5\ndropout: 0.2\nlabel_smoothing: 0.1\naugment_shift: 2\naugment_flip: true\n');
  await resumeMatchesStraight(['train', '--config', config, '--seed', '3'], 'adamw');
  const rates = json(join(tmp, 'adamw'), 'history.json').history.map((r: { learning_rate: number }) => r.learning_rate);
  assert.ok(rates.every((r: number, i: number) => i === 0 || r < rates[i - 1]), `the cosine schedule's rates fall: ${rates}`);
});

test('SIGTERM exits 143 with the run saved', async () => {
  const dir = join(tmp, 'term');
  const run = startCli([...ARGS, '--out', dir]);
  await run.waitFor(/^epoch 1\/6/m);
  run.child.kill('SIGTERM');
  assert.equal((await run.exit).code, 143, run.output());
  assert.equal(json(dir, 'history.json').stop_reason, 'interrupted');
  assertComplete(dir);
});

test('a second SIGINT quits at once and leaves no temporary or half-written file', async () => {
  const dir = join(tmp, 'twice');
  const run = startCli([...ARGS, '--epochs', '50', '--checkpoint-every', '1', '--out', dir]);
  await run.waitFor(/^epoch +2\/50/m);
  run.child.kill('SIGINT');
  run.child.kill('SIGINT');
  assert.equal((await run.exit).code, 130, run.output());
  assertComplete(dir);
});

test('resuming with a different config is refused unless forced', () => {
  const dir = join(tmp, 'cut');
  const r = runCli(['train', '--resume', dir, '--learning-rate', '0.5']);
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^wasmfit: error: --resume: the config differs from the run's \(learning_rate 0\.01 -> 0\.5\); pass --force/);
  const forced = runCli(['train', '--resume', dir, '--epochs', '7', '--force', '--quiet']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(json(dir, 'history.json').history.length, 7);
});

test('a learning rate of 1e6 stops with the divergence message and intact best weights', () => {
  const dir = join(tmp, 'diverge');
  const r = runCli(['train', '--config', 'configs/config_6.yaml', '--learning-rate', '1e6', '--out', dir]);
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /training diverged: the mean loss was \S+ at epoch 1, batch \d+; the initial weights are saved in .* \(hint: try a smaller learning_rate than 1000000\)/);
  const history = json(dir, 'history.json');
  assert.equal(history.stop_reason, 'diverged');
  assert.equal(history.divergence.epoch, 1);
  // The saved weights are the untouched initial ones: finite, and near chance on the test set.
  const summary = json(dir, 'summary.json');
  assert.ok(Number.isFinite(summary.test_loss) && summary.test_loss < 3, `test loss ${summary.test_loss}`);
  assertComplete(dir);
});
