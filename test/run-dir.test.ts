// A run directory belongs to one run, as a user meets it: a second run into it is refused (or replaces it
// with --overwrite), two runs at once cannot share it, a lock left by a killed run is recognised, --resume
// continues only the run its checkpoint came from, and a full disk never leaves a short file behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { startCli } from './helpers/spawn.js';
import { mountTmpfs } from './helpers/tmpfs.js';
import { LOCK_FILE } from '../src/node/run-dir.js';
import { readCheckpoint } from '../src/node/checkpoints.js';
import { modelFromBytes } from '../src/api/model-file.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-rundir-'));
const data = writeSyntheticDataDir(join(tmp, 'data'), 1500, 100);
const otherData = writeSyntheticDataDir(join(tmp, 'other-data'), 1500, 100, 2);
const DATA = ['--data-dir', data, '--no-verify', '--threads', '1'];
const train = (args: string[]) => runCli(['train', ...args, ...(args.includes('--data-dir') ? ['--no-verify', '--threads', '1'] : DATA)], { timeoutMs: 120_000 });
const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
/** A run that goes on until it is stopped: no early stopping, epochs of a few milliseconds on the small data. */
const LONG = join(tmp, 'long.yaml');
writeFileSync(LONG, 'layer_specs: [784, 128, 10]\nlearning_rate: 0.01\nbatch_size: 128\nepochs: 100000\nearly_stop: false\nmomentum: true\n');

function oneLine(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.status, code, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
  assert.match(lines[0], message);
}

/** Every file a run leaves is complete: no temporary file, no lock, the model verifies. */
function assertComplete(dir: string): void {
  const all = readdirSync(dir, { recursive: true }).map(String);
  assert.deepEqual(all.filter((f) => f.endsWith('.tmp')), [], 'no temporary files');
  assert.equal(all.includes(LOCK_FILE), false, 'the lock is released');
  if (all.includes('model.safetensors')) modelFromBytes(readFileSync(join(dir, 'model.safetensors')), 'model');
}

test('a second run into a directory holding a run is refused; --overwrite replaces it, checkpoints and all', () => {
  const dir = join(tmp, 'reused');
  assert.equal(train(['--config', 'configs/config_4.yaml', '--epochs', '3', '--checkpoint-every', '1', '--out', dir, '--quiet']).status, 0);
  const before = readFileSync(join(dir, 'history.json'));

  oneLine(train(['--config', 'configs/config_6.yaml', '--epochs', '1', '--out', dir]), 2,
    /--out .*reused: already holds another run \([^)]*config\.yaml[^)]*\) \(hint: pass --overwrite to replace it/);
  assert.deepEqual(readFileSync(join(dir, 'history.json')), before, 'the earlier run is untouched');
  assert.equal(readdirSync(join(dir, 'checkpoints')).length, 3);

  const r = train(['--config', 'configs/config_6.yaml', '--epochs', '1', '--out', dir, '--overwrite', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(existsSync(join(dir, 'checkpoints')), false, 'the earlier run\'s checkpoints are gone');
  assert.deepEqual(json(dir, 'history.json').config.layer_specs, [784, 128, 10]);
  assert.equal(json(dir, 'history.json').history.length, 1);
  assertComplete(dir);
});

test('--overwrite never clears a directory that holds no run', () => {
  const dir = join(tmp, 'notes');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'keep me\n');
  oneLine(train(['--config', 'configs/config_4.yaml', '--epochs', '1', '--out', dir, '--overwrite']), 2,
    /--out .*notes: not empty and not a wasmfit run directory \(it holds notes\.txt\)/);
  assert.deepEqual(readdirSync(dir), ['notes.txt']);
});

test('two trainings into one --out at once: the second is refused while the first runs, which ends intact', async (t) => {
  const dir = join(tmp, 'shared');
  const first = startCli(['train', '--config', LONG, '--checkpoint-every', '1', '--out', dir, ...DATA]);
  t.after(() => first.child.kill('SIGKILL'));
  await first.waitFor(/^epoch +1\//m);
  const inUse = new RegExp(`shared: in use by another run \\(process ${first.child.pid}, since .*\\) \\(hint: wait for it to end`);
  oneLine(train(['--config', 'configs/config_4.yaml', '--epochs', '1', '--out', dir]), 2, inUse);
  oneLine(train(['--config', 'configs/config_4.yaml', '--epochs', '1', '--out', dir, '--overwrite']), 2, inUse);
  oneLine(train(['--resume', dir]), 2, inUse);
  first.child.kill('SIGINT');
  assert.equal((await first.exit).code, 130, first.output());
  assert.equal(json(dir, 'history.json').config.layer_specs.length, 3, 'the first run\'s files, not the second\'s');
  assertComplete(dir);
});

test('a lock left by a killed run is named stale, and --resume takes the directory over, half-written files and all', async (t) => {
  const dir = join(tmp, 'killed');
  const run = startCli(['train', '--config', LONG, '--checkpoint-every', '1', '--out', dir, ...DATA]);
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitFor(/^epoch +2\//m);
  run.child.kill('SIGKILL');
  await run.exit;
  assert.equal(existsSync(join(dir, LOCK_FILE)), true, 'SIGKILL leaves the lock');
  // As a kill in the middle of writing the history leaves it: half a file under the killed process's temporary name.
  writeFileSync(join(dir, `history.json.${run.child.pid}.tmp`), '{"hist');
  const resumed = startCli(['train', '--resume', dir, ...DATA]);
  t.after(() => resumed.child.kill('SIGKILL'));
  await resumed.waitFor(new RegExp(`wasmfit\\.lock: stale lock of process ${run.child.pid} \\(no longer running, started .*\\); taking the run directory over`));
  await resumed.waitFor(/^epoch +\d+\//m);
  resumed.child.kill('SIGINT');
  assert.equal((await resumed.exit).code, 130, resumed.output());
  assertComplete(dir);
});

test('--resume continues only its own run: other data, a replaced config and fewer epochs are refused, naming them', () => {
  const dir = join(tmp, 'resumed');
  assert.equal(train(['--config', 'configs/config_4.yaml', '--epochs', '3', '--checkpoint-every', '1', '--out', dir, '--quiet']).status, 0);

  oneLine(train(['--resume', dir, '--data-dir', otherData]), 2,
    /--resume: the data file train-images-idx3-ubyte has SHA-256 [0-9a-f]{12}\.\.\., but the checkpoint \(.*e00003-b00000\) was made from [0-9a-f]{12}\.\.\.; pass --force/);
  oneLine(train(['--resume', dir, '--epochs', '2', '--force']), 2,
    /--resume: epochs 2 is fewer than the run has done \(3 epochs, .*e00003-b00000\); expected at least 3/);

  // Another run's config in its place: the checkpoint, not config.yaml, says what this run is.
  const config = readFileSync(join(dir, 'config.yaml'), 'utf8');
  writeFileSync(join(dir, 'config.yaml'), config.replace(/^learning_rate: .*$/m, 'learning_rate: 0.5'));
  oneLine(train(['--resume', dir]), 2, /--resume: the config differs from the checkpoint's \(.*e00003-b00000\) \(learning_rate 0\.01 -> 0\.5\); pass --force/);
  writeFileSync(join(dir, 'config.yaml'), config);

  const forced = train(['--resume', dir, '--data-dir', otherData, '--epochs', '4', '--force', '--quiet']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(json(dir, 'history.json').history.length, 4);
  assertComplete(dir);
});

test('--resume of a folder that is no run is refused', () => {
  oneLine(train(['--resume', tmp]), 2, /--resume: .* is not a run directory \(no config\.yaml\)/);
});

test('a full disk: the model that does not fit is not left short, and the error names it', (t) => {
  const disk = join(tmp, 'disk-300k');
  if (!mountTmpfs(t, disk, '300k')) return t.skip('mounting a tmpfs is not permitted here');
  const dir = join(disk, 'run');
  // config_6's model is 407 KB: more than the whole file system.
  oneLine(train(['--config', 'configs/config_6.yaml', '--epochs', '1', '--out', dir]), 1,
    /run\/model\.safetensors: cannot write: no space left on device \(ENOSPC\)$/);
  assert.equal(existsSync(join(dir, 'model.safetensors')), false, 'no short model file');
  assertComplete(dir);
});

test('a disk that fills up mid-run keeps the previous complete model and checkpoint, and the run resumes once there is room', (t) => {
  const disk = join(tmp, 'disk-filling');
  if (!mountTmpfs(t, disk, '400k')) return t.skip('mounting a tmpfs is not permitted here');
  const dir = join(disk, 'run');
  assert.equal(train(['--config', 'configs/config_4.yaml', '--epochs', '1', '--checkpoint-every', '1', '--out', dir, '--quiet']).status, 0);
  const model = readFileSync(join(dir, 'model.safetensors'));
  // Leave room for the small files of another epoch, not for its checkpoint (about 100 KB).
  const { bavail, bsize } = statfsSync(disk);
  const filler = join(disk, 'filler');
  writeFileSync(filler, new Uint8Array(bavail * bsize - 48 * 1024));

  const full = train(['--resume', dir, '--epochs', '3', '--force', '--checkpoint-every', '1']);
  assert.equal(full.status, 1, full.stderr);
  assert.match(full.stderr, /^wasmfit: resuming from .*e00001-b00000 \(epoch 1 done\)\nwasmfit: error: .*run\/checkpoints\/e00002-b00000\/\S+: cannot write: no space left on device \(ENOSPC\)\n$/);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), model, 'the previous model, complete');
  readCheckpoint(join(dir, 'checkpoints', 'e00001-b00000'));
  assertComplete(dir);

  writeFileSync(filler, '');
  const resumed = train(['--resume', dir, '--epochs', '3', '--force', '--quiet']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /skipping checkpoint e00002-b00000: .* no manifest\.json|resuming from .*e00001-b00000/);
  assert.equal(json(dir, 'history.json').history.length, 3);
  assertComplete(dir);
});
