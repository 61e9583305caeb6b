// The report's experiments as data (which configs and sweeps, the report's accuracies, our floors) and
// the Markdown that presents our results beside the report's. Platform-neutral and pure: the Node command
// (src/node/commands/experiments.ts) runs the trainings and hands the outcomes to these functions.

import { networkSpec, type Config } from '../config/schema.js';
import { describeSpec } from '../core/networks.js';
import { pct } from './format.js';
import { beyondFootnote, beyondRows, renderBeyond, type BeyondResults } from './beyond.js';

/** One training run: a shipped config, possibly with a penalty changed for a sweep. */
export interface RunSpec {
  id: string;
  /** The shipped config it starts from (configs/<base>.yaml). */
  base: string;
  overrides: Partial<Pick<Config, 'L2_penalty' | 'L1_penalty'>>;
}

export interface ExperimentRow {
  run: string;
  label: string;
  /** The report's test accuracy, where it gives one. */
  report?: number;
  /** The least test accuracy this project promises for the shipped config. */
  floor?: number;
}

export interface Experiment {
  id: string;
  title: string;
  about: string;
  rows: ExperimentRow[];
  /** A sweep gets one figure of every run's validation loss. */
  sweep?: string;
}

/** The shipped configs, in the README table's order, with the report's numbers and our floors. */
export const SHIPPED = [
  { config: 'config_4', what: 'softmax regression', report: 0.8415, floor: 0.84 },
  { config: 'config_6', what: 'tanh + momentum', report: 0.8818, floor: 0.88 },
  { config: 'config_7', what: 'tanh + momentum + L2 1e-4', report: 0.8852, floor: 0.883 },
  { config: 'config_7_l1', what: 'tanh + momentum + L1 1e-5', report: 0.8853, floor: 0.883 },
  { config: 'config_8', what: 'ReLU + momentum + L2 1e-4', report: 0.8791, floor: 0.877 },
  { config: 'config_8_sigmoid', what: 'sigmoid + momentum + L2 1e-4', report: 0.8583, floor: 0.855 },
] as const;

const shipped = (config: string) => SHIPPED.find((s) => s.config === config)!;
const fromShipped = (config: string, label: string): ExperimentRow => ({ run: config, label, report: shipped(config).report, floor: shipped(config).floor });

/** The report's sweeps (its ranges); --quick keeps two strengths of each, one of them the shipped value. */
export const L2_SWEEP = [1e-2, 1e-3, 1e-4];
export const L1_SWEEP = [1e-3, 1e-4, 1e-5, 1e-6];
const QUICK_L2 = [1e-2, 1e-4];
const QUICK_L1 = [1e-3, 1e-5];
const SHIPPED_L2 = 1e-4, SHIPPED_L1 = 1e-5;

export const sci = (x: number) => x.toExponential().replace(/\.0+e/, 'e').replace('e+', 'e');

function sweepRows(base: string, key: 'L2_penalty' | 'L1_penalty', values: number[], shippedValue: number, runs: Map<string, RunSpec>): ExperimentRow[] {
  const name = key === 'L2_penalty' ? 'L2' : 'L1';
  return values.map((v) => {
    if (v === shippedValue) return fromShipped(base, `${name} ${sci(v)} (${base})`);
    const id = base.endsWith(`_${name.toLowerCase()}`) ? `${base}_${sci(v)}` : `${base}_${name.toLowerCase()}_${sci(v)}`;
    runs.set(id, { id, base, overrides: { [key]: v } });
    return { run: id, label: `${name} ${sci(v)}` };
  });
}

/** The experiments and the distinct runs they need (a run shared by two experiments is trained once). */
export function plan(quick: boolean): { experiments: Experiment[]; runs: RunSpec[] } {
  const runs = new Map<string, RunSpec>(SHIPPED.map((s) => [s.config, { id: s.config, base: s.config, overrides: {} }]));
  const experiments: Experiment[] = [
    { id: 'softmax', title: 'Softmax regression', about: 'No hidden layer: 784 inputs straight to the 10-way softmax, plain SGD.', rows: [fromShipped('config_4', 'softmax regression (config_4)')] },
    { id: 'momentum', title: 'One hidden layer with momentum', about: '784-128-10 with tanh, SGD with momentum 0.9.', rows: [fromShipped('config_6', 'tanh + momentum (config_6)')] },
    { id: 'l2', title: 'L2 regularisation sweep', about: 'config_7 (config_6 plus an L2 penalty on the weights) at the report\'s range of strengths.', sweep: 'L2 penalty',
      rows: sweepRows('config_7', 'L2_penalty', quick ? QUICK_L2 : L2_SWEEP, SHIPPED_L2, runs) },
    { id: 'l1', title: 'L1 regularisation sweep', about: 'config_7_l1 (config_6 plus an L1 penalty on the weights) at the report\'s range of strengths.', sweep: 'L1 penalty',
      rows: sweepRows('config_7_l1', 'L1_penalty', quick ? QUICK_L1 : L1_SWEEP, SHIPPED_L1, runs) },
    { id: 'activations', title: 'tanh, sigmoid and ReLU', about: 'The same network and L2 1e-4 with each hidden activation.', sweep: 'activation',
      rows: [fromShipped('config_7', 'tanh (config_7)'), fromShipped('config_8_sigmoid', 'sigmoid (config_8_sigmoid)'), fromShipped('config_8', 'ReLU (config_8)')] },
  ];
  return { experiments, runs: [...runs.values()] };
}

/** What a finished run left behind (summary.json), or why it has none. */
export interface RunOutcome {
  id: string;
  config: Config;
  test_accuracy?: number;
  best_epoch?: number;
  epochs_run?: number;
  stop_reason?: string;
  seconds?: number;
  median_epoch_seconds?: number;
  /** Set when the run failed or was not started. */
  error?: string;
}

export interface ReportInput {
  experiments: Experiment[];
  outcomes: Map<string, RunOutcome>;
  quick: boolean;
  /** "Node v20.20.2, AMD EPYC, 2 cores, 2026-11-27" and the like. */
  environment: string;
  backend: string;
  jobs: number;
  wallSeconds: number;
  /** The gradient check's printed table, if it ran. */
  gradcheck?: { command: string; output: string; ok: boolean };
  /** A note to print under the title (for instance: interrupted). */
  note?: string;
  /** The data set: the samples figure's path (Figure 1) and the statistics table as printed (Table 2). */
  data?: { samples?: string; statistics: string };
  /** The section past the report (src/report/beyond.ts), when it ran here. */
  beyond?: BeyondResults;
}

const pctOrDash = (x: number | undefined) => (x === undefined ? '—' : pct(x));
const time = (s: number | undefined) => (s === undefined ? '—' : `${s.toFixed(1)} s`);

export function duration(seconds: number): string {
  return seconds < 90 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

function floorCell(row: { floor?: number }, o: RunOutcome | undefined, quick: boolean): string {
  if (row.floor === undefined) return '—';
  if (quick || o?.test_accuracy === undefined) return pctOrDash(row.floor);
  return `${pctOrDash(row.floor)} ${o.test_accuracy >= row.floor ? 'met' : 'MISSED'}`;
}

function epochsCell(o: RunOutcome | undefined): string {
  if (o?.error === 'interrupted') return `interrupted after ${o.epochs_run ?? 0} epochs`;
  if (!o || o.error) return o?.error ? `not run: ${o.error}` : '—';
  const why = o.stop_reason === 'early_stop' ? 'early stop' : o.stop_reason === 'max_epochs' ? 'all epochs' : o.stop_reason ?? '';
  return `${o.best_epoch} / ${o.epochs_run} (${why})`;
}

/** The README's table: the six shipped configs, the report's accuracy, ours, the floor, epochs and time. */
export function resultsTable(input: ReportInput): string {
  const lines = [
    '| config | model | report | wasmfit | floor | best epoch / run | time (median epoch) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of SHIPPED) {
    const o = input.outcomes.get(s.config);
    const epochs = o && !o.error ? `${o.best_epoch} / ${o.epochs_run}` : '—';
    const t = o && !o.error ? `${time(o.seconds)} (${o.median_epoch_seconds!.toFixed(2)} s)` : '—';
    lines.push(`| ${s.config} | ${s.what} | ${pctOrDash(s.report)} | **${pctOrDash(o?.test_accuracy)}** | ${floorCell(s, o, input.quick)} | ${epochs} | ${t} |`);
  }
  if (input.beyond) lines.push(...beyondRows(input.beyond));
  lines.push('', `Test accuracy on the ${input.quick ? 'test images' : '10,000 test images'} with the weights of the lowest validation loss; seed 0; ` +
    `${input.backend} back end; ${input.environment}; ${input.jobs} run${input.jobs > 1 ? 's' : ''} at a time` +
    `${input.jobs > 1 ? ' (one kernel thread each)' : ''}, ${duration(input.wallSeconds)} for the whole report. Re-run with \`npm run results\` (\`wasmfit experiments\`).`);
  if (input.beyond) lines.push('', beyondFootnote(input.beyond));
  return lines.join('\n');
}

function configLine(c: Config): string {
  const parts = [
    c.layer_specs ? c.layer_specs.join('-') + (c.layer_specs.length > 2 ? ` ${c.activation}` : '') : describeSpec(networkSpec(c)),
    `learning rate ${c.learning_rate}`, `batch ${c.batch_size}`, `up to ${c.epochs} epochs`,
    c.momentum ? `momentum ${c.momentum_gamma}` : 'no momentum',
    ...(c.L2_penalty ? [`L2 ${sci(c.L2_penalty)}`] : []), ...(c.L1_penalty ? [`L1 ${sci(c.L1_penalty)}`] : []),
    c.early_stop ? `early stop (${c.early_stop_rule}, patience ${c.early_stop_epoch})` : 'no early stop',
    `seed ${c.seed}`,
  ];
  return parts.join(', ');
}

/** A figure at a third of the page's width, linking to itself at full size. */
const figure = (path: string, alt: string, width = '32%') => `<a href="${path}"><img src="${path}" alt="${alt}" width="${width}"></a>`;
const figures = (run: string) =>
  [figure(`runs/${run}/loss.svg`, `loss of ${run}`), figure(`runs/${run}/accuracy.svg`, `accuracy of ${run}`), figure(`runs/${run}/confusion.svg`, `confusion matrix of ${run}`)].join(' ');

/** The whole report: a summary table, then per experiment its configs, results and figures, then the gradient check. */
export function renderReport(input: ReportInput): string {
  const out: string[] = [];
  out.push(`# wasmfit: the report's experiments${input.quick ? ' (quick)' : ''}`, '');
  out.push(`Generated by \`wasmfit experiments${input.quick ? ' --quick' : ''}\`. Each run is \`wasmfit train\` on a config below; ` +
    'its directory under `runs/` holds the history, the model and the figures.' +
    (input.quick ? ' **Quick mode**: two epochs per run and a reduced sweep, a smoke test rather than a result; the floors are not checked.' : ''), '');
  if (input.note) out.push(`**${input.note}**`, '');
  out.push('## Results', '', resultsTable(input), '');
  if (input.data) {
    out.push('## The data', '', 'Training images per class (`wasmfit samples`, the report\'s Figure 1) and the statistics of the split ' +
      '(`wasmfit inspect`, its Table 2).', '');
    if (input.data.samples) out.push(figure(input.data.samples, 'training images per class', '60%'), '');
    out.push('```text', input.data.statistics.trimEnd(), '```', '');
  }

  input.experiments.forEach((e, i) => {
    out.push(`## ${i + 1}. ${e.title}`, '', e.about, '');
    out.push('| run | report | wasmfit | floor | best epoch / epochs run | training time |', '|---|---|---|---|---|---|');
    for (const r of e.rows) {
      const o = input.outcomes.get(r.run);
      out.push(`| [${r.label}](runs/${r.run}/) | ${pctOrDash(r.report)} | **${pctOrDash(o?.test_accuracy)}** | ${floorCell(r, o, input.quick)} | ${epochsCell(o)} | ${time(o?.seconds)} |`);
    }
    out.push('');
    for (const r of e.rows) {
      const o = input.outcomes.get(r.run);
      if (o) out.push(`- \`${r.run}\` ([config](configs/${r.run}.yaml)): ${configLine(o.config)}`);
    }
    out.push('');
    if (e.sweep) out.push(figure(`${e.id}.svg`, `validation loss by ${e.sweep}`, '60%'), '');
    for (const r of e.rows) {
      if (input.outcomes.get(r.run)?.error) continue;
      out.push(`**${r.label}**`, '', figures(r.run), '');
    }
  });

  if (input.gradcheck) {
    out.push(`## ${input.experiments.length + 1}. Gradient check`, '', `\`${input.gradcheck.command}\` ${input.gradcheck.ok ? 'passed' : '**FAILED**'}:`, '');
    out.push('```text', input.gradcheck.output.trimEnd(), '```', '');
  }
  if (input.beyond) out.push(renderBeyond(input.beyond, input.experiments.length + (input.gradcheck ? 2 : 1)));
  out.push('Figures: the loss and accuracy per epoch (train and validation; dotted: the epoch whose weights were kept, dashed: where early stopping ended the run) and the confusion matrix on the test set with each class\'s accuracy.', '');
  return out.join('\n');
}
