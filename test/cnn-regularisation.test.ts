// Dropout layers and augmentation in layer-list networks: their config errors, the gradient check with a fixed
// mask, training with dropout, augmentation, AdamW and a cosine schedule bit-identical on 1, 2 and 3 threads and
// after a resume, dropout acting only while training (model files and loadModel see the plain network), and the
// augmented gather moving images as the dense network's gather does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../src/core/backend.js';
import { ConvNet } from '../src/core/conv-net.js';
import { loadDataset } from '../src/data/dataset.js';
import { FASHION_MNIST } from '../src/data/fashion-mnist.js';
import { checkNetwork, type DataDescription } from '../src/data/description.js';
import { gradientCheck, GRADCHECK_POOLED } from '../src/train/gradcheck.js';
import { batchNoise, train, type LoopState } from '../src/train/train.js';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from '../src/train/checkpoint.js';
import { modelFromBytes, modelToBytes } from '../src/api/model-file.js';
import { DEFAULTS, parseConfig, type Config } from '../src/config/schema.js';
import { planLayers, summarise, type LayerSpec } from '../src/core/layer-list.js';
import { ConfigError } from '../src/core/errors.js';
import { dropoutHash } from '../src/core/kernels/kernels.js';
import { loadModel } from '../src/node/infer.js';
import { syntheticData } from './helpers/synthetic.js';
import { untimed } from './helpers/untimed.js';
import { backend, IMAGE_TASK, openCnn, trainedCnn } from './helpers/cnn-training.js';

const LAYERS: LayerSpec[] = [
  { type: 'conv2d', filters: 6, kernel: 3, padding: 'same', activation: 'ReLU' },
  { type: 'maxpool', size: 2 },
  { type: 'dropout', rate: 0.25 },
  { type: 'conv2d', filters: 8, kernel: 3, padding: 'valid', activation: 'ReLU' },
  { type: 'maxpool', size: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 64, activation: 'ReLU' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: 10, activation: 'none' },
];
/**
 * The gradient check's network: ReLU kinks and max-pool switches near a step make central differences through a
 * ReLU first layer miss by a few percent, so it is smooth where cnn.test.ts's is, with the same dropout layers.
 */
const SMOOTH: LayerSpec[] = [
  { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'tanh' },
  { type: 'maxpool', size: 2 },
  { type: 'dropout', rate: 0.25 },
  { type: 'conv2d', filters: 12, kernel: 3, padding: 'valid', activation: 'ReLU' },
  { type: 'maxpool', size: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 16, activation: 'sigmoid' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: 10, activation: 'none' },
];
/** The same network without its dropout layers: what inference computes. */
const PLAIN = LAYERS.filter((l) => l.type !== 'dropout');
const config: Config = {
  ...DEFAULTS, layers: LAYERS, learning_rate: 0.01, batch_size: 50, epochs: 2, early_stop: false, seed: 4,
  optimizer: 'adamw', weight_decay: 0.01, lr_schedule: 'cosine', label_smoothing: 0.1, augment_shift: 1, augment_flip: true,
};

const open = (b: Backend, rows: number, layers = LAYERS) => openCnn(b, config, rows, layers);
const trained = (threads: number) => trainedCnn(config, threads);

const yaml = (layers: string, extra = '') => `learning_rate: 0.01\nbatch_size: 8\nepochs: 1\nlayers:\n${layers}${extra}`;
const refused = (text: string, message: RegExp) => assert.throws(() => parseConfig(text, 'c.yaml'), (e: unknown) => e instanceof ConfigError && message.test(e.message));
const FASHION: DataDescription = { name: 'fashion-mnist', shape: [...FASHION_MNIST.imageShape], classes: [...FASHION_MNIST.classNames] };
const HEAD = '  - {type: conv2d, filters: 4, kernel: 3}\n  - {type: maxpool}\n';
const TAIL = '  - {type: flatten}\n  - {type: dense, units: 10}\n';

test('dropout layers and augmentation keys in a layers config: read, or refused naming the layer and key', () => {
  const ok = parseConfig(yaml(`${HEAD}  - {type: dropout, rate: 0.25}\n${TAIL}`, 'augment_shift: 1\naugment_flip: true\n'), 'c.yaml');
  assert.deepEqual(ok.layers?.[2], { type: 'dropout', rate: 0.25 });
  assert.equal(ok.augment_shift, 1);
  assert.equal(ok.augment_flip, true);
  checkNetwork(ok, FASHION, 'c.yaml');
  refused(yaml(`${HEAD}  - {type: dropout, rat: 0.25}\n${TAIL}`), /^c\.yaml: layers: layer 2 \(dropout\): unknown key "rat" \(did you mean "rate"\?\); expected type, rate$/);
  refused(yaml(`${HEAD}  - {type: dropuot, rate: 0.25}\n${TAIL}`), /layer 2: type "dropuot" \(did you mean "dropout"\?\)/);
  refused(yaml(`${HEAD}  - {type: dropout}\n${TAIL}`), /layer 2 \(dropout\): rate is required/);
  for (const bad of ['1', '-0.1', '1.5', 'high']) refused(yaml(`${HEAD}  - {type: dropout, rate: ${bad}}\n${TAIL}`), /layer 2 \(dropout\): rate: expected a number >= 0 and < 1, found/);
  refused(yaml(TAIL, 'dropout: 0.2\n'), /^c\.yaml: dropout: applies to a layer_specs network; in a layers list add a dropout layer after the layer to drop from/);
  refused(yaml(TAIL, 'augment_shif: 1\n'), /unknown key "augment_shif" \(did you mean "augment_shift"\?\)/);
  refused(yaml(TAIL, 'augment_shift: 5\n'), /augment_shift: expected an integer from 0 to 4, found 5/);
  const misfit = (layers: string, message: RegExp) => assert.throws(() => checkNetwork(parseConfig(yaml(layers), 'c.yaml'), FASHION, 'c.yaml'), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  misfit(`  - {type: dropout, rate: 0.2}\n${HEAD}${TAIL}`, /layers: layer 0 \(dropout\) needs a layer before it whose outputs it drops/);
  misfit(`${HEAD}  - {type: dropout, rate: 0.2}\n  - {type: dropout, rate: 0.2}\n${TAIL}`, /layer 3 \(dropout\) follows another dropout/);
  misfit(`${HEAD}${TAIL}  - {type: dropout, rate: 0.2}\n`, /layer 4 \(dropout\) must be the output layer/);
});

test('the summary shows a dropout layer with its rate, its input\'s shape and no parameters', () => {
  const lines = summarise(planLayers(LAYERS, IMAGE_TASK, 10)).split('\n');
  assert.match(lines.find((l) => l.startsWith('2 '))!, /^2 dropout 0\.25 +\(14, 14, 6\) +0$/);
  assert.match(lines.find((l) => l.startsWith('7 '))!, /^7 dropout 0\.5 +\(64\) +0$/);
});

for (const name of ['wasm', 'js'] as const) {
  test(`gradcheck passes through dropout layers with the batch's mask fixed (${name})`, async () => {
    const b = await backend(name);
    const { data, model } = open(b, 16, SMOOTH);
    model.initialise(config.seed);
    const rows = gradientCheck(model, data, b.arena, { ...config, layers: SMOOTH }, { ...GRADCHECK_POOLED, weightsPerLayer: 4 });
    assert.deepEqual([...new Set(rows.map((r) => r.layer))].sort(), [0, 1, 2, 3]);
    for (const r of rows) assert.ok(r.ok, `layer ${r.layer} ${r.kind} ${r.index}: backprop ${r.backprop} vs numerical ${r.numerical}`);
  });
}

test('the gradient check fails when the backward pass forgets a dropout mask', async () => {
  const b = await backend('wasm');
  const k = b.kernels;
  // The backward pass's masks (in place) are skipped; the forward pass's (out of place) still drop.
  const broken = { ...k, dropout: (out: number, inp: number, n: number, key: number, threshold: number, scale: number) => {
    if (out !== inp) k.dropout(out, inp, n, key, threshold, scale);
  } };
  const data = loadDataset(b.arena, syntheticData(64, 8), config.seed, k);
  const model = new ConvNet({ layers: SMOOTH }, IMAGE_TASK, broken, b.arena, 16);
  model.initialise(config.seed);
  const rows = gradientCheck(model, data, b.arena, { ...config, layers: SMOOTH }, { ...GRADCHECK_POOLED, weightsPerLayer: 4 });
  assert.ok(rows.some((r) => r.layer === 0 && !r.ok), 'a first-layer gradient disagrees');
});

test('a training pass drops about the rate of a layer\'s outputs, scaled up; an evaluation pass drops none', async () => {
  const b = await backend('wasm');
  const { data, model } = open(b, 50);
  model.initialise(1);
  const noise = batchNoise(config, 1, 0);
  model.gather(data, data.train, 0, 50);
  model.forward(50);
  const plain = model.logits(50).slice();
  // Layer 6's outputs (dense 64 ReLU) against what layer 7's dropout passed on.
  const units = 50 * 64, dense = model.plan[6].a, dropped = model.plan[7].a;
  model.forward(50, noise);
  const before = b.arena.f32(dense, units), after = b.arena.f32(dropped, units);
  let kept = 0, live = 0;
  for (let i = 0; i < units; i++) {
    if (before[i] === 0) continue;
    live++;
    if (after[i] !== 0) {
      kept++;
      assert.equal(after[i], Math.fround(before[i] * 2), 'kept outputs are scaled by 1 / (1 - rate)');
    }
  }
  assert.ok(live > 100 && Math.abs(kept / live - 0.5) < 0.1, `kept ${kept} of ${live} at rate 0.5`);
  assert.notDeepEqual(model.logits(50), plain);
  model.forward(50);
  assert.deepEqual(model.logits(50), plain, 'an evaluation pass after a training pass is the plain network again');
});

test('a CNN with dropout, augmentation, AdamW and a cosine schedule trains bit-identically on 1, 2 and 3 threads and after a resume', async () => {
  const one = await trained(1), two = await trained(2), three = await trained(3);
  assert.ok((one.history[1] as { val_accuracy: number }).val_accuracy > 0.5, 'it learns the synthetic classes');
  assert.deepEqual(two.history, one.history);
  assert.deepEqual(three.history, one.history);
  assert.ok(two.params.equals(one.params), '2 threads changed the weights');
  assert.ok(three.params.equals(one.params), '3 threads changed the weights');

  // Stopped in the middle of the second epoch, resumed in a fresh arena from the checkpoint.
  const provenance = { config_sha256: 'c', data_sha256: {} };
  const first = await backend('wasm', 2);
  const a = open(first, config.batch_size);
  const stop = new AbortController();
  let saved: { tensors: Uint8Array; state: string } | undefined;
  await train(a.model, a.data, config, {
    signal: stop.signal,
    onBatch: (epoch, batch) => { if (epoch === 2 && batch === 5) stop.abort(); },
    onStop: (state: LoopState) => { saved = encodeCheckpoint(a.model, first.arena, a.data, config, state, provenance); },
  });
  first.close();
  assert.ok(saved);
  const second = await backend('wasm');
  const b = open(second, config.batch_size);
  const { state, tensors } = decodeCheckpoint(saved.tensors, saved.state, 'checkpoint');
  assert.equal(state.loop.batch, 5);
  restoreCheckpoint(b.model, second.arena, b.data, tensors, 'checkpoint');
  const resumed = await train(b.model, b.data, config, { resume: state.loop });
  assert.deepEqual(untimed(resumed.history), one.history);
  assert.ok(Buffer.from(second.arena.u8(b.model.params, b.model.paramBytes)).equals(one.params), 'the resumed weights differ');
});

test('training without the dropout layers or the augmentation gives other weights', async () => {
  // The identity test above would pass if dropout and augmentation did nothing; this one would not.
  const runs = [];
  for (const cfg of [config, { ...config, layers: PLAIN }, { ...config, augment_shift: 0, augment_flip: false }]) {
    const b = await backend('wasm');
    const { data, model } = open(b, cfg.batch_size, cfg.layers);
    await train(model, data, { ...cfg, epochs: 1 });
    runs.push(model.exportTensors().map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')).join());
  }
  assert.notEqual(runs[1], runs[0]);
  assert.notEqual(runs[2], runs[0]);
});

test('a model file of a CNN with dropout keeps the layer list and predicts as the network without dropout', async () => {
  const b = await backend('wasm');
  const { data, model } = open(b, 40);
  model.initialise(6);
  const bytes = modelToBytes(model, { data: data.description });
  const file = modelFromBytes(bytes, 'cnn.safetensors');
  assert.deepEqual(file.spec, { layers: LAYERS });
  assert.deepEqual(model.exportTensors().map((t) => t.name), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'layers.2.weight', 'layers.2.bias', 'layers.3.weight', 'layers.3.bias']);
  const predicted = model.predict(data, data.test).predicted;
  const plain = new ConvNet({ layers: PLAIN }, IMAGE_TASK, b.kernels, b.arena, 40);
  plain.importTensors(file.tensors);
  assert.deepEqual(plain.predict(data, data.test).predicted, predicted);
  const classifier = await loadModel(bytes);
  assert.deepEqual(classifier.layers, LAYERS);
  const classes = classifier.classify(b.arena.u8(data.images, 40 * 784).slice(), { top: 1 }).map(([p]) => p.class);
  const stored = new ConvNet({ layers: LAYERS }, IMAGE_TASK, b.kernels, b.arena, 40);
  stored.importTensors(file.tensors);
  const first40 = b.arena.alloc(4 * 40, 'rows');
  b.arena.i32(first40, 40).set(Int32Array.from({ length: 40 }, (_, i) => i));
  stored.gatherRows(data.images, data.labels, data.stats, first40, 40);
  stored.forwardLogits(40);
  assert.deepEqual(classes, [...stored.predicted(40)]);
});

test('the augmented gather of a layer list moves and mirrors each image by its draw, pixels shifted in reading 0', async () => {
  // Against the image moved by hand, with the draws the dense network's augmented gather makes from the same key.
  const b = await backend('wasm');
  const data = loadDataset(b.arena, syntheticData(20, 4), 0, b.kernels);
  const rows = 8, key = 0x1234567, shift = 3;
  const x = b.arena.allocF32(rows * 784), y = b.arena.alloc(rows), idx = data.train.ptr;
  b.kernels.gatherImagesAugmented(x, y, data.images, data.labels, data.stats, idx, rows, 28, 28, key, shift, 1);
  const got = b.arena.f32(x, rows * 784);
  let moved = 0, mirrored = 0;
  for (let r = 0; r < rows; r++) {
    const h = dropoutHash(key, r);
    const dx = (h % 7) - shift, dy = (Math.floor(h / 7) % 7) - shift, mirror = h >= 2 ** 31;
    moved += dx !== 0 || dy !== 0 ? 1 : 0;
    mirrored += mirror ? 1 : 0;
    const img = b.arena.i32(idx, rows)[r], stats = b.arena.f32(data.stats + 8 * img, 2);
    const pixels = b.arena.u8(data.images + 784 * img, 784);
    for (let p = 0; p < 784; p++) {
      const sy = Math.floor(p / 28) - dy, sx = (p % 28) - dx;
      const px = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? pixels[sy * 28 + (mirror ? 27 - sx : sx)] : 0;
      assert.ok(Math.abs(got[r * 784 + p] - (px - stats[0]) * stats[1]) < 1e-5, `row ${r} pixel ${p}`);
    }
  }
  assert.ok(moved > 0 && mirrored > 0 && mirrored < rows, 'the draws move and mirror some images, not all');
});
