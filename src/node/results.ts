#!/usr/bin/env node
// `npm run results`: trains every report config to completion (early stopping included) with the CLI,
// and writes results/results.json and results/results.md, the table the README shows next to the report's
// numbers. Runs one config after another, so the times are comparable.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeAtomic } from './files.js';
import { PACKAGE_ROOT } from './data-files.js';

/** The report's test accuracies and the floors this project promises. */
export const EXPERIMENTS = [
  { config: 'config_4', what: 'softmax regression', report: 0.8415, floor: 0.84 },
  { config: 'config_6', what: 'tanh + momentum', report: 0.8818, floor: 0.88 },
  { config: 'config_7', what: 'tanh + momentum + L2 1e-4', report: 0.8852, floor: 0.883 },
  { config: 'config_7_l1', what: 'tanh + momentum + L1 1e-5', report: 0.8853, floor: 0.883 },
  { config: 'config_8', what: 'ReLU + momentum + L2 1e-4', report: 0.8791, floor: 0.877 },
  { config: 'config_8_sigmoid', what: 'sigmoid + momentum + L2 1e-4', report: 0.8583, floor: 0.855 },
];

const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
const outDir = join(PACKAGE_ROOT, 'results');
const backend = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'wasm';

mkdirSync(outDir, { recursive: true });
const rows = [];
for (const e of EXPERIMENTS) {
  const runDir = join(outDir, 'runs', e.config);
  process.stderr.write(`results: training ${e.config} (${e.what})\n`);
  const r = spawnSync(process.execPath, [cli, 'train', '--config', join(PACKAGE_ROOT, 'configs', `${e.config}.yaml`), '--backend', backend, '--out', runDir, '--quiet'], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`results: ${e.config} failed with exit code ${r.status}\n`);
    process.exit(1);
  }
  const s = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  rows.push({ ...e, test_accuracy: s.test_accuracy, test_loss: s.test_loss, best_epoch: s.best_epoch, epochs_run: s.epochs_run, seconds: s.seconds, median_epoch_seconds: s.median_epoch_seconds, meets_floor: s.test_accuracy >= e.floor });
}

const environment = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, backend, date: new Date().toISOString().slice(0, 10) };
writeAtomic(join(outDir, 'results.json'), JSON.stringify({ environment, rows }, null, 2) + '\n');
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const md = [
  `| config | model | report | wasmfit | floor | best epoch / run | time (median epoch) |`,
  `|---|---|---|---|---|---|---|`,
  ...rows.map((r) => `| ${r.config} | ${r.what} | ${pct(r.report)} | **${pct(r.test_accuracy)}** | ${pct(r.floor)} ${r.meets_floor ? 'met' : 'MISSED'} | ${r.best_epoch} / ${r.epochs_run} | ${r.seconds.toFixed(1)} s (${r.median_epoch_seconds.toFixed(2)} s) |`),
  '',
  `Test accuracy on the 10,000 test images with the weights of the lowest validation loss; seed 0; ${backend} back end; ` +
    `Node ${environment.node}, ${environment.cpu}, ${environment.cores} cores, ${environment.date}. Re-run with \`npm run results\`.`,
].join('\n');
writeAtomic(join(outDir, 'results.md'), md + '\n');
console.log(md);
if (rows.some((r) => !r.meets_floor)) process.exitCode = 1;
