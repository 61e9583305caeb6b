// `wasmfit experiments --quick` end to end, on a small synthetic data set (--no-verify: a smoke test of the
// command, not of the accuracy, which the full run and test/train.test.ts cover): every planned run leaves
// its config and figures, the report links only files that exist, the README table has its six rows, and
// the sweep configs carry their penalties. The section beyond the report: every number traced to the file it
// comes from (the model file as `wasmfit evaluate` scores it, the history's test passes), PyTorch run when it is
// importable and skipped with the reason when not, and `--only beyond` keeping the report's part. Plus the
// report's Markdown from hand-made outcomes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { plan, renderReport, resultsTable, SHIPPED, type RunOutcome } from '../src/report/experiments.js';
import { parseConfig } from '../src/config/schema.js';
import { BEYOND_RECIPES, BEYOND_SEEDS, timeToAccuracy, type BeyondResults } from '../src/report/beyond.js';
import { DEFAULT_PYTHONS } from '../src/bench/python-peers.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-experiments-'));

test('the plan: the report\'s sweeps in full, a reduced one in --quick, each run trained once', () => {
  const full = plan(false), quick = plan(true);
  assert.deepEqual(full.runs.map((r) => r.id).sort(), ['config_4', 'config_6', 'config_7', 'config_7_l1', 'config_7_l1_1e-3', 'config_7_l1_1e-4', 'config_7_l1_1e-6',
    'config_7_l2_1e-2', 'config_7_l2_1e-3', 'config_8', 'config_8_sigmoid']);
  assert.deepEqual(full.experiments.find((e) => e.id === 'l2')!.rows.map((r) => r.label), ['L2 1e-2', 'L2 1e-3', 'L2 1e-4 (config_7)']);
  assert.deepEqual(full.experiments.find((e) => e.id === 'l1')!.rows.map((r) => r.label), ['L1 1e-3', 'L1 1e-4', 'L1 1e-5 (config_7_l1)', 'L1 1e-6']);
  assert.ok(quick.runs.length < full.runs.length);
  assert.deepEqual(full.runs.find((r) => r.id === 'config_7_l1_1e-6')!.overrides, { L1_penalty: 1e-6 });
});

test('the Markdown: ours next to the report\'s, floors met or MISSED, failed runs said', () => {
  const { experiments } = plan(false);
  const config = parseConfig('layer_specs: [784, 10]\nlearning_rate: 0.01\nbatch_size: 128\nepochs: 100\n', 'inline');
  const outcomes = new Map<string, RunOutcome>(SHIPPED.map((s, i) => [s.config, {
    id: s.config, config, test_accuracy: s.floor + (i === 1 ? -0.001 : 0.002), best_epoch: 40 + i, epochs_run: 45 + i, stop_reason: 'early_stop', seconds: 30 + i, median_epoch_seconds: 0.5,
  }]));
  outcomes.set('config_7_l2_1e-2', { id: 'config_7_l2_1e-2', config, error: 'exit code 1' });
  const input = { experiments, outcomes, quick: false, environment: 'Node test', backend: 'wasm', jobs: 2, wallSeconds: 500, gradcheck: { command: 'wasmfit gradcheck', output: 'all 12 gradients agree', ok: true } };
  const table = resultsTable(input);
  assert.match(table, /^\| config_4 \| softmax regression \| 84\.15% \| \*\*84\.20%\*\* \| 84\.00% met \| 40 \/ 45 \| 30\.0 s \(0\.50 s\) \|$/m);
  assert.match(table, /^\| config_6 .* \| 88\.00% MISSED \|/m);
  assert.match(table, /2 runs at a time \(one kernel thread each\), 8 min 20 s for the whole report/);
  const md = renderReport(input);
  assert.match(md, /\| \[L2 1e-2\]\(runs\/config_7_l2_1e-2\/\) \| — \| \*\*—\*\* \| — \| not run: exit code 1 \|/);
  assert.match(md, /## 6\. Gradient check[\s\S]*all 12 gradients agree/);
  assert.match(md, /<img src="runs\/config_8\/confusion\.svg"/);
});

test('wasmfit experiments --quick writes the report, the README table, every run\'s figures and the sweep figures', () => {
  const data = writeSyntheticDataDir(join(tmp, 'data'), 600, 200);
  const out = join(tmp, 'report');
  const started = Date.now();
  const r = runCli(['experiments', '--quick', '--data-dir', data, '--no-verify', '--out', out]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // A guard against a hang, not a speed test: the section beyond the report trains nine more runs and starts PyTorch.
  assert.ok(Date.now() - started < 300_000);
  assert.doesNotMatch(r.stdout, /[\r\x1b]/);
  const { runs } = plan(true);
  for (const run of runs) {
    for (const f of ['loss.svg', 'accuracy.svg', 'confusion.svg', 'summary.json', 'history.json']) assert.ok(existsSync(join(out, 'runs', run.id, f)), `${run.id}/${f}`);
    assert.match(r.stdout, new RegExp(`^\\[\\d+/${runs.length}\\] ${run.id}: test \\d+\\.\\d\\d%, best epoch \\d+ / 2, `, 'm'));
  }
  const sweep = readFileSync(join(out, 'configs', 'config_7_l2_1e-2.yaml'), 'utf8');
  assert.match(sweep, /^L2_penalty: 0\.01$/m);
  assert.match(sweep, /^epochs: 2$/m);

  const md = readFileSync(join(out, 'report.md'), 'utf8');
  for (const title of ['Softmax regression', 'One hidden layer with momentum', 'L2 regularisation sweep', 'L1 regularisation sweep', 'tanh, sigmoid and ReLU', 'Gradient check', 'Beyond the report']) {
    assert.match(md, new RegExp(`^## \\d\\. ${title}$`, 'm'));
  }
  assert.match(md, /`wasmfit gradcheck --config configs\/config_7\.yaml --backend wasm` passed/);
  // The data section: Figure 1 as an image file with the class names, and Table 2 with its totals row.
  assert.match(md, /^## The data$/m);
  assert.match(readFileSync(join(out, 'samples.svg'), 'utf8'), /<svg[^>]*>[\s\S]*T-shirt\/top[\s\S]*Ankle boot/);
  assert.match(md, /^all\s+\d+\s+\d+\s+\d+\s+\d+$/m);
  // Every linked file exists.
  const links = [...md.matchAll(/(?:src|href)="([^"]+)"|\]\(([^)]+)\)/g)].map((m) => m[1] ?? m[2]);
  assert.ok(links.length > 30);
  for (const link of links) assert.ok(existsSync(join(out, link)), `link ${link}`);
  for (const sweepFigure of ['l2.svg', 'l1.svg', 'activations.svg']) assert.match(readFileSync(join(out, sweepFigure), 'utf8'), /<g class="series" data-name=/);

  const results = readFileSync(join(out, 'results.md'), 'utf8');
  const table = results.split('\n').filter((l) => /^\| config_/.test(l));
  assert.deepEqual(table.map((l) => l.split(' | ')[0].slice(2)), SHIPPED.map((s) => s.config));
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.equal(json.quick, true);
  assert.equal(json.runs.length, runs.length);
  assert.ok(json.gradcheck.ok);

  // Beyond the report: each recipe's seeds, scored from the model files, beside the report's rows.
  const beyond: BeyondResults = json.beyond;
  assert.deepEqual(beyond.recipes.map((x) => x.config), BEYOND_RECIPES.map((x) => x.config));
  for (const recipe of beyond.recipes) {
    assert.match(results, new RegExp(`^\\| ${recipe.config} \\| .* \\| — \\| \\*\\*\\d+\\.\\d\\d%\\*\\* mean of ${BEYOND_SEEDS.length} seeds, min \\d+\\.\\d\\d% \\|`, 'm'));
    assert.deepEqual(recipe.seeds.map((s) => s.seed), BEYOND_SEEDS);
    for (const s of recipe.seeds) {
      const dir = join(out, s.run);
      const ev = runCli(['evaluate', '--model', join(dir, 'model.safetensors'), '--data-dir', data, '--no-verify', '--json']);
      assert.equal(ev.status, 0, ev.stderr);
      assert.equal(s.test_accuracy, JSON.parse(ev.stdout).test_accuracy, `${s.run}: the reported accuracy is the model file's`);
      assert.equal(s.train_test_accuracy, JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).test_accuracy);
      const history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
      assert.equal(history.config.seed, s.seed);
      assert.equal(history.history.length, 2);
      assert.deepEqual(s.time_to_target, timeToAccuracy(history.history, beyond.target) ?? null);
      assert.ok(s.wall_seconds! > s.training_seconds!, `${s.run}: the whole process takes longer than its training`);
      assert.match(md, new RegExp(`^\\| \\[${s.seed}\\]\\(${s.run}/\\) \\| \\*\\*${(100 * s.test_accuracy!).toFixed(2)}%\\*\\* \\|`, 'm'));
    }
  }
  // PyTorch runs the same recipe when an interpreter imports torch, and is skipped with the reason when none does.
  const torch = DEFAULT_PYTHONS.some((p) => spawnSync(p, ['-c', 'import torch']).status === 0);
  if (torch) {
    assert.equal(beyond.peer.status, 'ran', beyond.peer.reason);
    assert.equal(beyond.peer.history!.length, 2);
    assert.equal(beyond.peer.test_accuracy, beyond.peer.history!.at(-1)!.test_accuracy);
    assert.deepEqual(beyond.peer.time_to_target, timeToAccuracy(beyond.peer.history!, beyond.target) ?? null);
    assert.match(results, /^\| best_mlp in PyTorch \S+ \| the same recipe, data split and epochs \| — \| \*\*\d+\.\d\d%\*\* seed 0 \|/m);
  } else {
    assert.equal(beyond.peer.status, 'skipped');
    assert.match(results, /^\| best_mlp in PyTorch \| skipped: PyTorch is not importable/m);
  }
  assert.match(results, /time to 88\.00% test accuracy .*: best_mlp (\d+\.\d s \(epoch \d\)|not reached 88\.00%), fast_mlp/);
  const comparison = readFileSync(join(out, 'beyond.svg'), 'utf8');
  for (const s of BEYOND_SEEDS) assert.match(comparison, new RegExp(`<g class="series" data-name="wasmfit seed ${s}" data-points="2">`));
  assert.equal(/data-name="PyTorch /.test(comparison), torch);
});

test('wasmfit experiments --only beyond re-runs that section and keeps the report\'s part; a Python that is not there is a skip with the reason', () => {
  const out = join(tmp, 'report');
  const before = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const r = runCli(['experiments', '--quick', '--only', 'beyond', '--python', join(tmp, 'no-such-python'), '--data-dir', join(tmp, 'data'), '--no-verify', '--out', out]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /^\[\d+\/\d+\] config_/m);
  const after = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.deepEqual(after.runs, before.runs);
  assert.deepEqual(after.gradcheck, before.gradcheck);
  assert.equal(after.beyond.peer.status, 'skipped');
  assert.match(after.beyond.peer.reason, /no-such-python: not found/);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /## 6\. Gradient check/);
  assert.match(md, /^Skipped: PyTorch is not importable \(.*no-such-python: not found\)/m);
  assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /^\| config_4 \| softmax regression \| 84\.15% \| \*\*\d+\.\d\d%\*\* \|/m);
});
