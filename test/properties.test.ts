// Property tests (fast-check, fixed seed, bounded runs): random and mutated bytes fed to the IDX, config,
// model and checkpoint parsers either parse or throw the project's own error type, never anything else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIdx, parseImages, parseLabels, IMAGE_MAGIC, LABEL_MAGIC } from '../src/data/idx.js';
import { parseConfig } from '../src/config/schema.js';
import { encodeSafetensors } from '../src/core/safetensors.js';
import { modelFromBytes } from '../src/api/model-file.js';
import { decodeCheckpoint, CHECKPOINT_FORMAT } from '../src/train/checkpoint.js';
import { WasmfitError } from '../src/core/errors.js';
import { ROOT } from './helpers/cli.js';

const RUNS = { seed: 20261127, numRuns: 300 };

/** Runs fn; anything thrown must be a WasmfitError (ConfigError and DataError are kinds of it). */
function ownErrorsOnly(fn: () => unknown): boolean {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof WasmfitError)) throw new Error(`threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
  return true;
}

/** Mutations of a valid file: flipped bytes, a cut, or bytes spliced in. */
function mutated(base: Uint8Array) {
  return fc.oneof(
    fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
      const b = base.slice();
      for (const [i, v] of edits) b[i] = v;
      return b;
    }),
    fc.nat(base.length).map((n) => base.slice(0, n)),
    fc.tuple(fc.nat(base.length), fc.uint8Array({ maxLength: 64 })).map(([at, extra]) => new Uint8Array([...base.subarray(0, at), ...extra, ...base.subarray(at)])),
  );
}

test('IDX parsers: random bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => ownErrorsOnly(() => parseImages(bytes, 'f')) && ownErrorsOnly(() => parseLabels(bytes, 'f'))), RUNS);
});

test('IDX parsers: mutated valid files', () => {
  const images = encodeIdx(IMAGE_MAGIC, [3, 28, 28], new Uint8Array(3 * 784).fill(7));
  const labels = encodeIdx(LABEL_MAGIC, [40], new Uint8Array(40).fill(3));
  fc.assert(fc.property(mutated(images), (b) => ownErrorsOnly(() => parseImages(b, 'f'))), RUNS);
  fc.assert(fc.property(mutated(labels), (b) => ownErrorsOnly(() => parseLabels(b, 'f'))), RUNS);
});

test('config parser: random text and mutated configs', () => {
  const good = readFileSync(join(ROOT, 'configs/config_6.yaml'), 'utf8');
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => ownErrorsOnly(() => parseConfig(text, 'c.yaml'))), RUNS);
  const bytes = new TextEncoder().encode(good);
  fc.assert(fc.property(mutated(bytes), (b) => ownErrorsOnly(() => parseConfig(new TextDecoder().decode(b), 'c.yaml'))), RUNS);
  // Every valid-looking value swap either parses to a config that satisfies the schema, or is refused.
  const values = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 8 }), fc.constant('null'), fc.constant('[784, 10]'));
  const keys = good.split('\n').filter((l) => /^\w+:/.test(l)).map((l) => l.split(':')[0]);
  fc.assert(fc.property(fc.constantFrom(...keys), values, (key, value) => {
    const text = good.replace(new RegExp(`^${key}:.*$`, 'm'), `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    try {
      const c = parseConfig(text, 'c.yaml');
      assert.ok(c.learning_rate > 0 && Number.isInteger(c.batch_size) && c.batch_size >= 1 && c.layer_specs?.[0] === 784);
    } catch (e) {
      if (!(e instanceof WasmfitError)) throw e;
    }
    return true;
  }), RUNS);
});

const model = encodeSafetensors([
  { name: 'layers.0.weight', shape: [784, 2], data: new Float32Array(1568).fill(0.25) },
  { name: 'layers.0.bias', shape: [2], data: new Float32Array(2) },
  { name: 'layers.1.weight', shape: [2, 10], data: new Float32Array(20).fill(-1) },
  { name: 'layers.1.bias', shape: [10], data: new Float32Array(10) },
], { layer_specs: '[784,2,10]', activation: 'ReLU' });

test('model parser: random and mutated files', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => ownErrorsOnly(() => modelFromBytes(b, 'm'))), RUNS);
  fc.assert(fc.property(mutated(model), (b) => ownErrorsOnly(() => modelFromBytes(b, 'm'))), RUNS);
  // The header is where the offsets live: mutate only there, more often.
  const headerEnd = 8 + Number(new DataView(model.buffer).getBigUint64(0, true));
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 8, max: headerEnd - 1 }), fc.constantFrom(...'0123456789[],:"{}-e. FIU'.split('').map((c) => c.charCodeAt(0)))), { minLength: 1, maxLength: 4 }), (edits) => {
    const b = model.slice();
    for (const [i, v] of edits) b[i] = v;
    return ownErrorsOnly(() => modelFromBytes(b, 'm'));
  }), { ...RUNS, numRuns: 1000 });
});

test('checkpoint parser: mutated state and tensors', () => {
  const tensors = encodeSafetensors([{ name: 'params', shape: [4], data: new Float32Array(4) }, { name: 'velocity', shape: [4], data: new Float32Array(4) }, { name: 'best', shape: [4], data: new Float32Array(4) }, { name: 'train_order', shape: [3], data: Int32Array.of(2, 0, 1) }], {});
  const state = new TextEncoder().encode(JSON.stringify({ format: CHECKPOINT_FORMAT, config: {}, config_sha256: '0', data_sha256: {}, loop: { epoch: 1 } }));
  fc.assert(fc.property(mutated(tensors), mutated(state), (t, s) => ownErrorsOnly(() => decodeCheckpoint(t, new TextDecoder().decode(s), 'ckpt'))), RUNS);
});
