// Networks from a layers list (convolutions, pooling, flatten, dense): the gradient check passes on conv and
// pool layers on both back ends, training is bit-identical on 1, 2 and 3 threads, a run stopped mid-epoch and
// resumed from its checkpoint ends bit-identical to one never stopped, model files round-trip in PyTorch's
// layouts, and layer lists that cannot fit the images are refused naming the layer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../src/core/backend.js';
import { ConvNet } from '../src/core/conv-net.js';
import { Arena, createMemory } from '../src/core/memory.js';
import { loadDataset } from '../src/data/dataset.js';
import { FASHION_MNIST } from '../src/data/fashion-mnist.js';
import { checkNetwork, type DataDescription } from '../src/data/description.js';
import { gradientCheck, GRADCHECK_DEFAULTS, GRADCHECK_POOLED } from '../src/train/gradcheck.js';
import { train, type LoopState } from '../src/train/train.js';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from '../src/train/checkpoint.js';
import { modelFromBytes, modelToBytes } from '../src/api/model-file.js';
import { DEFAULTS, parseConfig, type Config } from '../src/config/schema.js';
import type { LayerSpec } from '../src/core/layer-list.js';
import { ConfigError } from '../src/core/errors.js';
import { loadModel } from '../src/node/infer.js';
import { syntheticData } from './helpers/synthetic.js';
import { softmax } from './helpers/softmax.js';
import { backend, IMAGE_TASK, openCnn, trainedCnn } from './helpers/cnn-training.js';

const LAYERS: LayerSpec[] = [
  { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'tanh' },
  { type: 'maxpool', size: 2 },
  { type: 'conv2d', filters: 12, kernel: 3, padding: 'valid', activation: 'ReLU' },
  { type: 'maxpool', size: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 16, activation: 'sigmoid' },
  { type: 'dense', units: 10, activation: 'none' },
];
const config: Config = { ...DEFAULTS, layers: LAYERS, learning_rate: 0.1, batch_size: 50, epochs: 2, momentum: true, L2_penalty: 1e-3, early_stop: false, seed: 3 };

const open = (b: Backend, rows: number) => openCnn(b, config, rows);
const trained = (threads: number) => trainedCnn(config, threads);

for (const name of ['wasm', 'js'] as const) {
  test(`gradcheck passes on conv, pool and dense layers (${name})`, async () => {
    const b = await backend(name);
    const { data, model } = open(b, GRADCHECK_DEFAULTS.rows);
    model.initialise(config.seed);
    const rows = gradientCheck(model, data, b.arena, config, { ...GRADCHECK_POOLED, weightsPerLayer: 4 });
    assert.deepEqual([...new Set(rows.map((r) => r.layer))].sort(), [0, 1, 2, 3], 'both conv layers and both dense layers');
    for (const r of rows) assert.ok(r.ok, `layer ${r.layer} ${r.kind} ${r.index}: backprop ${r.backprop} vs numerical ${r.numerical}`);
    assert.ok(rows.some((r) => r.layer <= 1 && r.kind === 'weight' && Math.abs(r.backprop) > 1e-4), 'a conv weight with a real gradient');
  });
}

test('the gradient check fails when the pooling drops part of the gradient', async () => {
  const b = await backend('wasm');
  const k = b.kernels;
  // The gradient of every window whose maximum is negative is dropped.
  const broken = { ...k, maxPoolBackward: (dx: number, dy: number, x: number, y: number, n: number, h: number, w: number, c: number) => {
    k.maxPoolBackward(dx, dy, x, y, n, h, w, c);
    k.reluBackward(dx, dx, x, n * h * w * c);
  } };
  const data = loadDataset(b.arena, syntheticData(64, 8), config.seed, k);
  const model = new ConvNet({ layers: LAYERS }, IMAGE_TASK, broken, b.arena, GRADCHECK_DEFAULTS.rows);
  model.initialise(config.seed);
  const rows = gradientCheck(model, data, b.arena, config, { ...GRADCHECK_POOLED, weightsPerLayer: 4 });
  assert.ok(rows.some((r) => r.layer === 0 && !r.ok), 'a first-layer gradient disagrees');
});

test('the gradient check fails when the pooling after a ReLU convolution skips the ReLU\'s backward pass', async () => {
  const b = await backend('wasm');
  const k = b.kernels;
  // The fused kernel stands in for the ReLU's backward pass, which the layer then skips: without it, windows of zeros pass gradient.
  const broken = { ...k, maxPoolReluBackward: k.maxPoolBackward };
  const data = loadDataset(b.arena, syntheticData(64, 8), config.seed, k);
  const model = new ConvNet({ layers: LAYERS }, IMAGE_TASK, broken, b.arena, GRADCHECK_DEFAULTS.rows);
  model.initialise(config.seed);
  const rows = gradientCheck(model, data, b.arena, config, { ...GRADCHECK_POOLED, weightsPerLayer: 4 });
  assert.ok(rows.some((r) => r.layer <= 1 && !r.ok), 'a gradient below the ReLU convolution disagrees');
});

test('a CNN trains bit-identically on 1, 2 and 3 threads', async () => {
  const one = await trained(1), two = await trained(2), three = await trained(3);
  assert.ok((one.history[1] as { val_accuracy: number }).val_accuracy > 0.5, 'it learns the synthetic classes');
  assert.deepEqual(two.history, one.history);
  assert.deepEqual(three.history, one.history);
  assert.ok(two.params.equals(one.params), '2 threads changed the weights');
  assert.ok(three.params.equals(one.params), '3 threads changed the weights');
});

test('a CNN stopped mid-epoch and resumed from its checkpoint ends bit-identical to one never stopped', async () => {
  const straight = await trained(1);
  const provenance = { config_sha256: 'c', data_sha256: {} };
  const first = await backend('wasm');
  const a = open(first, config.batch_size);
  const stop = new AbortController();
  let saved: { tensors: Uint8Array; state: string } | undefined;
  await train(a.model, a.data, config, {
    signal: stop.signal,
    onBatch: (epoch, batch) => { if (epoch === 2 && batch === 4) stop.abort(); },
    onStop: (state: LoopState) => { saved = encodeCheckpoint(a.model, first.arena, a.data, config, state, provenance); },
  });
  assert.ok(saved);
  const second = await backend('wasm');
  const b = open(second, config.batch_size);
  const { state, tensors } = decodeCheckpoint(saved.tensors, saved.state, 'checkpoint');
  assert.equal(state.loop.batch, 4);
  restoreCheckpoint(b.model, second.arena, b.data, tensors, 'checkpoint');
  await train(b.model, b.data, config, { resume: state.loop });
  assert.ok(Buffer.from(second.arena.u8(b.model.params, b.model.paramBytes)).equals(straight.params), 'the resumed weights differ');
});

test('a CNN model file holds PyTorch layouts and the layer list, and loads back to the same predictions', async () => {
  const b = await backend('wasm');
  const { data, model } = open(b, 40);
  model.initialise(9);
  const bytes = modelToBytes(model, { data: data.description });
  const file = modelFromBytes(bytes, 'cnn.safetensors');
  assert.deepEqual(file.spec, { layers: LAYERS });
  assert.deepEqual(JSON.parse(file.metadata.layers), LAYERS);
  const shapes = model.exportTensors().map((t) => [t.name, t.shape]);
  assert.deepEqual(shapes, [
    ['layers.0.weight', [8, 1, 3, 3]], ['layers.0.bias', [8]], ['layers.1.weight', [12, 8, 3, 3]], ['layers.1.bias', [12]],
    ['layers.2.weight', [12 * 6 * 6, 16]], ['layers.2.bias', [16]], ['layers.3.weight', [16, 10]], ['layers.3.bias', [10]],
  ]);
  const before = model.predict(data, data.test).predicted;
  const logits = model.logits(40).slice();
  const other = new ConvNet({ layers: LAYERS }, IMAGE_TASK, b.kernels, b.arena, 40);
  other.importTensors(file.tensors);
  assert.deepEqual(other.predict(data, data.test).predicted, before);
  assert.deepEqual(other.logits(40), logits);
});

test('conv weights are read [out, in, kh, kw] and a dense layer after flatten reads (c, h, w) order', async () => {
  // Filter 1 copies the pixel two columns to the right (its weight [1, 0, 0, 2]); the dense layer sends the flattened
  // value at (channel 1, row 5, column 7) to class 3: that logit must be the input pixel at row 5, column 9.
  const layers: LayerSpec[] = [
    { type: 'conv2d', filters: 2, kernel: 3, padding: 'valid', activation: 'none' }, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'none' },
  ];
  const b = await backend('js');
  const data = loadDataset(b.arena, syntheticData(20, 2), 0, b.kernels);
  const model = new ConvNet({ layers }, IMAGE_TASK, b.kernels, b.arena, 1);
  const w0 = new Float32Array(2 * 9), w1 = new Float32Array(2 * 26 * 26 * 10);
  w0[9 + 2] = 1;
  w1[(26 * 26 + 5 * 26 + 7) * 10 + 3] = 1;
  model.importTensors(new Map([['layers.0.weight', w0], ['layers.0.bias', new Float32Array(2)], ['layers.1.weight', w1], ['layers.1.bias', new Float32Array(10)]]));
  model.gather(data, data.test, 0, 1);
  model.forward(1);
  const x = b.arena.allocF32(784), y = b.arena.alloc(1);
  b.kernels.gatherImages(x, y, data.images, data.labels, data.stats, data.test.ptr, 1, 784);
  const pixel = b.arena.f32(x, 784)[5 * 28 + 9];
  assert.notEqual(pixel, 0);
  assert.equal(model.logits(1)[3], pixel);
  assert.deepEqual(model.exportTensors().map((t) => t.data), [w0, new Float32Array(2), w1, new Float32Array(10)]);
});

const yaml = (layers: string) => `learning_rate: 0.01\nbatch_size: 8\nepochs: 1\nlayers:\n${layers}`;
const refused = (layers: string, message: RegExp) => assert.throws(() => parseConfig(yaml(layers), 'c.yaml'), (e: unknown) => e instanceof ConfigError && message.test(e.message));
/** Fashion-MNIST as the data a config's layers are checked against once it is loaded. */
const FASHION: DataDescription = { name: 'fashion-mnist', shape: [...FASHION_MNIST.imageShape], classes: [...FASHION_MNIST.classNames] };
/** A layer list that reads as a config but does not fit the data: refused when checked against it, naming the layer. */
const misfit = (layers: string, message: RegExp) => {
  const config = parseConfig(yaml(layers), 'c.yaml');
  assert.throws(() => checkNetwork(config, FASHION, 'c.yaml'), (e: unknown) => e instanceof ConfigError && message.test(e.message));
};

test('layer lists that cannot fit 28x28 images and 10 classes are refused, naming the layer', () => {
  const dense10 = '  - {type: dense, units: 10}\n';
  const pools = '  - {type: maxpool}\n'.repeat(3);
  misfit(`${pools}  - {type: conv2d, filters: 4, kernel: 5}\n  - {type: flatten}\n${dense10}`, /^c\.yaml: layers: layer 3 \(conv2d\) has a 5x5 kernel, larger than its 3x3 input with padding valid \(the data, fashion-mnist, has 28x28 images and 10 classes\)$/);
  misfit(`  - {type: conv2d, filters: 4, kernel: 4, padding: same}\n  - {type: flatten}\n${dense10}`, /layer 0 \(conv2d\) with padding same needs an odd kernel, found 4/);
  misfit(`  - {type: maxpool}\n  - {type: maxpool}\n  - {type: maxpool}\n  - {type: maxpool}\n  - {type: maxpool}\n  - {type: flatten}\n${dense10}`, /layer 4 \(maxpool\) needs an input of at least 2x2, found 1x1/);
  misfit(`  - {type: conv2d, filters: 4, kernel: 3}\n${dense10}`, /layer 1 \(dense\) needs a vector input: add a flatten before it \(its input is \(26, 26, 4\)\)/);
  misfit(`  - {type: flatten}\n  - {type: conv2d, filters: 4, kernel: 3}\n  - {type: flatten}\n${dense10}`, /layer 1 \(conv2d\) needs an image input, but a flatten came before it/);
  misfit('  - {type: flatten}\n  - {type: dense, units: 12}\n', /layer 1 \(dense\) must be the output layer: a dense layer of 10 units/);
  misfit('  - {type: flatten}\n  - {type: dense, units: 10, activation: ReLU}\n', /layer 1 \(dense\) is the output layer, whose softmax is implied/);
  refused('  - {type: conv2d, filter: 4, kernel: 3}\n', /layer 0 \(conv2d\): unknown key "filter" \(did you mean "filters"\?\)/);
  refused('  - {type: conv2d, kernel: 3}\n', /layer 0 \(conv2d\): filters is required/);
  refused('  - {type: convolution, filters: 4}\n', /layer 0: type "convolution"/);
  refused('  - {type: maxpool, size: 3}\n', /layer 0 \(maxpool\): size: expected an integer from 2 to 2, found 3/);
  assert.throws(() => parseConfig(`layer_specs: [784, 10]\n${yaml(`  - {type: flatten}\n${dense10}`)}`, 'c.yaml'), /layer_specs and layers: give one of them, not both/);
  const ok = parseConfig(yaml(`  - {type: conv2d, filters: 4, kernel: 3, padding: same, activation: relu}\n  - {type: maxpool, size: 2}\n  - {type: flatten}\n${dense10}`), 'c.yaml');
  assert.deepEqual(ok.layers?.[0], { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'ReLU' });
  assert.equal(ok.layer_specs, undefined);
});

for (const [rule, extra] of [['AdamW', { optimizer: 'adamw', momentum: false, weight_decay: 0.01, learning_rate: 0.003 }], ['SGD with Nesterov momentum and a cosine schedule', { nesterov: true, lr_schedule: 'cosine' }]] as const) {
  test(`a CNN trains with ${rule}, the same on the JS reference and WASM`, async () => {
    const cfg = { ...config, ...extra } as Config;
    const losses: number[][] = [];
    for (const name of ['js', 'wasm'] as const) {
      const b = await backend(name);
      const { data, model } = open(b, cfg.batch_size);
      const result = await train(model, data, cfg);
      losses.push(result.history.map((r) => r.train_loss));
    }
    assert.ok(losses[1][1] < losses[1][0], `training loss falls: ${losses[1]}`);
    losses[0].forEach((l, i) => assert.ok(Math.abs(l - losses[1][i]) < 1e-3 * Math.abs(l), `epoch ${i + 1}: js ${l} vs wasm ${losses[1][i]}`));
  });
}

test('a CNN model file records the data it was trained on in the same keys as a dense model file', async () => {
  const b = await backend('wasm');
  const { data, model } = open(b, 40);
  model.initialise(2);
  const file = modelFromBytes(modelToBytes(model, { data: data.description, configSha256: 'ab'.repeat(32) }), 'cnn.safetensors');
  assert.deepEqual(file.inputShape, data.description.shape);
  assert.deepEqual(file.classes, data.description.classes);
  assert.equal(file.metadata.config_sha256, 'ab'.repeat(32));
  assert.equal(file.metadata.layer_specs, undefined);
  assert.equal(file.metadata.format, 'wasmfit');
});

test('loadModel gives a CNN\'s probabilities from the trained network\'s forward pass, bit for bit, holding no training buffers', async () => {
  const b = await backend('wasm');
  const { data, model } = open(b, 40);
  model.initialise(5);
  const classifier = await loadModel(modelToBytes(model, { data: data.description }));
  assert.deepEqual(classifier.layers, LAYERS);
  const pixels = b.arena.u8(data.images, 40 * 784).slice();
  const probabilities = classifier.predict(pixels);
  // The same first 40 stored images through the trained network, and softmax in double precision over its logits.
  model.gatherRows(data.images, data.labels, data.stats, identity(b, 40), 40);
  model.forwardLogits(40);
  assert.deepEqual(probabilities, softmax(model.logits(40), 10));
  const top = classifier.classify(pixels, { top: 1 });
  top.forEach(([p], i) => assert.equal(p.class, model.predicted(40)[i], `image ${i}`));
  // A forward pass needs no gradients, moments or best copy: the classifier's whole memory is less than a training
  // network of the same 40 rows takes.
  const training = new Arena(createMemory(1), 0);
  new ConvNet({ layers: LAYERS }, IMAGE_TASK, b.kernels, training, 40);
  assert.ok(classifier.memoryBytes < training.used, `the classifier holds ${classifier.memoryBytes} bytes, a training network ${training.used}`);
});

/** Row indices 0..n-1 in the arena, for gathering the first n stored images. */
function identity(b: Backend, n: number): number {
  const at = b.arena.alloc(4 * n, 'identity rows');
  b.arena.i32(at, n).set(Int32Array.from({ length: n }, (_, i) => i));
  return at;
}
