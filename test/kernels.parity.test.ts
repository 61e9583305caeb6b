// Parity: every kernel in KERNEL_NAMES, WASM SIMD against the TypeScript reference, on identical inputs in
// one memory. Each case runs once per back end on fresh copies of its inputs (so in-place cases are natural),
// with guard bytes around every buffer to catch stray writes and a check that read-only inputs stay intact.
// Sizes sweep the vector width (4) and the GEMM tile (4x8), plus the real network shapes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsKernels } from '../src/core/kernels/js.js';
import { KERNEL_NAMES, NZ_HEADER, nzOffsetsAt, type Kernels } from '../src/core/kernels/kernels.js';
import { nzLength, setSparseRow } from './helpers/sparse.js';
import { instantiateWasmKernels, SIMD_BUILDS } from '../src/core/kernels/wasm.js';
import { loadWasmModule } from '../src/node/wasm-file.js';
import { Arena, createMemory } from '../src/core/memory.js';

type KernelName = (typeof KERNEL_NAMES)[number];
type Arr = Float32Array | Uint8Array | Int32Array;
/** Pass when |wasm - js| <= atol + rtol * |js| (or both are the same value, infinities and signed zeros included). */
interface Tol { atol: number; rtol: number }

interface Case {
  shape: string;
  inputs: Record<string, Arr>;
  /** Fresh output buffers, filled with a sentinel before the call. */
  outputs?: Record<string, Float32Array | Uint8Array>;
  /** Buffers compared after the call (outputs, or inputs a kernel updates in place) and their tolerance. */
  compare: Record<string, Tol>;
  /** Tolerance for the kernel's return value, when it has one. */
  returns?: Tol;
  /** Blanks (with the sentinel) what the contract leaves unspecified in the outputs, in both runs, before comparing. */
  unspecified?(arrays: Record<string, Arr>): void;
  call(k: Kernels, p: Record<string, number>): number | void;
}

// ---- tolerances (u = 2^-24, the f32 unit roundoff) ----
const U = 2 ** -24;
const EXACT: Tol = { atol: 0, rtol: 0 };
// A product over k terms of [-1, 1] inputs, accumulated in f32 in both back ends (the reference rounds each
// running sum to f32 too, NT's excepted, which sums in f64). Partial sums have rms sqrt(p/9), so the k roundings
// add up to an error of sd ~ u k / 7; the max over ~16K outputs is ~0.6 u k per side. 4 u k leaves ~4x margin;
// rtol 16 u covers the final rounding of large results.
const gemmTol = (k: number): Tol => ({ atol: 4 * U * k, rtol: 16 * U });
// Column sums of rows values in [-1, 1] (partial sums rms sqrt(p/3)): as for GEMM, scaled by sqrt(3).
const sumTol = (rows: number): Tol => ({ atol: 8 * U * rows, rtol: 16 * U });
// Short f32 expressions (2-4 roundings where the reference rounds once from f64): a few ulps.
const ARITH: Tol = { atol: 2 ** -126, rtol: 8 * U };
// exp/tanh/sigmoid approximations: ~2e-7 polynomial error plus the surrounding arithmetic; 2e-6 = ~34 ulps.
// Results below the normal range (< 2^-126, e.g. sigmoid(-90) ~ 8e-40) are flushed to 0: atol 2^-125 covers that.
const APPROX: Tol = { atol: 2 ** -125, rtol: 2e-6 };

// ---- inputs ----
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(0x5eed);
const uniform = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
const ints = (n: number, hi: number) => Int32Array.from({ length: n }, () => Math.floor(rand() * hi));
const bytes = (n: number, hi: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * hi));
/** Ordinary values with every third element (from phase) replaced by the next special value (cycling). */
function withSpecials(n: number, specials: readonly number[], lo: number, hi: number, phase = 0): Float32Array {
  const out = uniform(n, lo, hi);
  for (let i = phase, s = 0; i < n; i += 3, s++) out[i] = specials[s % specials.length];
  return out;
}

// Activation inputs: the ReLU kink, signed zeros, the tanh polynomial/exp branch edge (0.625), where f32 tanh
// saturates (~9), where exp would overflow or go subnormal (+-88, -87.3366 = ln 2^-126, +-90), +-20, +-100, huge and infinite values.
const X_SPECIALS = [0, -0, 1e-30, -1e-30, 1e-4, -1e-4, 0.5, -0.5, 0.625, -0.625, 0.6249, -0.6251, 1, -1, 3, -3,
  9, -9, 20, -20, 44, -44, 88, -88, -87.3, -87.3365, -87.3366, 90, -90, 100, -100, 1e30, -1e30, Infinity, -Infinity];
const TANH_Y = [0, -0, 1, -1, 0.5, -0.5, 0.999999, -0.999999, 1e-30];
const SIGMOID_Y = [0, 1, 0.5, 1e-30, 0.999999, 1e-7];
const D_SPECIALS = [0, -0, 1, -1, 1e-30];

// Dimensions around the vector width and the 4x8 tile: 1..9 (incl. MR-1..MR+1 = 3..5, NR-1..NR+1 = 7..9),
// 12/13 (one 8-tile + a 4-wide / 8-wide overlapping edge), 16/17 (two tiles, +1).
const DIMS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17];
const VEC_SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 10, 128, 784, 128 * 128, 128 * 10];
const BATCH = 128, PIXELS = 784, HIDDEN = 128, CLASSES = 10;

// ---- cases, one generator per kernel; typed as a full record so a kernel without cases does not compile ----
type GemmName = 'gemmNN' | 'gemmTN' | 'gemmNT';
function gemmCase(name: GemmName, m: number, k: number, n: number): Case {
  return {
    shape: `m=${m} k=${k} n=${n}`,
    // NN: a (m,k) b (k,n); TN: a (k,m) b (k,n); NT: a (m,k) b (n,k): the element counts agree.
    inputs: { a: uniform(m * k), b: uniform(k * n) },
    outputs: { c: new Float32Array(m * n) },
    compare: { c: gemmTol(k) },
    call: (kern, p) => kern[name](p.c, p.a, p.b, m, k, n),
  };
}
function gemmCases(name: GemmName, real: [number, number, number][]): Case[] {
  const cases: Case[] = [];
  for (const m of DIMS) for (const k of DIMS) for (const n of DIMS) cases.push(gemmCase(name, m, k, n));
  for (const m of [1, 5, 9]) for (const n of [1, 4, 10]) cases.push(gemmCase(name, m, 0, n)); // k = 0: C = 0
  for (const [m, k, n] of real) cases.push(gemmCase(name, m, k, n));
  return cases;
}

function mapCases(name: 'tanhForward' | 'sigmoidForward' | 'reluForward', tol: Tol): Case[] {
  const cases: Case[] = [];
  const inputs = [...VEC_SIZES.map((n) => withSpecials(n, X_SPECIALS, -4, 4)), Float32Array.from(X_SPECIALS)];
  for (const x of inputs) {
    cases.push({
      shape: `n=${x.length}`, inputs: { x }, outputs: { out: new Float32Array(x.length) }, compare: { out: tol },
      call: (k, p) => k[name](p.out, p.x, x.length),
    });
    cases.push({ // in place: out == inp
      shape: `n=${x.length} in-place`, inputs: { x }, compare: { x: tol },
      call: (k, p) => k[name](p.x, p.x, x.length),
    });
  }
  return cases;
}

function zipCases(name: 'tanhBackward' | 'sigmoidBackward' | 'reluBackward', ySpecials: readonly number[], lo: number, hi: number, tol: Tol): Case[] {
  const cases: Case[] = [];
  for (const n of [...VEC_SIZES, 3 * ySpecials.length * D_SPECIALS.length]) {
    // Different phases, so special y (the ReLU kink y = 0, y = +-1) meets ordinary nonzero d, and vice versa.
    const d = withSpecials(n, D_SPECIALS, -1, 1, 1), y = withSpecials(n, ySpecials, lo, hi);
    cases.push({
      shape: `n=${n}`, inputs: { d, y }, outputs: { out: new Float32Array(n) }, compare: { out: tol },
      call: (k, p) => k[name](p.out, p.d, p.y, n),
    });
    cases.push({ // in place: dInp == dOut
      shape: `n=${n} in-place`, inputs: { d, y }, compare: { d: tol },
      call: (k, p) => k[name](p.d, p.d, p.y, n),
    });
  }
  return cases;
}

function gatherCase(rows: number, dim: number, images: number): Case {
  const stats = new Float32Array(2 * images);
  for (let i = 0; i < images; i++) { stats[2 * i] = 255 * rand(); stats[2 * i + 1] = 1 / (1 + 100 * rand()); }
  const pixels = bytes(images * dim, 256);
  pixels[0] = 0; pixels[pixels.length - 1] = 255;
  return {
    shape: `rows=${rows} dim=${dim} images=${images}`,
    inputs: { images: pixels, labels: bytes(images, CLASSES), stats, idx: ints(rows, images) },
    outputs: { x: new Float32Array(rows * dim), y: new Uint8Array(rows) },
    // (u8 - mean) * invStd: two f32 roundings against one from f64 (u8 - mean is exact near the mean).
    compare: { x: ARITH, y: EXACT },
    call: (k, p) => k.gatherBatch(p.x, p.y, p.images, p.labels, p.stats, p.idx, rows, dim),
  };
}

// The sparse first layer: pixels about half 0 (whole zero and whole nonzero rows included), real-looking stats.
function sparseInput(rows: number, dim: number): { nz: Int32Array; val: Float32Array; c: Float32Array } {
  const nz = new Int32Array(nzLength(rows, dim)), val = new Float32Array(rows * dim), c = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const invStd = Math.fround(1 / (40 + 80 * rand())), density = r % 5 === 1 ? 0 : r % 5 === 2 ? 1 : rand();
    c[r] = Math.fround(-(30 + 100 * rand()) * invStd);
    const columns: number[] = [];
    for (let j = 0; j < dim; j++) {
      if (rand() >= density) continue;
      val[r * dim + columns.length] = Math.fround((1 + Math.floor(255 * rand())) * invStd);
      columns.push(j);
    }
    setSparseRow(nz, r, dim, columns);
  }
  return { nz, val, c };
}
// Terms are up to ~6 (pixel / std) times [-1, 1]: the GEMM bound scaled by 8.
const sparseTol = (k: number): Tol => ({ atol: 32 * U * k, rtol: 16 * U });

function sparseForwardCase(rows: number, k: number, n: number, act: 0 | 1 | 2 | 3): Case {
  const tol = sparseTol(k);
  return {
    shape: `rows=${rows} k=${k} n=${n} act=${act}`,
    inputs: { ...sparseInput(rows, k), w: uniform(k * n), bias: uniform(n) },
    outputs: { out: new Float32Array(rows * n), wsum: new Float32Array(n) },
    // tanh/sigmoid have slope <= 1, so the product's error passes through; the approximation adds APPROX.rtol.
    compare: { out: { atol: tol.atol + APPROX.atol, rtol: tol.rtol + APPROX.rtol }, wsum: sumTol(k) },
    call: (kern, p) => kern.sparseForward(p.out, p.nz, p.val, p.c, p.w, p.wsum, p.bias, rows, k, n, act),
  };
}

function sparseGradCase(rows: number, k: number, n: number): Case {
  return {
    shape: `rows=${rows} k=${k} n=${n}`,
    inputs: { ...sparseInput(rows, k), dz: uniform(rows * n) },
    outputs: { dw: new Float32Array(k * n) },
    compare: { dw: sparseTol(rows) },
    call: (kern, p) => kern.sparseWeightGrad(p.dw, p.nz, p.val, p.c, p.dz, rows, k, n),
  };
}

function firstLayerBackwardCase(rows: number, k: number, n: number, n2: number, act: 0 | 1 | 2 | 3): Case {
  // h as the activation leaves it (ReLU's with exact zeros, its kink); dz0 is the input gradient when n2 = 0.
  const h = act === 2 ? uniform(rows * n, 0, 1) : act === 3 ? withSpecials(rows * n, [0], -1, 1).map((v) => Math.max(v, 0)) : uniform(rows * n);
  // dz0 = act'(dz1 w1^T) has n2 terms of [-1, 1] (the reference sums them in f64), so its error is gemmTol(n2) and
  // it is up to n2 in size: the sums over rows built on it scale by that.
  const size = Math.max(1, n2), dzTol = n2 > 0 ? { atol: gemmTol(n2).atol + ARITH.atol, rtol: gemmTol(n2).rtol + ARITH.rtol } : EXACT;
  return {
    shape: `rows=${rows} k=${k} n=${n} n2=${n2} act=${act}`,
    inputs: { ...sparseInput(rows, k), h, dz1: uniform(Math.max(rows * n2, 1)), w1: uniform(Math.max(n * n2, 1)), dz0: uniform(rows * n) },
    outputs: { dw0: new Float32Array(k * n), db0: new Float32Array(n), dw1: new Float32Array(Math.max(n * n2, 1)) },
    compare: {
      dz0: dzTol,
      dw0: { atol: sparseTol(rows).atol * size + 8 * dzTol.atol * rows, rtol: 16 * U },
      db0: { atol: sumTol(rows).atol * size + dzTol.atol * rows, rtol: 16 * U },
      dw1: n2 > 0 ? gemmTol(rows) : EXACT,
    },
    call: (kern, p) => kern.firstLayerBackward(p.dw0, p.db0, p.dw1, p.dz0, p.nz, p.val, p.c, p.h, p.dz1, p.w1, rows, k, n, n2, act),
  };
}

function gatherSparseCase(rows: number, dim: number, images: number): Case {
  const stats = new Float32Array(2 * images);
  for (let i = 0; i < images; i++) { stats[2 * i] = 255 * rand(); stats[2 * i + 1] = 1 / (1 + 100 * rand()); }
  const pixels = bytes(images * dim, 256).map((p) => (rand() < 0.5 ? 0 : p));
  pixels[pixels.length - 1] = 255;
  return {
    shape: `rows=${rows} dim=${dim} images=${images}`,
    inputs: { images: pixels, labels: bytes(images, CLASSES), stats, idx: ints(rows, images) },
    // nz holds i32 headers and u16 offsets; compared byte for byte. Entries past a row's count are scratch.
    outputs: { nz: new Uint8Array(4 * nzLength(rows, dim)), val: new Float32Array(rows * dim), c: new Float32Array(rows), y: new Uint8Array(rows) },
    compare: { nz: EXACT, val: ARITH, c: ARITH, y: EXACT },
    unspecified: (a) => {
      const nz = a.nz as Uint8Array, counts = new Int32Array(nz.buffer, nz.byteOffset, nz.length / 4);
      for (let r = 0; r < rows; r++) {
        const row = r * (dim + NZ_HEADER), count = counts[row];
        assert.ok(count >= 0 && count <= dim, `row ${r}: count ${count}`);
        // The u16 offsets past the count, up to the row's end.
        new Uint16Array(nz.buffer, nz.byteOffset, nz.length / 2).fill(0x7777, nzOffsetsAt(r, dim) + count, 2 * (row + dim + NZ_HEADER));
        (a.val as Float32Array).fill(SENTINEL, r * dim + count, (r + 1) * dim);
      }
    },
    call: (k, p) => k.gatherSparse(p.nz, p.val, p.c, p.y, p.images, p.labels, p.stats, p.idx, rows, dim),
  };
}

function swapRowsCase(rows: number, dim: number, swaps: number): Case {
  // Random pairs, with a row swapped with itself and a pair swapped back, the in-place moves the shuffle makes.
  const pairs = ints(2 * swaps, rows);
  if (swaps >= 3) { pairs[2] = pairs[3]; pairs[4] = pairs[1]; pairs[5] = pairs[0]; }
  return {
    shape: `rows=${rows} dim=${dim} swaps=${swaps}`,
    inputs: { images: bytes(rows * dim, 256), labels: bytes(rows, CLASSES), stats: uniform(2 * rows, 0, 255), swaps: pairs },
    compare: { images: EXACT, labels: EXACT, stats: EXACT },
    call: (k, p) => k.swapRows(p.images, p.labels, p.stats, p.swaps, swaps, dim),
  };
}

const SMALL = [1, 3, 4, 5, 7, 8, 9, 17];
const MATRIX_SHAPES: [number, number][] = [
  ...SMALL.flatMap((r) => SMALL.map((c): [number, number] => [r, c])),
  [BATCH, HIDDEN], [BATCH, CLASSES], [BATCH, PIXELS], [PIXELS, HIDDEN],
];
const CLASS_COUNTS = [1, 2, 3, 4, 5, 7, 8, 9, 10, 17];
const SOFTMAX_SHAPES: [number, number][] = [
  ...[1, 3, 5, 17].flatMap((r) => CLASS_COUNTS.map((c): [number, number] => [r, c])), [BATCH, CLASSES],
];

function softmaxCase(rows: number, cols: number, gradScale: number, inPlace: boolean): Case {
  const logits = uniform(rows * cols, -5, 5);
  // Rows of huge logits (only stable with the max subtracted) and rows with tied maxima.
  for (let r = 1; r < rows; r += 4) for (let j = 0; j < cols; j++) logits[r * cols + j] = (rand() < 0.5 ? -1 : 1) * 100 * (1 + 90 * rand());
  for (let r = 2; r < rows; r += 4) for (let j = 0; j < cols; j++) logits[r * cols + j] = Math.floor(3 * rand());
  const labels = bytes(rows, cols);
  // dLogits = (p - onehot) * scale with p accurate to ~1e-6 relative; p ~ 1 at the label cancels, hence atol.
  const dTol: Tol = { atol: 2e-6 * Math.abs(gradScale), rtol: APPROX.rtol };
  // The loss: per row log(sum) with sum accurate to ~1e-6 relative, so ~1e-6 absolute per row.
  const lossTol: Tol = { atol: 2e-6 * rows, rtol: 1e-6 };
  return {
    shape: `rows=${rows} cols=${cols} scale=${gradScale}${inPlace ? ' in-place' : ''}`,
    inputs: { logits, labels },
    outputs: inPlace ? {} : { d: new Float32Array(rows * cols) },
    compare: inPlace ? { logits: dTol } : { d: dTol },
    returns: lossTol,
    call: (k, p) => k.softmaxCrossEntropy(inPlace ? p.logits : p.d, p.logits, p.labels, rows, cols, gradScale),
  };
}

function countCase(rows: number, cols: number, tieRange: number): Case {
  // Integer logits from a small range make ties common: the first maximum must win.
  const logits = Float32Array.from({ length: rows * cols }, () => tieRange > 0 ? Math.floor(tieRange * rand()) : rand());
  return {
    shape: `rows=${rows} cols=${cols} ties=${tieRange > 0}`,
    inputs: { logits, labels: bytes(rows, cols) },
    compare: {}, returns: EXACT,
    call: (k, p) => k.countCorrect(p.logits, p.labels, rows, cols),
  };
}

function sgdCase(n: number, lr: number, gamma: number, l2: number, l1: number): Case {
  // Weights with exact (signed) zeros: sign(0) = 0 must add no L1 term.
  const w = withSpecials(n, [0, -0, 1, -1], -1, 1);
  // All terms are O(1): a few roundings at magnitude 1, so an absolute tolerance of a few ulps of 1.
  const tol: Tol = { atol: 8 * U, rtol: 8 * U };
  return {
    shape: `n=${n} lr=${lr} gamma=${gamma} l2=${l2} l1=${l1}`,
    inputs: { w, g: uniform(n), v: uniform(n, -0.1, 0.1) },
    compare: { w: tol, g: tol, v: tol },
    call: (k, p) => k.sgdUpdate(p.w, p.g, p.v, n, lr, gamma, l2, l1),
  };
}

function sgdMatrixCase(rows: number, cols: number): Case {
  const n = rows * cols, tol: Tol = { atol: 8 * U, rtol: 8 * U };
  return {
    shape: `rows=${rows} cols=${cols}`,
    inputs: { w: withSpecials(n, [0, -0, 1, -1], -1, 1), g: uniform(n), v: uniform(n, -0.1, 0.1) },
    compare: { w: tol, g: tol, v: tol },
    call: (k, p) => k.sgdUpdateMatrix(p.w, p.g, p.v, rows, cols, 0.05, 0.9, 1e-3, 1e-4),
  };
}

const CASES: Record<KernelName, () => Case[]> = {
  gatherBatch: () => [
    ...[1, 3, 4, 5, 17].flatMap((rows) => [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33].map((dim) => gatherCase(rows, dim, 7))),
    gatherCase(BATCH, PIXELS, 300),
  ],
  gatherSparse: () => [
    ...[1, 3, 4, 5, 17].flatMap((rows) => [1, 3, 15, 16, 17, 31, 32, 33, 100].map((dim) => gatherSparseCase(rows, dim, 7))),
    // Around the first block boundaries of the lists (192, 384, 576 columns).
    ...[176, 191, 192, 193, 208, 383, 384, 385, 577].map((dim) => gatherSparseCase(3, dim, 7)),
    gatherSparseCase(BATCH, PIXELS, 300),
  ],
  swapRows: () => [
    ...[1, 2, 7].flatMap((rows) => [1, 15, 16, 17, 33].map((dim) => swapRowsCase(rows, dim, 5))),
    swapRowsCase(300, PIXELS, 299), swapRowsCase(9, PIXELS, 0),
  ],
  // n around the 16-column panels, the 32-column sweep and the 4-wide strip; every activation; the real shapes.
  sparseForward: () => [
    ...[1, 3, 5].flatMap((rows) => [1, 7, 33].flatMap((k) => [1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 36, 48, 67].flatMap((n) =>
      ([0, 1, 2, 3] as const).map((act) => sparseForwardCase(rows, k, n, act))))),
    // k around the blocks of 192 rows of W the kernels walk in turn.
    ...[191, 192, 193, 385, 577].flatMap((k) => [16, 33].map((n) => sparseForwardCase(3, k, n, 1))),
    sparseForwardCase(BATCH, PIXELS, HIDDEN, 1), sparseForwardCase(BATCH, PIXELS, CLASSES, 0),
  ],
  sparseWeightGrad: () => [
    ...[1, 3, 5].flatMap((rows) => [1, 7, 33].flatMap((k) => [1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 36, 48, 67].map((n) => sparseGradCase(rows, k, n)))),
    ...[191, 192, 193, 385, 577].flatMap((k) => [16, 33, 64].map((n) => sparseGradCase(3, k, n))),
    sparseGradCase(BATCH, PIXELS, HIDDEN), sparseGradCase(BATCH, PIXELS, CLASSES),
  ],
  // n around the 32-unit ranges threads split by; with and without a next layer; every activation; the real shapes.
  firstLayerBackward: () => [
    ...[1, 3, 5].flatMap((rows) => [1, 5, 16, 31, 32, 33, 64, 67].flatMap((n) => [
      firstLayerBackwardCase(rows, 33, n, 0, 0),
      ...[1, 10].flatMap((n2) => ([1, 2, 3] as const).map((act) => firstLayerBackwardCase(rows, 33, n, n2, act))),
    ])),
    firstLayerBackwardCase(BATCH, PIXELS, HIDDEN, CLASSES, 1), firstLayerBackwardCase(BATCH, PIXELS, CLASSES, 0, 0),
  ],
  gemmNN: () => gemmCases('gemmNN', [[BATCH, PIXELS, HIDDEN], [BATCH, HIDDEN, CLASSES], [BATCH, HIDDEN, HIDDEN]]),
  gemmTN: () => gemmCases('gemmTN', [[PIXELS, BATCH, HIDDEN], [HIDDEN, BATCH, CLASSES], [HIDDEN, BATCH, HIDDEN]]),
  gemmNT: () => gemmCases('gemmNT', [[BATCH, CLASSES, HIDDEN], [BATCH, HIDDEN, HIDDEN], [BATCH, HIDDEN, PIXELS]]),
  biasAdd: () => MATRIX_SHAPES.map(([rows, cols]): Case => ({
    shape: `rows=${rows} cols=${cols}`,
    inputs: { out: uniform(rows * cols), bias: uniform(cols) },
    compare: { out: EXACT }, // one correctly rounded f32 add in both back ends
    call: (k, p) => k.biasAdd(p.out, p.bias, rows, cols),
  })),
  colSum: () => MATRIX_SHAPES.map(([rows, cols]): Case => ({
    shape: `rows=${rows} cols=${cols}`,
    inputs: { a: uniform(rows * cols) },
    outputs: { out: new Float32Array(cols) },
    compare: { out: sumTol(rows) },
    call: (k, p) => k.colSum(p.out, p.a, rows, cols),
  })),
  tanhForward: () => mapCases('tanhForward', APPROX),
  tanhBackward: () => zipCases('tanhBackward', TANH_Y, -1, 1, ARITH),
  sigmoidForward: () => mapCases('sigmoidForward', APPROX),
  sigmoidBackward: () => zipCases('sigmoidBackward', SIGMOID_Y, 0, 1, ARITH),
  reluForward: () => mapCases('reluForward', EXACT),
  reluBackward: () => zipCases('reluBackward', X_SPECIALS, -4, 4, EXACT),
  softmaxCrossEntropy: () => SOFTMAX_SHAPES.flatMap(([rows, cols]) => [
    softmaxCase(rows, cols, 1, false), softmaxCase(rows, cols, 1 / rows, true),
  ]),
  countCorrect: () => SOFTMAX_SHAPES.flatMap(([rows, cols]) => [countCase(rows, cols, 3), countCase(rows, cols, 0)]),
  sgdUpdateMatrix: () => [[1, 1], [3, 5], [7, 33], [PIXELS, HIDDEN], [HIDDEN, CLASSES]].map(([rows, cols]) => sgdMatrixCase(rows, cols)),
  sgdUpdate: () => [
    ...VEC_SIZES.map((n) => sgdCase(n, 0.05, 0.9, 1e-3, 1e-4)),
    // Without penalties (the common case, its own loop), with and without momentum.
    sgdCase(17, 0.1, 0, 0, 0), sgdCase(PIXELS * HIDDEN + 3, 0.01, 0.9, 0, 0), sgdCase(HIDDEN * CLASSES + CLASSES, 0.01, 0.5, 0.1, 0.01),
  ],
};

// ---- the harness ----
const GUARD = 64; // bytes before and after every buffer; keeps each buffer 64-byte aligned
const GUARD_BYTE = 0xa5;
const SENTINEL = -7.77e37; // fills fresh f32 outputs: an element left unwritten cannot pass by accident

const memory = createMemory();
// Both builds over the one memory (their static data is identical bytes at the same addresses): the default
// plain SIMD and the relaxed (FMA) build, which loadWasmModule makes this Node accept.
const builds = await Promise.all(SIMD_BUILDS.map(async (build) => ({ build, ...(await instantiateWasmKernels(await loadWasmModule(build), memory)) })));
const heapBase = Math.max(...builds.map((b) => b.heapBase));
const js = new JsKernels(memory);

interface Run { ret: number | void; arrays: Record<string, Arr> }

function place(arena: Arena, src: Arr): number {
  const base = arena.alloc(GUARD + src.byteLength + GUARD);
  const view = new Uint8Array(memory.buffer, base, GUARD + src.byteLength + GUARD);
  view.fill(GUARD_BYTE);
  view.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), GUARD);
  return base + GUARD;
}

function readBack(ptr: number, like: Arr): Arr {
  const ctor = like.constructor as new (b: ArrayBufferLike, o: number, n: number) => Arr;
  return new ctor(memory.buffer, ptr, like.length).slice();
}

function runOn(kernels: Kernels, kernel: string, c: Case): Run {
  const arena = new Arena(memory, heapBase);
  const p: Record<string, number> = {};
  const all: Record<string, Arr> = { ...c.inputs };
  for (const [name, arr] of Object.entries(c.outputs ?? {})) {
    all[name] = arr instanceof Float32Array ? new Float32Array(arr.length).fill(SENTINEL) : new Uint8Array(arr.length).fill(0xee);
  }
  for (const [name, arr] of Object.entries(all)) p[name] = place(arena, arr);
  const ret = c.call(kernels, p);
  const arrays: Record<string, Arr> = {};
  for (const [name, arr] of Object.entries(all)) {
    const before = new Uint8Array(memory.buffer, p[name] - GUARD, GUARD);
    const after = new Uint8Array(memory.buffer, p[name] + arr.byteLength, GUARD);
    const stray = [...before, ...after].findIndex((b) => b !== GUARD_BYTE);
    assert.ok(stray < 0, `${kernels.name} ${kernel} ${c.shape}: wrote outside ${name} (guard byte ${stray})`);
    arrays[name] = readBack(p[name], arr);
    if (!(name in c.compare) && name in c.inputs) {
      assert.deepEqual(arrays[name], c.inputs[name], `${kernels.name} ${kernel} ${c.shape}: modified read-only input ${name}`);
    }
  }
  return { ret, arrays };
}

interface Worst { abs: number; rel: number; ofAllowed: number; where: string }

function within(ref: number, got: number, tol: Tol, worst: Worst, where: string): { ok: boolean; diff: number; allowed: number } {
  if (ref === got) return { ok: true, diff: 0, allowed: 0 }; // same value, infinities and +-0 included
  const diff = Math.abs(got - ref), allowed = tol.atol + tol.rtol * Math.abs(ref);
  const ok = diff <= allowed; // NaN on either side fails here
  if (ok) {
    worst.abs = Math.max(worst.abs, diff);
    if (ref !== 0) worst.rel = Math.max(worst.rel, diff / Math.abs(ref));
    if (diff / allowed > worst.ofAllowed) { worst.ofAllowed = diff / allowed; worst.where = where; }
  }
  return { ok, diff, allowed };
}

// The test file runs as an ES module with top-level await; one test per kernel, driven by KERNEL_NAMES.
for (const { build, kernels: wasm } of builds) for (const kernel of KERNEL_NAMES) {
  test(`wasm (${build} SIMD) matches js: ${kernel}`, (t) => {
    const make = (CASES as Partial<Record<string, () => Case[]>>)[kernel];
    assert.ok(make, `no parity case for kernel ${kernel}: add one to CASES`);
    const cases = make();
    assert.ok(cases.length > 0, `no parity case for kernel ${kernel}`);
    const worst: Worst = { abs: 0, rel: 0, ofAllowed: 0, where: '' };
    for (const c of cases) {
      const ref = runOn(js, kernel, c), got = runOn(wasm, kernel, c);
      c.unspecified?.(ref.arrays);
      c.unspecified?.(got.arrays);
      for (const [name, tol] of Object.entries(c.compare)) {
        const r = ref.arrays[name], g = got.arrays[name];
        for (let i = 0; i < r.length; i++) {
          const res = within(r[i], g[i], tol, worst, `${c.shape} ${name}[${i}]`);
          if (!res.ok) {
            assert.fail(`${kernel} ${c.shape}: ${name}[${i}] wasm ${g[i]} vs js ${r[i]} (|diff| ${res.diff} > allowed ${res.allowed} = ${tol.atol} + ${tol.rtol}*|js|)`);
          }
        }
      }
      if (c.returns) {
        const r = ref.ret as number, g = got.ret as number;
        const res = within(r, g, c.returns, worst, `${c.shape} return`);
        if (!res.ok) assert.fail(`${kernel} ${c.shape}: returned wasm ${g} vs js ${r} (|diff| ${res.diff} > allowed ${res.allowed})`);
      }
    }
    t.diagnostic(`${cases.length} cases; max |diff| ${worst.abs.toExponential(2)}, max rel ${worst.rel.toExponential(2)}, `
      + `worst ${(100 * worst.ofAllowed).toFixed(1)}% of allowed${worst.where ? ` at ${worst.where}` : ''}`);
  });
}
