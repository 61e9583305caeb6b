// The inference API in Node (wasmfit/infer): a model trained by a session and loaded from its file gives the
// classes of the session's own forward pass and its probabilities to float rounding (a dense network normalises
// before it splits the input, training after: see infer-float.test.ts); classify ranks them; every kind of source
// loads the same model; chunks keep memory bounded; every bad source or input is one clear line.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { init, parseConfig, type Session, type Trainable } from '../src/node/index.js';
import { CHUNK, loadModel, type Classifier } from '../src/node/infer.js';
import { syntheticData } from './helpers/synthetic.js';
import { softmax } from './helpers/softmax.js';
import { WasmfitError } from '../src/core/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-infer-'));
const data = syntheticData(600, 1234, 3);
let session: Session, trained: Trainable, bytes: Uint8Array, model: Classifier;

before(async () => {
  session = await (await init({ threads: false })).open(data);
  const config = parseConfig('layer_specs: [784, 32, 10]\nlearning_rate: 0.01\nbatch_size: 128\nepochs: 2\nmomentum: true\n', 'inline');
  const outcome = await session.train(config);
  trained = outcome.model;
  bytes = await session.modelFile(trained, outcome.test, config);
  writeFileSync(join(tmp, 'model.safetensors'), bytes);
  model = await loadModel(bytes);
});

test('the model file describes itself: input shape, class names, layers', () => {
  assert.deepEqual(model.inputShape, [28, 28]);
  assert.deepEqual(model.classes, data.description.classes);
  assert.deepEqual(model.layerSpecs, [784, 32, 10]);
  assert.equal(model.activation, 'tanh');
  assert.equal(model.metadata.data, 'fashion-mnist');
  assert.match(model.metadata.config_sha256, /^[0-9a-f]{64}$/);
});

test('predict gives the classes of the session\'s own forward pass, and its probabilities to float rounding', () => {
  const rows = trained.maxRows;
  const { predicted, pixels } = session.predict(trained, 0, rows);
  const expected = softmax(trained.logits(rows).slice(), 10);
  const p = model.predict(pixels);
  assert.equal(p.length, rows * 10);
  const worst = p.reduce((w, v, i) => Math.max(w, Math.abs(v - expected[i])), 0);
  assert.ok(worst < 1e-6, `probabilities differ by up to ${worst}`);
  for (let r = 0; r < rows; r++) {
    const row = p.subarray(r * 10, (r + 1) * 10);
    assert.equal(row.indexOf(Math.max(...row)), predicted[r], `image ${r}`);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  }
});

test('the mean cross-entropy of predict over the test set is evaluate\'s test loss', () => {
  const { test: split } = session.data;
  const p = model.predict(data.test.images.pixels);
  let loss = 0;
  for (let i = 0; i < split.count; i++) loss -= Math.log(p[i * 10 + data.test.labels[i]]);
  const evaluated = session.evaluate(trained, 'test').loss;
  assert.ok(Math.abs(loss / split.count - evaluated) < 1e-5 * evaluated, `${loss / split.count} against ${evaluated}`);
});

test('batches go through in chunks: any split of the images gives the same bits, and memory stops growing at one chunk', async () => {
  const fresh = await loadModel(bytes);
  const all = data.test.images.pixels;
  fresh.predict(all.subarray(0, 784));
  const small = fresh.memoryBytes;
  const whole = fresh.predict(all);
  const atChunk = fresh.memoryBytes;
  assert.ok(small < atChunk && atChunk < 8 * 2 ** 20, `${small} then ${atChunk} bytes`);
  const parts = [1, 499, 500, 234].reduce<{ at: number; out: Float32Array[] }>((acc, n) => {
    acc.out.push(fresh.predict(all.subarray(acc.at * 784, (acc.at + n) * 784)));
    acc.at += n;
    return acc;
  }, { at: 0, out: [] });
  assert.deepEqual(Float32Array.from(parts.out.flatMap((p) => [...p])), whole);
  fresh.predict(new Uint8Array(5 * CHUNK * 784));
  assert.equal(fresh.memoryBytes, atChunk, 'five chunks need no more memory than one');
  assert.deepEqual(fresh.predict(all, 3), whole.subarray(0, 30), 'count takes the first images');
});

test('classify ranks each image\'s classes, most probable first, with their names', () => {
  const pixels = data.test.images.pixels.subarray(0, 5 * 784);
  const p = model.predict(pixels), ranked = model.classify(pixels);
  assert.equal(ranked.length, 5);
  ranked.forEach((top, i) => {
    assert.equal(top.length, 3);
    const row = [...p.subarray(i * 10, (i + 1) * 10)];
    const order = row.map((_, c) => c).sort((a, b) => row[b] - row[a] || a - b);
    assert.deepEqual(top.map((t) => t.class), order.slice(0, 3));
    top.forEach((t) => {
      assert.equal(t.name, data.description.classes[t.class]);
      assert.equal(t.probability, row[t.class]);
    });
  });
  assert.equal(model.classify(pixels, { top: 50 })[0].length, 10, 'top beyond the classes gives them all');
  assert.deepEqual(model.classify(pixels, { top: 1, count: 2 }).map((t) => t.length), [1, 1]);
});

test('every kind of source loads the same model', async () => {
  const path = join(tmp, 'model.safetensors');
  const sources: [string, () => Parameters<typeof loadModel>[0]][] = [
    ['a path', () => path],
    ['a file: URL', () => pathToFileURL(path)],
    ['a file: URL string', () => pathToFileURL(path).href],
    ['a data: URL', () => `data:application/octet-stream;base64,${Buffer.from(bytes).toString('base64')}`],
    ['an ArrayBuffer', () => bytes.slice().buffer],
    ['a Blob', () => new Blob([bytes as Uint8Array<ArrayBuffer>])],
    ['a File', () => new File([bytes as Uint8Array<ArrayBuffer>], 'model.safetensors')],
    ['a Response', () => new Response(bytes as Uint8Array<ArrayBuffer>)],
  ];
  const pixels = data.test.images.pixels.subarray(0, 20 * 784), expected = model.predict(pixels);
  for (const [what, source] of sources) assert.deepEqual((await loadModel(source())).predict(pixels), expected, what);
});

test('bad sources and inputs are refused with one line naming what was wrong', async () => {
  const oneLine = (pattern: RegExp) => (e: unknown) => e instanceof WasmfitError && !e.message.includes('\n') && pattern.test(e.message);
  await assert.rejects(loadModel(join(tmp, 'none.safetensors')), oneLine(/none\.safetensors: model file not found/));
  await assert.rejects(loadModel(42 as never), oneLine(/expected bytes, a Blob or File, a Response or a URL for a wasmfit model file \(\.safetensors\), found number 42/));
  await assert.rejects(loadModel(new Response('<html>not here</html>', { status: 404, headers: { 'content-type': 'text/html' } })), oneLine(/HTTP 404 \(text\/html\), expected a wasmfit model file/));
  await assert.rejects(loadModel('http://127.0.0.1:9/model.safetensors'), oneLine(/http:\/\/127\.0\.0\.1:9\/model\.safetensors: fetch failed/));
  await assert.rejects(loadModel(new TextEncoder().encode('not a model at all')), oneLine(/the model bytes: header length \d+ does not fit a 18-byte file/));
  assert.throws(() => model.predict(new Int16Array(784) as never), oneLine(/pixels are an? Int16Array, expected a Uint8Array of grey levels 0-255 \(28x28 per image, row-major\), which the model normalises itself, or a Float32Array of normalised values/));
  assert.throws(() => model.predict(new Uint8Array(1000)), oneLine(/1000 pixels are not a whole number of 28x28 images \(784 pixels each\)/));
  assert.throws(() => model.predict(new Uint8Array(784), 2), oneLine(/count is 2, expected a whole number of images up to the 1 that 784 pixels hold/));
  assert.throws(() => model.classify(new Uint8Array(784), { top: 0 }), oneLine(/top is 0, expected a whole number of classes from 1/));
});
