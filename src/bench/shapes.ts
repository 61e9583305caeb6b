// `wasmfit bench --shapes`: training speed across network shapes, batch sizes, activations and optimisers, each
// against the headline shape (config_6's 784-128-10 tanh, SGD with momentum, batch 128) in the same run. A cell
// trains a fixed number of batches through the training loop itself and is scaled to an epoch; NumPy trains
// softmax regression and the headline shape in full epochs beside it. Formatting is shapes-report.ts's.

import { DEFAULTS, type Config } from '../config/schema.js';
import type { Dataset, Split } from '../data/dataset.js';
import type { Session as DataSession } from '../api/session.js';
import { checkNetwork } from '../data/description.js';
import { openDataSession } from '../node/session.js';
import { train } from '../train/train.js';
import { benchEnvironment } from './environment.js';
import { loadavg } from 'node:os';
import { normalisedTrain, type DataOptions } from './network.js';
import { pythonPeerRows } from './python-peers.js';
import { writeShapesReport, type ShapeResult, type ShapesReport, type ShapeTime } from './shapes-report.js';

export interface ShapeCell {
  /** Short name, as --shapes takes it. */
  id: string;
  /** What the cell varies from the headline shape. */
  varies: string;
  layers: number[];
  activation: 'tanh' | 'ReLU';
  optimizer: 'sgd' | 'adamw';
  batch: number;
}

const HEADLINE: ShapeCell = { id: 'headline', varies: 'the headline shape', layers: [784, 128, 10], activation: 'tanh', optimizer: 'sgd', batch: 128 };
const vary = (id: string, varies: string, change: Partial<ShapeCell>): ShapeCell => ({ ...HEADLINE, id, varies, ...change });

/** One axis at a time around the headline, then a few corners. The headline comes first: every ratio divides by it. */
export const SHAPE_GRID: readonly ShapeCell[] = [
  HEADLINE,
  vary('h0', 'depth: softmax regression', { layers: [784, 10] }),
  vary('h2', 'depth: 2 hidden layers', { layers: [784, 128, 128, 10] }),
  vary('h3', 'depth: 3 hidden layers', { layers: [784, 128, 128, 128, 10] }),
  ...[32, 64, 256, 512, 1024].map((w) => vary(`w${w}`, `width ${w}`, { layers: [784, w, 10] })),
  ...[32, 64, 256, 512, 1024].map((b) => vary(`b${b}`, `batch ${b}`, { batch: b })),
  vary('relu', 'ReLU', { activation: 'ReLU' }),
  vary('adamw', 'AdamW', { optimizer: 'adamw' }),
  vary('relu-256-128', 'corner: 2 hidden, ReLU', { layers: [784, 256, 128, 10], activation: 'ReLU' }),
  vary('wide-deep', 'corner: 3 x 1024, ReLU, AdamW', { layers: [784, 1024, 1024, 1024, 10], activation: 'ReLU', optimizer: 'adamw' }),
  vary('h0-b32', 'corner: softmax regression, batch 32', { layers: [784, 10], batch: 32 }),
  vary('w32-b32', 'corner: width 32, batch 32', { layers: [784, 32, 10], batch: 32 }),
];

/** The cells --shapes names (comma-separated ids; empty or undefined: all), the headline always first. */
export function selectShapes(ids: string | undefined): ShapeCell[] {
  if (!ids) return [...SHAPE_GRID];
  const wanted = ids.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((id) => !SHAPE_GRID.some((c) => c.id === id));
  if (unknown.length) throw new Error(`--shapes: unknown cell ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected ids from ${SHAPE_GRID.map((c) => c.id).join(', ')}`);
  return SHAPE_GRID.filter((c) => c.id === HEADLINE.id || wanted.includes(c.id));
}

/**
 * Floating-point operations per image of a training step's products, dense-equivalent (2 per multiply-add, the
 * sparse first layer counted as dense): forward and weight gradient of every layer, the input gradient of every
 * layer but the first. Elementwise work, the loss and the update are not counted.
 */
export function flopsPerImage(layers: readonly number[]): number {
  let macs = 0;
  for (let l = 0; l + 1 < layers.length; l++) macs += (l === 0 ? 2 : 3) * layers[l] * layers[l + 1];
  return 2 * macs;
}

/** Each cell trains about this many of the headline's FLOPs per timed chunk (12,000 of its images, a quarter epoch). */
const CHUNK_FLOPS = 12_000 * flopsPerImage(HEADLINE.layers);
/** ...and at least this many batches, so that a big cell's per-batch costs are still averaged. */
const MIN_BATCHES = 16;
/** Timed chunks per cell and thread count, taken in rounds over the grid; the fastest is kept. */
export const SHAPE_ROUNDS = 3;

/** Images a cell trains per timed chunk: whole batches, at most the training split. */
export function chunkImages(cell: ShapeCell, trainCount: number): number {
  const batches = Math.max(MIN_BATCHES, Math.round(CHUNK_FLOPS / flopsPerImage(cell.layers) / cell.batch));
  return Math.max(1, Math.min(batches, Math.floor(trainCount / cell.batch))) * cell.batch;
}

export interface ShapesSettings extends DataOptions {
  cells: ShapeCell[];
  /** The most threads to measure; 1 and this many are timed. */
  maxThreads: number;
  out: string;
  /** Python interpreters for NumPy, tried in order; empty: skip it. */
  pythons: string[];
  log(line: string): void;
}

export function shapeConfig(cell: ShapeCell, epochs: number): Config {
  return {
    ...DEFAULTS, layer_specs: cell.layers, activation: cell.activation, batch_size: cell.batch, epochs, early_stop: false, learning_rate: 0.001,
    ...(cell.optimizer === 'sgd' ? { optimizer: 'sgd', momentum: true } : { optimizer: 'adamw', momentum: false, weight_decay: 0.01 }),
  };
}

/** The data set with its training split cut to its first `images` rows and validation to one batch: what a chunk trains on. */
function chunkView(data: Dataset, images: number, batch: number): Dataset {
  const cut = (s: Split, n: number): Split => ({ ...s, count: n, ids: s.ids.subarray(0, n) });
  return Object.assign(Object.create(data) as Dataset, { train: cut(data.train, images), validation: cut(data.validation, Math.min(batch, data.validation.count)) });
}

/** Seconds of one chunk's training (train batches only, validation excluded), after `warmup` untimed chunks. */
async function chunkSeconds(session: DataSession, cell: ShapeCell, images: number, warmup: number): Promise<number> {
  const model = session.model({ layerSpecs: cell.layers, activation: cell.activation }, cell.batch);
  const result = await train(model, chunkView(session.data, images, cell.batch), shapeConfig(cell, warmup + 1));
  const last = result.history[result.history.length - 1];
  return images / last.samples_per_second;
}

/** Times every cell on 1 and maxThreads threads, NumPy beside it, and writes shapes.json and shapes.md; returns the Markdown. */
export async function runShapesBench(s: ShapesSettings): Promise<string> {
  const environment = benchEnvironment(s.maxThreads);
  const threadCounts = [...new Set([1, s.maxThreads])];
  s.log(`Node ${environment.node}, ${environment.cpu}, ${environment.cores} cores, threads ${threadCounts.join(' and ')}, load average ${environment.load_average.join(' ')}`);
  const sessions: DataSession[] = [];
  try {
    for (const threads of threadCounts) sessions.push((await openDataSession({ backend: 'wasm', dataDir: s.dataDir, verify: s.verify, seed: 0, threads })).session);
    const data = sessions[0].data;
    for (const cell of s.cells) checkNetwork({ layer_specs: cell.layers }, data.description, `bench --shapes cell ${cell.id}`);
    const trainCount = data.train.count;
    const times = new Map<string, number[][]>(s.cells.map((c) => [c.id, threadCounts.map(() => [])]));
    // In rounds over the grid, so that every cell samples the same stretch of a shared machine as the headline.
    for (let round = 0; round < SHAPE_ROUNDS; round++) {
      for (const cell of s.cells) {
        const images = chunkImages(cell, trainCount);
        for (let t = 0; t < threadCounts.length; t++) {
          times.get(cell.id)![t].push(await chunkSeconds(sessions[t], cell, images, round === 0 ? 1 : 0));
        }
        if (round === SHAPE_ROUNDS - 1) s.log(`${cell.id} ${cell.layers.join('-')} ${cell.activation} ${cell.optimizer} batch ${cell.batch}: ${threadCounts.map((th, t) => `${th} thread(s) ${times.get(cell.id)![t].map((x) => (x * trainCount / images).toFixed(3)).join('/')} s/epoch`).join(', ')}`);
      }
    }
    const results: ShapeResult[] = s.cells.map((cell) => {
      const images = chunkImages(cell, trainCount);
      const perThreads: ShapeTime[] = threadCounts.map((threads, t) => {
        const chunks = times.get(cell.id)![t];
        return { threads, seconds_per_epoch: Math.min(...chunks) * trainCount / images, chunk_seconds: chunks };
      });
      return { ...cell, images_per_chunk: images, gflop_per_epoch: flopsPerImage(cell.layers) * trainCount / 1e9, times: perThreads };
    });
    const peers = [];
    if (s.pythons.length) {
      const rows = normalisedTrain({ data: sessions[0].data, arena: sessions[0].backend.arena });
      for (const layers of [[784, 10], HEADLINE.layers]) {
        const [row] = await pythonPeerRows({ ...rows, pythons: s.pythons, threads: threadCounts, epochs: SHAPE_ROUNDS, layers, batch: HEADLINE.batch, frameworks: ['numpy'], log: s.log });
        peers.push({ layers, ...row });
      }
    }
    const report: ShapesReport = {
      environment, load_average_end: loadavg().map((x) => Number(x.toFixed(2))), train_images: trainCount, rounds: SHAPE_ROUNDS,
      headline: HEADLINE.id, threads: threadCounts, cells: results, numpy: peers,
    };
    return writeShapesReport(s.out, report);
  } finally {
    for (const session of sessions) session.close();
  }
}
