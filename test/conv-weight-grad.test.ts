// The direct convolution's weight gradient in its two thread phases: chunk ranges of pixels (each chunk's product in
// its own slot), then column ranges adding the slots in chunk order and summing the bias gradient. Any split of
// either phase gives the bytes of the fused one-thread kernel, whose dw is exactly the slots added in chunk order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv2dWeightGradScratch, CONV_CHUNK_PIXELS } from '../src/core/kernels/kernels.js';
import { instantiateWasmKernels } from '../src/core/kernels/wasm.js';
import { Arena, createMemory } from '../src/core/memory.js';
import { Rng } from '../src/core/rng.js';
import { loadWasmModule } from '../src/node/wasm-file.js';

test('the weight gradient\'s chunk and column phases, split any way, give the fused kernel\'s dw and db, the chunks\' products added in chunk order', async () => {
  const memory = createMemory();
  const { heapBase, exports } = await instantiateWasmKernels(await loadWasmModule('plain'), memory);
  const a = new Arena(memory, heapBase), wasm = exports as unknown as Record<string, (...args: number[]) => void>;
  // 11 chunks, the last of 50 pixels.
  const pixels = 10 * CONV_CHUNK_PIXELS + 50, taps = 27, oc = 20, chunks = 11, rng = new Rng(9, 'conv weight grad');
  const fill = (n: number) => { const p = a.allocF32(n, 'test'); a.f32(p, n).set(Float32Array.from({ length: n }, () => 2 * rng.next() - 1)); return p; };
  const col = fill(pixels * taps), dy = fill(pixels * oc), slots = conv2dWeightGradScratch(pixels, taps, oc);
  assert.equal(slots, (chunks - 1) * taps * oc);
  const dw = a.allocF32(taps * oc, 'test'), db = a.allocF32(oc, 'test'), scratch = a.allocF32(slots, 'test');
  wasm.conv2dWeightGrad(dw, db, scratch, col, dy, pixels, taps, oc);
  const whole = { dw: a.f32(dw, taps * oc).slice(), db: a.f32(db, oc).slice() };

  a.f32(dw, taps * oc).fill(NaN);
  a.f32(db, oc).fill(NaN);
  a.f32(scratch, slots).fill(NaN);
  // Uneven chunk ranges, run out of their order: each writes only its own chunks' slots.
  for (const [t0, t1] of [[7, 11], [0, 3], [3, 7]]) wasm.conv2dWeightGradChunks(dw, db, scratch, col, dy, pixels, taps, oc, t0, t1);
  const products = [a.f32(dw, taps * oc).slice(), ...Array.from({ length: chunks - 1 }, (_, t) => a.f32(scratch + 4 * t * taps * oc, taps * oc).slice())];
  for (const [j0, j1] of [[8, 20], [0, 1], [1, 8]]) wasm.conv2dWeightGradSumCols(dw, db, scratch, col, dy, pixels, taps, oc, j0, j1);
  assert.deepEqual(a.f32(dw, taps * oc), whole.dw);
  assert.deepEqual(a.f32(db, oc), whole.db);

  // dw is P_0 + P_1 + ... in chunk order, f32 add by add; added the other way round these inputs give other bits.
  const sum = (order: number[]) => products[0].map((p0, i) => order.reduce((s, t) => Math.fround(s + products[t][i]), p0));
  const inOrder = Array.from({ length: chunks - 1 }, (_, t) => t + 1);
  assert.deepEqual(sum(inOrder), whole.dw);
  assert.notDeepEqual(sum(inOrder.slice().reverse()), whole.dw);
});
