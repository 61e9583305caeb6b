// `wasmfit bench --shapes`: which cells it takes, how it refuses bad ones, and what it writes (no timing is
// asserted: speed is the bench's, never a test's). A tiny grid (the headline and softmax regression) runs end to
// end on a small generated data set; the table's ratios and the cells over the target come from given numbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { chunkImages, flopsPerImage, selectShapes, SHAPE_GRID } from '../src/bench/shapes.js';
import { cellsOverTarget, relativeToHeadline, shapesMarkdown, type ShapeResult, type ShapesReport } from '../src/bench/shapes-report.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-shapes-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('the grid covers widths 32-1024, 0-3 hidden layers, batches 32-1024, tanh and ReLU, SGD and AdamW, the headline first', () => {
  assert.equal(SHAPE_GRID[0].id, 'headline');
  assert.deepEqual(SHAPE_GRID[0].layers, [784, 128, 10]);
  const hidden = SHAPE_GRID.flatMap((c) => c.layers.slice(1, -1));
  assert.equal(Math.min(...hidden), 32);
  assert.equal(Math.max(...hidden), 1024);
  assert.deepEqual([...new Set(SHAPE_GRID.map((c) => c.layers.length - 2))].sort(), [0, 1, 2, 3]);
  assert.deepEqual([...new Set(SHAPE_GRID.map((c) => c.batch))].sort((a, b) => a - b), [32, 64, 128, 256, 512, 1024]);
  assert.deepEqual([...new Set(SHAPE_GRID.map((c) => c.activation))].sort(), ['ReLU', 'tanh']);
  assert.deepEqual([...new Set(SHAPE_GRID.map((c) => c.optimizer))].sort(), ['adamw', 'sgd']);
  assert.equal(new Set(SHAPE_GRID.map((c) => c.id)).size, SHAPE_GRID.length, 'cell ids repeat');
});

test('--shapes takes cell ids, keeps the headline first and refuses unknown ones by name', () => {
  assert.deepEqual(selectShapes('w32, h0').map((c) => c.id), ['headline', 'h0', 'w32']);
  assert.equal(selectShapes(undefined).length, SHAPE_GRID.length);
  assert.throws(() => selectShapes('h0,w33'), /--shapes: unknown cell "w33"; expected ids from headline, h0, /);
});

test('a cell counts its products\' FLOPs and trains whole batches, at least 16 of them, at most the training split', () => {
  assert.equal(flopsPerImage([784, 10]), 2 * 2 * 7840);
  assert.equal(flopsPerImage([784, 128, 10]), 2 * (2 * 784 * 128 + 3 * 128 * 10));
  const wide = SHAPE_GRID.find((c) => c.id === 'wide-deep')!;
  assert.equal(chunkImages(wide, 48_000), 16 * 128);
  assert.equal(chunkImages(SHAPE_GRID[0], 48_000), 94 * 128);
  assert.equal(chunkImages(SHAPE_GRID.find((c) => c.id === 'h0')!, 48_000), 48_000);
  assert.equal(chunkImages(SHAPE_GRID.find((c) => c.id === 'b1024')!, 2_000), 1024);
});

function cell(id: string, layers: number[], batch: number, seconds: [number, number]): ShapeResult {
  const gflop = flopsPerImage(layers) * 48_000 / 1e9;
  return { id, varies: id, layers, activation: 'tanh', optimizer: 'sgd', batch, images_per_chunk: 12_032, gflop_per_epoch: gflop,
    times: [{ threads: 1, seconds_per_epoch: seconds[0], chunk_seconds: [seconds[0] / 4] }, { threads: 2, seconds_per_epoch: seconds[1], chunk_seconds: [seconds[1] / 4] }] };
}

test('shapes.md puts every cell\'s time per GFLOP beside the headline\'s on the same thread count and names those over 1.5x', () => {
  const report: ShapesReport = {
    environment: { node: 'v20.0.0', v8: '11.3', cpu: 'Test CPU 9000', cores: 2, threads: 2, load_average: [0.5, 0.25, 0.1], date: '2030-01-02T03:04:05.000Z' },
    load_average_end: [0.75, 0.5, 0.25], train_images: 48_000, rounds: 3, headline: 'headline', threads: [1, 2],
    cells: [cell('headline', [784, 128, 10], 128, [0.3, 0.2]), cell('h0', [784, 10], 128, [0.05, 0.05]), cell('b32', [784, 128, 10], 32, [0.33, 0.29])],
    numpy: [{ layers: [784, 10], backend: 'NumPy 9.9 (OpenBLAS 1.0, Zen kernel)', group: 'peer', threads: 1, seconds: 0.04, epochs: 3, note: 'the fastest of two' }],
  };
  const h0 = report.cells[1];
  assert.ok(Math.abs(relativeToHeadline(report, h0, 1)! - (0.05 / h0.gflop_per_epoch) / (0.3 / report.cells[0].gflop_per_epoch)) < 1e-12);
  assert.deepEqual(cellsOverTarget(report).map((o) => o.cell.id), ['h0']);
  const md = shapesMarkdown(report).split('\n');
  assert.ok(md.includes('| cell | network | activation | optimiser | batch | GFLOP / epoch | 1 thread: s / epoch | GFLOP/s | 2 threads: s / epoch | GFLOP/s | vs headline, 1 thread | vs headline, 2 threads |'));
  assert.ok(md.includes('| headline | 784-128-10 | tanh | SGD momentum | 128 | 19.64 | 0.300 | 65.5 | 0.200 | 98.2 | 1.00x | 1.00x |'));
  assert.ok(md.some((l) => /^\| h0 \| 784-10 \| tanh \| SGD momentum \| 128 \| 1\.51 \| 0\.050 \| 30\.1 \| 0\.050 \| 30\.1 \| 2\.17x \| 3\.26x \*\*over\*\* \|$/.test(l)), md.join('\n'));
  assert.ok(md.includes('Over 1.5x the headline\'s time per GFLOP on 2 threads: h0 (784-10, batch 128) 3.26x.'));
  assert.ok(md.includes('- 784-10: NumPy 9.9 (OpenBLAS 1.0, Zen kernel) 0.040 s on 1 thread; wasmfit 0.050 s on 1 thread (1.25x NumPy\'s time). Details: the fastest of two.'));
  assert.match(md[md.length - 1], /^Node v20\.0\.0 \(V8 11\.3\), Test CPU 9000, 2 cores, threads 1 and 2, load average 0\.5 0\.25 0\.1 at the start and 0\.75 0\.5 0\.25 at the end, 2030-01-02\./);
});

test('wasmfit bench --shapes with a tiny grid writes shapes.json and shapes.md and prints the table', () => {
  const data = writeSyntheticDataDir(join(tmp, 'data'), 1500, 100);
  const out = join(tmp, 'out');
  const r = runCli(['bench', '--shapes', 'h0', '--threads', '2', '--no-python', '--no-verify', '--data-dir', data, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(out, 'shapes.json'), 'utf8')) as ShapesReport;
  assert.deepEqual(json.cells.map((c) => [c.id, c.layers.join('-'), c.times.map((t) => t.threads)]), [['headline', '784-128-10', [1, 2]], ['h0', '784-10', [1, 2]]]);
  assert.equal(json.train_images, 1200);
  for (const c of json.cells) for (const t of c.times) assert.ok(t.seconds_per_epoch > 0 && t.chunk_seconds.length === json.rounds, JSON.stringify(t));
  const md = readFileSync(join(out, 'shapes.md'), 'utf8');
  assert.equal(md, r.stdout);
  assert.match(md, /^\| h0 \| 784-10 \| tanh \| SGD momentum \| 128 \|/m);
  assert.match(md, /NumPy: not run \(--no-python\)\./);
  assert.match(r.stderr, /^bench: h0 784-10 tanh sgd batch 128: 1 thread\(s\) /m);
});

test('wasmfit bench --shapes refuses an unknown cell and --browser before measuring, and writes nothing', () => {
  const out = join(tmp, 'refused');
  const unknown = runCli(['bench', '--shapes', 'w7', '--no-python', '--out', out]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--shapes: unknown cell "w7"; expected ids from headline, /);
  const browser = runCli(['bench', '--shapes', '--browser', '--no-python', '--out', out]);
  assert.equal(browser.status, 2);
  assert.match(browser.stderr, /--shapes times the CLI only; --browser does not apply/);
  assert.equal(existsSync(out), false);
});
