// The "beyond the report" section of `wasmfit experiments` as data and Markdown: the shipped configs past the
// report (best_mlp for an MLP's accuracy, fast_mlp for the time to 88%, best_cnn for a CNN's), their seed spread scored from the saved model files,
// the time at which each first reached 88% test accuracy, and best_mlp's recipe in PyTorch. Pure and platform-neutral:
// the Node side (src/node/beyond.ts) runs the trainings and the peer and hands the outcomes here.

import { lineChartSvg, percent } from './charts.js';
import { pct } from './format.js';

/** The test accuracy whose first epoch is reported, and the PyTorch anchor it is measured against. */
export const TARGET_ACCURACY = 0.88;
/** Seeds per config: the spread, not a single lucky run. */
export const BEYOND_SEEDS = [0, 1, 2];

export interface BeyondRecipe {
  config: string;
  what: string;
  /** Why it ships. */
  role: string;
  /** The least test accuracy promised for the config's own seed. */
  floor: number;
  /** The most seconds the whole `wasmfit train` may take on two cores, where the config promises a budget. */
  wallLimit?: number;
}

export const BEYOND_RECIPES: BeyondRecipe[] = [
  { config: 'best_mlp', what: '784-512-256-10 ReLU, AdamW + cosine, dropout 0.2, smoothing 0.1, 24 epochs', role: 'the most accurate MLP recipe within a minute', floor: 0.9, wallLimit: 60 },
  { config: 'fast_mlp', what: '784-256-10 ReLU, AdamW + cosine, smoothing 0.1, 5 epochs', role: 'the shortest time to 88% test accuracy', floor: 0.88 },
  { config: 'best_cnn', what: 'CNN conv 3x3x32, pool, conv 3x3x64, pool, dense 128 ReLU, AdamW + cosine, smoothing 0.1, 10 epochs', role: 'a CNN past 92% within three minutes', floor: 0.92, wallLimit: 180 },
];
/** The recipe the PyTorch peer trains. */
export const PEER_RECIPE = 'best_mlp';

/** One epoch as the section reads it from a run's history.json (wasmfit's, with --test-each-epoch) or the peer's. */
export interface MonitoredEpoch {
  epoch: number;
  val_accuracy: number;
  test_accuracy?: number;
  elapsed_seconds?: number;
}

export interface TimeToTarget {
  epoch: number;
  seconds: number;
}

/** The first epoch whose test accuracy reached target, and the training seconds at its end; undefined if none did. */
export function timeToAccuracy(history: MonitoredEpoch[], target = TARGET_ACCURACY): TimeToTarget | undefined {
  const hit = history.find((r) => r.test_accuracy !== undefined && r.test_accuracy >= target);
  return hit && hit.elapsed_seconds !== undefined ? { epoch: hit.epoch, seconds: hit.elapsed_seconds } : undefined;
}

/** One seed of one config: `wasmfit train --test-each-epoch`, then `wasmfit evaluate` on its model file. */
export interface SeedOutcome {
  seed: number;
  /** The run directory, relative to the report. */
  run: string;
  /** From `wasmfit evaluate --model <run>/model.safetensors`: the number the section reports. */
  test_accuracy?: number;
  /** What train itself printed, which must agree. */
  train_test_accuracy?: number;
  epochs_run?: number;
  /** Training seconds (summary.json), and the wall seconds of the whole `wasmfit train` child from spawn to exit. */
  training_seconds?: number;
  wall_seconds?: number;
  median_epoch_seconds?: number;
  threads?: number;
  time_to_target?: TimeToTarget | null;
  /** The one-minute load average as the run started and as it ended. */
  load?: [number, number];
  /** The per-epoch numbers the comparison figure draws. */
  history?: MonitoredEpoch[];
  error?: string;
}

export interface RecipeOutcome {
  config: string;
  epochs: number;
  seeds: SeedOutcome[];
}

/** The PyTorch peer: ran, skipped (not importable, with the reason) or failed. */
export interface PeerOutcome {
  status: 'ran' | 'skipped' | 'failed';
  reason?: string;
  torch?: string;
  python?: string;
  executable?: string;
  threads?: number;
  config?: string;
  epochs?: number;
  /** Training seconds (the script's own clock) and the whole child process's wall time. */
  training_seconds?: number;
  wall_seconds?: number;
  /** The last epoch's test accuracy: the weights a cosine run without early stopping keeps. */
  test_accuracy?: number;
  time_to_target?: TimeToTarget | null;
  history?: (MonitoredEpoch & Record<string, number>)[];
  load?: [number, number];
}

export interface BeyondResults {
  quick: boolean;
  target: number;
  recipes: RecipeOutcome[];
  peer: PeerOutcome;
  environment: string;
  wall_seconds: number;
}

export interface Spread {
  mean: number;
  min: number;
  max: number;
  count: number;
}

export function spread(values: number[]): Spread | undefined {
  if (!values.length) return undefined;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values), count: values.length };
}

const scored = (r: RecipeOutcome) => r.seeds.filter((s) => !s.error && s.test_accuracy !== undefined);
export const accuracySpread = (r: RecipeOutcome) => spread(scored(r).map((s) => s.test_accuracy!));
const recipeOf = (config: string) => BEYOND_RECIPES.find((r) => r.config === config)!;
const first = (r: RecipeOutcome): SeedOutcome | undefined => r.seeds[0];
const secs = (s: number | undefined) => (s === undefined ? '—' : `${s.toFixed(1)} s`);
const reached = (t: TimeToTarget | null | undefined, target: number) => (t ? `${t.seconds.toFixed(1)} s (epoch ${t.epoch})` : `not reached ${pct(target)}`);
const seeds = (n: number) => `${n} seed${n === 1 ? '' : 's'}`;
const loadText = (l: [number, number] | undefined) => (l ? `${l[0].toFixed(1)} / ${l[1].toFixed(1)}` : '—');

function floorCell(recipe: BeyondRecipe, r: RecipeOutcome, quick: boolean): string {
  const s = scored(r);
  if (quick || !s.length) return pct(recipe.floor);
  return `${pct(recipe.floor)} met by ${s.filter((x) => x.test_accuracy! >= recipe.floor).length} of ${seeds(s.length)}`;
}

/** The results table's rows past the report: each recipe's seed spread, and the PyTorch peer's run. */
export function beyondRows(b: BeyondResults): string[] {
  const rows: string[] = [];
  for (const r of b.recipes) {
    const recipe = recipeOf(r.config), s = accuracySpread(r), seed0 = first(r);
    const acc = s ? `**${pct(s.mean)}** mean of ${seeds(s.count)}, min ${pct(s.min)}` : '**—**';
    const epochs = seed0?.epochs_run !== undefined ? `${seed0.epochs_run} / ${r.epochs}` : '—';
    const t = seed0?.wall_seconds !== undefined ? `${secs(seed0.wall_seconds)} wall (${seed0.median_epoch_seconds!.toFixed(2)} s)` : '—';
    rows.push(`| ${r.config} | ${recipe.what} | — | ${acc} | ${floorCell(recipe, r, b.quick)} | ${epochs} | ${t} |`);
  }
  const p = b.peer;
  if (p.status === 'ran') {
    const median = p.history!.map((h) => h.seconds).sort((x, y) => x - y)[Math.floor(p.history!.length / 2)];
    rows.push(`| ${p.config} in PyTorch ${p.torch} | the same recipe, data split and epochs | — | **${pct(p.test_accuracy!)}** seed ${b.recipes.find((r) => r.config === p.config)?.seeds[0]?.seed ?? 0} | — | ${p.epochs} / ${p.epochs} | ${secs(p.wall_seconds)} wall (${median.toFixed(2)} s) |`);
  } else {
    rows.push(`| ${PEER_RECIPE} in PyTorch | ${p.status === 'skipped' ? 'skipped' : 'failed'}: ${p.reason} | — | **—** | — | — | — |`);
  }
  return rows;
}

/** The sentence under the table: time to 88% test accuracy per config and for the peer, and the machine's load. */
export function beyondFootnote(b: BeyondResults): string {
  const times = b.recipes.map((r) => `${r.config} ${reached(first(r)?.time_to_target, b.target)}`);
  if (b.peer.status === 'ran') times.push(`${b.peer.config} in PyTorch ${reached(b.peer.time_to_target, b.target)}`);
  const loads = b.recipes.flatMap((r) => r.seeds.flatMap((s) => s.load ?? [])).concat(b.peer.load ?? []);
  const load = loads.length ? `; one-minute load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} during these runs` : '';
  return `Past the report: test accuracy scored by \`wasmfit evaluate\` from each seed's model.safetensors (seeds ${BEYOND_SEEDS.join(', ')}), the whole \`wasmfit train\` ` +
    `with its default threads; time to ${pct(b.target)} test accuracy (seed ${BEYOND_SEEDS[0]}, training seconds, the test split evaluated after each epoch ` +
    `for this only): ${times.join(', ')}${load}. Re-run this part alone with \`wasmfit experiments --only beyond\`.`;
}

/** Test accuracy per epoch: every seed of the peer's recipe, and the peer itself. */
export function comparisonChartSvg(b: BeyondResults): string {
  const r = b.recipes.find((x) => x.config === PEER_RECIPE);
  const series = (r?.seeds ?? []).filter((s) => s.history?.length).map((s) => ({ name: `wasmfit seed ${s.seed}`, values: s.history!.map((h) => h.test_accuracy ?? NaN) }));
  if (b.peer.status === 'ran') series.push({ name: `PyTorch ${b.peer.torch}`, values: b.peer.history!.map((h) => h.test_accuracy ?? NaN) });
  return lineChartSvg({ title: `${PEER_RECIPE}: test accuracy per epoch, wasmfit and PyTorch`, yLabel: 'test accuracy (monitor only)', series, format: percent, clamp: [0, 1] });
}

const wallGoals = () => 'the goal is at most ' + BEYOND_RECIPES.filter((r) => r.wallLimit).map((r) => `${r.wallLimit} s for ${r.config}`).join(' and ');

const figure = (path: string, alt: string, width = '32%') => `<a href="${path}"><img src="${path}" alt="${alt}" width="${width}"></a>`;

/** The report's section: what was run, the seed tables, the time to 88%, the peer, the figures. */
export function renderBeyond(b: BeyondResults, number: number): string {
  const out: string[] = [];
  out.push(`## ${number}. Beyond the report`, '');
  out.push(`Shipped configs past the report's hyper-parameters, each trained with seeds ${BEYOND_SEEDS.join(', ')} by \`wasmfit train --test-each-epoch\` ` +
    '(one run at a time, default threads) and scored by `wasmfit evaluate` from the saved `model.safetensors`. The test split evaluated after each epoch ' +
    `only draws the curves and times the first epoch at ${pct(b.target)}; the weights kept never depend on it. Wall time is the whole \`wasmfit train\` process ` +
    `(data loading and those test passes included; ${wallGoals()}); training time leaves the test passes out.` +
    (b.quick ? ' **Quick mode**: two epochs, a smoke test rather than a result.' : ''), '');
  for (const r of b.recipes) {
    const recipe = recipeOf(r.config), s = accuracySpread(r);
    out.push(`### ${r.config}: ${recipe.role}`, '', `[config](configs/${r.config}.yaml): ${recipe.what}.` +
      (s ? ` Test accuracy over ${seeds(s.count)}: mean ${pct(s.mean)}, min ${pct(s.min)}, max ${pct(s.max)}.` : ''), '');
    out.push(`| seed | test accuracy (evaluate) | time to ${pct(b.target)} test | training | wall (whole train) | threads | load (1 min, start / end) |`, '|---|---|---|---|---|---|---|');
    for (const x of r.seeds) {
      if (x.error) {
        out.push(`| [${x.seed}](${x.run}/) | not run: ${x.error} | — | — | — | — | ${loadText(x.load)} |`);
        continue;
      }
      out.push(`| [${x.seed}](${x.run}/) | **${pct(x.test_accuracy!)}** | ${reached(x.time_to_target, b.target)} | ${secs(x.training_seconds)} | ${secs(x.wall_seconds)} | ${x.threads ?? '—'} | ${loadText(x.load)} |`);
    }
    out.push('');
    const shown = first(r);
    if (shown && !shown.error) {
      out.push([figure(`${shown.run}/loss.svg`, `loss of ${r.config} seed ${shown.seed}`), figure(`${shown.run}/accuracy.svg`, `accuracy of ${r.config} seed ${shown.seed}`),
        figure(`${shown.run}/confusion.svg`, `confusion matrix of ${r.config} seed ${shown.seed}`)].join(' '), '');
    }
  }
  out.push(`### ${PEER_RECIPE} in PyTorch`, '');
  const p = b.peer;
  if (p.status === 'ran') {
    out.push(`The same network, initialisation, AdamW (decay on the weights only), per-batch cosine schedule, dropout, label smoothing, batch size and ` +
      `${p.epochs} epochs, on the rows of wasmfit's seed-${b.recipes.find((r) => r.config === p.config)?.seeds[0]?.seed ?? 0} split normalised as wasmfit normalises them ` +
      `(\`src/report/peers/torch_recipe.py\`); PyTorch ${p.torch} on Python ${p.python} (${p.executable}), ${p.threads} threads. ` +
      `Test accuracy ${pct(p.test_accuracy!)} after the last epoch, time to ${pct(b.target)} ${reached(p.time_to_target, b.target)}, ` +
      `training ${secs(p.training_seconds)}, wall ${secs(p.wall_seconds)} (the process, from Python's start), load ${loadText(p.load)}.`, '');
  } else {
    out.push(`${p.status === 'skipped' ? 'Skipped' : 'Failed'}: ${p.reason}`, '');
  }
  out.push(figure('beyond.svg', `${PEER_RECIPE}: test accuracy per epoch, wasmfit and PyTorch`, '60%'), '');
  return out.join('\n');
}
