// The figures of a run, as SVG strings: a line chart of per-epoch series (loss, accuracy, a sweep's
// validation curves) with the best and early-stop epochs marked, and the confusion matrix. Pure functions
// from data to text, platform-neutral, so the CLI writes them into the run directory and a web page can
// insert the same markup. Elements carry data-* attributes (series names, axis ranges, marker epochs) so
// tests and scripts can read a figure without rendering it.

import { el, epochTicks, esc, niceTicks, px, svgDocument } from './svg.js';

/** Colour-blind-safe (Okabe-Ito) colours, in series order. */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'];

export interface LineSeries {
  name: string;
  /** values[i] belongs to epoch i + 1; non-finite values leave a gap. */
  values: number[];
  color?: string;
  dashed?: boolean;
}

export interface EpochMarker {
  epoch: number;
  /** 'best' (the weights kept) or 'stop' (where early stopping ended the run). */
  kind: 'best' | 'stop';
  label: string;
}

export interface LineChartOptions {
  title: string;
  yLabel: string;
  xLabel?: string;
  series: LineSeries[];
  markers?: EpochMarker[];
  /** Tick label format; the default prints up to four significant digits. */
  format?: (y: number) => string;
  /** Keep the axis inside these bounds (for accuracies: [0, 1]). */
  clamp?: [number, number];
  width?: number;
  height?: number;
}

const defaultFormat = (y: number) => String(Number(y.toPrecision(4)));
export const percent = (y: number) => `${Number((100 * y).toFixed(2))}%`;
const fixedPercent = (y: number, digits = 2) => `${(100 * y).toFixed(digits)}%`;

/** A line chart of per-epoch values: epochs on x, one polyline (with gaps for non-finite values) per series. */
export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 640, height = o.height ?? 400;
  const box = { left: 72, right: width - 20, top: 40, bottom: height - 78 };
  const format = o.format ?? defaultFormat;
  const epochs = Math.max(1, ...o.series.map((s) => s.values.length));
  const finite = o.series.flatMap((s) => s.values.filter(Number.isFinite));
  let lo = finite.length ? Math.min(...finite) : 0, hi = finite.length ? Math.max(...finite) : 1;
  if (o.clamp) [lo, hi] = [Math.max(o.clamp[0], lo), Math.min(o.clamp[1], hi)];
  const inClamp = (t: number) => !o.clamp || (t >= o.clamp[0] - 1e-12 && t <= o.clamp[1] + 1e-12);
  const nice = niceTicks(lo, hi, 5).filter(inClamp);
  const yTicks = nice.length ? nice : [lo, hi];
  const yMin = Math.min(yTicks[0], lo), yMax = Math.max(yTicks[yTicks.length - 1], hi);
  const x = (epoch: number) => (epochs === 1 ? (box.left + box.right) / 2 : box.left + ((epoch - 1) / (epochs - 1)) * (box.right - box.left));
  const y = (v: number) => box.bottom - ((v - yMin) / (yMax - yMin || 1)) * (box.bottom - box.top);

  const body: string[] = [];
  body.push(el('text', { x: width / 2, y: 22, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 600 }, esc(o.title)));

  // Axes: grid lines, ticks and labels. data-min/data-max are the axis range in data units.
  const yAxis = yTicks.map((t) => [
    el('line', { x1: box.left, x2: box.right, y1: px(y(t)), y2: px(y(t)), stroke: '#e3e3e3' }),
    el('text', { x: box.left - 6, y: px(y(t) + 4), 'text-anchor': 'end', fill: '#444' }, esc(format(t))),
  ].join('\n'));
  body.push(el('g', { class: 'axis y', 'data-min': yMin, 'data-max': yMax }, [
    ...yAxis,
    el('line', { x1: box.left, x2: box.left, y1: box.top, y2: box.bottom, stroke: '#888' }),
    el('text', { x: 16, y: (box.top + box.bottom) / 2, transform: `rotate(-90 16 ${(box.top + box.bottom) / 2})`, 'text-anchor': 'middle', class: 'label' }, esc(o.yLabel)),
  ]));
  const xAxis = epochTicks(epochs).map((t) => [
    el('line', { x1: px(x(t)), x2: px(x(t)), y1: box.bottom, y2: box.bottom + 5, stroke: '#888' }),
    el('text', { x: px(x(t)), y: box.bottom + 19, 'text-anchor': 'middle', fill: '#444' }, String(t)),
  ].join('\n'));
  body.push(el('g', { class: 'axis x', 'data-min': 1, 'data-max': epochs }, [
    ...xAxis,
    el('line', { x1: box.left, x2: box.right, y1: box.bottom, y2: box.bottom, stroke: '#888' }),
    el('text', { x: (box.left + box.right) / 2, y: box.bottom + 38, 'text-anchor': 'middle', class: 'label' }, esc(o.xLabel ?? 'epoch')),
  ]));

  // Markers first, so the curves draw over them.
  for (const m of o.markers ?? []) {
    if (!(m.epoch >= 1 && m.epoch <= epochs)) continue;
    const color = m.kind === 'best' ? '#2a7d2a' : '#9a1c1c';
    body.push(el('g', { class: `marker ${m.kind}`, 'data-epoch': m.epoch }, [
      el('line', { x1: px(x(m.epoch)), x2: px(x(m.epoch)), y1: box.top, y2: box.bottom, stroke: color, 'stroke-width': 1.5, 'stroke-dasharray': m.kind === 'stop' ? '6 4' : '2 3' }),
    ]));
  }

  o.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    // One polyline per run of finite values.
    const runs: string[][] = [[]];
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) runs[runs.length - 1].push(`${px(x(i + 1))},${px(y(v))}`);
      else if (runs[runs.length - 1].length) runs.push([]);
    });
    const lines = runs.filter((r) => r.length).map((r) => r.length === 1
      ? el('circle', { cx: r[0].split(',')[0], cy: r[0].split(',')[1], r: 2.5, fill: color })
      : el('polyline', { points: r.join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'stroke-dasharray': s.dashed ? '6 3' : undefined }));
    body.push(el('g', { class: 'series', 'data-name': s.name, 'data-points': s.values.length }, lines));
  });

  // Legend below the plot: series, then markers.
  const legend: string[] = [];
  let lx = box.left;
  const ly = height - 16;
  o.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    legend.push(el('line', { x1: lx, x2: lx + 22, y1: ly - 4, y2: ly - 4, stroke: color, 'stroke-width': 2, 'stroke-dasharray': s.dashed ? '6 3' : undefined }));
    legend.push(el('text', { x: lx + 28, y: ly }, esc(s.name)));
    lx += 40 + 7 * s.name.length;
  });
  for (const m of o.markers ?? []) {
    if (!(m.epoch >= 1 && m.epoch <= epochs)) continue;
    const color = m.kind === 'best' ? '#2a7d2a' : '#9a1c1c';
    legend.push(el('line', { x1: lx, x2: lx, y1: ly - 12, y2: ly + 2, stroke: color, 'stroke-width': 1.5, 'stroke-dasharray': m.kind === 'stop' ? '6 4' : '2 3' }));
    legend.push(el('text', { x: lx + 6, y: ly }, esc(m.label)));
    lx += 20 + 6.5 * m.label.length;
  }
  body.push(el('g', { class: 'legend' }, legend));
  return svgDocument(width, height, o.title, body);
}

/** The per-epoch numbers a run's curves need (a subset of the CLI's EpochRecord). */
export interface CurvePoint {
  train_loss: number;
  train_accuracy: number;
  val_loss: number;
  val_accuracy: number;
  /** With --test-each-epoch: the test split after the epoch (for the curve only; weights follow validation). */
  test_accuracy?: number;
}

export interface RunMarks {
  /** The epoch whose weights were kept (lowest validation loss); 0 or undefined for none yet. */
  bestEpoch?: number;
  /** The last epoch, when early stopping ended the run there. */
  stopEpoch?: number;
  /** A short name for the title, such as the config's. */
  name?: string;
}

function runMarkers(marks: RunMarks): EpochMarker[] {
  const out: EpochMarker[] = [];
  if (marks.bestEpoch) out.push({ epoch: marks.bestEpoch, kind: 'best', label: `best epoch ${marks.bestEpoch}` });
  if (marks.stopEpoch) out.push({ epoch: marks.stopEpoch, kind: 'stop', label: `early stop at ${marks.stopEpoch}` });
  return out;
}

const titled = (what: string, marks: RunMarks) => (marks.name ? `${what}: ${marks.name}` : what);

/** A chart's size in SVG units: the defaults (640 x 400) suit a figure file; a page passes what fits its layout. */
export type ChartSize = Pick<LineChartOptions, 'width' | 'height'>;

export function lossChartSvg(history: CurvePoint[], marks: RunMarks = {}, size: ChartSize = {}): string {
  return lineChartSvg({
    title: titled('Cross-entropy loss', marks), yLabel: 'mean cross-entropy (nats)',
    series: [{ name: 'train', values: history.map((r) => r.train_loss) }, { name: 'validation', values: history.map((r) => r.val_loss) }],
    markers: runMarkers(marks), ...size,
  });
}

export function accuracyChartSvg(history: CurvePoint[], marks: RunMarks = {}, size: ChartSize = {}): string {
  return lineChartSvg({
    title: titled('Accuracy', marks), yLabel: 'accuracy',
    series: [
      { name: 'train', values: history.map((r) => r.train_accuracy) }, { name: 'validation', values: history.map((r) => r.val_accuracy) },
      ...(history.some((r) => r.test_accuracy !== undefined) ? [{ name: 'test (monitor only)', values: history.map((r) => r.test_accuracy ?? NaN), dashed: true }] : []),
    ],
    markers: runMarkers(marks), format: percent, clamp: [0, 1], ...size,
  });
}

/** counts[t][p]: how many examples of true class t were predicted as p. */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}

/** The confusion matrix with each true class's accuracy (its recall) beside its row. */
export function confusionSvg(counts: number[][], classNames: readonly string[], title = 'Confusion matrix (test set)'): string {
  const n = counts.length, cell = 44, left = 100, top = 150;
  const width = left + n * cell + 90, height = top + n * cell + 44;
  const rowTotals = counts.map((r) => r.reduce((a, b) => a + b, 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  const correct = counts.reduce((a, r, i) => a + r[i], 0);
  const body: string[] = [];
  body.push(el('text', { x: width / 2, y: 22, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 600 },
    esc(`${title}: ${total ? fixedPercent(correct / total) : 'n/a'} of ${total} correct`)));
  body.push(el('text', { x: left + (n * cell) / 2, y: 46, 'text-anchor': 'middle', class: 'label' }, 'predicted class'));
  body.push(el('text', { x: 16, y: top + (n * cell) / 2, transform: `rotate(-90 16 ${top + (n * cell) / 2})`, 'text-anchor': 'middle', class: 'label' }, 'true class'));
  body.push(el('text', { x: left + n * cell + 45, y: top - 8, 'text-anchor': 'middle', class: 'label' }, 'accuracy'));
  const cells: string[] = [];
  for (let t = 0; t < n; t++) {
    const name = classNames[t] ?? String(t);
    cells.push(el('text', { x: left - 6, y: top + t * cell + cell / 2 + 4, 'text-anchor': 'end' }, esc(name)));
    const cx = left + t * cell + cell / 2;
    cells.push(el('text', { x: cx, y: top - 8, transform: `rotate(-50 ${cx} ${top - 8})`, 'text-anchor': 'start' }, esc(name)));
    for (let p = 0; p < n; p++) {
      const share = rowTotals[t] ? counts[t][p] / rowTotals[t] : 0;
      // Correct predictions in blue, mistakes in orange; the shade is the share of the true class.
      const fill = share === 0 ? '#ffffff' : t === p ? mix('#ffffff', '#0b5394', 0.15 + 0.85 * share) : mix('#ffffff', '#c55a11', Math.min(1, 0.12 + 3 * share));
      const dark = (t === p && share > 0.45) || (t !== p && share > 0.2);
      cells.push(el('g', { class: 'cell', 'data-true': t, 'data-predicted': p, 'data-count': counts[t][p] }, [
        el('rect', { x: left + p * cell, y: top + t * cell, width: cell, height: cell, fill, stroke: '#d0d0d0' }),
        counts[t][p] ? el('text', { x: left + p * cell + cell / 2, y: top + t * cell + cell / 2 + 4, 'text-anchor': 'middle', 'font-size': 11, fill: dark ? '#ffffff' : '#222' }, String(counts[t][p])) : '',
      ]));
    }
    const acc = rowTotals[t] ? counts[t][t] / rowTotals[t] : NaN;
    cells.push(el('text', { class: 'class-accuracy', 'data-class': t, 'data-accuracy': Number.isFinite(acc) ? acc : 'NaN', x: left + n * cell + 45, y: top + t * cell + cell / 2 + 4, 'text-anchor': 'middle' },
      Number.isFinite(acc) ? fixedPercent(acc, 1) : 'n/a'));
  }
  body.push(el('g', { class: 'matrix', 'data-classes': n, 'data-total': total, 'data-correct': correct }, cells));
  return svgDocument(width, height, title, body);
}

/** Linear blend of two #rrggbb colours. */
function mix(a: string, b: string, t: number): string {
  const ch = (c: string, i: number) => parseInt(c.slice(1 + 2 * i, 3 + 2 * i), 16);
  return '#' + [0, 1, 2].map((i) => Math.round(ch(a, i) + (ch(b, i) - ch(a, i)) * t).toString(16).padStart(2, '0')).join('');
}
