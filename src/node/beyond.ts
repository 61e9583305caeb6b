// Runs the experiments' "beyond the report" section: for each config past the report (src/report/beyond.ts), every
// seed as `wasmfit train --test-each-epoch` with its default threads, one at a time so the wall times are the
// config's own, then `wasmfit evaluate` on the saved model file; then best_mlp's recipe in PyTorch. Writes the
// configs, the run directories and beyond.svg into the report's directory; the Markdown is the caller's.

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { configToYaml, type Config } from '../config/schema.js';
import { BEYOND_RECIPES, BEYOND_SEEDS, comparisonChartSvg, PEER_RECIPE, TARGET_ACCURACY, timeToAccuracy, type BeyondResults, type MonitoredEpoch, type RecipeOutcome, type SeedOutcome } from '../report/beyond.js';
import { pct } from '../report/format.js';
import { runChild } from './cli-child.js';
import { loadConfig } from './config-file.js';
import { PACKAGE_ROOT } from './data-files.js';
import { writeAtomic } from './files.js';
import { defaultThreads } from './threads.js';
import { torchRecipe } from './torch-recipe.js';

export interface BeyondOptions {
  out: string;
  /** Epochs per run in quick mode (undefined: the configs' own). */
  quickEpochs?: number;
  /** --backend, --data-dir, --no-verify as the other runs get them. */
  common: string[];
  dataDir?: string;
  verify: boolean;
  /** Interpreters for the PyTorch peer; empty skips it. */
  pythons: string[];
  environment: string;
  children: Set<ChildProcess>;
  interrupted(): boolean;
  log(line: string): void;
}

export async function runBeyond(o: BeyondOptions): Promise<BeyondResults> {
  const started = performance.now();
  const quick = o.quickEpochs !== undefined;
  const configs = new Map<string, Config>();
  for (const r of BEYOND_RECIPES) {
    const config = loadConfig(join(PACKAGE_ROOT, 'configs', `${r.config}.yaml`));
    if (quick) config.epochs = Math.min(config.epochs, o.quickEpochs!);
    configs.set(r.config, config);
    writeAtomic(join(o.out, 'configs', `${r.config}.yaml`), `# configs/${r.config}.yaml${quick ? `, ${config.epochs} epochs (--quick)` : ''}; trained with seeds ${BEYOND_SEEDS.join(', ')}\n${configToYaml(config)}`);
  }
  const recipes: RecipeOutcome[] = [];
  for (const r of BEYOND_RECIPES) {
    const config = configs.get(r.config)!;
    const seeds: SeedOutcome[] = [];
    for (const seed of BEYOND_SEEDS) {
      if (o.interrupted()) break;
      const s = await seedRun(r.config, seed, o);
      seeds.push(s);
      o.log(`beyond: ${r.config} seed ${seed}: ${s.error ? `FAILED: ${s.error}` : `test ${pct(s.test_accuracy!)} (evaluate), ${s.time_to_target ? `${pct(TARGET_ACCURACY)} at ${s.time_to_target.seconds.toFixed(1)} s (epoch ${s.time_to_target.epoch})` : `${pct(TARGET_ACCURACY)} not reached`}, wall ${s.wall_seconds!.toFixed(1)} s, load ${s.load![0].toFixed(1)}`}`);
    }
    recipes.push({ config: r.config, epochs: config.epochs, seeds });
  }

  const peerConfig = configs.get(PEER_RECIPE)!;
  const peer = o.interrupted() ? { status: 'skipped' as const, reason: 'interrupted' } : await torchRecipe({
    config: peerConfig, pythons: o.pythons, threads: defaultThreads(), dataDir: o.dataDir, verify: o.verify, children: o.children,
  });
  if (peer.status === 'ran') peer.config = PEER_RECIPE;
  o.log(`beyond: ${PEER_RECIPE} in PyTorch: ${peer.status === 'ran' ? `test ${pct(peer.test_accuracy!)}, ${peer.time_to_target ? `${pct(TARGET_ACCURACY)} at ${peer.time_to_target.seconds.toFixed(1)} s` : `${pct(TARGET_ACCURACY)} not reached`}, wall ${peer.wall_seconds!.toFixed(1)} s` : `${peer.status}: ${peer.reason}`}`);

  const results: BeyondResults = { quick, target: TARGET_ACCURACY, recipes, peer, environment: o.environment, wall_seconds: (performance.now() - started) / 1000 };
  writeAtomic(join(o.out, 'beyond.svg'), comparisonChartSvg(results));
  return results;
}

/** One seed: train (timed as a whole process), then score the saved model file with `wasmfit evaluate`. */
async function seedRun(config: string, seed: number, o: BeyondOptions): Promise<SeedOutcome> {
  const run = `runs/${config}_seed${seed}`, dir = join(o.out, run);
  rmSync(dir, { recursive: true, force: true });
  const load: [number, number] = [loadavg()[0], 0];
  const t = await runChild(['train', '--config', join(o.out, 'configs', `${config}.yaml`), '--seed', String(seed), '--out', dir, '--quiet', '--test-each-epoch', ...o.common], o.children);
  load[1] = loadavg()[0];
  const outcome: SeedOutcome = { seed, run, wall_seconds: t.seconds, load };
  const lastLine = (text: string) => text.trim().split('\n').at(-1) || `exit code ${t.code}`;
  if (t.code !== 0 || !existsSync(join(dir, 'model.safetensors'))) return { ...outcome, error: t.signal ? `stopped by ${t.signal}` : lastLine(t.stderr) };
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const history = (JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).history as MonitoredEpoch[])
    .map((h) => ({ epoch: h.epoch, val_accuracy: Number(h.val_accuracy), test_accuracy: h.test_accuracy === undefined ? undefined : Number(h.test_accuracy), elapsed_seconds: h.elapsed_seconds }));
  Object.assign(outcome, {
    train_test_accuracy: summary.test_accuracy, epochs_run: summary.epochs_run, training_seconds: summary.seconds, median_epoch_seconds: summary.median_epoch_seconds,
    threads: summary.threads, time_to_target: timeToAccuracy(history) ?? null, history,
  });
  const e = await runChild(['evaluate', '--model', join(dir, 'model.safetensors'), '--json', ...o.common], o.children);
  if (e.code !== 0) return { ...outcome, error: `wasmfit evaluate: ${lastLine(e.stderr)}` };
  outcome.test_accuracy = JSON.parse(e.stdout).test_accuracy;
  return outcome;
}
