// The optimisers and schedules as a user configures them: each schedule's rate at the batches that define it,
// and the update kernels on both back ends against the textbook formulas (Nesterov SGD, Adam, AdamW) over
// several steps, with the bias corrections the loop folds in.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createBackend } from '../src/core/backend.js';
import { DEFAULTS, type Config } from '../src/config/schema.js';
import { learningRate, updateRule } from '../src/train/optimizer.js';
import type { UpdateRule } from '../src/core/model.js';

const wasmBytes = () => readFile(new URL('../../build/wasmfit.wasm', import.meta.url));
const base: Config = { ...DEFAULTS, layer_specs: [784, 10], learning_rate: 0.1, batch_size: 100, epochs: 10 };
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b), `${what}: ${a} vs ${b}`);

test('constant: every step at learning_rate exactly (the report\'s configs)', () => {
  for (const step of [0, 1, 499, 999]) assert.equal(learningRate(base, step, 100), 0.1);
});

test('linear warm-up rises to learning_rate over lr_warmup_epochs, then the schedule takes over', () => {
  const c = { ...base, lr_warmup_epochs: 0.5 };
  close(learningRate(c, 0, 100), 0.1 / 50, 'first step');
  close(learningRate(c, 24, 100), 0.05, 'half way');
  close(learningRate(c, 49, 100), 0.1, 'last warm-up step');
  assert.equal(learningRate(c, 50, 100), 0.1);
});

test('step: the rate falls by lr_step_factor every lr_step_epochs epochs', () => {
  const c: Config = { ...base, lr_schedule: 'step', lr_step_epochs: 3, lr_step_factor: 0.5 };
  close(learningRate(c, 299, 100), 0.1, 'end of epoch 3');
  close(learningRate(c, 300, 100), 0.05, 'start of epoch 4');
  close(learningRate(c, 999, 100), 0.1 * 0.5 ** 3, 'last step');
});

test('cosine: from learning_rate after the warm-up down towards lr_min at the last step', () => {
  const c: Config = { ...base, lr_schedule: 'cosine', lr_min: 0.001, lr_warmup_epochs: 1 };
  close(learningRate(c, 100, 100), 0.1, 'first step after the warm-up');
  close(learningRate(c, 550, 100), 0.001 + 0.099 / 2, 'half way');
  const last = learningRate(c, 999, 100);
  assert.ok(last > 0.001 && last < 0.001 + 1e-5, `last step ${last}`);
  for (let s = 101; s < 1000; s++) assert.ok(learningRate(c, s, 100) < learningRate(c, s - 1, 100), `falls at step ${s}`);
});

/** Runs `steps` updates of rule(t) on 9 parameters (two vectors and a tail) and returns w, m, v. */
async function run(backend: 'wasm' | 'js', rule: (t: number) => UpdateRule, w0: number[], grads: number[][]) {
  const b = await createBackend(backend, wasmBytes);
  const n = w0.length, w = b.arena.allocF32(n), g = b.arena.allocF32(n), m = b.arena.allocF32(n), v = b.arena.allocF32(n);
  b.arena.f32(w, n).set(w0);
  for (const [t, grad] of grads.entries()) {
    b.arena.f32(g, n).set(grad);
    const r = rule(t);
    if (r.kind === 'sgd') b.kernels.sgdUpdate(w, g, m, n, r.lr, r.gamma, r.l2, r.l1, r.nesterov ? 1 : 0);
    else b.kernels.adamUpdate(w, g, m, v, n, r.step, r.beta1, r.beta2, r.epsilon, r.rs, r.keep, r.l2, r.l1);
  }
  return { w: [...b.arena.f32(w, n)], m: [...b.arena.f32(m, n)], v: [...b.arena.f32(v, n)] };
}

const W0 = [1, -1, 2, 0, 0.5, -0.25, 3, -3, 0.1];
const GRADS = [0, 1, 2, 3].map((t) => W0.map((_, i) => Math.sin(1 + i * 1.7 + t * 0.9)));

for (const backend of ['wasm', 'js'] as const) {
  test(`Nesterov SGD: v = gamma v + lr g, w -= gamma v + lr g, over 4 steps (${backend})`, async () => {
    const c: Config = { ...base, momentum: true, nesterov: true };
    const got = await run(backend, (t) => updateRule(c, t, 0.1), W0, GRADS);
    W0.forEach((w0, i) => {
      let w = w0, v = 0;
      for (const g of GRADS) {
        v = 0.9 * v + 0.1 * g[i];
        w -= 0.9 * v + 0.1 * g[i];
      }
      assert.ok(Math.abs(got.w[i] - w) < 1e-6, `w[${i}] ${got.w[i]} vs ${w}`);
    });
  });

  for (const optimizer of ['adam', 'adamw'] as const) {
    test(`${optimizer}: bias-corrected moments and ${optimizer === 'adamw' ? 'decoupled weight decay' : 'no decay'}, over 4 steps (${backend})`, async () => {
      const c: Config = { ...base, optimizer, learning_rate: 0.01, ...(optimizer === 'adamw' ? { weight_decay: 0.1 } : {}) };
      const got = await run(backend, (t) => updateRule(c, t, 0.01), W0, GRADS);
      W0.forEach((w0, i) => {
        let w = w0, m = 0, v = 0;
        GRADS.forEach((g, t) => {
          m = 0.9 * m + 0.1 * g[i];
          v = 0.999 * v + 0.001 * g[i] ** 2;
          const mHat = m / (1 - 0.9 ** (t + 1)), vHat = v / (1 - 0.999 ** (t + 1));
          if (optimizer === 'adamw') w -= 0.01 * 0.1 * w;
          w -= (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8);
        });
        assert.ok(Math.abs(got.w[i] - w) < 1e-6, `w[${i}] ${got.w[i]} vs ${w}`);
        assert.ok(Math.abs(got.m[i] - m) < 1e-6 && Math.abs(got.v[i] - v) < 1e-6, `moments [${i}]`);
      });
    });
  }
}
