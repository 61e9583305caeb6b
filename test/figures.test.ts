// The run figures, read as SVG text rather than pixels: every series is present with one point per epoch,
// the axis ranges cover the data, the best and early-stop markers sit at the right epochs (and at the same
// x as that epoch's points), gaps are left for non-finite values, and the confusion matrix adds up to the
// test set with the reported accuracy. The last test trains a real run that stops early through the CLI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accuracyChartSvg, confusionMatrix, confusionSvg, lineChartSvg, lossChartSvg } from '../src/report/charts.js';
import { FASHION_MNIST } from '../src/data/fashion-mnist.js';
import { epochTicks, niceTicks } from '../src/report/svg.js';
import { ROOT, runCli } from './helpers/cli.js';
import { startCli } from './helpers/spawn.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-figures-'));

/** The attributes of every element with the given tag and class. */
function elements(svg: string, tag: string, cls?: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))) {
    const attrs = Object.fromEntries([...m[1].matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    if (cls === undefined || (attrs.class ?? '').split(' ').includes(cls)) out.push(attrs);
  }
  return out;
}

/** The polylines' points inside the <g class="series" data-name=name> group. */
function seriesPoints(svg: string, name: string): [number, number][][] {
  const group = svg.match(new RegExp(`<g class="series" data-name="${name}"[^>]*>([\\s\\S]*?)</g>`));
  assert.ok(group, `series ${name} present`);
  return elements(group[1], 'polyline').map((p) => p.points.split(' ').map((xy) => xy.split(',').map(Number) as [number, number]));
}

function axis(svg: string, which: 'x' | 'y') {
  const a = svg.match(new RegExp(`<g class="axis ${which}" data-min="([^"]+)" data-max="([^"]+)"`));
  assert.ok(a, `${which} axis present`);
  return { min: Number(a[1]), max: Number(a[2]) };
}

function markerEpoch(svg: string, kind: 'best' | 'stop'): number | undefined {
  const m = svg.match(new RegExp(`<g class="marker ${kind}" data-epoch="(\\d+)">\\s*<line x1="([^"]+)"`));
  return m ? Number(m[1]) : undefined;
}

function markerX(svg: string, kind: 'best' | 'stop'): number {
  return Number(svg.match(new RegExp(`<g class="marker ${kind}" data-epoch="\\d+">\\s*<line x1="([^"]+)"`))![1]);
}

const history = Array.from({ length: 57 }, (_, i) => ({
  train_loss: 0.3 + 0.7 * Math.exp(-i / 10), val_loss: 0.33 + 0.6 * Math.exp(-i / 10) + (i > 47 ? (i - 47) * 0.002 : 0),
  train_accuracy: 0.75 + 0.12 * (1 - Math.exp(-i / 10)), val_accuracy: 0.78 + 0.07 * (1 - Math.exp(-i / 10)),
}));

test('loss chart: both series with a point per epoch, axes covering the data, markers at the best and stop epochs', () => {
  const svg = lossChartSvg(history, { bestEpoch: 48, stopEpoch: 57, name: 'config_4' });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<title>Cross-entropy loss: config_4<\/title>/);
  assert.match(svg, />epoch<\/text>/, 'x axis labelled');
  assert.match(svg, />mean cross-entropy \(nats\)<\/text>/, 'y axis labelled');
  const train = seriesPoints(svg, 'train'), val = seriesPoints(svg, 'validation');
  assert.equal(train.length, 1);
  assert.equal(train[0].length, 57);
  assert.equal(val[0].length, 57);
  const x = axis(svg, 'x'), y = axis(svg, 'y');
  assert.deepEqual(x, { min: 1, max: 57 });
  const all = history.flatMap((r) => [r.train_loss, r.val_loss]);
  assert.ok(y.min <= Math.min(...all) && y.max >= Math.max(...all), `y axis ${y.min}..${y.max} covers the data`);
  assert.equal(markerEpoch(svg, 'best'), 48);
  assert.equal(markerEpoch(svg, 'stop'), 57);
  // The marker stands where that epoch's points are drawn.
  assert.equal(markerX(svg, 'best'), val[0][47][0]);
  assert.equal(markerX(svg, 'stop'), val[0][56][0]);
  // SVG's y grows downwards: a falling loss is drawn with growing y.
  assert.ok(val[0][0][1] < val[0][47][1], 'the validation loss falls towards the best epoch');
  assert.match(svg, /best epoch 48/);
  assert.match(svg, /early stop at 57/);
});

test('accuracy chart: percentages, clamped to [0, 1], markers optional', () => {
  const svg = accuracyChartSvg(history, { bestEpoch: 48 });
  const y = axis(svg, 'y');
  const all = history.flatMap((r) => [r.train_accuracy, r.val_accuracy]);
  assert.ok(y.min <= Math.min(...all) && y.max >= Math.max(...all) && y.min >= 0 && y.max <= 1, `${y.min}..${y.max}`);
  assert.match(svg, />\d+(\.\d+)?%<\/text>/);
  assert.equal(markerEpoch(svg, 'best'), 48);
  assert.equal(markerEpoch(svg, 'stop'), undefined);
});

test('non-finite values leave a gap; a single epoch draws a dot; text is escaped', () => {
  const svg = lineChartSvg({ title: 'a <b> & "c"', yLabel: 'y', series: [{ name: 's', values: [1, 2, NaN, 4, 5, Infinity, 7] }] });
  assert.equal(seriesPoints(svg, 's').length, 2);
  assert.match(svg, /<circle /, 'the lone finite point after the gap is a dot');
  assert.match(svg, /<title>a &lt;b&gt; &amp; &quot;c&quot;<\/title>/);
  const y = axis(svg, 'y');
  assert.ok(y.min <= 1 && y.max >= 7);
  const one = lineChartSvg({ title: 't', yLabel: 'y', series: [{ name: 's', values: [0.5] }] });
  assert.deepEqual(axis(one, 'x'), { min: 1, max: 1 });
  assert.match(one, /<circle /);
});

test('ticks: round steps covering the range; epoch ticks include the first and last epoch', () => {
  assert.deepEqual(niceTicks(0.31, 0.93, 5), [0.2, 0.4, 0.6, 0.8, 1]);
  const t = niceTicks(3.2e-4, 4.1e-3);
  assert.ok(t[0] <= 3.2e-4 && t.at(-1)! >= 4.1e-3);
  assert.deepEqual(epochTicks(57), [1, 10, 20, 30, 40, 50, 57]);
  assert.deepEqual(epochTicks(3), [1, 2, 3]);
  assert.deepEqual(epochTicks(1), [1]);
});

test('confusion matrix: 100 cells summing to the examples, per-class accuracy beside each row, the class names', () => {
  const labels = [0, 0, 0, 1, 1, 6, 6, 6, 6, 9];
  const predicted = [0, 6, 0, 1, 1, 0, 6, 2, 6, 9];
  const counts = confusionMatrix(predicted, labels, 10);
  const svg = confusionSvg(counts, FASHION_MNIST.classNames);
  const cells = elements(svg, 'g', 'cell');
  assert.equal(cells.length, 100);
  assert.equal(cells.reduce((a, c) => a + Number(c['data-count']), 0), 10);
  assert.equal(cells.find((c) => c['data-true'] === '6' && c['data-predicted'] === '0')!['data-count'], '1');
  const acc = Object.fromEntries(elements(svg, 'text', 'class-accuracy').map((t) => [t['data-class'], t['data-accuracy']]));
  assert.equal(Number(acc['0']), 2 / 3);
  assert.equal(Number(acc['6']), 0.5);
  assert.equal(acc['3'], 'NaN', 'a class without examples has no accuracy');
  for (const name of FASHION_MNIST.classNames) assert.ok(svg.includes(`>${name}</text>`), name);
  assert.match(svg, /70\.00% of 10 correct/);
});

test('a run that stops early leaves loss, accuracy and confusion figures that match its history and summary', () => {
  const config = join(tmp, 'early.yaml');
  // Softmax regression at 5x config_4's learning rate with a patience of 2: stops after epoch 7, best 5.
  writeFileSync(config, 'layer_specs: [784, 10]\nlearning_rate: 0.05\nbatch_size: 128\nepochs: 12\nearly_stop_epoch: 2\n');
  const out = join(tmp, 'run');
  const r = runCli(['train', '--config', config, '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const h = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(h.stop_reason, 'early_stop');
  assert.ok(h.best_epoch < h.epochs_run);
  const loss = readFileSync(join(out, 'loss.svg'), 'utf8'), accuracy = readFileSync(join(out, 'accuracy.svg'), 'utf8');
  for (const svg of [loss, accuracy]) {
    assert.equal(markerEpoch(svg, 'best'), h.best_epoch);
    assert.equal(markerEpoch(svg, 'stop'), h.epochs_run);
    assert.deepEqual(axis(svg, 'x'), { min: 1, max: h.epochs_run });
    assert.equal(seriesPoints(svg, 'train')[0].length, h.epochs_run);
    assert.equal(seriesPoints(svg, 'validation')[0].length, h.epochs_run);
  }
  const losses = h.history.flatMap((e: Record<string, number>) => [e.train_loss, e.val_loss]);
  const y = axis(loss, 'y');
  assert.ok(y.min <= Math.min(...losses) && y.max >= Math.max(...losses));

  const confusion = readFileSync(join(out, 'confusion.svg'), 'utf8');
  const matrix = confusion.match(/<g class="matrix" data-classes="10" data-total="(\d+)" data-correct="(\d+)"/)!;
  assert.equal(Number(matrix[1]), 10000);
  assert.equal(Number(matrix[2]) / 10000, summary.test_accuracy, 'the diagonal is the reported test accuracy');
});

test('an interrupted run still leaves its figures: the curves of the epochs done and the confusion matrix', async () => {
  const out = join(tmp, 'interrupted');
  const run = startCli(['train', '--config', 'configs/config_4.yaml', '--epochs', '50', '--out', out]);
  await run.waitFor(/^epoch +2\/50/m);
  run.child.kill('SIGINT');
  assert.equal((await run.exit).code, 130, run.output());
  const h = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
  assert.equal(h.stop_reason, 'interrupted');
  const loss = readFileSync(join(out, 'loss.svg'), 'utf8');
  assert.deepEqual(axis(loss, 'x'), { min: 1, max: h.history.length });
  assert.equal(markerEpoch(loss, 'best'), h.best_epoch);
  assert.equal(markerEpoch(loss, 'stop'), undefined, 'an interrupt is not an early stop');
  assert.match(readFileSync(join(out, 'confusion.svg'), 'utf8'), /<g class="matrix" data-classes="10" data-total="10000"/);
});

test('src/report is platform-neutral: no node: imports, no Buffer or process, so a page can import the charts', () => {
  const dir = join(ROOT, 'src', 'report');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.doesNotMatch(text, /from ['"]node:|\bBuffer\b|\bprocess\./, file);
  }
});
