// Config validation as a user meets it: every kind of mistake is one line on stderr naming the file and
// key (or flag), what was expected and what was found, with exit code 2, before any data is read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToYaml, parseConfig, DEFAULTS } from '../src/config/schema.js';
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
  { name: 'first layer beyond what the kernels take', text: withLine('layer_specs', '[65537, 128, 10]'), expect: /layer_specs: expected the first layer \(the pixels of one image\) to be at most 65536 \(256x256\), found 65537/ },
  { name: 'one class', text: withLine('layer_specs', '[784, 128, 1]'), expect: /layer_specs: expected the last layer \(one unit per class\) to be 2 to 256, found 1/ },
  { name: 'unknown key in data', text: GOOD + 'data: { nam: mnist }\n', expect: /data: unknown key "nam" \(did you mean "name"\?\); expected one of name, dir, validation_fraction/ },
  { name: 'unknown data set', text: GOOD + 'data: { name: cifar-10 }\n', expect: /data: name: expected one of fashion-mnist, mnist, kmnist, emnist-byclass, .*found the string "cifar-10" \(for a set of your own, leave out name and put a dataset\.yaml beside its files\)/ },
  { name: 'validation fraction of 1', text: GOOD + 'data: { validation_fraction: 1 }\n', expect: /data: validation_fraction: expected a number > 0 and < 1, found 1/ },
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
  { name: 'not a mapping', text: '- 784\n- 10\n', expect: /expected a mapping of config keys such as layer_specs and learning_rate, found a list/ },
  { name: 'missing file', path: join(dir, 'nope.yaml'), expect: /nope\.yaml: config file not found/ },
  { name: 'directory instead of file', path: join(dir, 'a-directory'), expect: /a-directory: expected a config file, found a directory/ },
  { name: 'bad --epochs flag', args: ['--epochs', 'ten'], expect: /--epochs: expected an integer from 1 to 100000, found "ten"/ },
  { name: 'an alias bomb (billion laughs)', text: withLine('seed', LAUGHS), expect: /: seed: a YAML alias \(\*name\) of a list or mapping; configs do not take aliases/ },
  { name: 'a long list where a word belongs', text: withLine('activation', `[${Array.from({ length: 5000 }, (_, i) => i).join(', ')}]`), expect: /activation: expected one of tanh, sigmoid, ReLU, found a list \[0, 1, 2, 3, 4, \.\.\. \(5000 items\)\]$/ },
  { name: 'a long string where a word belongs', text: withLine('activation', 'x'.repeat(100000)), expect: /activation: expected one of tanh, sigmoid, ReLU, found the string "x{36}\.\.\.$/ },
  { name: 'a config file over 1 MiB', text: GOOD + `# ${'x'.repeat(2 ** 20)}\n`, expect: /bytes, more than the 1 MiB a config file can be/ },
  { name: 'bad --backend flag', args: ['--backend', 'gpu'], expect: /--backend: expected one of wasm, js, found "gpu"/ },
  // The training options past the report's keys: each key's own check, then the combinations that contradict.
  { name: 'misspelt new key', text: GOOD + 'weight_decy: 0.01\n', expect: /unknown key "weight_decy" \(did you mean "weight_decay"\?\)/ },
  { name: 'unknown optimizer', text: GOOD + 'optimizer: rmsprop\n', expect: /optimizer: expected one of sgd, adam, adamw, found the string "rmsprop"/ },
  { name: 'adam with momentum', text: GOOD + 'optimizer: adam\n', expect: /momentum: optimizer adam keeps its own moving average \(beta1\); expected momentum: false/ },
  { name: 'nesterov not a boolean', text: GOOD + 'nesterov: 1\n', expect: /nesterov: expected true or false, found number 1/ },
  { name: 'nesterov without momentum', text: withLine('momentum', 'false') + 'nesterov: true\n', expect: /nesterov: the Nesterov step needs optimizer sgd with momentum: true/ },
  { name: 'beta1 of 1', text: withLine('momentum', 'false') + 'optimizer: adam\nbeta1: 1\n', expect: /beta1: expected a number >= 0 and < 1, found 1/ },
  { name: 'negative beta2', text: withLine('momentum', 'false') + 'optimizer: adamw\nbeta2: -0.5\n', expect: /beta2: expected a number >= 0 and < 1, found -0.5/ },
  { name: 'epsilon of 0', text: withLine('momentum', 'false') + 'optimizer: adam\nepsilon: 0\n', expect: /epsilon: expected a number > 0, found 0/ },
  { name: 'beta1 under sgd', text: GOOD + 'beta1: 0.8\n', expect: /beta1: applies to optimizer adam or adamw, not sgd/ },
  { name: 'negative weight decay', text: withLine('momentum', 'false') + 'optimizer: adamw\nweight_decay: -1\n', expect: /weight_decay: expected a number >= 0, found -1/ },
  { name: 'weight decay under adam', text: withLine('momentum', 'false') + 'optimizer: adam\nweight_decay: 0.01\n', expect: /weight_decay: decoupled weight decay applies to optimizer adamw; with adam use L2_penalty/ },
  { name: 'unknown schedule', text: GOOD + 'lr_schedule: linear\n', expect: /lr_schedule: expected one of constant, step, cosine, found the string "linear"/ },
  { name: 'negative warm-up', text: GOOD + 'lr_warmup_epochs: -1\n', expect: /lr_warmup_epochs: expected a number >= 0, found -1/ },
  { name: 'warm-up as long as the run', text: GOOD + 'lr_warmup_epochs: 100\n', expect: /lr_warmup_epochs: expected fewer than epochs \(100\), found 100/ },
  { name: 'warm-up past --epochs', args: ['--epochs', '2'], text: GOOD + 'lr_warmup_epochs: 3\n', expect: /lr_warmup_epochs: expected fewer than epochs \(2\), found 3/ },
  { name: 'step every 0 epochs', text: GOOD + 'lr_schedule: step\nlr_step_epochs: 0\n', expect: /lr_step_epochs: expected an integer from 1 to \d+, found 0/ },
  { name: 'step factor above 1', text: GOOD + 'lr_schedule: step\nlr_step_factor: 1.5\n', expect: /lr_step_factor: expected a number > 0 and <= 1, found 1.5/ },
  { name: 'step keys under cosine', text: GOOD + 'lr_schedule: cosine\nlr_step_epochs: 5\n', expect: /lr_step_epochs: applies to lr_schedule step, not cosine/ },
  { name: 'lr_min without cosine', text: GOOD + 'lr_min: 0.0001\n', expect: /lr_min: applies to lr_schedule cosine, not constant/ },
  { name: 'lr_min above the rate', text: GOOD + 'lr_schedule: cosine\nlr_min: 0.01\n', expect: /lr_min: expected a rate below learning_rate 0.001, found 0.01/ },
  { name: 'dropout of 1', text: GOOD + 'dropout: 1\n', expect: /dropout: expected a number >= 0 and < 1, found 1/ },
  { name: 'dropout rate out of range in a list', text: GOOD + 'dropout: [1.5]\n', expect: /dropout: expected a number >= 0 and < 1, found 1.5 at position 0/ },
  { name: 'dropout list of the wrong length', text: GOOD + 'dropout: [0.1, 0.2]\n', expect: /dropout: expected one rate per hidden layer \(1 for layer_specs \[784, 128, 10\]\), found 2/ },
  { name: 'dropout without hidden layers', text: withLine('layer_specs', '[784, 10]') + 'dropout: 0.2\n', expect: /dropout: applies to hidden layers, and layer_specs has none/ },
  { name: 'label smoothing of 1', text: GOOD + 'label_smoothing: 1\n', expect: /label_smoothing: expected a number >= 0 and < 1, found 1/ },
  { name: 'shift past the maximum', text: GOOD + 'augment_shift: 5\n', expect: /augment_shift: expected an integer from 0 to 4, found 5/ },
  { name: 'fractional shift', text: GOOD + 'augment_shift: 1.5\n', expect: /augment_shift: expected an integer >= 0, found number 1.5/ },
  { name: 'flip not a boolean', text: GOOD + 'augment_flip: "yes"\n', expect: /augment_flip: expected true or false, found the string "yes"/ },
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

test('the training options take documented defaults that change nothing, and a written config reads back the same', () => {
  const c = parseConfig('layer_specs: [784, 10]\nlearning_rate: 0.1\nbatch_size: 4\nepochs: 1\n', 'mini.yaml');
  assert.deepEqual([c.optimizer, c.nesterov, c.weight_decay, c.lr_schedule, c.lr_warmup_epochs, c.dropout, c.label_smoothing, c.augment_shift, c.augment_flip],
    ['sgd', false, 0, 'constant', 0, 0, 0, 0, false]);
  const full = parseConfig(GOOD.replace('momentum: true', 'momentum: false') + 'optimizer: adamw\nweight_decay: 0.01\nlr_schedule: cosine\nlr_min: 0.00001\n'
    + 'lr_warmup_epochs: 0.5\ndropout: [0.3]\nlabel_smoothing: 0.1\naugment_shift: 2\naugment_flip: true\n', 'full.yaml');
  assert.deepEqual(parseConfig(configToYaml(full), 'written.yaml'), full);
});

test('parse errors are ConfigError', () => {
  assert.throws(() => parseConfig('layer_specs: [784]\n', 'x.yaml'), ConfigError);
});
