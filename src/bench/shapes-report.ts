// The shapes bench's results as data (shapes.json) and Markdown (shapes.md): per cell seconds an epoch and GFLOP/s
// on each thread count, its time per GFLOP against the headline shape's from the same run, the cells over the
// 1.5x target, and NumPy's epochs beside the machine. It formats only; shapes.ts measures.

import { machineText, writeReportPair, type BenchEnvironment, type EpochRow } from './report.js';

/** A cell's time per GFLOP may be at most this multiple of the headline's. */
export const SHAPE_TARGET = 1.5;

export interface ShapeTime {
  threads: number;
  /** The fastest chunk, scaled to an epoch of the training split. */
  seconds_per_epoch: number;
  /** Every timed chunk's seconds, in round order. */
  chunk_seconds: number[];
}

export interface ShapeResult {
  id: string;
  varies: string;
  layers: number[];
  activation: string;
  optimizer: string;
  batch: number;
  images_per_chunk: number;
  gflop_per_epoch: number;
  times: ShapeTime[];
}

export interface ShapesReport {
  environment: BenchEnvironment;
  load_average_end: number[];
  /** Images in an epoch (the training split). */
  train_images: number;
  rounds: number;
  /** The cell every ratio divides by. */
  headline: string;
  threads: number[];
  cells: ShapeResult[];
  /** NumPy's full epochs (batch 128, SGD with momentum, tanh) for these networks, when a Python with NumPy ran. */
  numpy: ({ layers: number[] } & EpochRow)[];
}

/** Writes shapes.json and shapes.md into dir (created if missing) and returns the Markdown. */
export function writeShapesReport(dir: string, report: ShapesReport): string {
  return writeReportPair(dir, 'shapes', report, shapesMarkdown(report));
}

const secondsPerGflop = (cell: ShapeResult, threads: number): number | null => {
  const t = cell.times.find((x) => x.threads === threads);
  return t ? t.seconds_per_epoch / cell.gflop_per_epoch : null;
};

/** A cell's time per GFLOP over the headline's, on the same thread count (null when either did not run on it). */
export function relativeToHeadline(report: ShapesReport, cell: ShapeResult, threads: number): number | null {
  const head = report.cells.find((c) => c.id === report.headline);
  const mine = secondsPerGflop(cell, threads), theirs = head && secondsPerGflop(head, threads);
  return mine === null || !theirs ? null : mine / theirs;
}

/** Cells over the target on the most threads measured (what a user gets by default: every core). */
export function cellsOverTarget(report: ShapesReport): { cell: ShapeResult; ratio: number }[] {
  const threads = Math.max(...report.threads);
  return report.cells.flatMap((cell) => {
    const ratio = relativeToHeadline(report, cell, threads);
    return ratio !== null && ratio > SHAPE_TARGET ? [{ cell, ratio }] : [];
  });
}

const threadsText = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;

export function shapesMarkdown(r: ShapesReport): string {
  const e = r.environment, most = Math.max(...r.threads);
  const header = r.threads.flatMap((t) => [`${threadsText(t)}: s / epoch`, 'GFLOP/s']);
  const row = (c: ShapeResult) => {
    const cells = r.threads.flatMap((t) => {
      const x = c.times.find((y) => y.threads === t);
      return x ? [x.seconds_per_epoch.toFixed(3), (c.gflop_per_epoch / x.seconds_per_epoch).toFixed(1)] : ['', ''];
    });
    const ratios = r.threads.map((t) => {
      const q = relativeToHeadline(r, c, t);
      return q === null ? '' : `${q.toFixed(2)}x${t === most && q > SHAPE_TARGET ? ' **over**' : ''}`;
    });
    return `| ${c.id} | ${c.layers.join('-')} | ${c.activation} | ${c.optimizer === 'sgd' ? 'SGD momentum' : 'AdamW'} | ${c.batch} | ${c.gflop_per_epoch.toFixed(2)} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`;
  };
  const over = cellsOverTarget(r);
  return [
    `Training speed by shape, wasmfit WASM SIMD. Each cell trains a fixed chunk of whole batches (the images column) through the training loop, ` +
      `shuffle included, validation not; seconds are the fastest of ${r.rounds} chunks, taken in rounds over the grid after one warm-up chunk, ` +
      `scaled to an epoch of ${r.train_images.toLocaleString('en-US')} images. GFLOP count 2 per multiply-add of the products (forward and weight gradient of ` +
      `every layer, input gradient of all but the first; the sparse first layer counted dense); elementwise work, the loss and the update are not counted. ` +
      `"vs headline" is the cell's time per GFLOP over the headline's (${r.headline}) on the same thread count; target: at most ${SHAPE_TARGET}x.`,
    '',
    `| cell | network | activation | optimiser | batch | GFLOP / epoch | ${header.join(' | ')} | ${r.threads.map((t) => `vs headline, ${threadsText(t)}`).join(' | ')} |`,
    `|---|---|---|---|---|---|${header.map(() => '---').join('|')}|${r.threads.map(() => '---').join('|')}|`,
    ...r.cells.map(row),
    '',
    `Images per timed chunk: ${r.cells.map((c) => `${c.id} ${c.images_per_chunk}`).join(', ')}.`,
    '',
    over.length === 0 ? `No cell is over ${SHAPE_TARGET}x the headline's time per GFLOP on ${threadsText(most)}.`
      : `Over ${SHAPE_TARGET}x the headline's time per GFLOP on ${threadsText(most)}: ${over.map((o) => `${o.cell.id} (${o.cell.layers.join('-')}, batch ${o.cell.batch}) ${o.ratio.toFixed(2)}x`).join(', ')}.`,
    '',
    ...numpySection(r),
    `Node ${e.node} (V8 ${e.v8}), ${machineText(e)}, threads ${r.threads.join(' and ')}, load average ${e.load_average.join(' ')} at the start and ` +
      `${r.load_average_end.join(' ')} at the end, ${e.date.slice(0, 10)}. Re-run with \`npx wasmfit bench --shapes\`.`,
  ].join('\n');
}

/** NumPy's epochs beside wasmfit's for the same networks, from the same run. */
function numpySection(r: ShapesReport): string[] {
  if (r.numpy.length === 0) return ['NumPy: not run (--no-python).', ''];
  const lines = r.numpy.map((n) => {
    const name = n.layers.join('-');
    if (n.seconds === null) return `- ${name}: NumPy ${n.note}`;
    const cell = r.cells.find((c) => c.batch === 128 && c.optimizer === 'sgd' && c.activation === 'tanh' && c.layers.join('-') === name);
    const best = cell && [...cell.times].sort((a, b) => a.seconds_per_epoch - b.seconds_per_epoch)[0];
    const ours = best ? `; wasmfit ${best.seconds_per_epoch.toFixed(3)} s on ${threadsText(best.threads)} (${(best.seconds_per_epoch / n.seconds).toFixed(2)}x NumPy's time)` : '';
    return `- ${name}: ${n.backend} ${n.seconds.toFixed(3)} s on ${threadsText(n.threads ?? 1)}${ours}. Details: ${n.note}.`;
  });
  return [`NumPy, the same network (tanh between layers, batch 128, SGD with momentum) on the same normalised rows, full epochs, in its fastest BLAS thread count:`, '', ...lines, ''];
}
