// Float32Array input to predict and classify: images normalised by hand as docs/model-file.md states it give the
// probabilities of their grey levels bit for bit (dense 28x28 and 48x64 models, a 28x28 CNN); wrong lengths,
// counts, NaN, infinities and values that are not normalised are refused with a message that says what was expected.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, type Classifier } from '../src/node/infer.js';
import { init, parseConfig } from '../src/node/index.js';
import { WasmfitError } from '../src/core/errors.js';
import { syntheticData } from './helpers/synthetic.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-infer-float-'));

/**
 * The documented normalisation, written out here on its own: per image, mean and population std in doubles,
 * then m = f32(mean), r = f32(1 / std) (0 for a constant image) and x = f32(f32(p - m) r).
 */
function normaliseByHand(pixels: Uint8Array, size: number): Float32Array {
  const x = new Float32Array(pixels.length), f = Math.fround;
  for (let at = 0; at < pixels.length; at += size) {
    const image = Array.from(pixels.subarray(at, at + size));
    const mean = image.reduce((s, p) => s + p, 0) / size;
    const std = Math.sqrt(Math.max(image.reduce((s, p) => s + p * p, 0) / size - mean * mean, 0));
    const m = f(mean), r = std > 1e-6 ? f(1 / std) : 0;
    image.forEach((p, j) => { x[at + j] = f(f(p - m) * r); });
  }
  return x;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const models: { shape: [number, number]; model: Classifier; pixels: Uint8Array }[] = [];
const CNN = 'layers:\n  - {type: conv2d, filters: 4, kernel: 3, padding: same, activation: ReLU}\n  - {type: maxpool, size: 2}\n  - {type: flatten}\n  - {type: dense, units: 10}\n';

before(async () => {
  for (const [shape, network] of [[[28, 28], 'dense'], [[48, 64], 'dense'], [[28, 28], 'cnn']] as [[number, number], string][]) {
    const data = syntheticData(300, 40, 4, { shape, classes: shape[0] === 28 ? 10 : 26 });
    const session = await (await init({ threads: false })).open(data);
    const size = shape[0] * shape[1];
    const layers = network === 'cnn' ? CNN : `layer_specs: [${size}, 32, ${data.description.classes.length}]\n`;
    const config = parseConfig(`${layers}learning_rate: 0.01\nbatch_size: 32\nepochs: 2\nmomentum: true\n`, 'inline');
    const outcome = await session.train(config);
    const file = join(tmp, `${shape.join('x')}-${network}.safetensors`);
    writeFileSync(file, await session.modelFile(outcome.model, outcome.test, config));
    session.close();
    // A constant image (all zeros, normalised to zeros) after the test images.
    const pixels = new Uint8Array((data.test.images.count + 1) * size);
    pixels.set(data.test.images.pixels);
    models.push({ shape, model: await loadModel(file), pixels });
  }
});

test('images normalised by hand give the probabilities of their grey levels, bit for bit', () => {
  for (const { shape, model, pixels } of models) {
    const size = shape[0] * shape[1], x = normaliseByHand(pixels, size);
    const fromBytes = model.predict(pixels), fromFloats = model.predict(x);
    assert.equal(fromFloats.length, (pixels.length / size) * model.classes.length);
    assert.ok(bits(fromFloats).equals(bits(fromBytes)), `${shape.join('x')}${model.layers ? ' CNN' : ''}: the float input's probabilities differ`);
    assert.deepEqual(model.classify(x, { top: 2, count: 5 }), model.classify(pixels, { top: 2, count: 5 }));
    assert.ok(bits(model.predict(x, 3)).equals(bits(fromBytes.subarray(0, 3 * model.classes.length))), 'count takes the first images');
  }
});

test('float input of the wrong length or count, or with NaN or infinities, is refused naming what was expected', () => {
  const { model, pixels } = models[0];
  const x = normaliseByHand(pixels.subarray(0, 2 * 784), 784);
  const refused = (input: Float32Array, pattern: RegExp, count?: number) =>
    assert.throws(() => model.predict(input, count), (e: unknown) => e instanceof WasmfitError && pattern.test(e.message), String(pattern));
  refused(x.subarray(0, 785), /^predict: 785 values are not a whole number of 28x28 images \(784 values each\)$/);
  refused(x, /^predict: count is 3, expected a whole number of images up to the 2 that 1568 values hold$/, 3);
  const nan = x.slice();
  nan[784 + 5] = NaN;
  refused(nan, /^predict: value 789 \(image 1, pixel 5\) is NaN, expected finite normalised values/);
  const inf = x.slice();
  inf[3] = -Infinity;
  refused(inf, /^predict: value 3 \(image 0, pixel 3\) is -Infinity, expected finite normalised values/);
  refused(Float32Array.from(pixels.subarray(0, 784)), /^predict: image 0 has mean [\d.]+ and standard deviation [\d.]+, expected normalised values \(mean 0, standard deviation 1\): pass grey levels 0-255 as a Uint8Array, or normalise as docs\/model-file\.md says$/);
  assert.throws(() => model.predict(new Float64Array(784) as unknown as Float32Array), { message: /^predict: pixels are a Float64Array, expected a Uint8Array of grey levels 0-255 \(28x28 per image, row-major\), which the model normalises itself, or a Float32Array of normalised values/ });
});
