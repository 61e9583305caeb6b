// Cases of the image kernels: the dense gather, convolution (forward, weight and input gradients) with channel
// counts and output widths around the vector width and the 4x8 tile, every padding of small and odd kernels, images
// smaller than the kernel, weight gradients of several chunks of pixels (split on threads) and several of the
// forward pass's groups; the transpose; 2x2 max-pooling with odd sides, ties and signed zeros, its backward passes
// also in place. Timed: a CNN step's layers (1->32 at 28x28, 32->64 at 14x14) on the problem's batch.

import { APPROX, ARITH, EXACT, addTol, gemmTol, sumTol, type KernelCase, type Problem } from './case.js';
import type { CaseInputs } from './inputs.js';
import { conv2dWeightGradScratch, CONV_CHUNK_PIXELS, type ActCode } from '../kernels.js';

interface ConvShape { images: number; h: number; w: number; c: number; oc: number; k: number; pad: number }
const side = (n: number, s: ConvShape) => n + 2 * s.pad - s.k + 1;
const pixelsOf = (s: ConvShape) => s.images * side(s.h, s) * side(s.w, s);
const named = (s: ConvShape, what = '') => `${what ? `${what} ` : ''}images=${s.images} ${s.h}x${s.w}x${s.c} -> oc=${s.oc} k=${s.k} pad=${s.pad}`;

const SHAPES: ConvShape[] = [
  ...[1, 3, 4, 5, 8, 9].flatMap((c) => [1, 4, 7, 8, 9, 17].map((oc) => ({ images: 2, h: 5, w: 6, c, oc, k: 3, pad: 1 }))),
  ...[1, 2, 3, 5].flatMap((k) => [0, Math.floor((k - 1) / 2), k - 1].map((pad) => ({ images: 3, h: 7, w: 5, c: 3, oc: 5, k, pad }))),
  { images: 1, h: 2, w: 2, c: 2, oc: 3, k: 3, pad: 1 }, { images: 5, h: 1, w: 9, c: 4, oc: 8, k: 1, pad: 0 },
  { images: 3, h: 19, w: 17, c: 3, oc: 9, k: 3, pad: 1 }, { images: 2, h: 12, w: 12, c: 32, oc: 64, k: 5, pad: 0 },
  // Several of the forward pass's groups of images: 2 a group at 28x28 (the last one short), 6 of 323 pixels (odd).
  { images: 5, h: 28, w: 28, c: 1, oc: 32, k: 3, pad: 1 }, { images: 7, h: 19, w: 17, c: 3, oc: 9, k: 3, pad: 1 },
];
/**
 * The weight gradient's chunks of pixels, big enough to split on threads: 5 chunks (the last of 152 pixels), 11 (the
 * last of 50) with 9 columns (a 1-column part on 2 threads), 2 (fewer than 3 threads) and 4 whole ones; 24 and 40
 * columns, which the second phase's 8-column grain splits in parts of different widths.
 */
const CHUNKED: ConvShape[] = [
  { images: 6, h: 14, w: 14, c: 8, oc: 24, k: 3, pad: 1 }, { images: 3, h: 30, w: 29, c: 5, oc: 9, k: 3, pad: 1 },
  { images: 1, h: 20, w: 20, c: 8, oc: 40, k: 3, pad: 1 }, { images: 4, h: 16, w: 16, c: 4, oc: 32, k: 3, pad: 1 },
];
/** The layers of a CNN step: 1 -> 32 filters at 28x28 and 32 -> 64 at 14x14, 3x3 same. */
const stepShapes = (p: Problem): [string, ConvShape][] => [
  ['conv 1->32 28x28', { images: p.batch, h: 28, w: 28, c: 1, oc: 32, k: 3, pad: 1 }],
  ['conv 32->64 14x14', { images: p.batch, h: 14, w: 14, c: 32, oc: 64, k: 3, pad: 1 }],
];
const sweepShapes = (p: Problem) => [...SHAPES, ...stepShapes({ ...p, batch: 2 }).map(([, s]) => s)];

function forwardCase(x: CaseInputs, s: ConvShape, act: ActCode, what = ''): KernelCase {
  const taps = s.k * s.k * s.c, pixels = pixelsOf(s);
  return {
    shape: `${named(s, what)} act=${act}`,
    inputs: { x: x.withSpecials(s.images * s.h * s.w * s.c, [0], -1, 1), w: x.uniform(taps * s.oc), bias: x.uniform(s.oc) },
    outputs: { out: new Float32Array(pixels * s.oc), col: new Float32Array(pixels * taps) },
    compare: { out: addTol(gemmTol(taps), APPROX), col: EXACT },
    flops: 2 * pixels * taps * s.oc,
    call: (k, q) => k.conv2dForward(q.out, q.col, q.x, q.w, q.bias, s.images, s.h, s.w, s.c, s.oc, s.k, s.pad, act),
  };
}

function weightGradCase(x: CaseInputs, s: ConvShape, what = ''): KernelCase {
  const taps = s.k * s.k * s.c, pixels = pixelsOf(s);
  return {
    shape: `${named(s, what)} chunks=${Math.ceil(pixels / CONV_CHUNK_PIXELS)}`,
    inputs: { col: x.withSpecials(pixels * taps, [0], -1, 1), dy: x.uniform(pixels * s.oc) },
    // scratch (the chunks' products) is scratch.
    outputs: { dw: new Float32Array(taps * s.oc), db: new Float32Array(s.oc), scratch: new Float32Array(conv2dWeightGradScratch(pixels, taps, s.oc)) },
    compare: { dw: gemmTol(pixels), db: sumTol(pixels) },
    flops: 2 * pixels * taps * s.oc,
    call: (k, q) => k.conv2dWeightGrad(q.dw, q.db, q.scratch, q.col, q.dy, pixels, taps, s.oc),
  };
}

function inputGradCase(x: CaseInputs, s: ConvShape, what = ''): KernelCase {
  const taps = s.k * s.k * s.c, pixels = pixelsOf(s);
  return {
    shape: named(s, what),
    inputs: { dy: x.uniform(pixels * s.oc), wt: x.uniform(taps * s.oc) },
    // dcol is scratch: written, never compared. Each dx element sums up to k*k products of oc terms.
    outputs: { dx: new Float32Array(s.images * s.h * s.w * s.c), dcol: new Float32Array(pixels * taps) },
    compare: { dx: { atol: 2 * gemmTol(s.oc * s.k * s.k).atol, rtol: gemmTol(1).rtol } },
    flops: 2 * pixels * taps * s.oc,
    call: (k, q) => k.conv2dInputGrad(q.dx, q.dcol, q.dy, q.wt, s.images, s.h, s.w, s.c, s.oc, s.k, s.pad),
  };
}

export function conv2dForwardSweep(x: CaseInputs, p: Problem): KernelCase[] {
  // Every activation across the shapes, ReLU (the network's) on all of them.
  return sweepShapes(p).flatMap((s, i) => [forwardCase(x, s, ([0, 1, 2, 3] as const)[i % 4]), ...(i % 4 !== 3 ? [forwardCase(x, s, 3)] : [])]);
}
export const conv2dForwardTimed = (x: CaseInputs, p: Problem): KernelCase[] => stepShapes(p).map(([what, s]) => forwardCase(x, s, 3, `forward ${what}`));
export const conv2dWeightGradSweep = (x: CaseInputs, p: Problem): KernelCase[] => [...sweepShapes(p), ...CHUNKED].map((s) => weightGradCase(x, s));
export const conv2dWeightGradTimed = (x: CaseInputs, p: Problem): KernelCase[] => stepShapes(p).map(([what, s]) => weightGradCase(x, s, `weight grad ${what}`));
export const conv2dInputGradSweep = (x: CaseInputs, p: Problem): KernelCase[] => sweepShapes(p).map((s) => inputGradCase(x, s));
// The first layer's input gradient is never needed: the second's only.
export const conv2dInputGradTimed = (x: CaseInputs, p: Problem): KernelCase[] => stepShapes(p).slice(1).map(([what, s]) => inputGradCase(x, s, `input grad ${what}`));

export function transposeSweep(x: CaseInputs): KernelCase[] {
  return [[1, 1], [1, 7], [5, 1], [3, 4], [17, 9], [288, 64]].map(([rows, cols]) => ({
    shape: `rows=${rows} cols=${cols}`, inputs: { a: x.uniform(rows * cols) }, outputs: { out: new Float32Array(rows * cols) }, compare: { out: EXACT }, flops: 0,
    call: (k, q) => k.transpose(q.out, q.a, rows, cols),
  }));
}

export function gatherImagesSweep(x: CaseInputs, p: Problem): KernelCase[] {
  const gather = (rows: number, dim: number, images: number): KernelCase => {
    const pixels = x.bytes(images * dim, 256);
    pixels[0] = 0; pixels[pixels.length - 1] = 255;
    return {
      shape: `rows=${rows} dim=${dim} images=${images}`,
      inputs: { images: pixels, labels: x.bytes(images, p.classes), stats: x.stats(images), idx: x.ints(rows, images) },
      outputs: { x: new Float32Array(rows * dim), y: new Uint8Array(rows) },
      // (u8 - mean) * invStd: two f32 roundings against one from f64 (u8 - mean is exact near the mean).
      compare: { x: ARITH, y: EXACT }, flops: 0,
      call: (k, q) => k.gatherImages(q.x, q.y, q.images, q.labels, q.stats, q.idx, rows, dim),
    };
  };
  return [...[1, 3, 4, 5, 17].flatMap((rows) => [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33].map((dim) => gather(rows, dim, 7))), gather(p.batch, p.inputs, 300)];
}

/** Sides around the vector width, a non-square image and the real one; every shift up to past the width; with and without mirror flips. */
export function gatherImagesAugmentedSweep(x: CaseInputs, p: Problem): KernelCase[] {
  const gather = (rows: number, height: number, width: number, images: number, key: number, shift: number, flip: number): KernelCase => {
    const dim = height * width, pixels = x.bytes(images * dim, 256);
    pixels[0] = 0; pixels[pixels.length - 1] = 255;
    return {
      shape: `rows=${rows} ${height}x${width} images=${images} key=${key} shift=${shift} flip=${flip}`,
      inputs: { images: pixels, labels: x.bytes(images, p.classes), stats: x.stats(images), idx: x.ints(rows, images) },
      outputs: { x: new Float32Array(rows * dim), y: new Uint8Array(rows) },
      // As gatherImages: (u8 - mean) * invStd rounded twice in f32 against once from f64.
      compare: { x: ARITH, y: EXACT }, flops: 0,
      call: (k, q) => k.gatherImagesAugmented(q.x, q.y, q.images, q.labels, q.stats, q.idx, rows, height, width, key, shift, flip),
    };
  };
  const width = Math.round(Math.sqrt(p.inputs));
  return [
    ...[[1, 1], [3, 3], [4, 4], [5, 7], [17, 17], [6, 3]].flatMap(([h, w]) => [0, 1, 2, 4].flatMap((shift) => [0, 1].map((flip) =>
      gather(9, h, w, 7, 0x9e3779b9 + h * 977 + w * 31 + shift, shift, flip)))),
    ...[0, 2].flatMap((shift) => [0, 1].map((flip) => gather(p.batch, width, width, 300, 12345 + shift, shift, flip))),
  ];
}

// Pooling inputs: ordinary values with ties (0.5 twice), signed zeros and -1, and every seventh value rounded.
const poolInput = (x: CaseInputs, n: number) => x.withSpecials(n, [0, -0, 0.5, 0.5, -1], -1, 1).map((v, i) => (i % 7 === 3 ? Math.round(v) : v));
// Three images of odd sides too: one to each of three threads.
const POOL_SHAPES = [1, 3, 4, 5, 8, 9, 32].flatMap((c) => [[2, 2], [3, 5], [4, 4], [7, 6]].map(([h, w]) => ({ images: 2, h, w, c })))
  .concat([{ images: 3, h: 5, w: 7, c: 3 }, { images: 3, h: 7, w: 5, c: 9 }, { images: 3, h: 28, w: 28, c: 32 }, { images: 2, h: 14, w: 14, c: 64 }]);

/** The pooled maxima as the reference defines them (m = m < v ? v : m, row-major), for the backward pass's y. */
function pooled(xs: Float32Array, images: number, h: number, w: number, c: number): Float32Array {
  const y = new Float32Array(images * (h >> 1) * (w >> 1) * c);
  for (let n = 0, i = 0; n < images; n++) for (let py = 0; py < h >> 1; py++) for (let px = 0; px < w >> 1; px++) for (let ch = 0; ch < c; ch++, i++) {
    let m = xs[((n * h + 2 * py) * w + 2 * px) * c + ch];
    for (const [dy, dx] of [[0, 1], [1, 0], [1, 1]]) { const v = xs[((n * h + 2 * py + dy) * w + 2 * px + dx) * c + ch]; m = m < v ? v : m; }
    y[i] = m;
  }
  return y;
}

export function maxPoolForwardSweep(x: CaseInputs): KernelCase[] {
  return POOL_SHAPES.map(({ images, h, w, c }) => ({
    shape: `images=${images} ${h}x${w}x${c}`, inputs: { x: poolInput(x, images * h * w * c) },
    outputs: { out: new Float32Array(images * (h >> 1) * (w >> 1) * c) }, compare: { out: EXACT }, flops: 0,
    call: (k, q) => k.maxPoolForward(q.out, q.x, images, h, w, c),
  }));
}

/** The shape of the in-place twin of a pooling backward case: the same inputs, dx written over x. */
export const IN_PLACE = ' in-place';

/**
 * Each shape twice on the same inputs: into a fresh dx, and in place over x (as ConvNet calls it), where a window
 * stored before it is read, or an odd row or column left unzeroed (it keeps x's values), fails.
 */
function poolBackwardSweep(x: CaseInputs, op: 'maxPoolBackward' | 'maxPoolReluBackward', dyOf: (n: number) => Float32Array): KernelCase[] {
  return POOL_SHAPES.flatMap(({ images, h, w, c }): KernelCase[] => {
    const xs = poolInput(x, images * h * w * c), y = pooled(xs, images, h, w, c), inputs = { x: xs, y, dy: dyOf(y.length) };
    const shape = `images=${images} ${h}x${w}x${c}`;
    return [{
      shape, inputs, outputs: { dx: new Float32Array(xs.length) }, compare: { dx: EXACT }, flops: 0,
      call: (k, q) => k[op](q.dx, q.dy, q.x, q.y, images, h, w, c),
    }, {
      shape: shape + IN_PLACE, inputs, compare: { x: EXACT }, flops: 0,
      call: (k, q) => k[op](q.x, q.dy, q.x, q.y, images, h, w, c),
    }];
  });
}
export const maxPoolBackwardSweep = (x: CaseInputs): KernelCase[] => poolBackwardSweep(x, 'maxPoolBackward', (n) => x.uniform(n));
/**
 * As maxPoolBackward's, x with maxima at -0, 0 and below zero (ReLU's outputs are never negative, but the kernel's
 * rule is x > 0 for any x), and signed zeros among the gradients: a routed -0 kept where x > 0 tells a dropped one (+0).
 */
export const maxPoolReluBackwardSweep = (x: CaseInputs): KernelCase[] =>
  poolBackwardSweep(x, 'maxPoolReluBackward', (n) => x.withSpecials(n, [-0, 0, -0], -1, 1));
