// Images above 1,024 pixels, end to end through the CLI: generated 40x40 and 48x64 (height x width) sets in 26
// classes train, evaluate and predict from IDX files and PNGs, on one thread and two alike. Also: the size limit
// (65,536 pixels) and augmentation on images that are not square are refused, naming the shape.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { encode } from 'fast-png';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { loadModel } from '../src/node/infer.js';
import { readDataDir } from '../src/node/data-files.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-large-'));
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');

interface Trained {
  height: number;
  width: number;
  dir: string;
  run: string;
  result: CliResult;
}

/** A set of 390 + 130 images of height x width in 26 lettered classes, and a 3-epoch run on it. */
function trainSet(height: number, width: number, extra = '', threads = 1): Trained {
  const name = `${height}x${width}`, dir = join(tmp, name);
  writeSyntheticDataDir(dir, 390, 130, 11, { shape: [height, width], classes: 26, names: LETTERS });
  const config = join(tmp, `${name}${extra ? '-extra' : ''}.yaml`);
  writeFileSync(config, `layer_specs: [${height * width}, 32, 26]\nlearning_rate: 0.01\nbatch_size: 32\nepochs: 3\nmomentum: true\n${extra}data: { dir: ${name}, validation_fraction: 0.2 }\n`);
  const run = join(tmp, `${name}-run-${threads}${extra ? '-extra' : ''}`);
  return { height, width, dir, run, result: runCli(['train', '--config', config, '--out', run, '--threads', String(threads), '--quiet']) };
}

const sets: Trained[] = [];
before(() => {
  sets.push(trainSet(40, 40), trainSet(48, 64));
});

test('40x40 and 48x64 images train: the network runs from their pixels, and the model records their shape', () => {
  for (const s of sets) {
    assert.equal(s.result.status, 0, s.result.stderr);
    const summary = JSON.parse(readFileSync(join(s.run, 'summary.json'), 'utf8'));
    assert.ok(summary.val_accuracy > 0.5, `${s.height}x${s.width}: validation accuracy ${summary.val_accuracy}`);
    const info = runCli(['data', '--data-dir', s.dir]);
    assert.equal(info.status, 0, info.stderr);
    assert.ok(info.stdout.includes(`train file: 390 images of ${s.height}x${s.width}; test file: 130 images`), info.stdout);
  }
});

test('two threads give the bytes of one on 48x64 images', () => {
  const two = trainSet(48, 64, '', 2);
  assert.equal(two.result.status, 0, two.result.stderr);
  assert.deepEqual(readFileSync(join(two.run, 'model.safetensors')), readFileSync(join(sets[1].run, 'model.safetensors')));
});

test('evaluate and predict (IDX and PNG) agree with the run, and with loadModel', async () => {
  for (const s of sets) {
    const model = join(s.run, 'model.safetensors');
    const summary = JSON.parse(readFileSync(join(s.run, 'summary.json'), 'utf8'));
    const ev = runCli(['evaluate', '--model', model, '--data-dir', s.dir, '--json']);
    assert.equal(ev.status, 0, ev.stderr);
    assert.equal(JSON.parse(ev.stdout).test_accuracy, summary.test_accuracy);

    const idx = join(s.dir, 't10k-images-idx3-ubyte.gz');
    const r = runCli(['predict', '--model', model, '--json', idx]);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const labels = gunzipSync(readFileSync(join(s.dir, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
    assert.equal(rows.length, 130);
    assert.equal(rows.filter((row, i) => row.class === labels[i]).length / 130, summary.test_accuracy);

    const size = s.height * s.width, pixels = gunzipSync(readFileSync(idx)).subarray(16);
    const png = join(tmp, `${s.height}x${s.width}-7.png`);
    writeFileSync(png, encode({ width: s.width, height: s.height, channels: 1, depth: 8, data: pixels.subarray(7 * size, 8 * size) }));
    const one = runCli(['predict', '--model', model, '--json', png]);
    assert.equal(one.status, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout).probabilities, rows[7].probabilities, 'a PNG is classified as the same image in an IDX file');

    const classifier = await loadModel(model);
    assert.deepEqual(classifier.inputShape, [s.height, s.width]);
    const p = classifier.predict(pixels);
    assert.equal(p.length, 130 * 26);
    assert.ok(rows.every((row) => row.name === LETTERS[row.class]));
    const top = classifier.classify(pixels, { top: 1 }).map((t) => t[0].class);
    assert.deepEqual(top, rows.map((row) => row.class));
  }
});

test('a PNG of another size is refused naming both shapes, and --resize scales it', () => {
  const s = sets[1], model = join(s.run, 'model.safetensors'), png = join(tmp, 'square.png');
  writeFileSync(png, encode({ width: 48, height: 48, channels: 1, depth: 8, data: new Uint8Array(48 * 48).fill(90) }));
  const refused = runCli(['predict', '--model', model, png]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /square\.png: the image is 48x48, the model takes 48x64/);
  const resized = runCli(['predict', '--model', model, '--resize', png]);
  assert.equal(resized.status, 0, resized.stderr);
});

test('augmentation is refused on images that are not square, naming their shape', () => {
  const r = trainSet(48, 64, 'augment_flip: true\n');
  assert.equal(r.result.status, 2);
  assert.match(r.result.stderr, /augment_shift, augment_flip: augmentation moves square images, and the data's are 48x64/);
});

test('images above 65,536 pixels are refused with the limit, before anything large is allocated', async () => {
  const dir = writeSyntheticDataDir(join(tmp, 'huge'), 2, 1, 1, { shape: [257, 256], classes: 2 });
  await assert.rejects(readDataDir(dir, true), /train-images-idx3-ubyte\.gz: images of 257x256 = 65792 pixels, expected 1 to 65536 pixels \(256x256 at most\)/);
  const config = join(tmp, 'wide.yaml');
  writeFileSync(config, 'layer_specs: [65537, 10]\nlearning_rate: 0.01\nbatch_size: 16\nepochs: 1\n');
  const r = runCli(['train', '--config', config, '--out', join(tmp, 'wide-run')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /layer_specs: expected the first layer \(the pixels of one image\) to be at most 65536 \(256x256\), found 65537/);
});
