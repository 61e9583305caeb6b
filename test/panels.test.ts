// The first layer's panel layout (src/core/panels.ts): the index map is a bijection, the sparse kernels of both
// back ends compute X W and X^T dZ of the logical (row-major) matrices, and the model's edges (init, model files,
// the gradient check's addressing) see row-major weights.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromPanels, panelIndex, PANEL, toPanels } from '../src/core/panels.js';
import { JsKernels } from '../src/core/kernels/js.js';
import { instantiateWasmKernels } from '../src/core/kernels/wasm.js';
import { ACT, type Kernels } from '../src/core/kernels/kernels.js';
import { nzLength, setSparseRow } from '../src/core/kernels/cases/inputs.js';
import { Arena, createMemory } from '../src/core/memory.js';
import { Model } from '../src/core/model.js';
import { loadWasmModule } from '../src/node/wasm-file.js';

const SHAPES: [number, number][] = [[1, 1], [3, 5], [7, PANEL - 1], [7, PANEL], [7, PANEL + 1], [5, 33], [2, 48], [784, 10], [784, 128]];

let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;

test('panelIndex maps every (row, col) to a distinct slot, and toPanels / fromPanels invert each other', () => {
  for (const [rows, cols] of SHAPES) {
    const seen = new Uint8Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = panelIndex(r, c, rows, cols);
        assert.ok(i >= 0 && i < rows * cols && seen[i] === 0, `${rows}x${cols}: (${r}, ${c}) -> ${i}`);
        seen[i] = 1;
      }
    }
    const m = Float32Array.from({ length: rows * cols }, rand);
    assert.deepEqual(fromPanels(toPanels(m, rows, cols), rows, cols), m);
  }
  // A panel is a contiguous (rows, 16) block: column 16's first element follows the first panel.
  assert.equal(panelIndex(0, PANEL, 784, 128), 784 * PANEL);
  assert.equal(panelIndex(1, 0, 784, 128), PANEL);
});

/** A sparse batch as gatherSparse writes it, and the dense X = c 1^T + S it stands for. */
function sparseBatch(rows: number, k: number): { nz: Int32Array; val: Float32Array; c: Float32Array; x: Float64Array } {
  const nz = new Int32Array(nzLength(rows, k)), val = new Float32Array(rows * k), c = new Float32Array(rows), x = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    c[r] = Math.fround(-0.5 + 0.1 * rand());
    const columns: number[] = [];
    for (let p = 0; p < k; p++) {
      x[r * k + p] = c[r];
      if (rand() < 0) continue;
      val[r * k + columns.length] = Math.fround(1 + rand());
      x[r * k + p] += val[r * k + columns.length];
      columns.push(p);
    }
    setSparseRow(nz, r, k, columns);
  }
  return { nz, val, c, x };
}

const memory = createMemory(64);
const { kernels: wasm, heapBase } = await instantiateWasmKernels(await loadWasmModule(), memory);
const backends: [string, Kernels][] = [['js', new JsKernels(memory)], ['wasm', wasm]];

for (const [name, kern] of backends) {
  test(`${name}: the sparse kernels compute X W and X^T dZ of the row-major matrices the panels hold`, () => {
    for (const [rows, k, n] of [[3, 5, 1], [4, 33, 17], [5, 40, 48], [2, 784, 10], [8, 784, 128]]) {
      const arena = new Arena(memory, heapBase);
      const { nz, val, c, x } = sparseBatch(rows, k);
      const w = Float32Array.from({ length: k * n }, rand), bias = Float32Array.from({ length: n }, rand), dz = Float32Array.from({ length: rows * n }, rand);
      const put = (a: Float32Array | Int32Array) => { const p = arena.alloc(a.byteLength); new Uint8Array(memory.buffer, p, a.byteLength).set(new Uint8Array(a.buffer)); return p; };
      const pnz = put(nz), pval = put(val), pc = put(c), pw = put(toPanels(w, k, n)), pb = put(bias), pdz = put(dz);
      const pout = arena.allocF32(rows * n), pwsum = arena.allocF32(n), pdw = arena.allocF32(k * n);
      kern.sparseForward(pout, pnz, pval, pc, pw, pwsum, pb, rows, k, n, ACT.none);
      kern.sparseWeightGrad(pdw, pnz, pval, pc, pdz, rows, k, n);
      const out = arena.f32(pout, rows * n), wsum = arena.f32(pwsum, n), dw = fromPanels(arena.f32(pdw, k * n), k, n);
      const close = (got: number, want: number, scale: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-5 * scale, `${what}: ${got} vs ${want}`);
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += w[p * n + j];
        close(wsum[j], sum, k, `${rows}x${k}x${n} wsum[${j}]`);
        for (let r = 0; r < rows; r++) {
          let xw = bias[j];
          for (let p = 0; p < k; p++) xw += x[r * k + p] * w[p * n + j];
          close(out[r * n + j], xw, k, `${rows}x${k}x${n} out[${r}][${j}]`);
        }
        for (let p = 0; p < k; p++) {
          let g = 0;
          for (let r = 0; r < rows; r++) g += x[r * k + p] * dz[r * n + j];
          close(dw[p * n + j], g, rows, `${rows}x${k}x${n} dw[${p}][${j}]`);
        }
      }
    }
  });
}

test('a model exports the row-major weights it imported, and weightAt addresses them in row-major order', () => {
  const arena = new Arena(memory, heapBase);
  const model = new Model({ layerSpecs: [40, 20, 3], activation: 'tanh' }, wasm, arena, 4);
  const tensors = new Map<string, Float32Array>();
  for (const [name, size] of [['layers.0.weight', 40 * 20], ['layers.0.bias', 20], ['layers.1.weight', 20 * 3], ['layers.1.bias', 3]] as const) {
    tensors.set(name, Float32Array.from({ length: size }, rand));
  }
  model.importTensors(tensors);
  for (const t of model.exportTensors()) assert.deepEqual(t.data, tensors.get(t.name), t.name);
  for (const [l, index] of [[0, 0], [0, 17], [0, 20 * 39 + 19], [1, 31]]) {
    assert.equal(arena.f32(model.weightAt(l, index), 1)[0], tensors.get(`layers.${l}.weight`)![index], `layer ${l} weight ${index}`);
  }
});
