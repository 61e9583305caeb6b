// `wasmfit experiments [--quick] [--out DIR]`: rebuilds the report's experiments in one command. Every run
// is `wasmfit train` in a child process (runs are independent, so --jobs of them at once, one kernel thread
// each), then the gradient check; it writes OUT/report.md, OUT/results.md (the README's table),
// OUT/results.json, one validation-loss figure per sweep, and per run OUT/configs/<id>.yaml and OUT/runs/<id>/.

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { configToYaml, type Config } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { lineChartSvg } from '../../report/charts.js';
import { duration, plan, renderReport, resultsTable, type RunOutcome, type RunSpec } from '../../report/experiments.js';
import { loadConfig } from '../config-file.js';
import type { BackendName } from '../../core/kernels/kernels.js';
import { PACKAGE_ROOT } from '../data-files.js';
import { makeDirectory, writeAtomic } from '../files.js';
import { defaultThreads } from '../threads.js';
import { SIGNAL_EXIT_CODES } from '../interrupts.js';
import { jsonNumbers } from '../progress.js';
import { pct } from '../../report/format.js';
import { CLI, runChild } from '../cli-child.js';

export interface ExperimentsOptions {
  quick?: boolean;
  out: string;
  jobs?: number;
  backend: BackendName;
  dataDir?: string;
  verify: boolean;
}

/** Epochs per run in --quick mode. */
const QUICK_EPOCHS = 2;

export async function experimentsCommand(options: ExperimentsOptions): Promise<void> {
  const backend = options.backend;
  const quick = options.quick === true;
  const out = resolve(options.out);
  const { experiments, runs } = plan(quick);
  const jobs = Math.min(runs.length, options.jobs ?? defaultThreads());
  const common = ['--backend', backend, ...(options.dataDir ? ['--data-dir', options.dataDir] : []), ...(options.verify ? [] : ['--no-verify'])];

  // Every config is resolved and checked before any training starts.
  makeDirectory(join(out, 'configs'), 'output directory');
  const configs = new Map<string, Config>();
  for (const run of runs) {
    const config: Config = { ...loadConfig(join(PACKAGE_ROOT, 'configs', `${run.base}.yaml`)), ...run.overrides };
    if (quick) config.epochs = Math.min(config.epochs, QUICK_EPOCHS);
    configs.set(run.id, config);
    const changed = Object.entries(run.overrides).map(([k, v]) => `${k} ${v}`).join(', ');
    writeAtomic(join(out, 'configs', `${run.id}.yaml`), `# configs/${run.base}.yaml${changed ? ` with ${changed}` : ''}${quick ? `, ${config.epochs} epochs (--quick)` : ''}\n${configToYaml(config)}`);
  }
  if (!existsSync(CLI)) throw new ConfigError(`experiments: ${CLI} is missing`, 'run npm run build');

  console.log(`wasmfit experiments${quick ? ' --quick' : ''}: ${runs.length} runs, ${jobs} at a time${jobs > 1 ? ' (--threads 1 each)' : ''}, then the gradient check; writing ${out}`);
  const started = performance.now();
  const outcomes = new Map<string, RunOutcome>();
  const children = new Set<ChildProcess>();
  let interrupted: keyof typeof SIGNAL_EXIT_CODES | undefined;
  const onSignal = (name: keyof typeof SIGNAL_EXIT_CODES) => {
    if (interrupted) process.exit(SIGNAL_EXIT_CODES[name]);
    interrupted = name;
    console.log(`wasmfit experiments: ${name}: stopping the running trainings (each saves its run) and writing the report of what finished`);
    for (const c of children) c.kill(name);
  };
  const onInt = () => onSignal('SIGINT'), onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  // Longest first (more epochs and slower activations), so the last job to start is a short one.
  const order = [...runs].sort((a, b) => cost(configs.get(b.id)!) - cost(configs.get(a.id)!));
  let next = 0, finished = 0;
  const worker = async () => {
    while (next < order.length && !interrupted) {
      const run = order[next++];
      const outcome = await trainRun(run, configs.get(run.id)!, out, [...common, ...(jobs > 1 ? ['--threads', '1'] : [])], children);
      outcomes.set(run.id, outcome);
      finished++;
      const what = outcome.error ? `FAILED: ${outcome.error}` :
        `test ${pct(outcome.test_accuracy!)}, best epoch ${outcome.best_epoch} / ${outcome.epochs_run}, ${outcome.seconds!.toFixed(1)} s`;
      console.log(`[${finished}/${runs.length}] ${run.id}: ${what}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, worker));
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  for (const run of runs) if (!outcomes.has(run.id)) outcomes.set(run.id, { id: run.id, config: configs.get(run.id)!, error: 'interrupted before it started' });

  let gradcheck;
  if (!interrupted) {
    const args = ['gradcheck', '--config', join(PACKAGE_ROOT, 'configs', 'config_7.yaml'), ...common];
    const r = await runChild(args, children);
    gradcheck = { command: `wasmfit gradcheck --config configs/config_7.yaml --backend ${backend}`, output: r.stdout + (r.code === 0 ? '' : r.stderr), ok: r.code === 0 };
    console.log(`gradient check: ${gradcheck.ok ? 'all gradients agree' : 'FAILED'}`);
  }

  // The report's Figure 1 and Table 2: the data set itself, drawn and counted by `samples` and `inspect`.
  let data;
  if (!interrupted) {
    const dataArgs = common.filter((_, i, a) => a[i] !== '--backend' && a[i - 1] !== '--backend');
    const samples = await runChild(['samples', '--out', join(out, 'samples.svg'), ...dataArgs], children);
    const inspect = await runChild(['inspect', ...dataArgs], children);
    data = {
      samples: samples.code === 0 ? 'samples.svg' : undefined,
      statistics: inspect.code === 0 ? inspect.stdout : `wasmfit inspect failed: ${inspect.stderr.trim()}`,
    };
  }

  for (const e of experiments) {
    if (!e.sweep) continue;
    const series = e.rows.map((r) => ({ name: r.label.replace(/ \(.*\)$/, ''), values: readHistory(join(out, 'runs', r.run)).map((h) => h.val_loss) }));
    writeAtomic(join(out, `${e.id}.svg`), lineChartSvg({ title: `Validation loss by ${e.sweep}`, yLabel: 'validation cross-entropy (nats)', series }));
  }

  const wallSeconds = (performance.now() - started) / 1000;
  const input = {
    experiments, outcomes, quick, backend, jobs, wallSeconds, gradcheck, data,
    environment: `Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
    note: interrupted ? `Interrupted (${interrupted}): runs that did not finish are marked.` : undefined,
  };
  writeAtomic(join(out, 'report.md'), renderReport(input));
  writeAtomic(join(out, 'results.md'), resultsTable(input) + '\n');
  writeAtomic(join(out, 'results.json'), JSON.stringify({ quick, backend, jobs, wall_seconds: wallSeconds, environment: input.environment, runs: [...outcomes.values()] }, jsonNumbers, 2) + '\n');
  console.log(resultsTable(input));
  const shown = relative(process.cwd(), out);
  console.log(`report: ${shown.startsWith('..') ? join(out, 'report.md') : join(shown || '.', 'report.md')} (${duration(wallSeconds)})`);

  if (interrupted) {
    process.exitCode = SIGNAL_EXIT_CODES[interrupted];
    return;
  }
  const failed = [...outcomes.values()].filter((o) => o.error).length;
  const missed = quick ? [] : experiments.flatMap((e) => e.rows).filter((r) => r.floor !== undefined && (outcomes.get(r.run)?.test_accuracy ?? 0) < r.floor);
  if (failed || missed.length || (gradcheck && !gradcheck.ok)) {
    console.error(`wasmfit: error: ${[failed && `${failed} runs failed`, missed.length && `missed floors: ${[...new Set(missed.map((r) => r.run))].join(', ')}`, gradcheck && !gradcheck.ok && 'the gradient check failed'].filter(Boolean).join('; ')}`);
    process.exitCode = 1;
  }
}

/** A rough relative cost of a run, to start the long ones first. */
function cost(c: Config): number {
  const sizes = c.layer_specs ?? [];
  return c.epochs * sizes.slice(1).reduce((a, n, i) => a + n * sizes[i], 0) * (c.activation === 'sigmoid' ? 1.3 : 1);
}

async function trainRun(run: RunSpec, config: Config, out: string, args: string[], children: Set<ChildProcess>): Promise<RunOutcome> {
  const dir = join(out, 'runs', run.id);
  rmSync(dir, { recursive: true, force: true });
  const r = await runChild(['train', '--config', join(out, 'configs', `${run.id}.yaml`), '--out', dir, '--quiet', ...args], children);
  const summaryPath = join(dir, 'summary.json');
  // A signal that arrives before training starts (while the data loads) ends the child with nothing to save.
  const why = () => (r.signal ? `stopped by ${r.signal} before training started` : r.stderr.trim().split('\n').at(-1) || `exit code ${r.code}`);
  if (!existsSync(summaryPath)) return { id: run.id, config, error: why() };
  const s = JSON.parse(readFileSync(summaryPath, 'utf8'));
  const outcome: RunOutcome = {
    id: run.id, config, test_accuracy: s.test_accuracy, best_epoch: s.best_epoch, epochs_run: s.epochs_run,
    stop_reason: s.stop_reason, seconds: s.seconds, median_epoch_seconds: s.median_epoch_seconds,
  };
  if (r.code !== 0) outcome.error = s.stop_reason === 'interrupted' ? 'interrupted' : why();
  return outcome;
}

function readHistory(dir: string): { val_loss: number }[] {
  try {
    return JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).history.map((h: { val_loss: number | string }) => ({ val_loss: Number(h.val_loss) }));
  } catch {
    return [];
  }
}
