// `wasmfit predict` as a user runs it: PNGs made by the PNG library (grey, 16-bit, RGB, RGBA drawn dark on
// transparent), IDX files raw and gzipped, and raw pixels on stdin all give the inference API's classes and
// probabilities for the same pixels; another size is refused naming both unless --resize; mistakes are one line.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode } from 'fast-png';
import { init, parseConfig } from '../src/node/index.js';
import { loadModel, type Classifier } from '../src/node/infer.js';
import { encodeIdx, IMAGE_MAGIC } from '../src/data/idx.js';
import { decodeGreyPng, resizeArea } from '../src/infer/images.js';
import { syntheticData } from './helpers/synthetic.js';
import { runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-predict-'));
const data = syntheticData(600, 40, 4);
const MODEL = join(tmp, 'model.safetensors');
const image = (i: number) => data.test.images.pixels.slice(i * 784, (i + 1) * 784);
let model: Classifier;

const file = (name: string, bytes: Uint8Array) => {
  writeFileSync(join(tmp, name), bytes);
  return join(tmp, name);
};
const png = (name: string, width: number, height: number, pixels: ArrayLike<number>, channels: number, depth: 8 | 16 = 8) =>
  file(name, encode({ width, height, channels, depth, data: depth === 16 ? Uint16Array.from(pixels) : Uint8Array.from(pixels) }));
const predict = (args: string[], input?: Uint8Array) => runCli(['predict', '--model', MODEL, ...args], input ? { input } : {});
const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

before(async () => {
  const session = await (await init({ threads: false })).open(data);
  const config = parseConfig('layer_specs: [784, 10]\nlearning_rate: 0.01\nbatch_size: 64\nepochs: 2\n', 'inline');
  const outcome = await session.train(config);
  writeFileSync(MODEL, await session.modelFile(outcome.model, outcome.test, config));
  model = await loadModel(MODEL);
});

/** What the API says of these pixels, as --json prints it (six significant digits). */
function expected(input: string, index: number, pixels: Uint8Array) {
  const p = model.predict(pixels), best = model.classify(pixels, { top: 1 })[0][0];
  return { input, index, class: best.class, name: best.name, probabilities: Array.from(p, (v) => Number(v.toPrecision(6))) };
}

test('PNG images, grey 8- and 16-bit, RGB, and RGBA drawn dark on transparent with --invert, give the API\'s answer', () => {
  const grey = png('grey.png', 28, 28, image(0), 1);
  const deep = png('deep.png', 28, 28, Array.from(image(1), (v) => v * 257), 1, 16);
  const rgb = png('rgb.png', 28, 28, Array.from(image(2)).flatMap((v) => [v, v, v]), 3);
  // Background transparent (white once laid over white), strokes dark: --invert gives the image back.
  const drawn = png('drawn.png', 28, 28, Array.from(image(3)).flatMap((v) => (v === 0 ? [0, 0, 0, 0] : [255 - v, 255 - v, 255 - v, 255])), 4);
  const plain = predict(['--json', grey, deep, rgb]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.deepEqual(lines(plain.stdout), [expected(grey, 0, image(0)), expected(deep, 0, image(1)), expected(rgb, 0, image(2))]);
  const inverted = predict(['--json', '--invert', drawn]);
  assert.equal(inverted.status, 0, inverted.stderr);
  assert.deepEqual(lines(inverted.stdout), [expected(drawn, 0, image(3))]);
});

test('IDX image files, raw and gzipped: every image, numbered from 0', () => {
  const pixels = data.test.images.pixels.subarray(0, 7 * 784);
  const raw = file('seven-idx3-ubyte', encodeIdx(IMAGE_MAGIC, [7, 28, 28], pixels));
  const gz = file('seven-idx3-ubyte.gz', gzipSync(encodeIdx(IMAGE_MAGIC, [7, 28, 28], pixels)));
  const r = predict(['--json', raw, gz]);
  assert.equal(r.status, 0, r.stderr);
  const want = Array.from({ length: 7 }, (_, i) => i);
  assert.deepEqual(lines(r.stdout), [...want.map((i) => expected(raw, i, image(i))), ...want.map((i) => expected(gz, i, image(i)))]);
});

test('raw pixels on stdin, read as they come; a trailing partial image is an error after the whole ones', () => {
  const pixels = data.test.images.pixels.subarray(0, 3 * 784);
  const r = predict(['--json', '-'], pixels);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), [0, 1, 2].map((i) => expected('-', i, image(i))));
  const partial = predict(['--json', '-'], data.test.images.pixels.subarray(0, 2 * 784 + 100));
  assert.equal(partial.status, 1);
  assert.equal(lines(partial.stdout).length, 2);
  assert.equal(partial.stderr, 'wasmfit: error: stdin: 100 bytes after 2 images, expected whole images of 784 bytes (28x28 pixels, one byte each)\n');
});

test('the table: a header, then per image its input, index and top classes with probabilities', () => {
  const grey = png('table.png', 28, 28, image(5), 1);
  const r = predict(['--top', '2', grey]);
  assert.equal(r.status, 0, r.stderr);
  const [header, row, ...rest] = r.stdout.trimEnd().split('\n');
  assert.deepEqual(rest, []);
  assert.match(header, /^input +index  top 2 classes$/);
  const top = model.classify(image(5), { top: 2 })[0];
  assert.equal(row, `${grey}       0  ${top.map((t) => `${t.name} ${(100 * t.probability).toFixed(2)}%`).join('  ')}`);
});

test('an image of another size is refused naming both sizes, unless --resize (area-averaging)', () => {
  const big = Array.from({ length: 56 * 42 }, (_, i) => image(6)[Math.floor(Math.floor(i / 42) / 2) * 28 + Math.floor(((i % 42) * 2) / 3)]);
  const path = png('big.png', 42, 56, big, 1);
  const refused = predict([path]);
  assert.equal(refused.status, 1);
  assert.equal(refused.stdout, '');
  assert.equal(refused.stderr, `wasmfit: error: ${path}: the image is 56x42, the model takes 28x28 (hint: pass --resize to scale it (area-averaging, aspect ratio not kept))\n`);
  const resized = predict(['--json', '--resize', path]);
  assert.equal(resized.status, 0, resized.stderr);
  assert.deepEqual(lines(resized.stdout), [expected(path, 0, resizeArea({ width: 42, height: 56, pixels: Uint8Array.from(big) }, 28, 28).pixels)]);
  const idx = file('small-idx3-ubyte', encodeIdx(IMAGE_MAGIC, [2, 14, 14], new Uint8Array(2 * 196).fill(200)));
  assert.match(predict([idx]).stderr, /small-idx3-ubyte: the image is 14x14, the model takes 28x28/);
  assert.equal(lines(predict(['--json', '--resize', idx]).stdout).length, 2);
});

test('area-averaging keeps a flat image flat and averages exact blocks', () => {
  const flat = resizeArea({ width: 7, height: 5, pixels: new Uint8Array(35).fill(90) }, 3, 4);
  assert.deepEqual([...flat.pixels], new Array(12).fill(90));
  const blocks = resizeArea({ width: 4, height: 2, pixels: Uint8Array.of(0, 100, 10, 30, 50, 150, 20, 40) }, 2, 1);
  assert.deepEqual([...blocks.pixels], [75, 25]);
});

test('PNG decoding: bit depths below 8 unpack to 0-255, a palette maps through its colours\' luma', () => {
  const bits = decodeGreyPng(encode({ width: 10, height: 2, channels: 1, depth: 1, data: Uint8Array.of(0b10101010, 0b10000000, 0b01010101, 0b01000000) }), 'bits.png');
  assert.deepEqual([...bits.pixels], [255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255]);
  const palette = decodeGreyPng(encode({ width: 3, height: 1, channels: 1, depth: 8, data: Uint8Array.of(0, 1, 2), palette: [[255, 0, 0], [0, 255, 0], [10, 10, 10]] }), 'palette.png');
  assert.deepEqual([...palette.pixels], [76, 150, 10]);
});

test('mistakes are one line with the CLI\'s exit codes, and print no results', () => {
  const text = file('notes.txt', new TextEncoder().encode('hello, not an image'));
  const cases: [string[], number, RegExp][] = [
    [[], 2, /missing required argument 'input'/],
    [['--top', '0', text], 2, /--top: expected an integer from 1 to 256, found "0"/],
    [['-', '-'], 2, /- \(stdin\) is given twice, expected it once/],
    [[join(tmp, 'absent.png')], 1, /absent\.png: PNG or IDX file not found/],
    [[text], 1, /notes\.txt: neither a PNG image nor an IDX image file \(gzipped or not\)/],
    [[file('broken.png', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 28, 0, 0, 0, 28, 8))], 1, /broken\.png: not a readable PNG/],
  ];
  for (const [args, code, message] of cases) {
    const r = predict(args);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    const errors = r.stderr.trim().split('\n');
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0], message);
  }
  const noModel = runCli(['predict', text]);
  assert.equal(noModel.status, 2);
  assert.match(noModel.stderr, /required option '--model <file>' not specified/);
});
