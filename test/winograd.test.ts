// Winograd F(2x2, 3x3) computes the convolution: its forward pass, weight gradient and input gradient agree with the
// direct (im2row) kernels' on the same inputs, on both back ends, for every padding of a 3x3 kernel, odd sides
// (tiles half outside the output), images smaller than a tile and channel counts off the vector width; with
// relaxed SIMD, a thread's range of fewer than 4 columns gives the bytes one thread gives; and a thread's chunks of
// the weight gradient keep to their own rows of the shared scratch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend, type Backend } from '../src/core/backend.js';
import { ACT, conv2dWeightGradScratch, winogradWeightGradScratch } from '../src/core/kernels/kernels.js';
import { Rng } from '../src/core/rng.js';
import { loadWasmModule } from '../src/node/wasm-file.js';
import { nodeThreadOptions } from '../src/node/threads.js';
import { instantiateWasmKernels } from '../src/core/kernels/wasm.js';
import { Arena, createMemory } from '../src/core/memory.js';

const SHAPES = [
  { images: 2, h: 14, w: 14, c: 32, oc: 64, pad: 1 }, { images: 3, h: 7, w: 5, c: 5, oc: 7, pad: 1 },
  { images: 2, h: 9, w: 8, c: 4, oc: 9, pad: 0 }, { images: 2, h: 5, w: 6, c: 6, oc: 4, pad: 2 }, { images: 1, h: 1, w: 2, c: 4, oc: 5, pad: 1 },
];

/** max |a - b| / (1 + max |b|): Winograd's transforms add a few roundings to each sum, nothing more. */
function relativeGap(a: Float32Array, b: Float32Array): number {
  let gap = 0, scale = 0;
  for (let i = 0; i < a.length; i++) { gap = Math.max(gap, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return gap / (1 + scale);
}

for (const name of ['wasm', 'js'] as const) {
  test(`Winograd's forward pass and both gradients equal the direct convolution's (${name})`, async () => {
    const b: Backend = await createBackend(name, () => loadWasmModule('plain'));
    try {
      const rng = new Rng(7, 'winograd test');
      for (const s of SHAPES) {
        const oh = s.h + 2 * s.pad - 2, ow = s.w + 2 * s.pad - 2, pixels = s.images * oh * ow, taps = 9 * s.c;
        const tiles = s.images * Math.ceil(oh / 2) * Math.ceil(ow / 2), a = b.arena, k = b.kernels;
        const fill = (n: number) => { const p = a.allocF32(n, 'test'); a.f32(p, n).set(Float32Array.from({ length: n }, () => 2 * rng.next() - 1)); return p; };
        const x = fill(s.images * s.h * s.w * s.c), w = fill(taps * s.oc), bias = fill(s.oc), dy = fill(pixels * s.oc);
        const direct = a.allocF32(pixels * s.oc, 'test'), col = a.allocF32(pixels * taps, 'test'), wino = a.allocF32(pixels * s.oc, 'test');
        const u = a.allocF32(16 * s.c * s.oc, 'test'), ut = a.allocF32(16 * s.c * s.oc, 'test'), v = a.allocF32(16 * tiles * s.c, 'test'), m = a.allocF32(16 * tiles * s.oc, 'test');
        k.conv2dForward(direct, col, x, w, bias, s.images, s.h, s.w, s.c, s.oc, 3, s.pad, ACT.none);
        k.winogradFilter(u, ut, w, s.c, s.oc);
        k.winogradForward(wino, v, m, x, u, bias, s.images, s.h, s.w, s.c, s.oc, s.pad, ACT.none, tiles);
        const where = `${JSON.stringify(s)}`;
        assert.ok(relativeGap(a.f32(wino, pixels * s.oc), a.f32(direct, pixels * s.oc)) < 1e-5, `forward ${where}`);

        const dwDirect = a.allocF32(taps * s.oc, 'test'), dwWino = a.allocF32(taps * s.oc, 'test'), scratch = a.allocF32(Math.max(conv2dWeightGradScratch(pixels, taps, s.oc), winogradWeightGradScratch(tiles, s.c, s.oc)), 'test'), du = a.allocF32(16 * s.c * s.oc, 'test'), db = a.allocF32(s.oc, 'test');
        k.conv2dWeightGrad(dwDirect, db, scratch, col, dy, pixels, taps, s.oc);
        k.winogradWeightGrad(dwWino, du, scratch, v, m, dy, s.images, oh, ow, s.c, s.oc, tiles);
        assert.ok(relativeGap(a.f32(dwWino, taps * s.oc), a.f32(dwDirect, taps * s.oc)) < 1e-5, `weight gradient ${where}`);

        const n = s.images * s.h * s.w * s.c, dxDirect = a.allocF32(n, 'test'), dxWino = a.allocF32(n, 'test'), wt = a.allocF32(taps * s.oc, 'test');
        k.transpose(wt, w, taps, s.oc);
        k.conv2dInputGrad(dxDirect, col, dy, wt, s.images, s.h, s.w, s.c, s.oc, 3, s.pad);
        k.winogradInputGrad(dxWino, v, m, dy, ut, s.images, s.h, s.w, s.c, s.oc, s.pad, tiles);
        assert.ok(relativeGap(a.f32(dxWino, n), a.f32(dxDirect, n)) < 1e-5, `input gradient ${where}`);
      }
    } finally {
      b.close();
    }
  });
}

test('relaxed SIMD: the weight gradient is the same bytes on 2 threads when a thread gets fewer than 4 columns', async () => {
  // 9 outputs split at multiples of 8: the worker's range of the chunks' sum is 1 column wide, below the 4-wide tiles.
  const images = 64, h = 14, c = 32, oc = 9, tiles = images * 49 + 1;
  const run = async (threads: number) => {
    const b = await createBackend('wasm', () => loadWasmModule('relaxed'), nodeThreadOptions(threads, 'relaxed'));
    try {
      const rng = new Rng(11, 'winograd threads'), a = b.arena;
      const fill = (n: number) => { const p = a.allocF32(n, 'test'); a.f32(p, n).set(Float32Array.from({ length: n }, () => 2 * rng.next() - 1)); return p; };
      const v = fill(16 * tiles * c), dy = fill(images * h * h * oc), dm = a.allocF32(16 * tiles * oc, 'test');
      const dw = a.allocF32(9 * c * oc, 'test'), du = a.allocF32(16 * c * oc, 'test'), scratch = a.allocF32(winogradWeightGradScratch(tiles, c, oc), 'test');
      b.kernels.winogradWeightGrad(dw, du, scratch, v, dm, dy, images, h, h, c, oc, tiles);
      return a.f32(dw, 9 * c * oc).slice();
    } finally {
      b.close();
    }
  };
  const one = await run(1), two = await run(2);
  assert.deepEqual(two, one);
});

test('a thread\'s chunks of the weight gradient write dm only in its own rows, those from its first chunk\'s first tile', async () => {
  // Threads run winogradWeightGradChunks at once over one dm: a row two ranges shared would race.
  const memory = createMemory();
  const { heapBase, exports } = await instantiateWasmKernels(await loadWasmModule('plain'), memory);
  const a = new Arena(memory, heapBase), wasm = exports as unknown as Record<string, (...args: number[]) => void>;
  const images = 12, h = 14, c = 4, oc = 8, tiles = images * 49 + 1, rng = new Rng(5, 'winograd rows');
  const fill = (n: number) => { const p = a.allocF32(n, 'test'); a.f32(p, n).set(Float32Array.from({ length: n }, () => 2 * rng.next() - 1)); return p; };
  const v = fill(16 * tiles * c), dy = fill(images * h * h * oc), dm = a.allocF32(16 * tiles * oc, 'test');
  const dw = a.allocF32(9 * c * oc, 'test'), du = a.allocF32(16 * c * oc, 'test'), scratch = a.allocF32(winogradWeightGradScratch(tiles, c, oc), 'test');
  a.f32(dm, 16 * tiles * oc).fill(NaN);
  // Chunks 2 and 3 of 5 (128 tiles each): rows [256, 384), reused by both.
  wasm.winogradWeightGradChunks(dw, du, scratch, v, dm, dy, images, h, h, c, oc, tiles, 2, 4);
  const rows = a.f32(dm, 16 * tiles * oc);
  for (let pos = 0; pos < 16; pos++) for (let row = 0; row < tiles; row++) {
    assert.equal(!Number.isNaN(rows[(pos * tiles + row) * oc]), row >= 256 && row < 384, `position ${pos}, row ${row}`);
  }
});
