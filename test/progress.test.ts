// What training prints, as a person sees it: on a pseudo-terminal (util-linux `script`) a live bar with
// batches, images/s and an ETA that leaves one clean line per epoch; in a pipe only whole lines, with no
// carriage return or escape code; --json one parseable object per line; --quiet nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, runCli } from './helpers/cli.js';
import { barLine, Progress, progressMode } from '../src/node/progress.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-progress-'));
const SCRIPT = '/usr/bin/script';
const ARGS = ['train', '--config', 'configs/config_4.yaml', '--epochs', '2'];
const EPOCH_LINE = /^epoch \d\/2  train loss \d\.\d{3}\d* acc \d+\.\d\d%  val loss \d\.\d{3}\d* acc \d+\.\d\d%  \d+\.\d\d s  \d+ img\/s$/;
const CONTROL = /[\r\x1b]/;

/** A terminal's view of a byte stream: per line, what remains after the last carriage return, escapes removed. */
function screen(text: string): string[] {
  return text.replace(/\r\n/g, '\n').split('\n').map((line) => line.slice(line.lastIndexOf('\r') + 1).replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''));
}

test('the bar fits the terminal and counts batches, images/s and the ETA', () => {
  const line = barLine(3, 100, 187, 375, 65432.4, 0.42, 80);
  assert.ok(line.length < 80, line);
  assert.match(line, /^epoch   3\/100 \[=+> +\] 187\/375 batches  65432 img\/s  ETA 0\.4 s$/);
  assert.match(barLine(1, 1, 375, 375, 1, 75, 80), /\[=+\] 375\/375 batches  1 img\/s  ETA 1 min 15 s/);
  assert.ok(barLine(3, 100, 187, 375, 65432, 0.42, 30).length <= 29, 'a narrow terminal cuts the line instead of wrapping');
});

test('the mode: a bar only on an interactive terminal, never in CI or on TERM=dumb', () => {
  assert.equal(progressMode({}, { write() {}, isTTY: true }, {}), 'bar');
  assert.equal(progressMode({}, { write() {}, isTTY: false }, {}), 'lines');
  assert.equal(progressMode({}, { write() {}, isTTY: true }, { CI: 'true' }), 'lines');
  assert.equal(progressMode({}, { write() {}, isTTY: true }, { TERM: 'dumb' }), 'lines');
  assert.equal(progressMode({ quiet: true }, { write() {}, isTTY: true }, {}), 'quiet');
  assert.equal(progressMode({ json: true, quiet: true }, { write() {}, isTTY: true }, {}), 'json');
});

test('Progress in lines mode writes whole lines only; in bar mode it clears the bar before a line', () => {
  let t = 0;
  const out: string[] = [];
  const stream = { write: (s: string) => out.push(s), columns: 100 };
  const lines = new Progress('lines', stream, () => t);
  for (let b = 1; b <= 10; b++, t += 0.2) lines.batch(1, 1, b, 10, 128);
  lines.line('epoch 1/1');
  assert.deepEqual(out, ['epoch 1/1\n']);

  out.length = 0;
  const bar = new Progress('bar', stream, () => t);
  for (let b = 1; b <= 10; b++, t += 0.2) bar.batch(1, 1, b, 10, 128);
  bar.line('epoch 1/1');
  assert.ok(out.length >= 10, 'redrawn as batches finish');
  assert.match(out[out.length - 3], /10\/10 batches {2}640 img\/s {2}ETA 0\.0 s/);
  assert.deepEqual(screen(out.join('')), ['epoch 1/1', '']);
});

test('in a pipe: only the per-epoch lines, no carriage returns or escape codes', () => {
  const r = runCli([...ARGS, '--out', join(tmp, 'pipe')], { env: { CI: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, CONTROL);
  assert.doesNotMatch(r.stderr, CONTROL);
  const epochs = r.stdout.split('\n').filter((l) => l.startsWith('epoch'));
  assert.equal(epochs.length, 2);
  for (const l of epochs) assert.match(l, EPOCH_LINE);
});

test('--json: one JSON object per line, an epoch object per epoch and a done object', () => {
  const r = runCli([...ARGS, '--out', join(tmp, 'json'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(objects.map((o) => o.event), ['epoch', 'epoch', 'done']);
  assert.deepEqual(objects.slice(0, 2).map((o) => o.epoch), [1, 2]);
  for (const o of objects.slice(0, 2)) for (const k of ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'seconds', 'samples_per_second']) assert.equal(typeof o[k], 'number', k);
  assert.equal(typeof objects[2].test_accuracy, 'number');
  assert.equal(objects[2].run_directory, join(tmp, 'json'));
});

test('--quiet prints nothing', () => {
  const r = runCli([...ARGS, '--out', join(tmp, 'quiet'), '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
});

test('on a pseudo-terminal: a live bar within each epoch that leaves one clean line per epoch', { skip: existsSync(SCRIPT) ? false : `${SCRIPT} (util-linux) is not installed` }, () => {
  const command = [process.execPath, CLI, ...ARGS, '--out', join(tmp, 'tty')].map((a) => `'${a}'`).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', COLUMNS: '100' };
  delete env.CI;
  const r = spawnSync(SCRIPT, ['-qfec', command, '/dev/null'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // The bar was drawn (and redrawn in place) ...
  assert.match(r.stdout, /\r\x1b\[2Kepoch 1\/2 \[[=> ]*\] +\d+\/375 batches {2}\d+ img\/s {2}ETA /);
  assert.ok((r.stdout.match(/\r\x1b\[2K/g) ?? []).length >= 4, 'redrawn several times');
  // ... and what stays on the screen is the plain per-epoch lines.
  const visible = screen(r.stdout).filter((l) => l !== '');
  const epochs = visible.filter((l) => l.startsWith('epoch'));
  assert.equal(epochs.length, 2, visible.join('\n'));
  for (const l of epochs) assert.match(l, EPOCH_LINE);
  assert.ok(visible.every((l) => !/batches/.test(l)), 'no bar left behind');
});
