// Cases of the first layer on sparse input: the gather into nonzero lists (around the 16-pixel chunks and the
// list blocks' boundaries), the forward pass and the weight gradient (widths around the 16-column panels, the
// 32-column sweep and the 4-wide strip; every activation), and the backward pass around it (widths around the
// 32-unit ranges threads split by, with and without a next layer); each also at the problem's shapes.

import { ACT, MAX_INPUT, NZ_HEADER, nzOffsetsAt, type ActCode } from '../kernels.js';
import { addTol, APPROX, ARITH, EXACT, gemmTol, sparseTol, sumTol, U, type CaseArray, type KernelCase, type Problem } from './case.js';
import { SENTINEL } from './run.js';
import { batchScale, nzLength, sparseBatch, type CaseInputs, type SparseBatch } from './inputs.js';

const BATCH_BUFFERS = { nz: 'nz', val: 'val', c: 'c' };
// The last panel 1-15 columns wide in each of its forms (one to four vectors, whole or not), after 0-4 full panels.
const WIDTHS = [1, 2, 3, 4, 5, 8, 10, 12, 13, 15, 16, 17, 26, 31, 32, 33, 36, 48, 67];

/** The problem's real images gathered, or a synthetic batch. */
/**
 * A batch's list entries past each row's count are scratch: checks each count, then sets what lies past it to
 * the same bytes on both back ends (offsets to 0x7777, values to SENTINEL) before the outputs are compared.
 */
function scrubPastCounts(a: Record<string, CaseArray>, rows: number, dim: number, kernel: string, units: string): void {
  const nz = a.nz as Uint8Array, words = new Int32Array(nz.buffer, nz.byteOffset, nz.length / 4);
  for (let r = 0; r < rows; r++) {
    const row = r * (dim + NZ_HEADER), count = words[row];
    if (!(count >= 0 && count <= dim)) throw new Error(`${kernel} wrote a count of ${count} in row ${r} of ${dim} ${units}`);
    words.fill(0x7777, nzOffsetsAt(r, dim) + count, row + dim + NZ_HEADER);
    (a.val as Float32Array).fill(SENTINEL, r * dim + count, (r + 1) * dim);
  }
}

function problemBatch(x: CaseInputs, p: Problem): SparseBatch {
  return p.images ? sparseBatch(p.images.pixels, p.images.stats, p.batch, p.inputs) : x.sparseBatch(p.batch, p.inputs);
}

/** gatherSparse's case, or gatherSparseAugmented's when augment gives (width, key, shift, flip) with dim = width^2. */
function gatherSparseCase(x: CaseInputs, rows: number, dim: number, images: number, classes: number, real?: Problem['images'], what = '',
  augment?: [number, number, number, number]): KernelCase {
  const stats = real?.stats ?? x.stats(images);
  const pixels = real?.pixels ?? x.bytes(images * dim, 256).map((px) => (x.next() < 0.5 ? 0 : px));
  if (!real) pixels[pixels.length - 1] = 255;
  return {
    shape: what || `rows=${rows} dim=${dim} images=${images}${augment ? ` width=${augment[0]} key=${augment[1]} shift=${augment[2]} flip=${augment[3]}` : ''}`,
    inputs: { images: pixels, labels: x.bytes(images, classes), stats, idx: real ? Int32Array.from({ length: rows }, (_, i) => i) : x.ints(rows, images) },
    // nz holds i32 headers and u32 offsets; compared byte for byte. Entries past a row's count are scratch.
    outputs: { nz: new Uint8Array(4 * nzLength(rows, dim)), val: new Float32Array(rows * dim), c: new Float32Array(rows), y: new Uint8Array(rows) },
    compare: { nz: EXACT, val: ARITH, c: ARITH, y: EXACT },
    unspecified: (a) => scrubPastCounts(a, rows, dim, 'gatherSparse', 'pixels'),
    batch: { ...BATCH_BUFFERS, y: 'y' },
    flops: 0,
    call: (k, q) => augment ? k.gatherSparseAugmented(q.nz, q.val, q.c, q.y, q.images, q.labels, q.stats, q.idx, rows, ...augment)
      : k.gatherSparse(q.nz, q.val, q.c, q.y, q.images, q.labels, q.stats, q.idx, rows, dim),
  };
}

function sparseForwardCase(x: CaseInputs, batch: SparseBatch, rows: number, k: number, n: number, act: ActCode, what = ''): KernelCase {
  const tol = sparseTol(k, batchScale(batch));
  return {
    shape: what || `rows=${rows} k=${k} n=${n} act=${act}`,
    inputs: { ...batch, w: x.uniform(k * n), bias: x.uniform(n) },
    outputs: { out: new Float32Array(rows * n), wsum: new Float32Array(n) },
    // tanh/sigmoid have slope <= 1, so the product's error passes through; the approximation adds APPROX.rtol.
    compare: { out: addTol(tol, APPROX), wsum: sumTol(k) },
    batch: BATCH_BUFFERS,
    flops: 2 * rows * k * n,
    call: (kern, q) => kern.sparseForward(q.out, q.nz, q.val, q.c, q.w, q.wsum, q.bias, rows, k, n, act),
  };
}

function sparseGradCase(x: CaseInputs, batch: SparseBatch, rows: number, k: number, n: number, what = ''): KernelCase {
  return {
    shape: what || `rows=${rows} k=${k} n=${n}`,
    inputs: { ...batch, dz: x.uniform(rows * n) },
    outputs: { dw: new Float32Array(k * n) },
    compare: { dw: sparseTol(rows, batchScale(batch)) },
    batch: BATCH_BUFFERS,
    flops: 2 * rows * k * n,
    call: (kern, q) => kern.sparseWeightGrad(q.dw, q.nz, q.val, q.c, q.dz, rows, k, n),
  };
}

/** ownProduct: dw1 = 0, the second layer's weight gradient left to the caller (dw1's buffer must stay untouched). */
function firstLayerBackwardCase(x: CaseInputs, batch: SparseBatch, rows: number, k: number, n: number, n2: number, act: ActCode, what = '', ownProduct = false): KernelCase {
  // h as the activation leaves it (ReLU's with exact zeros, its kink); dz0 is the input gradient when n2 = 0.
  const h = act === ACT.sigmoid ? x.uniform(rows * n, 0, 1) : act === ACT.ReLU ? x.withSpecials(rows * n, [0], -1, 1).map((v) => Math.max(v, 0)) : x.uniform(rows * n);
  // dz0 = act'(dz1 w1^T) has n2 terms of [-1, 1] (the reference sums them in f64), so its error is gemmTol(n2) and
  // it is up to n2 in size: the sums over rows built on it scale by that.
  const size = Math.max(1, n2), dzTol = n2 > 0 ? addTol(gemmTol(n2), ARITH) : EXACT, scale = batchScale(batch);
  return {
    shape: what || `rows=${rows} k=${k} n=${n} n2=${n2} act=${act}${ownProduct ? ' dw1=0' : ''}`,
    inputs: { ...batch, h, dz1: x.uniform(Math.max(rows * n2, 1)), w1: x.uniform(Math.max(n * n2, 1)), dz0: x.uniform(rows * n) },
    // scratch takes w1's panels: written, never compared.
    outputs: { dw0: new Float32Array(k * n), db0: new Float32Array(n), dw1: new Float32Array(Math.max(n * n2, 1)), scratch: new Float32Array(Math.max(n * n2, 1)) },
    compare: {
      dz0: dzTol,
      dw0: { atol: sparseTol(rows, scale).atol * size + 1.25 * scale * dzTol.atol * rows, rtol: 16 * U },
      db0: { atol: sumTol(rows).atol * size + dzTol.atol * rows, rtol: 16 * U },
      dw1: n2 > 0 && !ownProduct ? gemmTol(rows) : EXACT,
    },
    batch: BATCH_BUFFERS,
    flops: 2 * rows * k * n + 4 * rows * n * n2,
    call: (kern, q) => kern.firstLayerBackward({ dw0: q.dw0, db0: q.db0, dw1: ownProduct ? 0 : q.dw1, dz0: q.dz0, nz: q.nz, val: q.val, c: q.c, h: q.h, dz1: q.dz1, w1: q.w1, scratch: q.scratch, rows, k, n, n2, act }),
  };
}

export function gatherSparseSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return [
    ...[1, 3, 4, 5, 17].flatMap((rows) => [1, 3, 15, 16, 17, 31, 32, 33, 100].map((dim) => gatherSparseCase(x, rows, dim, 7, p.classes))),
    // Around the first block boundaries of the lists (192, 384, 576 columns), where the last block runs past 192
    // columns, around 1,024 (past which offsets need more than 16 bits: 40x40, 48x64 images) and at MAX_INPUT.
    ...[176, 191, 192, 193, 208, 383, 384, 385, 577, 767, 768, 769, 1000, 1023, 1024, 1025, 1600, 3072, MAX_INPUT].map((dim) => gatherSparseCase(x, 3, dim, 7, p.classes)),
    gatherSparseCase(x, p.batch, p.inputs, 300, p.classes),
  ];
}

/** Widths around the vector width and the real one; every shift up to past the width; with and without mirror flips. */
export function gatherSparseAugmentedSweep(x: CaseInputs, p: Problem): KernelCase[] {
  const width = Math.round(Math.sqrt(p.inputs));
  return [
    ...[1, 3, 4, 5, 7, 17].flatMap((w) => [0, 1, 2, 4].flatMap((shift) => [0, 1].map((flip) =>
      gatherSparseCase(x, 9, w * w, 7, p.classes, undefined, '', [w, 0x9e3779b9 + w * 977 + shift, shift, flip])))),
    ...[0, 2].flatMap((shift) => [0, 1].map((flip) => gatherSparseCase(x, p.batch, width * width, 300, p.classes, undefined, '', [width, 12345 + shift, shift, flip]))),
  ];
}

export function sparseForwardSweep(x: CaseInputs, p: Problem): KernelCase[] {
  const acts = [ACT.none, ACT.tanh, ACT.sigmoid, ACT.ReLU];
  return [
    ...[1, 3, 5].flatMap((rows) => [1, 7, 33].flatMap((k) => WIDTHS.flatMap((n) => acts.map((act) => sparseForwardCase(x, x.sparseBatch(rows, k), rows, k, n, act))))),
    // k around the blocks of 192 rows of W the kernels walk in turn, past 1,024 and at MAX_INPUT; 26 classes of a set of one's own.
    ...[191, 192, 193, 385, 577, 769, 1000, 1024, 1025, 1600, 3072].flatMap((k) => [16, 26, 33].map((n) => sparseForwardCase(x, x.sparseBatch(3, k), 3, k, n, ACT.tanh))),
    sparseForwardCase(x, x.sparseBatch(2, MAX_INPUT), 2, MAX_INPUT, 17, ACT.tanh),
    sparseForwardCase(x, x.sparseBatch(p.batch, p.inputs), p.batch, p.inputs, p.hidden, ACT.tanh),
    sparseForwardCase(x, x.sparseBatch(p.batch, p.inputs), p.batch, p.inputs, p.classes, ACT.none),
  ];
}

export function sparseWeightGradSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return [
    ...[1, 3, 5].flatMap((rows) => [1, 7, 33].flatMap((k) => WIDTHS.map((n) => sparseGradCase(x, x.sparseBatch(rows, k), rows, k, n)))),
    ...[191, 192, 193, 385, 577, 769, 1000, 1024, 1025, 1600, 3072].flatMap((k) => [16, 26, 33, 64].map((n) => sparseGradCase(x, x.sparseBatch(3, k), 3, k, n))),
    sparseGradCase(x, x.sparseBatch(2, MAX_INPUT), 2, MAX_INPUT, 17),
    // Narrow layers at real batch sizes: 200 inputs (a block of 192 and 8 more), a narrow panel of each vector count,
    // a full panel before a narrow one.
    ...[[40, 200, 10], [64, 784, 3], [24, 784, 7], [24, 784, 17], [16, 784, 31], [16, 1600, 14]].map(([rows, k, n]) => sparseGradCase(x, x.sparseBatch(rows, k), rows, k, n)),
    sparseGradCase(x, x.sparseBatch(p.batch, p.inputs), p.batch, p.inputs, p.hidden),
    sparseGradCase(x, x.sparseBatch(p.batch, p.inputs), p.batch, p.inputs, p.classes),
  ];
}

export function firstLayerBackwardSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return [
    ...[1, 3, 5].flatMap((rows) => [1, 5, 16, 31, 32, 33, 64, 67].flatMap((n) => [
      firstLayerBackwardCase(x, x.sparseBatch(rows, 33), rows, 33, n, 0, ACT.none),
      ...[1, 10].flatMap((n2) => [ACT.tanh, ACT.sigmoid, ACT.ReLU].map((act) => firstLayerBackwardCase(x, x.sparseBatch(rows, 33), rows, 33, n, n2, act))),
    ])),
    firstLayerBackwardCase(x, x.sparseBatch(p.batch, p.inputs), p.batch, p.inputs, p.hidden, p.classes, ACT.tanh),
    firstLayerBackwardCase(x, x.sparseBatch(p.batch, p.inputs), p.batch, p.inputs, p.classes, 0, ACT.none),
    firstLayerBackwardCase(x, x.sparseBatch(5, 1024), 5, 1024, 64, 26, ACT.tanh),
    firstLayerBackwardCase(x, x.sparseBatch(5, 3072), 5, 3072, 64, 26, ACT.tanh),
    firstLayerBackwardCase(x, x.sparseBatch(5, 1600), 5, 1600, 26, 0, ACT.none),
    // Enough rows for dz0's product to pack w1 into panels, with ragged panel and tile edges, split by threads.
    firstLayerBackwardCase(x, x.sparseBatch(12, 200), 12, 200, 67, 37, ACT.ReLU),
    firstLayerBackwardCase(x, x.sparseBatch(9, 100), 9, 100, 96, 130, ACT.tanh),
    firstLayerBackwardCase(x, x.sparseBatch(9, 100), 9, 100, 96, 130, ACT.ReLU, '', true),
    firstLayerBackwardCase(x, x.sparseBatch(40, 200), 40, 200, 10, 0, ACT.none),
  ];
}

// The calls of a training step, on the problem's images when it has real ones.
export const gatherSparseTimed = (x: CaseInputs, p: Problem): KernelCase[] =>
  [gatherSparseCase(x, p.batch, p.inputs, p.batch, p.classes, p.images ?? { pixels: x.bytes(p.batch * p.inputs, 256).map((px) => (x.next() < 0.5 ? 0 : px)), stats: x.stats(p.batch) },
    `batch ${p.batch}x${p.inputs}${p.images ? ' (real images)' : ''}`)];
export const sparseForwardTimed = (x: CaseInputs, p: Problem): KernelCase[] =>
  [sparseForwardCase(x, problemBatch(x, p), p.batch, p.inputs, p.hidden, ACT.tanh, `tanh(X W0 + b) ${p.batch}x${p.inputs}x${p.hidden}, X sparse`)];
export const sparseWeightGradTimed = (x: CaseInputs, p: Problem): KernelCase[] =>
  [sparseGradCase(x, problemBatch(x, p), p.batch, p.inputs, p.hidden, `X^T dZ ${p.inputs}x${p.batch}x${p.hidden}, X sparse`)];
// The training step's whole backward pass below the loss, X^T dZ0 being most of its work.
export const firstLayerBackwardTimed = (x: CaseInputs, p: Problem): KernelCase[] =>
  [firstLayerBackwardCase(x, problemBatch(x, p), p.batch, p.inputs, p.hidden, p.classes, ACT.tanh,
    `dW1, dZ0 = tanh'(dZ1 W1^T), db0, X^T dZ0 (${p.inputs}-${p.hidden}-${p.classes}, batch ${p.batch}), X sparse`)];

/** sparsifyRows's case: rows of dim values, each an image's pixels (about half 0) normalised, or with signed zeros and repeats. */
function sparsifyRowsCase(x: CaseInputs, rows: number, dim: number, what = ''): KernelCase {
  const values = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const pixels = x.bytes(dim, 256).map((px) => (x.next() < 0.5 ? 0 : px));
    const mean = pixels.reduce((s, p) => s + p, 0) / dim, std = Math.sqrt(pixels.reduce((s, p) => s + (p - mean) ** 2, 0) / dim) || 1;
    // Every third row: zeros of both signs and a value repeated, so the smallest value and the nonzeros meet ties.
    pixels.forEach((p, j) => { values[r * dim + j] = r % 3 === 2 ? [0, -0, 0.5, -0.5, 0.5][j % 5] : Math.fround(Math.fround(p - mean) / std); });
  }
  return {
    shape: what || `rows=${rows} dim=${dim}`,
    inputs: { x: values },
    outputs: { nz: new Uint8Array(4 * nzLength(rows, dim)), val: new Float32Array(rows * dim), c: new Float32Array(rows) },
    // The same f32 subtraction on both sides: every bit agrees.
    compare: { nz: EXACT, val: EXACT, c: EXACT },
    unspecified: (a) => scrubPastCounts(a, rows, dim, 'sparsifyRows', 'values'),
    flops: 0,
    call: (k, q) => k.sparsifyRows(q.nz, q.val, q.c, q.x, rows, dim),
  };
}

/** Widths around the 4-value steps and the list blocks' boundaries, past 1,024 and at the problem's size. */
export function sparsifyRowsSweep(x: CaseInputs, p: Problem): KernelCase[] {
  return [
    ...[1, 3, 4, 5].flatMap((rows) => [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33].map((dim) => sparsifyRowsCase(x, rows, dim))),
    ...[191, 192, 193, 194, 383, 385, 577, 578, 1024, 1025, 1600, 3072].map((dim) => sparsifyRowsCase(x, 3, dim)),
    sparsifyRowsCase(x, p.batch, p.inputs),
  ];
}
