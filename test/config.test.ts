// Config validation as a user meets it: every kind of mistake is one line on stderr naming the file and
// key (or flag), what was expected and what was found, with exit code 2, before any data is read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, DEFAULTS } from '../src/config/schema.js';
import { ConfigError } from '../src/core/errors.js';
import { runCli, ROOT } from './helpers/cli.js';

const GOOD = readFileSync(join(ROOT, 'configs/config_6.yaml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'wasmfit-config-'));
/** Ten levels of lists of ten aliases of the level below: 10^10 leaves once expanded, a few hundred bytes as text. */
const LAUGHS = `[&l0 [${Array(10).fill('lol').join(', ')}], ` +
  Array.from({ length: 9 }, (_, i) => `&l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`).join(', ') + ']';

function withLine(key: string, value: string): string {
  return GOOD.replace(new RegExp(`^${key}:.*$`, 'm'), `${key}: ${value}`);
}

const CASES: { name: string; text?: string; path?: string; args?: string[]; expect: RegExp }[] = [
  { name: 'unknown key with a suggestion', text: GOOD.replace('learning_rate:', 'learning_rat:'), expect: /unknown key "learning_rat" \(did you mean "learning_rate"\?\)/ },
  { name: 'wrong type', text: withLine('batch_size', '"128"'), expect: /batch_size: expected an integer >= 1, found the string "128"/ },
  { name: 'learning rate not positive', text: withLine('learning_rate', '0'), expect: /learning_rate: expected a number > 0, found 0/ },
  { name: 'batch size below 1', text: withLine('batch_size', '0'), expect: /batch_size: expected an integer from 1 to \d+, found 0/ },
  { name: 'first layer not 784', text: withLine('layer_specs', '[785, 128, 10]'), expect: /layer_specs: expected the first layer to be 784 .*found 785/ },
  { name: 'last layer not 10', text: withLine('layer_specs', '[784, 128, 9]'), expect: /layer_specs: expected the last layer to be 10 .*found 9/ },
  { name: 'unknown activation', text: withLine('activation', 'softplus'), expect: /activation: expected one of tanh, sigmoid, ReLU, found the string "softplus"/ },
  { name: 'momentum gamma out of range', text: withLine('momentum_gamma', '1.5'), expect: /momentum_gamma: expected a number >= 0 and < 1, found 1.5/ },
  { name: 'not a boolean', text: withLine('early_stop', '"yes"'), expect: /early_stop: expected true or false, found the string "yes"/ },
  { name: 'fractional epochs', text: withLine('epochs', '2.5'), expect: /epochs: expected an integer >= 1, found number 2.5/ },
  { name: 'unknown early-stop rule', text: GOOD.replace('early_stop_rule: increase', 'early_stop_rule: sometimes'), expect: /early_stop_rule: expected one of increase, no_improvement, found the string "sometimes"/ },
  { name: 'negative penalty', text: withLine('L2_penalty', '-0.1'), expect: /L2_penalty: expected a number >= 0, found -0.1/ },
  { name: 'missing required key', text: GOOD.replace(/^epochs:.*$/m, ''), expect: /epochs: required key is missing/ },
  { name: 'YAML syntax error', text: GOOD.replace('layer_specs: [784, 128, 10]', 'layer_specs: [784, 128, 10'), expect: /YAML syntax error at line \d+, column \d+/ },
  { name: 'duplicate key', text: GOOD + 'seed: 3\n', expect: /YAML syntax error at line \d+, column \d+: duplicated mapping key/ },
  { name: 'empty file', text: '# nothing here\n', expect: /the file is empty, expected a mapping/ },
  { name: 'not a mapping', text: '- 784\n- 10\n', expect: /expected a mapping of config keys, found a list/ },
  { name: 'missing file', path: join(dir, 'nope.yaml'), expect: /nope\.yaml: config file not found/ },
  { name: 'directory instead of file', path: join(dir, 'a-directory'), expect: /a-directory: expected a config file, found a directory/ },
  { name: 'bad --epochs flag', args: ['--epochs', 'ten'], expect: /--epochs: expected an integer from 1 to 100000, found "ten"/ },
  { name: 'an alias bomb (billion laughs)', text: withLine('seed', LAUGHS), expect: /: seed: a YAML alias \(\*name\) of a list or mapping; configs do not take aliases/ },
  { name: 'a long list where a word belongs', text: withLine('activation', `[${Array.from({ length: 5000 }, (_, i) => i).join(', ')}]`), expect: /activation: expected one of tanh, sigmoid, ReLU, found a list \[0, 1, 2, 3, 4, \.\.\. \(5000 items\)\]$/ },
  { name: 'a long string where a word belongs', text: withLine('activation', 'x'.repeat(100000)), expect: /activation: expected one of tanh, sigmoid, ReLU, found the string "x{36}\.\.\.$/ },
  { name: 'a config file over 1 MiB', text: GOOD + `# ${'x'.repeat(2 ** 20)}\n`, expect: /bytes, more than the 1 MiB a config file can be/ },
  { name: 'bad --backend flag', args: ['--backend', 'gpu'], expect: /--backend: expected one of wasm, js, found "gpu"/ },
];

mkdirSync(join(dir, 'a-directory'));

for (const [i, c] of CASES.entries()) {
  test(`config error: ${c.name}`, () => {
    let path = c.path ?? join(ROOT, 'configs/config_6.yaml');
    if (c.text !== undefined) {
      path = join(dir, `case-${i}.yaml`);
      writeFileSync(path, c.text);
    }
    const out = join(dir, `run-${i}`);
    // A data directory that does not exist: validation must fail before any data is looked for.
    const r = runCli(['train', '--config', path, '--out', out, '--data-dir', join(dir, 'no-data'), ...(c.args ?? [])]);
    assert.equal(r.status, 2, `exit code for ${c.name}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
    assert.match(lines[0], c.expect);
    if (c.text !== undefined) assert.ok(lines[0].includes(path), `message names the file: ${lines[0]}`);
    assert.equal(r.stdout, '', 'nothing on stdout');
    assert.throws(() => readFileSync(join(out, 'config.yaml')), 'no run directory is written');
  });
}

test('every shipped config is valid and keeps the report\'s keys', () => {
  for (const name of ['config_4', 'config_6', 'config_7', 'config_7_l1', 'config_8', 'config_8_sigmoid']) {
    const c = parseConfig(readFileSync(join(ROOT, `configs/${name}.yaml`), 'utf8'), name);
    assert.equal(c.layer_specs?.[0], 784);
    assert.equal(c.batch_size, 128);
  }
});

test('missing optional keys take documented defaults; activation case is normalised', () => {
  const c = parseConfig('layer_specs: [784, 10]\nlearning_rate: 0.1\nbatch_size: 4\nepochs: 1\nactivation: relu\n', 'mini.yaml');
  assert.equal(c.activation, 'ReLU');
  assert.equal(c.early_stop_epoch, DEFAULTS.early_stop_epoch);
  assert.equal(c.L1_penalty, 0);
  assert.equal(c.seed, 0);
});

test('parse errors are ConfigError', () => {
  assert.throws(() => parseConfig('layer_specs: [784]\n', 'x.yaml'), ConfigError);
});
