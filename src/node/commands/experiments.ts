// `wasmfit experiments [--quick] [--only report|beyond] [--out DIR]`: rebuilds the report's experiments in one
// command. Every run is `wasmfit train` in a child process (runs are independent, so --jobs of them at once, one
// kernel thread each), then the gradient check; then the section beyond the report (src/node/beyond.ts), one run at
// a time. It writes OUT/report.md, OUT/results.md (the README's table), OUT/results.json (everything both render
// from, so that --only re-runs one part and keeps the other's last results), one validation-loss figure per sweep,
// and per run OUT/configs/<id>.yaml and OUT/runs/<id>/.

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { configToYaml, type Config } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { lineChartSvg } from '../../report/charts.js';
import { duration, plan, renderReport, resultsTable, type ReportInput, type RunOutcome, type RunSpec } from '../../report/experiments.js';
import { BEYOND_RECIPES, BEYOND_SEEDS, type BeyondResults } from '../../report/beyond.js';
import { runBeyond } from '../beyond.js';
import { DEFAULT_PYTHONS } from '../../bench/python-peers.js';
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
  /** One part only: the report's runs, or the section beyond the report; the other part's last results are kept. */
  only?: 'report' | 'beyond';
  /** The Python for the PyTorch peer (default: the bench's interpreters in order); false skips it. */
  python?: boolean | string;
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
  const doReport = options.only !== 'beyond', doBeyond = options.only !== 'report';
  const pythons = options.python === false ? [] : typeof options.python === 'string' ? [options.python] : DEFAULT_PYTHONS;

  // Every config is resolved and checked before any training starts.
  makeDirectory(join(out, 'configs'), 'output directory');
  const configs = new Map<string, Config>();
  for (const run of runs) {
    const config: Config = { ...loadConfig(join(PACKAGE_ROOT, 'configs', `${run.base}.yaml`)), ...run.overrides };
    if (quick) config.epochs = Math.min(config.epochs, QUICK_EPOCHS);
    configs.set(run.id, config);
    if (!doReport) continue;
    const changed = Object.entries(run.overrides).map(([k, v]) => `${k} ${v}`).join(', ');
    writeAtomic(join(out, 'configs', `${run.id}.yaml`), `# configs/${run.base}.yaml${changed ? ` with ${changed}` : ''}${quick ? `, ${config.epochs} epochs (--quick)` : ''}\n${configToYaml(config)}`);
  }
  if (!existsSync(CLI)) throw new ConfigError(`experiments: ${CLI} is missing`, 'run npm run build');
  // The part not re-run keeps its last results, from the same mode.
  const previous = readPrevious(join(out, 'results.json'), quick);

  const parts = [doReport && `${runs.length} runs, ${jobs} at a time${jobs > 1 ? ' (--threads 1 each)' : ''}, then the gradient check`,
    doBeyond && `the section beyond the report (${BEYOND_RECIPES.length} configs x ${BEYOND_SEEDS.length} seeds, one at a time, and PyTorch)`].filter(Boolean);
  console.log(`wasmfit experiments${quick ? ' --quick' : ''}${options.only ? ` --only ${options.only}` : ''}: ${parts.join('; ')}; writing ${out}`);
  const started = performance.now();
  const environment = `Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`;
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

  let report: ReportPart;
  let beyond: BeyondResults | undefined = previous?.beyond;
  try {
    report = doReport ? await runReport({ runs, configs, out, jobs, common, children, interrupted: () => interrupted !== undefined }) : previousReport(previous, runs, configs);
    if (doReport && !interrupted) {
      for (const e of experiments) {
        if (!e.sweep) continue;
        const series = e.rows.map((r) => ({ name: r.label.replace(/ \(.*\)$/, ''), values: readHistory(join(out, 'runs', r.run)).map((h) => h.val_loss) }));
        writeAtomic(join(out, `${e.id}.svg`), lineChartSvg({ title: `Validation loss by ${e.sweep}`, yLabel: 'validation cross-entropy (nats)', series }));
      }
    }
    if (doBeyond && !interrupted) {
      beyond = await runBeyond({
        out, quickEpochs: quick ? QUICK_EPOCHS : undefined, common, dataDir: options.dataDir, verify: options.verify, pythons, environment, children,
        interrupted: () => interrupted !== undefined, log: (line) => console.log(line),
      });
    }
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }

  const wallSeconds = (performance.now() - started) / 1000;
  const input = {
    experiments, outcomes: report.outcomes, quick, backend, jobs: report.jobs, wallSeconds: report.wallSeconds, gradcheck: report.gradcheck, data: report.data, beyond,
    environment: report.environment ?? environment,
    note: interrupted ? `Interrupted (${interrupted}): runs that did not finish are marked.` : report.note,
  };
  writeAtomic(join(out, 'report.md'), renderReport(input));
  writeAtomic(join(out, 'results.md'), resultsTable(input) + '\n');
  writeAtomic(join(out, 'results.json'), JSON.stringify({
    quick, backend, jobs: report.jobs, wall_seconds: report.wallSeconds, environment: input.environment, runs: [...report.outcomes.values()],
    gradcheck: report.gradcheck, data: report.data, beyond,
  }, jsonNumbers, 2) + '\n');
  console.log(resultsTable(input));
  const shown = relative(process.cwd(), out);
  console.log(`report: ${shown.startsWith('..') ? join(out, 'report.md') : join(shown || '.', 'report.md')} (${duration(wallSeconds)})`);

  if (interrupted) {
    process.exitCode = SIGNAL_EXIT_CODES[interrupted];
    return;
  }
  const outcomes = report.outcomes;
  const failed = doReport ? [...outcomes.values()].filter((o) => o.error).length : 0;
  const missed = quick || !doReport ? [] : experiments.flatMap((e) => e.rows).filter((r) => r.floor !== undefined && (outcomes.get(r.run)?.test_accuracy ?? 0) < r.floor);
  const beyondProblems = doBeyond && beyond ? beyondFailures(beyond) : [];
  const gradcheck = doReport ? report.gradcheck : undefined;
  if (failed || missed.length || (gradcheck && !gradcheck.ok) || beyondProblems.length) {
    console.error(`wasmfit: error: ${[failed && `${failed} runs failed`, missed.length && `missed floors: ${[...new Set(missed.map((r) => r.run))].join(', ')}`, gradcheck && !gradcheck.ok && 'the gradient check failed', ...beyondProblems].filter(Boolean).join('; ')}`);
    process.exitCode = 1;
  }
}

/** The report's part of a run of experiments: every run's outcome, the gradient check, the data section. */
interface ReportPart {
  outcomes: Map<string, RunOutcome>;
  jobs: number;
  wallSeconds: number;
  gradcheck?: ReportInput['gradcheck'];
  data?: ReportInput['data'];
  environment?: string;
  note?: string;
}

async function runReport(o: { runs: RunSpec[]; configs: Map<string, Config>; out: string; jobs: number; common: string[]; children: Set<ChildProcess>; interrupted(): boolean }): Promise<ReportPart> {
  const { runs, configs, out, jobs, common, children } = o;
  const started = performance.now();
  const outcomes = new Map<string, RunOutcome>();
  // Longest first (more epochs and slower activations), so the last job to start is a short one.
  const order = [...runs].sort((a, b) => cost(configs.get(b.id)!) - cost(configs.get(a.id)!));
  let next = 0, finished = 0;
  const worker = async () => {
    while (next < order.length && !o.interrupted()) {
      const run = order[next++];
      const outcome = await trainRun(run, configs.get(run.id)!, out, [...common, ...(jobs > 1 ? ['--threads', '1'] : [])], children);
      outcomes.set(run.id, outcome);
      finished++;
      const what = outcome.error ? `FAILED: ${outcome.error}` :
        `test ${pct(outcome.test_accuracy!)}, best epoch ${outcome.best_epoch} / ${outcome.epochs_run}, ${outcome.seconds!.toFixed(1)} s`;
      console.log(`[${finished}/${runs.length}] ${run.id}: ${what}`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  for (const run of runs) if (!outcomes.has(run.id)) outcomes.set(run.id, { id: run.id, config: configs.get(run.id)!, error: 'interrupted before it started' });

  let gradcheck;
  if (!o.interrupted()) {
    const backend = common[common.indexOf('--backend') + 1];
    const args = ['gradcheck', '--config', join(PACKAGE_ROOT, 'configs', 'config_7.yaml'), ...common];
    const r = await runChild(args, children);
    gradcheck = { command: `wasmfit gradcheck --config configs/config_7.yaml --backend ${backend}`, output: r.stdout + (r.code === 0 ? '' : r.stderr), ok: r.code === 0 };
    console.log(`gradient check: ${gradcheck.ok ? 'all gradients agree' : 'FAILED'}`);
  }

  // The report's Figure 1 and Table 2: the data set itself, drawn and counted by `samples` and `inspect`.
  let data;
  if (!o.interrupted()) {
    const dataArgs = common.filter((_, i, a) => a[i] !== '--backend' && a[i - 1] !== '--backend');
    const samples = await runChild(['samples', '--out', join(out, 'samples.svg'), ...dataArgs], children);
    const inspect = await runChild(['inspect', ...dataArgs], children);
    data = {
      samples: samples.code === 0 ? 'samples.svg' : undefined,
      statistics: inspect.code === 0 ? inspect.stdout : `wasmfit inspect failed: ${inspect.stderr.trim()}`,
    };
  }
  return { outcomes, jobs, wallSeconds: (performance.now() - started) / 1000, gradcheck, data };
}

interface PreviousResults {
  jobs?: number;
  wall_seconds?: number;
  environment?: string;
  runs?: RunOutcome[];
  gradcheck?: ReportInput['gradcheck'];
  data?: ReportInput['data'];
  beyond?: BeyondResults;
}

/** The last results.json in this directory, if it came from the same mode (--quick or not). */
function readPrevious(path: string, quick: boolean): PreviousResults | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    return doc?.quick === quick ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** --only beyond: the report's part as the last full run left it, or every run marked as not run. */
function previousReport(previous: PreviousResults | undefined, runs: RunSpec[], configs: Map<string, Config>): ReportPart {
  const outcomes = new Map<string, RunOutcome>();
  for (const r of previous?.runs ?? []) if (runs.some((x) => x.id === r.id)) outcomes.set(r.id, r);
  for (const run of runs) if (!outcomes.has(run.id)) outcomes.set(run.id, { id: run.id, config: configs.get(run.id)!, error: 'not run (wasmfit experiments --only beyond, with no earlier results here)' });
  return {
    outcomes, jobs: previous?.jobs ?? 1, wallSeconds: previous?.wall_seconds ?? 0, gradcheck: previous?.gradcheck, data: previous?.data, environment: previous?.environment,
    note: previous?.runs ? undefined : 'Only the section beyond the report was run here (--only beyond).',
  };
}

/** What makes the section a failure: a seed that did not train or score, a train/evaluate disagreement, a missed floor. */
function beyondFailures(b: BeyondResults): string[] {
  const problems: string[] = [];
  for (const r of b.recipes) {
    const recipe = BEYOND_RECIPES.find((x) => x.config === r.config)!;
    for (const s of r.seeds) {
      if (s.error) problems.push(`${r.config} seed ${s.seed} failed`);
      else if (s.test_accuracy !== s.train_test_accuracy) problems.push(`${r.config} seed ${s.seed}: evaluate says ${s.test_accuracy}, train said ${s.train_test_accuracy}`);
    }
    const own = r.seeds[0];
    if (!b.quick && own && !own.error && own.test_accuracy! < recipe.floor) problems.push(`missed floor: ${r.config} (${pct(own.test_accuracy!)} < ${pct(recipe.floor)})`);
  }
  return problems;
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
