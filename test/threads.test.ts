// Threads: the multi-threaded WASM back end gives bit-identical training to one thread (every split keeps each
// sum in the same order), and its split kernels agree exactly with the single-threaded ones at odd sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend, type Backend } from '../src/core/backend.js';
import { Model } from '../src/core/model.js';
import { ACT } from '../src/core/kernels/kernels.js';
import { nzLength, setSparseRow } from '../src/core/kernels/cases/inputs.js';
import { loadDataset } from '../src/data/dataset.js';
import { train } from '../src/train/train.js';
import { DEFAULTS, type Config } from '../src/config/schema.js';
import { loadWasmModule } from '../src/node/wasm-file.js';
import { nodeThreadOptions } from '../src/node/threads.js';
import type { SimdBuild } from '../src/core/kernels/wasm.js';
import { syntheticData } from './helpers/synthetic.js';
import { untimed } from './helpers/untimed.js';

const config: Config = { ...DEFAULTS, layer_specs: [784, 48, 10], activation: 'tanh', learning_rate: 0.01, batch_size: 50, epochs: 2, momentum: true, L2_penalty: 1e-3, early_stop: false, seed: 3 };

/** The training options that draw per batch (augmentation, dropout) and keep more state (AdamW, a schedule). */
const regularised: Config = {
  ...config, layer_specs: [784, 48, 16, 10], activation: 'ReLU', momentum: false, L2_penalty: 0, optimizer: 'adamw', weight_decay: 1e-2,
  learning_rate: 1e-3, lr_schedule: 'cosine', lr_warmup_epochs: 0.5, dropout: [0.3, 0.1], label_smoothing: 0.1, augment_shift: 2, augment_flip: true,
};

/** A worker that says it is ready and never runs a job: the main thread must take over every job posted to it. */
const idleWorker = () => ({ ready: Promise.resolve(), terminate: () => {} });

async function trained(threads: number, shares?: number[], build: SimdBuild = 'plain', cfg: Config = config, idle = false): Promise<{ params: Uint8Array; history: unknown[] }> {
  const options = { ...nodeThreadOptions(threads, build), ...(shares ? { threaded: { initialShares: () => shares } } : {}), ...(idle ? { spawnWorker: idleWorker } : {}) };
  const b: Backend = await createBackend('wasm', () => loadWasmModule(build), options);
  try {
    assert.equal(b.threads, threads);
    const data = loadDataset(b.arena, syntheticData(530, 40), cfg.seed, b.kernels);
    const model = new Model({ layerSpecs: cfg.layer_specs!, activation: cfg.activation }, b.kernels, b.arena, cfg.batch_size);
    const result = await train(model, data, cfg);
    return { params: b.arena.u8(model.params, model.paramBytes).slice(), history: untimed(result.history) };
  } finally {
    b.close();
  }
}

test('training with 1, 2 and 3 threads gives bit-identical weights and history', async () => {
  const one = await trained(1), two = await trained(2), three = await trained(3);
  assert.deepEqual(two.history, one.history);
  assert.deepEqual(three.history, one.history);
  assert.ok(Buffer.from(two.params).equals(Buffer.from(one.params)), '2 threads changed the weights');
  assert.ok(Buffer.from(three.params).equals(Buffer.from(one.params)), '3 threads changed the weights');
});

test('softmax regression (784-10), whose first layer is too narrow to split, trains bit-identically on 1, 2 and 3 threads', async () => {
  const softmax: Config = { ...config, layer_specs: [784, 10] };
  const one = await trained(1, undefined, 'plain', softmax), two = await trained(2, undefined, 'plain', softmax), three = await trained(3, undefined, 'plain', softmax);
  assert.deepEqual(two.history, one.history);
  assert.deepEqual(three.history, one.history);
  assert.ok(Buffer.from(two.params).equals(Buffer.from(one.params)), '2 threads changed the weights');
  assert.ok(Buffer.from(three.params).equals(Buffer.from(one.params)), '3 threads changed the weights');
  const relaxed = [await trained(1, undefined, 'relaxed', softmax), await trained(2, undefined, 'relaxed', softmax)];
  assert.ok(Buffer.from(relaxed[1].params).equals(Buffer.from(relaxed[0].params)), '2 threads changed the relaxed build\'s weights');
});

test('with a worker that never runs its jobs (descheduled), the main thread takes them over and trains the same bytes', async () => {
  const one = await trained(1, undefined, 'plain', regularised), stalled = await trained(2, undefined, 'plain', regularised, true);
  assert.deepEqual(stalled.history, one.history);
  assert.ok(Buffer.from(stalled.params).equals(Buffer.from(one.params)), 'the jobs taken over changed the weights');
});

test('AdamW with a cosine schedule, dropout, label smoothing and augmentation trains bit-identically on 1, 2 and 3 threads', async () => {
  const one = await trained(1, undefined, 'plain', regularised), two = await trained(2, undefined, 'plain', regularised);
  const three = await trained(3, [16, 16, 16], 'plain', regularised);
  assert.deepEqual(two.history, one.history);
  assert.deepEqual(three.history, one.history);
  assert.ok(Buffer.from(two.params).equals(Buffer.from(one.params)), '2 threads changed the weights');
  assert.ok(Buffer.from(three.params).equals(Buffer.from(one.params)), '3 threads changed the weights');
  // The options are on: the same run without them ends elsewhere.
  const plain = await trained(1, undefined, 'plain', { ...regularised, dropout: 0, augment_shift: 0, augment_flip: false });
  assert.ok(!Buffer.from(plain.params).equals(Buffer.from(one.params)), 'dropout and augmentation changed nothing');
});

test('SGD with Nesterov momentum trains bit-identically on 1 and 2 threads', async () => {
  const nesterov = { ...config, nesterov: true };
  const one = await trained(1, undefined, 'plain', nesterov), two = await trained(2, undefined, 'plain', nesterov);
  assert.deepEqual(two.history, one.history);
  assert.ok(Buffer.from(two.params).equals(Buffer.from(one.params)), '2 threads changed the weights');
});

test('the relaxed-SIMD build also trains bit-identically on 1 and 2 threads', async () => {
  const one = await trained(1, undefined, 'relaxed'), two = await trained(2, undefined, 'relaxed');
  assert.deepEqual(two.history, one.history);
  assert.ok(Buffer.from(two.params).equals(Buffer.from(one.params)), '2 threads changed the weights of the relaxed build');
});

test('uneven column shares (as the balancer may choose for a slower thread) give the same training as one thread', async () => {
  const one = await trained(1);
  // 48 columns: one panel on one thread and two on the other (the single-panel sweeps), each way, and 16 each of 3.
  for (const shares of [[16, 32], [32, 16], [16, 16, 16]]) {
    const split = await trained(shares.length, shares);
    assert.deepEqual(split.history, one.history, `shares ${shares}`);
    assert.ok(Buffer.from(split.params).equals(Buffer.from(one.params)), `shares ${shares} changed the weights`);
  }
});

test('split kernels match the single-threaded kernels bit for bit at sizes around the tiles', async () => {
  const one = await createBackend('wasm', loadWasmModule), two = await createBackend('wasm', loadWasmModule, nodeThreadOptions(2));
  try {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    // Products split from 2^20 multiply-adds on (threaded.ts): [5, 784, 300], [9, 1000, 129], [67, 300, 63], the
    // real first-layer shape and a 1024-wide hidden layer's do, into column ranges with ragged ends; the smaller ones
    // check the single-thread path.
    for (const [m, k, n] of [[1, 784, 128], [3, 300, 9], [5, 784, 33], [5, 784, 300], [9, 1000, 129], [67, 300, 63], [128, 784, 128], [128, 128, 10], [128, 1024, 1024]]) {
      const a = Float32Array.from({ length: m * k }, rand), b = Float32Array.from({ length: k * n }, rand);
      const out = [one, two].map((be) => {
        const pa = be.arena.allocF32(m * k), pb = be.arena.allocF32(k * n), pc = be.arena.allocF32(m * n), pd = be.arena.allocF32(m * k), scratch = be.arena.allocF32(k * n);
        be.arena.f32(pa, m * k).set(a);
        be.arena.f32(pb, k * n).set(b);
        be.kernels.gemmNN(pc, pa, pb, m, k, n, scratch);
        be.kernels.gemmNT(pd, pc, pb, m, n, k, scratch);
        be.kernels.tanhBackward(pd, pd, pa, m * k);
        return [be.arena.f32(pc, m * n).slice(), be.arena.f32(pd, m * k).slice()];
      });
      assert.deepEqual(out[1][0], out[0][0], `gemmNN ${m}x${k}x${n}`);
      assert.deepEqual(out[1][1], out[0][1], `gemmNT + tanhBackward ${m}x${n}x${k}`);
    }
    // The first layer's kernels, split by columns at multiples of 32: widths around that grain (so also ranges of one
    // and of 32 columns after 64), the real shapes and a second layer wide enough for dz0's product to pack w1 (n2 = 72);
    // each case is big enough to split.
    for (const [rows, k, n, n2] of [[5, 784, 33, 10], [8, 784, 64, 10], [7, 784, 65, 10], [6, 784, 96, 10], [128, 784, 128, 10], [128, 784, 10, 10], [128, 784, 256, 72]]) {
      const nz = new Int32Array(nzLength(rows, k)), val = Float32Array.from({ length: rows * k }, rand), c = Float32Array.from({ length: rows }, rand);
      for (let r = 0; r < rows; r++) setSparseRow(nz, r, k, Array.from({ length: k }, (_, p) => p).filter(() => rand() > 0));
      const w = Float32Array.from({ length: k * n }, rand), bias = Float32Array.from({ length: n }, rand), dz = Float32Array.from({ length: rows * n }, rand);
      const w1 = Float32Array.from({ length: n * n2 }, rand), dz1 = Float32Array.from({ length: rows * n2 }, rand);
      const out = [one, two].map((be) => {
        const put = (x: Float32Array | Int32Array) => { const p = be.arena.alloc(x.byteLength); new Uint8Array(be.arena.memory.buffer, p, x.byteLength).set(new Uint8Array(x.buffer)); return p; };
        const pnz = put(nz), pval = put(val), pc = put(c), pw = put(w), pb = put(bias), pdz = put(dz), pv = put(new Float32Array(k * n));
        const pout = be.arena.allocF32(rows * n), pwsum = be.arena.allocF32(n), pdw = be.arena.allocF32(k * n);
        const pw1 = put(w1), pdz1 = put(dz1), pdz0 = be.arena.allocF32(rows * n), pdw1 = be.arena.allocF32(n * n2), pdb0 = be.arena.allocF32(n), pdw0 = be.arena.allocF32(k * n);
        const scratch = be.arena.allocF32(n * n2);
        be.kernels.sparseForward(pout, pnz, pval, pc, pw, pwsum, pb, rows, k, n, ACT.tanh);
        be.kernels.sparseWeightGrad(pdw, pnz, pval, pc, pdz, rows, k, n);
        be.kernels.firstLayerBackward({ dw0: pdw0, db0: pdb0, dw1: pdw1, dz0: pdz0, nz: pnz, val: pval, c: pc, h: pout, dz1: pdz1, w1: pw1, scratch, rows, k, n, n2, act: ACT.tanh });
        be.kernels.sgdUpdateMatrix(pw, pdw, pv, k, n, 0.01, 0.9, 1e-3, 1e-4, 1);
        return [pout, pwsum, pdw, pw, pv, pdw0, pdb0, pdw1, pdz0].map((p, i) => be.arena.f32(p, [rows * n, n, k * n, k * n, k * n, k * n, n, n * n2, rows * n][i]).slice());
      });
      ['sparseForward', 'its column sums', 'sparseWeightGrad', 'sgdUpdateMatrix weights', 'sgdUpdateMatrix velocities',
        'firstLayerBackward dw0', 'firstLayerBackward db0', 'firstLayerBackward dw1', 'firstLayerBackward dz0'].forEach((what, i) =>
        assert.deepEqual(out[1][i], out[0][i], `${what} ${rows}x${k}x${n}`));
    }
  } finally {
    one.close();
    two.close();
  }
});

test('a threaded back end reports each thread\'s pace on the first layer and its waits, and one thread reports none', async () => {
  const one = await createBackend('wasm', loadWasmModule), two = await createBackend('wasm', loadWasmModule, nodeThreadOptions(2));
  try {
    assert.equal(one.kernels.threadStats, undefined);
    const rows = 32, k = 784, n = 64;
    const be = two, pnz = be.arena.allocF32(nzLength(rows, k)), nz = new Int32Array(nzLength(rows, k));
    for (let r = 0; r < rows; r++) setSparseRow(nz, r, k, Array.from({ length: k / 2 }, (_, p) => 2 * p + (r % 2)));
    be.arena.f32(pnz, nz.length).set(new Float32Array(nz.buffer));
    const pval = be.arena.allocF32(rows * k), pc = be.arena.allocF32(rows), pw = be.arena.allocF32(k * n), pb = be.arena.allocF32(n);
    const pout = be.arena.allocF32(rows * n), pwsum = be.arena.allocF32(n);
    be.arena.f32(pval, rows * k).fill(0.5);
    const forward = () => be.kernels.sparseForward(pout, pnz, pval, pc, pw, pwsum, pb, rows, k, n, ACT.tanh);
    for (let i = 0; i < 64; i++) forward();
    be.kernels.resetThreadStats!();
    const reset = be.kernels.threadStats!();
    assert.deepEqual(reset.paces.map((p) => p.windows), [0], 'reset: no window yet');
    assert.equal(reset.waitMillis, 0, 'reset: no wait yet');
    const started = performance.now();
    for (let i = 0; i < 128; i++) forward();
    const elapsed = performance.now() - started;
    const { paces: [pace], waitMillis, takenJobs } = be.kernels.threadStats!();
    assert.equal(pace.n, n);
    assert.equal(pace.columns.reduce((a, b) => a + b, 0), n);
    // A call whose worker share the main thread took over (the worker descheduled on a busy machine) is not timed.
    assert.ok(takenJobs >= 0 && takenJobs <= 128, `taken ${takenJobs}`);
    if (takenJobs === 0) {
      assert.equal(pace.windows, 2);
      for (const us of pace.microsPerColumn) assert.ok(us !== null && us > 0 && us < 1000, `microseconds per column ${us}`);
    } else {
      assert.ok(pace.windows <= 2, `${pace.windows} windows of 128 calls`);
    }
    assert.ok(waitMillis >= 0 && waitMillis < elapsed, `waited ${waitMillis} ms of ${elapsed}`);
  } finally {
    one.close();
    two.close();
  }
});
