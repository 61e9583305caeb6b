// The model file: a round trip keeps every value and the model's description, older files load as Fashion-MNIST
// models, and each kind of damage is a clear error, never a crash.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors } from '../src/core/safetensors.js';
import { modelFromBytes, modelToBytes, NORMALISATION } from '../src/api/model-file.js';
import { VERSION } from '../src/core/version.js';
import type { Model } from '../src/core/model.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';
import { DEFAULT_SET } from '../src/data/known-sets.js';
import { WasmfitError } from '../src/core/errors.js';

const tensors = [
  { name: 'layers.0.weight', shape: [784, 3], data: Float32Array.from({ length: 784 * 3 }, (_, i) => Math.sin(i)) },
  { name: 'layers.0.bias', shape: [3], data: Float32Array.of(0.5, -1, 2) },
  { name: 'layers.1.weight', shape: [3, 10], data: Float32Array.from({ length: 30 }, (_, i) => i / 7) },
  { name: 'layers.1.bias', shape: [10], data: new Float32Array(10) },
];
const meta = { layer_specs: '[784,3,10]', activation: 'tanh' };
const good = encodeSafetensors(tensors, meta);

test('layout: little-endian header length, 8-byte aligned data, offsets in order', () => {
  const view = new DataView(good.buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  assert.equal((8 + headerLength) % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + headerLength)));
  assert.deepEqual(header['layers.0.bias'], { dtype: 'F32', shape: [3], data_offsets: [784 * 12, 784 * 12 + 12] });
  assert.equal(view.getFloat32(8 + headerLength + 784 * 12, true), 0.5);
});

test('round trip keeps names, shapes, values and metadata', () => {
  const file = decodeSafetensors(good, 'm');
  assert.deepEqual(file.metadata, meta);
  for (const t of tensors) {
    assert.deepEqual(file.tensors.get(t.name)!.shape, t.shape);
    assert.deepEqual(file.tensors.get(t.name)!.data, t.data);
  }
  const model = modelFromBytes(good, 'm');
  assert.deepEqual(model.spec, { layerSpecs: [784, 3, 10], activation: 'tanh' });
});

function damaged(edit: (header: Record<string, any>) => void, extraBytes = 0): Uint8Array {
  const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + headerLength)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Negative extraBytes cut the data short by that many.
  const data = good.subarray(8 + headerLength, good.length + Math.min(extraBytes, 0));
  const out = new Uint8Array(8 + json.length + data.length + Math.max(extraBytes, 0));
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const BAD: [string, () => Uint8Array, RegExp][] = [
  ['too short', () => good.subarray(0, 5), /shorter than the 8-byte/],
  ['header length beyond the file', () => { const b = good.slice(); new DataView(b.buffer).setBigUint64(0, 10n ** 12n, true); return b; }, /header length 1000000000000 does not fit/],
  ['header not JSON', () => { const b = good.slice(); b[9] = 0x7b; b[10] = 0x7b; return b; }, /header is not valid JSON/],
  ['wrong dtype', () => damaged((h) => { h['layers.0.bias'].dtype = 'F16'; }), /layers\.0\.bias: dtype "F16", expected "F32" or "I32"/],
  ['offsets outside the data', () => damaged((h) => { h['layers.1.bias'].data_offsets = [9440, 99999]; }), /data_offsets \[9440, 99999\] outside/],
  ['size not matching shape', () => damaged((h) => { h['layers.0.bias'].shape = [4]; }), /12 bytes for shape \[4\], expected 16/],
  ['overlapping tensors', () => damaged((h) => { h['layers.0.bias'].data_offsets = [0, 12]; }), /overlap/],
  ['missing tensor', () => damaged((h) => { delete h['layers.1.bias']; }, -40), /tensor layers\.1\.bias is missing/],
  ['shape against layer_specs', () => damaged((h) => { h.__metadata__.layer_specs = '[784,4,10]'; }), /layers\.0\.weight has shape \[784,3\], expected \[784,4\]/],
  ['unknown activation', () => damaged((h) => { h.__metadata__.activation = 'gelu'; }), /activation: expected one of tanh, sigmoid, ReLU, found the string "gelu"/],
  ['a last layer of one class', () => damaged((h) => { h.__metadata__.layer_specs = '[784,3,1]'; }), /layer_specs: expected the last layer \(one unit per class\) to be 2 to 256, found 1/],
  ['a first layer beyond what the kernels take', () => damaged((h) => { h.__metadata__.layer_specs = '[65537,3,10]'; }), /layer_specs: expected the first layer \(the pixels of one image\) to be at most 65536 \(256x256\), found 65537/],
  ['trailing bytes', () => damaged(() => undefined, 4), /4 bytes after the last tensor/],
  ['a gap in the data', () => damaged((h) => { h['layers.0.bias'].data_offsets = [9412, 9424]; h['layers.0.weight'].data_offsets = [0, 9408]; }), /tensor layers\.0\.bias starts at byte 9412 of the data, expected 9408/],
  ['an unknown tensor', () => damaged((h) => { h.extra = { dtype: 'F32', shape: [10], data_offsets: [9580, 9620] }; }, 40), /unknown tensor extra/],
  ['non-finite value', () => { const b = good.slice(); const hl = Number(new DataView(b.buffer).getBigUint64(0, true)); new DataView(b.buffer).setFloat32(8 + hl, NaN, true); return b; }, /layers\.0\.weight: value NaN at index 0, expected finite/],
];
for (const [name, make, message] of BAD) {
  test(`refuses a model file with ${name}`, () => {
    assert.throws(() => modelFromBytes(make(), 'model.safetensors'), (e: unknown) => e instanceof WasmfitError && message.test(e.message) && e.message.startsWith('model.safetensors: '));
  });
}

/** A model file as wasmfit wrote it before input_shape and class_names: Fashion-MNIST's. */
const OLDER_META = { format: 'wasmfit', layer_specs: '[784,3,10]', activation: 'tanh', normalisation: 'per-image: x = (pixel - mean(image)) / std(image), pixels 0-255, population std over 784 pixels; 1/std = 0 for a constant image', test_accuracy: '0.85' };

test('an older model file, without input shape and class names, loads as a Fashion-MNIST model', () => {
  const file = modelFromBytes(encodeSafetensors(tensors, OLDER_META), 'old.safetensors');
  assert.deepEqual(file.inputShape, [28, 28]);
  assert.deepEqual(file.classes, DEFAULT_SET.classes);
  assert.equal(file.dataName, 'fashion-mnist');
  for (const t of tensors) assert.deepEqual(file.tensors.get(t.name), t.data);
});

test('the description round-trips: input shape, class names, data and config digests, version', () => {
  const trainedOn = { name: 'tiny', shape: [8, 98] as const, classes: 'abcdefghij'.split(''), sha256: { 'train-images-idx3-ubyte': 'ab'.repeat(32) } };
  const model = { sizes: [784, 3, 10], spec: { layerSpecs: [784, 3, 10], activation: 'ReLU' }, exportTensors: () => tensors } as unknown as Model;
  const bytes = modelToBytes(model, { data: trainedOn, configSha256: 'cd'.repeat(32) }, { test_accuracy: '0.5' });
  const file = modelFromBytes(bytes, 'new.safetensors');
  assert.deepEqual(file.inputShape, [8, 98]);
  assert.deepEqual(file.classes, trainedOn.classes);
  assert.equal(file.dataName, 'tiny');
  assert.deepEqual(file.spec, { layerSpecs: [784, 3, 10], activation: 'ReLU' });
  assert.deepEqual(JSON.parse(file.metadata.data_sha256), trainedOn.sha256);
  assert.equal(file.metadata.config_sha256, 'cd'.repeat(32));
  assert.equal(file.metadata.wasmfit_version, VERSION);
  assert.equal(file.metadata.normalisation, NORMALISATION);
  for (const t of tensors) assert.deepEqual(file.tensors.get(t.name), t.data);
});

test('the version model files record is the package\'s', () => {
  assert.equal(VERSION, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
});

const DESCRIBED: [string, Record<string, string>, RegExp][] = [
  ['an input shape of other size than the first layer', { input_shape: '[28,29]' }, /input_shape is "\[28,29\]", expected \[height, width\] of 784 pixels, the first layer's size/],
  ['an input shape that is no pair', { input_shape: '[784]' }, /input_shape is "\[784\]", expected a JSON list \[height, width\]/],
  ['class names of another count than the last layer', { input_shape: '[28,28]', class_names: '["a","b"]' }, /class_names is .*, expected 10 names, one per output of the last layer/],
  ['class names that are not strings', { input_shape: '[28,28]', class_names: '[1,2,3,4,5,6,7,8,9,10]' }, /class_names is .*, expected a JSON list of strings/],
  ['a class list but no input shape', { class_names: JSON.stringify(DEFAULT_SET.classes) }, /__metadata__\.input_shape is missing, expected \[height, width\] of 784 pixels/],
  ['another normalisation', { normalisation: 'x / 255' }, /normalisation is "x \/ 255", expected "per-image: /],
];
for (const [name, extra, message] of DESCRIBED) {
  test(`refuses a model file with ${name}`, () => {
    assert.throws(() => modelFromBytes(encodeSafetensors(tensors, { ...OLDER_META, ...extra }), 'm.safetensors'), (e: unknown) => e instanceof WasmfitError && message.test(e.message));
  });
}

test('the activation in a model file is read in any case, as in a config', () => {
  const relu = encodeSafetensors(tensors, { ...meta, activation: 'relu' });
  assert.deepEqual(modelFromBytes(relu, 'm').spec, { layerSpecs: JSON.parse(meta.layer_specs), activation: 'ReLU' });
});

test('a header naming a key twice is refused (JSON.parse alone would keep the second)', () => {
  const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
  const text = new TextDecoder().decode(good.subarray(8, 8 + headerLength)).replace('"__metadata__":{', '"__metadata__":{"activation":"sigmoid",');
  const json = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + json.length + good.length - 8 - headerLength);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(good.subarray(8 + headerLength), 8 + json.length);
  assert.throws(() => decodeSafetensors(bytes, 'm'), /m: header names "activation" twice/);
});
