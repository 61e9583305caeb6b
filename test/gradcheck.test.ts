// The numerical gradient check: backprop agrees with central differences for every activation, with and
// without L1/L2, on both back ends; and it catches a backward pass broken on purpose.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createBackend } from '../src/core/backend.js';
import { Model } from '../src/core/model.js';
import { loadDataset } from '../src/data/dataset.js';
import { gradientCheck, GRADCHECK_DEFAULTS } from '../src/train/gradcheck.js';
import { DEFAULTS, type Config, type Activation } from '../src/config/schema.js';
import { ACT, type BackendName, type Kernels } from '../src/core/kernels/kernels.js';
import { syntheticData } from './helpers/synthetic.js';
import { runCli } from './helpers/cli.js';

const wasmBytes = () => readFile(new URL('../../build/wasmfit.wasm', import.meta.url));

function configFor(layer_specs: number[], activation: Activation, L2_penalty = 0, L1_penalty = 0): Config {
  return { ...DEFAULTS, layer_specs, activation, learning_rate: 0.01, batch_size: 16, epochs: 1, L2_penalty, L1_penalty, seed: 5 };
}

async function check(backend: BackendName, config: Config, breakKernels?: (k: Kernels) => Kernels) {
  const b = await createBackend(backend, wasmBytes);
  const kernels = breakKernels ? breakKernels(b.kernels) : b.kernels;
  const data = loadDataset(b.arena, syntheticData(64, 8), config.seed, b.kernels);
  const model = new Model({ layerSpecs: config.layer_specs!, activation: config.activation }, kernels, b.arena, GRADCHECK_DEFAULTS.rows);
  model.initialise(config.seed);
  return gradientCheck(model, data, b.arena, config, { ...GRADCHECK_DEFAULTS, weightsPerLayer: 4 });
}

for (const backend of ['wasm', 'js'] as const) {
  for (const [specs, activation, l2, l1] of [
    [[784, 10], 'tanh', 0, 0],
    [[784, 32, 10], 'tanh', 0, 0],
    [[784, 32, 10], 'tanh', 1e-2, 0],
    [[784, 32, 10], 'tanh', 0, 1e-3],
    [[784, 24, 16, 10], 'sigmoid', 1e-3, 0],
    [[784, 24, 16, 10], 'ReLU', 0, 0],
  ] as [number[], Activation, number, number][]) {
    test(`gradcheck passes: ${backend} ${specs.join('-')} ${activation} L2=${l2} L1=${l1}`, async () => {
      assertAgree(await check(backend, configFor(specs, activation, l2, l1)), specs);
    });
  }
  // Dropout with the first batch's mask held fixed, on the first hidden layer (its unfused backward pass), on a
  // later one only, and on both; label smoothing with and without it.
  for (const [specs, activation, dropout, label_smoothing] of [
    [[784, 32, 10], 'tanh', 0.3, 0],
    [[784, 32, 10], 'tanh', 0, 0.1],
    [[784, 24, 16, 10], 'sigmoid', [0, 0.4], 0.2],
    [[784, 24, 16, 10], 'ReLU', [0.2, 0.5], 0.1],
  ] as [number[], Activation, number | number[], number][]) {
    test(`gradcheck passes: ${backend} ${specs.join('-')} ${activation} dropout=${dropout} label_smoothing=${label_smoothing}`, async () => {
      assertAgree(await check(backend, { ...configFor(specs, activation), dropout, label_smoothing }), specs);
    });
  }
}

function assertAgree(rows: Awaited<ReturnType<typeof check>>, specs: number[]) {
  assert.equal(rows.length, (specs.length - 1) * 5);
  for (const r of rows) {
    assert.ok(r.ok, `layer ${r.layer} ${r.kind} ${r.index}: backprop ${r.backprop} vs numerical ${r.numerical} (difference ${r.difference})`);
    assert.ok(Math.abs(r.backprop) > 0 || Math.abs(r.numerical) < 1e-6, 'sampled gradients are informative');
  }
}

/** Wraps a back end so that one kernel misbehaves, leaving the others intact. */
function sabotage<K extends keyof Kernels>(name: K, replacement: (inner: Kernels) => Kernels[K]) {
  return (inner: Kernels): Kernels => new Proxy(inner, {
    get: (target, prop) => {
      if (prop === name) return replacement(target);
      const value = (target as any)[prop];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

for (const backend of ['wasm', 'js'] as const) {
  test(`gradcheck fails when the tanh derivative is dropped (${backend})`, async () => {
    // The first layer's backward pass then passes the gradient through as if there were no activation.
    const broken = sabotage('firstLayerBackward', (k) => (args) => k.firstLayerBackward({ ...args, act: ACT.none }));
    const rows = await check(backend, configFor([784, 32, 10], 'tanh'), broken);
    assert.ok(rows.some((r) => !r.ok && r.layer === 0), 'the first layer\'s gradients disagree');
    assert.ok(rows.filter((r) => r.layer === 1).every((r) => r.ok), 'the last layer is unaffected');
  });

  test(`gradcheck fails when the backward pass skips the dropout mask (${backend})`, async () => {
    // The backward pass masks a gradient in place; the forward pass writes a separate buffer.
    const broken = sabotage('dropout', (k) => (out, inp, n, key, threshold, scale) => {
      if (out !== inp) k.dropout(out, inp, n, key, threshold, scale);
    });
    const rows = await check(backend, { ...configFor([784, 32, 10], 'tanh'), dropout: 0.5 }, broken);
    assert.ok(rows.some((r) => !r.ok && r.layer === 0), 'the first layer\'s gradients disagree');
    assert.ok(rows.filter((r) => r.layer === 1).every((r) => r.ok), 'the last layer is unaffected');
  });

  test(`gradcheck fails when the bias gradient is doubled (${backend})`, async () => {
    // colSum gives the second layer's bias gradient, firstLayerBackward the first's.
    const doubled = (k: Kernels, bias: number, n: number) => k.biasAdd(bias, bias, 1, n);
    const broken = (inner: Kernels) => sabotage('colSum', (k) => (out, a, rows, cols) => {
      k.colSum(out, a, rows, cols);
      doubled(k, out, cols);
    })(sabotage('firstLayerBackward', (k) => (args) => {
      k.firstLayerBackward(args);
      doubled(k, args.db0, args.n);
    })(inner));
    const rows = await check(backend, configFor([784, 32, 10], 'tanh'), broken);
    assert.ok(rows.filter((r) => r.kind === 'bias').every((r) => !r.ok));
  });
}

for (const backend of ['wasm', 'js'] as const) {
  test(`the update follows the report: v = gamma v + lr (g + l2 w + l1 sign w), w -= v (${backend})`, async () => {
    const b = await createBackend(backend, wasmBytes);
    const n = 9; // two SIMD vectors and a tail
    const w = b.arena.allocF32(n), g = b.arena.allocF32(n), v = b.arena.allocF32(n);
    const w0 = [1, -1, 2, 0, 0.5, -0.25, 3, -3, 0], g0 = [0.1, 0.2, -0.3, 0.4, 0, 1, -1, 0.5, 0], v0 = [0, 0.1, -0.1, 0.2, 0, 0, 1, -1, 0.3];
    b.arena.f32(w, n).set(w0);
    b.arena.f32(g, n).set(g0);
    b.arena.f32(v, n).set(v0);
    const [lr, gamma, l2, l1] = [0.1, 0.9, 0.01, 0.001];
    b.kernels.sgdUpdate(w, g, v, n, lr, gamma, l2, l1, 0);
    const wNow = b.arena.f32(w, n), vNow = b.arena.f32(v, n);
    for (let i = 0; i < n; i++) {
      const grad = g0[i] + l2 * w0[i] + l1 * Math.sign(w0[i]);
      const vi = gamma * v0[i] + lr * grad;
      assert.ok(Math.abs(vNow[i] - vi) < 1e-6, `v[${i}] ${vNow[i]} vs ${vi}`);
      assert.ok(Math.abs(wNow[i] - (w0[i] - vi)) < 1e-6, `w[${i}] ${wNow[i]} vs ${w0[i] - vi}`);
    }
  });
}

test('wasmfit gradcheck prints the table on the real data and exits 0', () => {
  const r = runCli(['gradcheck', '--config', 'configs/config_7.yaml']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /layer\s+parameter\s+index\s+backprop\s+numerical\s+difference/);
  assert.equal((r.stdout.match(/ ok$/gm) ?? []).length, 6);
  assert.match(r.stdout, /all 6 gradients agree/);
});
