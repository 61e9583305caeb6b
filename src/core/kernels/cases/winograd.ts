// Cases of the Winograd F(2x2, 3x3) kernels: channel and output counts around the vector width and the 4x8 tile,
// pads 0, 1 and 2, odd output sides (half-outside tiles), images smaller than a tile, calls of several tile groups
// and weight gradients of several chunks of tiles (split on threads), in planes one row longer than the tiles as
// the network lays them out. Timed: the 32 -> 64 layer at 14x14 of a CNN step, its FLOPs counted as the direct
// convolution's (2 pixels 9c oc), so its GFLOP/s compare with conv2dForward's.

import { U, gemmTol, addTol, APPROX, type KernelCase, type Problem, type Tolerance } from './case.js';
import type { CaseInputs } from './inputs.js';
import { winogradWeightGradScratch, WINOGRAD_CHUNK_TILES, type ActCode } from '../kernels.js';

interface Shape { images: number; h: number; w: number; c: number; oc: number; pad: number }
const out = (n: number, s: Shape) => n + 2 * s.pad - 2;
const tilesOf = (s: Shape) => s.images * Math.ceil(out(s.h, s) / 2) * Math.ceil(out(s.w, s) / 2);
/** Rows of each position's plane: one more than the tiles, as ConvNet lays them out (planes a multiple of 4 KB apart thrash L1). */
const planesOf = (s: Shape) => tilesOf(s) + 1;
const named = (s: Shape, what = '') => `${what ? `${what} ` : ''}images=${s.images} ${s.h}x${s.w}x${s.c} -> oc=${s.oc} pad=${s.pad}`;

const SHAPES: Shape[] = [
  ...[1, 3, 4, 5, 8, 9].flatMap((c) => [1, 4, 7, 8, 9, 17].map((oc) => ({ images: 2, h: 5, w: 6, c, oc, pad: 1 }))),
  ...[0, 1, 2].flatMap((pad) => [{ images: 3, h: 7, w: 5, c: 3, oc: 5, pad }, { images: 2, h: 6, w: 8, c: 12, oc: 16, pad }]),
  { images: 1, h: 1, w: 1, c: 4, oc: 8, pad: 1 }, { images: 2, h: 2, w: 3, c: 5, oc: 3, pad: 1 }, { images: 4, h: 3, w: 3, c: 2, oc: 4, pad: 0 },
  { images: 17, h: 5, w: 6, c: 8, oc: 12, pad: 1 }, { images: 3, h: 19, w: 17, c: 3, oc: 9, pad: 1 }, { images: 2, h: 14, w: 14, c: 32, oc: 64, pad: 1 },
];
/**
 * The weight gradient's chunks of tiles, big enough to split on threads: 5 chunks (the last of 27 tiles), 2 (fewer
 * than 3 threads) and 9 (the last of 26), none dividing evenly among 2 and 3 threads, with columns that do not
 * divide by the 8-column grain and a channel tail.
 */
const CHUNKED: Shape[] = [
  { images: 11, h: 14, w: 14, c: 16, oc: 24, pad: 1 }, { images: 4, h: 14, w: 14, c: 32, oc: 20, pad: 1 }, { images: 35, h: 13, w: 11, c: 13, oc: 40, pad: 0 },
];
const stepShape = (p: Problem): Shape => ({ images: p.batch, h: 14, w: 14, c: 32, oc: 64, pad: 1 });

// Transformed inputs: sums of up to 16 values of [-1, 1] with factors +-1, in two stages of
// up to 3 roundings each where the reference rounds once.
const TRANSFORM: Tolerance = { atol: 16 * U * 4, rtol: 8 * U };
// A transformed filter: as TRANSFORM, with the halvings exact.
const FILTER: Tolerance = { atol: 16 * U * 2.25, rtol: 8 * U };
// A product over k terms whose operands are sums of up to 4 (transformed) values, then the output transform's sum
// of 9 such products: the GEMM bound for 16 k terms (magnitude 4 each) summed 9 times.
const productTol = (k: number): Tolerance => ({ atol: 9 * 4 * gemmTol(k).atol + 16 * U * 9, rtol: 16 * U });

export function winogradFilterSweep(x: CaseInputs): KernelCase[] {
  return [1, 3, 4, 5, 8, 9, 32].flatMap((c) => [1, 3, 4, 7, 8, 9, 64].map((oc): KernelCase => ({
    shape: `c=${c} oc=${oc}`,
    inputs: { w: x.uniform(9 * c * oc) },
    outputs: { u: new Float32Array(16 * c * oc), ut: new Float32Array(16 * c * oc) },
    compare: { u: FILTER, ut: FILTER }, flops: 0,
    call: (k, q) => k.winogradFilter(q.u, q.ut, q.w, c, oc),
  })));
}

function forwardCase(x: CaseInputs, s: Shape, act: ActCode, what = ''): KernelCase {
  const tiles = planesOf(s), pixels = s.images * out(s.h, s) * out(s.w, s);
  return {
    shape: `${named(s, what)} act=${act}`,
    inputs: { x: x.withSpecials(s.images * s.h * s.w * s.c, [0], -1, 1), u: x.uniform(16 * s.c * s.oc), bias: x.uniform(s.oc) },
    // m is scratch: written, never compared.
    outputs: { out: new Float32Array(pixels * s.oc), v: new Float32Array(tiles * 16 * s.c), m: new Float32Array(tiles * 16 * s.oc) },
    compare: { out: addTol(productTol(s.c), APPROX), v: TRANSFORM },
    flops: 2 * pixels * 9 * s.c * s.oc,
    call: (k, q) => k.winogradForward(q.out, q.v, q.m, q.x, q.u, q.bias, s.images, s.h, s.w, s.c, s.oc, s.pad, act, tiles),
  };
}

function weightGradCase(x: CaseInputs, s: Shape, what = ''): KernelCase {
  const tiles = planesOf(s), oh = out(s.h, s), ow = out(s.w, s), pixels = s.images * oh * ow;
  return {
    shape: `${named(s, what)} tiles=${tilesOf(s)} chunks=${Math.ceil(tilesOf(s) / WINOGRAD_CHUNK_TILES)}`,
    inputs: { v: x.uniform(tiles * 16 * s.c), dy: x.uniform(pixels * s.oc) },
    // dm and scratch (the chunks' products) are scratch. dm's values are sums of up to 4 of dy's, so du's bound is
    // the GEMM's times 4; dw sums 16 values of du with factors up to 1 (G^T's rows hold at most 1 + 0.5 + 0.5).
    outputs: { dw: new Float32Array(9 * s.c * s.oc), du: new Float32Array(16 * s.c * s.oc), dm: new Float32Array(16 * tiles * s.oc), scratch: new Float32Array(winogradWeightGradScratch(tilesOf(s), s.c, s.oc)) },
    compare: { du: { atol: 4 * gemmTol(tiles).atol, rtol: 16 * U }, dw: { atol: 16 * gemmTol(tiles).atol, rtol: 16 * U } },
    flops: 2 * pixels * 9 * s.c * s.oc,
    call: (k, q) => k.winogradWeightGrad(q.dw, q.du, q.scratch, q.v, q.dm, q.dy, s.images, oh, ow, s.c, s.oc, tiles),
  };
}

function inputGradCase(x: CaseInputs, s: Shape, what = ''): KernelCase {
  const tiles = planesOf(s), pixels = s.images * out(s.h, s) * out(s.w, s);
  return {
    shape: named(s, what),
    inputs: { dy: x.uniform(pixels * s.oc), ut: x.uniform(16 * s.c * s.oc) },
    // dv and dm are scratch. A dx element sums up to 4 tiles' B dv B^T, each a sum of up to 9 products of oc terms
    // whose dm factors are sums of up to 4 of dy's.
    outputs: { dx: new Float32Array(s.images * s.h * s.w * s.c), dv: new Float32Array(tiles * 16 * s.c), dm: new Float32Array(tiles * 16 * s.oc) },
    compare: { dx: { atol: 4 * 4 * 9 * gemmTol(s.oc).atol + 64 * U, rtol: 16 * U } },
    flops: 2 * pixels * 9 * s.c * s.oc,
    call: (k, q) => k.winogradInputGrad(q.dx, q.dv, q.dm, q.dy, q.ut, s.images, s.h, s.w, s.c, s.oc, s.pad, tiles),
  };
}

export function winogradForwardSweep(x: CaseInputs): KernelCase[] {
  // Every activation across the shapes, ReLU (the network's) on all of them.
  return SHAPES.flatMap((s, i) => [forwardCase(x, s, ([0, 1, 2, 3] as const)[i % 4]), ...(i % 4 !== 3 ? [forwardCase(x, s, 3)] : [])]);
}
export const winogradForwardTimed = (x: CaseInputs, p: Problem): KernelCase[] => [forwardCase(x, stepShape(p), 3, 'forward conv 32->64 14x14 (Winograd)')];
export const winogradWeightGradSweep = (x: CaseInputs): KernelCase[] => [...SHAPES, ...CHUNKED].map((s) => weightGradCase(x, s));
export const winogradWeightGradTimed = (x: CaseInputs, p: Problem): KernelCase[] => [weightGradCase(x, stepShape(p), 'weight grad conv 32->64 14x14 (Winograd)')];
export const winogradInputGradSweep = (x: CaseInputs): KernelCase[] => SHAPES.map((s) => inputGradCase(x, s));
export const winogradInputGradTimed = (x: CaseInputs, p: Problem): KernelCase[] => [inputGradCase(x, stepShape(p), 'input grad conv 32->64 14x14 (Winograd)')];
