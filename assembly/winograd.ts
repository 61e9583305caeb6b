// 3x3 convolution (stride 1, zero padding pad) by Winograd's F(2x2, 3x3), over images stored channels last: each
// 2x2 block of outputs (a tile) comes from a 4x4 block of inputs, and in the transformed domain a tile's 9 taps per
// channel pair become 16 products instead of 36. The 16 products are 16 GEMMs over (tiles, channels), one per
// position of the 4x4 transformed tile; the forward pass, the weight gradient and the input gradient all run them,
// the backward passes as the exact adjoints of the forward one. Which layers use it is the host's choice.
//
// Transforms, elementwise over 4 channels at a time (a channel tail one lane at a time, same arithmetic):
//   inputs V = B^T d B, filters U = G g G^T, outputs Y = A^T M A, with M = sum over channels of U . V, where
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]   A^T = [1 1 1 0; 0 1 -1 -1]
//   backward: dM = A dY A^T, dU = sum over tiles of dM . V (then dg = G^T dU G), dV = sum over outputs of dM . U
//   (then dd = B dV B^T, added where each 4x4 input block came from: neighbouring blocks overlap by 2).
// Layouts: v (16, tiles, c) and m (16, tiles, oc), position-major (a tile's 16 positions row-major), so every
// product reads and writes whole rows; a call given a range of images addresses its rows within planes of `tiles`
// rows (the batch's). u (16, c, oc); ut (16, oc, c). Tiles run image by image, row by row: ceil(oh / 2) * ceil(ow / 2)
// per image, the last row or column of tiles half outside the output when oh or ow is odd (its inputs read as zeros
// there, its outputs dropped).

import { gemm } from './gemm';
import { addFloats, addSlotsInOrder } from './floats';
import { tanhForward, sigmoidForward, reluForward } from './activations';
import { ACT_TANH, ACT_SIGMOID, ACT_RELU, WINOGRAD_CHUNK_TILES } from './abi';

/** Tiles per group in the forward pass and the input gradient: a group's rows of v and m (up to 600 KB at 32 -> 64
 * channels) stay in L2 between the transforms and the 16 products. Whole images per group. */
const GROUP_TILES = 128;
/** Tiles per chunk of the weight gradient: a chunk's rows of v and m are reread by every tile of dU from L1/L2. */
const CHUNK = WINOGRAD_CHUNK_TILES;

// Four channels (full) or one (lane 0, the others zero).
// @ts-ignore: decorator
@inline function ld(p: usize, full: bool): v128 { return full ? v128.load(p) : v128.load32_zero(p); }
// @ts-ignore: decorator
@inline function ldIf(p: usize, ok: bool, full: bool): v128 { return ok ? ld(p, full) : f32x4.splat(0); }
// @ts-ignore: decorator
@inline function st(p: usize, v: v128, full: bool): void { if (full) v128.store(p, v); else v128.store32_lane(p, v, 0); }
// @ts-ignore: decorator
@inline function addTo(p: usize, v: v128, full: bool): void { st(p, f32x4.add(ld(p, full), v), full); }
// @ts-ignore: decorator
@inline function half(a: v128): v128 { return f32x4.mul(a, f32x4.splat(0.5)); }

// The rows of B^T, G, A^T, A, B and G^T applied to a column of values (a, b, c, d) or (a, b, c).
// @ts-ignore: decorator
@inline function bt0(a: v128, _b: v128, c: v128, _d: v128): v128 { return f32x4.sub(a, c); }
// @ts-ignore: decorator
@inline function bt1(_a: v128, b: v128, c: v128, _d: v128): v128 { return f32x4.add(b, c); }
// @ts-ignore: decorator
@inline function bt2(_a: v128, b: v128, c: v128, _d: v128): v128 { return f32x4.sub(c, b); }
// @ts-ignore: decorator
@inline function bt3(_a: v128, b: v128, _c: v128, d: v128): v128 { return f32x4.sub(b, d); }
// @ts-ignore: decorator
@inline function g1(a: v128, b: v128, c: v128): v128 { return half(f32x4.add(f32x4.add(a, b), c)); }
// @ts-ignore: decorator
@inline function g2(a: v128, b: v128, c: v128): v128 { return half(f32x4.add(f32x4.sub(a, b), c)); }
// @ts-ignore: decorator
@inline function at0(a: v128, b: v128, c: v128, _d: v128): v128 { return f32x4.add(f32x4.add(a, b), c); }
// @ts-ignore: decorator
@inline function at1(_a: v128, b: v128, c: v128, d: v128): v128 { return f32x4.sub(f32x4.sub(b, c), d); }
// @ts-ignore: decorator
@inline function b1(_a: v128, b: v128, c: v128, d: v128): v128 { return f32x4.add(f32x4.sub(b, c), d); }
// @ts-ignore: decorator
@inline function b2(a: v128, b: v128, c: v128, _d: v128): v128 { return f32x4.sub(f32x4.add(b, c), a); }
// @ts-ignore: decorator
@inline function gt0(a: v128, b: v128, c: v128, _d: v128): v128 { return f32x4.add(a, half(f32x4.add(b, c))); }
// @ts-ignore: decorator
@inline function gt1(_a: v128, b: v128, c: v128, _d: v128): v128 { return half(f32x4.sub(b, c)); }
// @ts-ignore: decorator
@inline function gt2(_a: v128, b: v128, c: v128, d: v128): v128 { return f32x4.add(half(f32x4.add(b, c)), d); }

/** Tiles of one image: ceil(oh / 2) rows of ceil(ow / 2). */
// @ts-ignore: decorator
@inline function tilesOf(oh: i32, ow: i32): i32 { return ((oh + 1) >> 1) * ((ow + 1) >> 1); }

/** One transformed value: u (pos, ch, o..o+3) and its transpose ut (pos, o..o+3, ch). */
// @ts-ignore: decorator
@inline function storeFilter(u: usize, ut: usize, pos: usize, ch: i32, o: i32, c: i32, oc: i32, val: v128, full: bool): void {
  const plane = <usize>c * <usize>oc << 2;
  st(u + pos * plane + ((<usize>ch * <usize>oc + <usize>o) << 2), val, full);
  const t = ut + pos * plane + ((<usize>o * <usize>c + <usize>ch) << 2), cb = <usize>c << 2;
  v128.store32_lane(t, val, 0);
  if (full) {
    v128.store32_lane(t + cb, val, 1);
    v128.store32_lane(t + 2 * cb, val, 2);
    v128.store32_lane(t + 3 * cb, val, 3);
  }
}

/** The 16 values of G g G^T for outputs o..o+3 (or o alone) of channel ch. */
// @ts-ignore: decorator
@inline function filterBlock(u: usize, ut: usize, w: usize, ch: i32, o: i32, c: i32, oc: i32, full: bool): void {
  const tap = <usize>c * <usize>oc << 2, g = w + ((<usize>ch * <usize>oc + <usize>o) << 2);
  const w00 = ld(g, full), w01 = ld(g + tap, full), w02 = ld(g + 2 * tap, full);
  const w10 = ld(g + 3 * tap, full), w11 = ld(g + 4 * tap, full), w12 = ld(g + 5 * tap, full);
  const w20 = ld(g + 6 * tap, full), w21 = ld(g + 7 * tap, full), w22 = ld(g + 8 * tap, full);
  // Rows of G g (r = 0..3), then each row times G^T.
  const r10 = g1(w00, w10, w20), r11 = g1(w01, w11, w21), r12 = g1(w02, w12, w22);
  const r20 = g2(w00, w10, w20), r21 = g2(w01, w11, w21), r22 = g2(w02, w12, w22);
  storeFilter(u, ut, 0, ch, o, c, oc, w00, full); storeFilter(u, ut, 1, ch, o, c, oc, g1(w00, w01, w02), full);
  storeFilter(u, ut, 2, ch, o, c, oc, g2(w00, w01, w02), full); storeFilter(u, ut, 3, ch, o, c, oc, w02, full);
  storeFilter(u, ut, 4, ch, o, c, oc, r10, full); storeFilter(u, ut, 5, ch, o, c, oc, g1(r10, r11, r12), full);
  storeFilter(u, ut, 6, ch, o, c, oc, g2(r10, r11, r12), full); storeFilter(u, ut, 7, ch, o, c, oc, r12, full);
  storeFilter(u, ut, 8, ch, o, c, oc, r20, full); storeFilter(u, ut, 9, ch, o, c, oc, g1(r20, r21, r22), full);
  storeFilter(u, ut, 10, ch, o, c, oc, g2(r20, r21, r22), full); storeFilter(u, ut, 11, ch, o, c, oc, r22, full);
  storeFilter(u, ut, 12, ch, o, c, oc, w20, full); storeFilter(u, ut, 13, ch, o, c, oc, g1(w20, w21, w22), full);
  storeFilter(u, ut, 14, ch, o, c, oc, g2(w20, w21, w22), full); storeFilter(u, ut, 15, ch, o, c, oc, w22, full);
}

/** u (16, c, oc) = G g G^T and ut (16, oc, c) the same transposed, for each filter g: w's (3, 3) taps of (ch, o), w (9c, oc). */
export function winogradFilter(u: usize, ut: usize, w: usize, c: i32, oc: i32): void {
  for (let ch = 0; ch < c; ch++) {
    let o = 0;
    for (; o + 4 <= oc; o += 4) filterBlock(u, ut, w, ch, o, c, oc, true);
    for (; o < oc; o++) filterBlock(u, ut, w, ch, o, c, oc, false);
  }
}

/** v's 16 values B^T d B of one tile for channels j..j+3 (or j): d's (r, s) at p + r line + s cb where mask bit 4r + s is set, else 0. */
// @ts-ignore: decorator
@inline function inputBlock(dst: usize, p: usize, mask: i32, line: usize, cb: usize, plane: usize, full: bool): void {
  // Rows of d B: h_r = (d_r0 - d_r2, d_r1 + d_r2, d_r2 - d_r1, d_r1 - d_r3).
  let a = ldIf(p, (mask & 1) != 0, full), b = ldIf(p + cb, (mask & 2) != 0, full), c = ldIf(p + 2 * cb, (mask & 4) != 0, full), d = ldIf(p + 3 * cb, (mask & 8) != 0, full);
  const h00 = bt0(a, b, c, d), h01 = bt1(a, b, c, d), h02 = bt2(a, b, c, d), h03 = bt3(a, b, c, d);
  p += line;
  a = ldIf(p, (mask & 16) != 0, full); b = ldIf(p + cb, (mask & 32) != 0, full); c = ldIf(p + 2 * cb, (mask & 64) != 0, full); d = ldIf(p + 3 * cb, (mask & 128) != 0, full);
  const h10 = bt0(a, b, c, d), h11 = bt1(a, b, c, d), h12 = bt2(a, b, c, d), h13 = bt3(a, b, c, d);
  p += line;
  a = ldIf(p, (mask & 256) != 0, full); b = ldIf(p + cb, (mask & 512) != 0, full); c = ldIf(p + 2 * cb, (mask & 1024) != 0, full); d = ldIf(p + 3 * cb, (mask & 2048) != 0, full);
  const h20 = bt0(a, b, c, d), h21 = bt1(a, b, c, d), h22 = bt2(a, b, c, d), h23 = bt3(a, b, c, d);
  p += line;
  a = ldIf(p, (mask & 4096) != 0, full); b = ldIf(p + cb, (mask & 8192) != 0, full); c = ldIf(p + 2 * cb, (mask & 16384) != 0, full); d = ldIf(p + 3 * cb, (mask & 32768) != 0, full);
  const h30 = bt0(a, b, c, d), h31 = bt1(a, b, c, d), h32 = bt2(a, b, c, d), h33 = bt3(a, b, c, d);
  // B^T times the columns of h.
  st(dst, bt0(h00, h10, h20, h30), full); st(dst + plane, bt0(h01, h11, h21, h31), full);
  st(dst + 2 * plane, bt0(h02, h12, h22, h32), full); st(dst + 3 * plane, bt0(h03, h13, h23, h33), full);
  st(dst + 4 * plane, bt1(h00, h10, h20, h30), full); st(dst + 5 * plane, bt1(h01, h11, h21, h31), full);
  st(dst + 6 * plane, bt1(h02, h12, h22, h32), full); st(dst + 7 * plane, bt1(h03, h13, h23, h33), full);
  st(dst + 8 * plane, bt2(h00, h10, h20, h30), full); st(dst + 9 * plane, bt2(h01, h11, h21, h31), full);
  st(dst + 10 * plane, bt2(h02, h12, h22, h32), full); st(dst + 11 * plane, bt2(h03, h13, h23, h33), full);
  st(dst + 12 * plane, bt3(h00, h10, h20, h30), full); st(dst + 13 * plane, bt3(h01, h11, h21, h31), full);
  st(dst + 14 * plane, bt3(h02, h12, h22, h32), full); st(dst + 15 * plane, bt3(h03, h13, h23, h33), full);
}

/** Which of the 4 x 4 values of the block at (y0, x0) lie inside an h x w image: bit 4r + s for (y0 + r, x0 + s). */
// @ts-ignore: decorator
@inline function insideMask(y0: i32, x0: i32, h: i32, w: i32): i32 {
  let cols = 0, mask = 0;
  for (let s = 0; s < 4; s++) if (x0 + s >= 0 && x0 + s < w) cols |= 1 << s;
  for (let r = 0; r < 4; r++) if (y0 + r >= 0 && y0 + r < h) mask |= cols << (4 * r);
  return mask;
}

/** v (16, tiles, c) = B^T d B for every tile of images x (images, h, w, c), positions plane bytes apart. */
function inputTransform(v: usize, x: usize, images: i32, h: i32, w: i32, c: i32, pad: i32, plane: usize): void {
  const oh = h + 2 * pad - 2, ow = w + 2 * pad - 2, cb = <usize>c << 2, line = <usize>w * cb, c4 = <usize>(c & ~3) << 2;
  let dst = v;
  for (let n = 0; n < images; n++) {
    const img = x + <usize>n * <usize>h * line;
    for (let y0 = -pad; y0 < oh - pad; y0 += 2) {
      for (let x0 = -pad; x0 < ow - pad; x0 += 2, dst += cb) {
        const mask = insideMask(y0, x0, h, w), p = img + <usize>y0 * line + <usize>x0 * cb;
        let j: usize = 0;
        for (; j < c4; j += 16) inputBlock(dst + j, p + j, mask, line, cb, plane, true);
        for (; j < cb; j += 4) inputBlock(dst + j, p + j, mask, line, cb, plane, false);
      }
    }
  }
}

/** Outputs o..o+3 (or o) of one tile: y = A^T m A + bias, the rows and columns that lie inside the output written. */
// @ts-ignore: decorator
@inline function outputBlock(out: usize, m: usize, bias: usize, plane: usize, ldo: usize, obr: usize, rows: i32, cols: i32, full: bool): void {
  const bv = ld(bias, full);
  let a = ld(m, full), b = ld(m + plane, full), c = ld(m + 2 * plane, full), d = ld(m + 3 * plane, full);
  const t00 = at0(a, b, c, d), t01 = at1(a, b, c, d);
  a = ld(m + 4 * plane, full); b = ld(m + 5 * plane, full); c = ld(m + 6 * plane, full); d = ld(m + 7 * plane, full);
  const t10 = at0(a, b, c, d), t11 = at1(a, b, c, d);
  a = ld(m + 8 * plane, full); b = ld(m + 9 * plane, full); c = ld(m + 10 * plane, full); d = ld(m + 11 * plane, full);
  const t20 = at0(a, b, c, d), t21 = at1(a, b, c, d);
  a = ld(m + 12 * plane, full); b = ld(m + 13 * plane, full); c = ld(m + 14 * plane, full); d = ld(m + 15 * plane, full);
  const t30 = at0(a, b, c, d), t31 = at1(a, b, c, d);
  st(out, f32x4.add(at0(t00, t10, t20, t30), bv), full);
  if (cols > 1) st(out + ldo, f32x4.add(at0(t01, t11, t21, t31), bv), full);
  if (rows > 1) {
    st(out + obr, f32x4.add(at1(t00, t10, t20, t30), bv), full);
    if (cols > 1) st(out + obr + ldo, f32x4.add(at1(t01, t11, t21, t31), bv), full);
  }
}

/** out (images, oh, ow, oc) = A^T m A + bias for every tile of m (16, tiles, oc), positions plane bytes apart. */
function outputTransform(out: usize, m: usize, bias: usize, images: i32, oh: i32, ow: i32, oc: i32, plane: usize): void {
  const ob = <usize>oc << 2, row = <usize>ow * ob, c4 = <usize>(oc & ~3) << 2;
  let src = m;
  for (let n = 0; n < images; n++) {
    const img = out + <usize>n * <usize>oh * row;
    for (let y = 0; y < oh; y += 2) {
      for (let x = 0; x < ow; x += 2, src += ob) {
        const at = img + <usize>y * row + <usize>x * ob, rows = min(2, oh - y), cols = min(2, ow - x);
        let j: usize = 0;
        for (; j < c4; j += 16) outputBlock(at + j, src + j, bias + j, plane, ob, row, rows, cols, true);
        for (; j < ob; j += 4) outputBlock(at + j, src + j, bias + j, plane, ob, row, rows, cols, false);
      }
    }
  }
}

/** The 16 products of a group: for each position, c (rows, n) = a (rows, k) times b's (k, n); planes of c and a planeTiles rows apart. */
// @ts-ignore: decorator
@inline function positionProducts(c: usize, a: usize, b: usize, rows: i32, k: i32, n: i32, planeTiles: i32): void {
  const kb = <usize>k << 2, nb = <usize>n << 2, plane = <usize>k * nb;
  for (let pos: usize = 0; pos < 16; pos++) {
    gemm(c + pos * <usize>planeTiles * nb, a + pos * <usize>planeTiles * kb, b + pos * plane, rows, k, n, kb, 4, nb, 4, nb, false);
  }
}

/**
 * out (images, oh, ow, oc) = act(conv3x3(x, w) + bias) for x (images, h, wd, c), with u = winogradFilter's transform of
 * w: v (16, tiles, c) receives the transformed inputs (winogradWeightGrad reads them), m (16, tiles, oc) is scratch;
 * the images' tiles are the first rows of planes of `tiles` rows.
 */
export function winogradForward(out: usize, v: usize, m: usize, x: usize, u: usize, bias: usize, images: i32, h: i32, wd: i32, c: i32, oc: i32, pad: i32, act: i32, tiles: i32): void {
  const oh = h + 2 * pad - 2, ow = wd + 2 * pad - 2, per = tilesOf(oh, ow), group = max(1, GROUP_TILES / per);
  const outImage = <usize>oh * <usize>ow * <usize>oc << 2, cb = <usize>c << 2, ob = <usize>oc << 2;
  for (let n = 0; n < images; n += group) {
    const g = min(group, images - n), first = <usize>n * <usize>per;
    // m is scratch: every group reuses its first rows, so the products stay in L2 for the output transform.
    const vg = v + first * cb, mg = m, og = out + <usize>n * outImage;
    inputTransform(vg, x + <usize>n * <usize>h * <usize>wd * cb, g, h, wd, c, pad, <usize>tiles * cb);
    positionProducts(mg, vg, u, g * per, c, oc, tiles);
    outputTransform(og, mg, bias, g, oh, ow, oc, <usize>tiles * ob);
    const count = g * oh * ow * oc;
    if (act == ACT_TANH) tanhForward(og, og, count);
    else if (act == ACT_SIGMOID) sigmoidForward(og, og, count);
    else if (act == ACT_RELU) reluForward(og, og, count);
  }
}

/** Outputs o..o+3 (or o) of one tile: dm = A g A^T for the tile's gradients g (0 outside the output). */
// @ts-ignore: decorator
@inline function outputGradBlock(dm: usize, dy: usize, plane: usize, ldo: usize, obr: usize, rows: i32, cols: i32, full: bool): void {
  const zero = f32x4.splat(0);
  const g00 = ld(dy, full), g01 = cols > 1 ? ld(dy + ldo, full) : zero;
  const g10 = rows > 1 ? ld(dy + obr, full) : zero, g11 = rows > 1 && cols > 1 ? ld(dy + obr + ldo, full) : zero;
  // Rows of A g: (g0, g0 + g1, g0 - g1, -g1) over the tile's rows; then each row times A^T the same way.
  const r0a = g00, r0b = g01;
  const r1a = f32x4.add(g00, g10), r1b = f32x4.add(g01, g11);
  const r2a = f32x4.sub(g00, g10), r2b = f32x4.sub(g01, g11);
  const r3a = f32x4.neg(g10), r3b = f32x4.neg(g11);
  st(dm, r0a, full); st(dm + plane, f32x4.add(r0a, r0b), full); st(dm + 2 * plane, f32x4.sub(r0a, r0b), full); st(dm + 3 * plane, f32x4.neg(r0b), full);
  st(dm + 4 * plane, r1a, full); st(dm + 5 * plane, f32x4.add(r1a, r1b), full); st(dm + 6 * plane, f32x4.sub(r1a, r1b), full); st(dm + 7 * plane, f32x4.neg(r1b), full);
  st(dm + 8 * plane, r2a, full); st(dm + 9 * plane, f32x4.add(r2a, r2b), full); st(dm + 10 * plane, f32x4.sub(r2a, r2b), full); st(dm + 11 * plane, f32x4.neg(r2b), full);
  st(dm + 12 * plane, r3a, full); st(dm + 13 * plane, f32x4.add(r3a, r3b), full); st(dm + 14 * plane, f32x4.sub(r3a, r3b), full); st(dm + 15 * plane, f32x4.neg(r3b), full);
}

/**
 * dm rows [0, count) of each plane (planes planeTiles rows apart), columns [j0, j1): A g A^T for tiles [first,
 * first + count) of the output gradient dy (images, oh, ow, oc), the adjoint of the output transform. The gradient
 * passes compute it a chunk or group at a time into rows they reuse, so dm (4x dy's size) never leaves the cache.
 */
function outputGradTiles(dm: usize, dy: usize, first: i32, count: i32, oh: i32, ow: i32, oc: i32, j0: i32, j1: i32, planeTiles: i32): void {
  const ob = <usize>oc << 2, row = <usize>ow * ob, plane = <usize>planeTiles * ob, th = (oh + 1) >> 1, tw = (ow + 1) >> 1;
  let image = first / (th * tw), rest = first - image * th * tw, ty = rest / tw, tx = rest - ty * tw;
  let dst = dm;
  for (let t = 0; t < count; t++, dst += ob) {
    const y = 2 * ty, x = 2 * tx, rows = min(2, oh - y), cols = min(2, ow - x);
    const at = dy + <usize>image * <usize>oh * row + <usize>y * row + <usize>x * ob;
    let j = j0;
    for (; j + 4 <= j1; j += 4) outputGradBlock(dst + (<usize>j << 2), at + (<usize>j << 2), plane, ob, row, rows, cols, true);
    for (; j < j1; j++) outputGradBlock(dst + (<usize>j << 2), at + (<usize>j << 2), plane, ob, row, rows, cols, false);
    if (++tx == tw) {
      tx = 0;
      if (++ty == th) { ty = 0; image++; }
    }
  }
}

/** dw rows (ky, kx, ch), outputs o..o+3 (or o) = G^T du G from du's 16 positions for (ch, o). */
// @ts-ignore: decorator
@inline function weightBlock(dw: usize, du: usize, plane: usize, tap: usize, full: bool): void {
  let a = ld(du, full), b = ld(du + plane, full), c = ld(du + 2 * plane, full), d = ld(du + 3 * plane, full);
  const s00 = gt0(a, b, c, d), s01 = gt1(a, b, c, d), s02 = gt2(a, b, c, d);
  a = ld(du + 4 * plane, full); b = ld(du + 5 * plane, full); c = ld(du + 6 * plane, full); d = ld(du + 7 * plane, full);
  const s10 = gt0(a, b, c, d), s11 = gt1(a, b, c, d), s12 = gt2(a, b, c, d);
  a = ld(du + 8 * plane, full); b = ld(du + 9 * plane, full); c = ld(du + 10 * plane, full); d = ld(du + 11 * plane, full);
  const s20 = gt0(a, b, c, d), s21 = gt1(a, b, c, d), s22 = gt2(a, b, c, d);
  a = ld(du + 12 * plane, full); b = ld(du + 13 * plane, full); c = ld(du + 14 * plane, full); d = ld(du + 15 * plane, full);
  const s30 = gt0(a, b, c, d), s31 = gt1(a, b, c, d), s32 = gt2(a, b, c, d);
  st(dw, gt0(s00, s10, s20, s30), full); st(dw + tap, gt0(s01, s11, s21, s31), full); st(dw + 2 * tap, gt0(s02, s12, s22, s32), full);
  st(dw + 3 * tap, gt1(s00, s10, s20, s30), full); st(dw + 4 * tap, gt1(s01, s11, s21, s31), full); st(dw + 5 * tap, gt1(s02, s12, s22, s32), full);
  st(dw + 6 * tap, gt2(s00, s10, s20, s30), full); st(dw + 7 * tap, gt2(s01, s11, s21, s31), full); st(dw + 8 * tap, gt2(s02, s12, s22, s32), full);
}

/** dst (16, c, oc) = per position v^T dm over tiles [first, first + n), dm = A dy A^T of those tiles computed first into dm's first n rows. */
function chunkProduct(dst: usize, v: usize, dm: usize, dy: usize, first: i32, n: i32, oh: i32, ow: i32, c: i32, oc: i32, tiles: i32): void {
  const ob = <usize>oc << 2, cb = <usize>c << 2, plane = <usize>c * ob;
  outputGradTiles(dm, dy, first, n, oh, ow, oc, 0, oc, tiles);
  for (let pos: usize = 0; pos < 16; pos++) {
    // C (c, oc) = A^T B: A (n, c) and B (n, oc), rows of their planes.
    gemm(dst + pos * plane, v + (pos * <usize>tiles + <usize>first) * cb, dm + pos * <usize>tiles * ob, c, n, oc, 4, cb, ob, 4, ob, false);
  }
}

/** Columns [j0, j1) of dw (9c, oc) = G^T du G. */
function weightTransform(dw: usize, du: usize, c: i32, oc: i32, j0: i32, j1: i32): void {
  const ob = <usize>oc << 2, plane = <usize>c * ob;
  for (let ch: usize = 0; ch < <usize>c; ch++) {
    let o = j0;
    for (; o + 4 <= j1; o += 4) weightBlock(dw + ch * ob + (<usize>o << 2), du + ch * ob + (<usize>o << 2), plane, plane, true);
    for (; o < j1; o++) weightBlock(dw + ch * ob + (<usize>o << 2), du + ch * ob + (<usize>o << 2), plane, plane, false);
  }
}

/**
 * dw (9c, oc) = G^T dU G with dU (16, c, oc) = sum over tiles of v^T dm per position, into du, for v (16, tiles, c)
 * from winogradForward and dm = A dy A^T of the output gradient dy (images, oh, ow, oc): summed in chunks of CHUNK
 * tiles, dU = P_0 + P_1 + ... in chunk order, each chunk's dm in the first CHUNK rows of dm's planes (16, tiles, oc)
 * and each product P_t (t > 0) in scratch's first slot (16, c, oc). v's and dm's planes hold `tiles` rows, at least
 * the images'. On threads, winogradWeightGradChunks then winogradWeightGradSumCols make the same sums.
 */
export function winogradWeightGrad(dw: usize, du: usize, scratch: usize, v: usize, dm: usize, dy: usize, images: i32, oh: i32, ow: i32, c: i32, oc: i32, tiles: i32): void {
  const ob = <usize>oc << 2, cb = <usize>c << 2, plane = <usize>c * ob, count = images * tilesOf(oh, ow);
  for (let t = 0; t < count; t += CHUNK) {
    const n = min(CHUNK, count - t), dst = t == 0 ? du : scratch;
    outputGradTiles(dm, dy, t, n, oh, ow, oc, 0, oc, tiles);
    for (let pos: usize = 0; pos < 16; pos++) {
      // Each position's product added while its plane of scratch is still in L1.
      gemm(dst + pos * plane, v + (pos * <usize>tiles + <usize>t) * cb, dm + pos * <usize>tiles * ob, c, n, oc, 4, cb, ob, 4, ob, false);
      if (t != 0) addFloats(du + pos * plane, scratch + pos * plane, plane);
    }
  }
  weightTransform(dw, du, c, oc, 0, oc);
}

/**
 * The weight gradient's first phase on threads: chunks [t0, t1) of CHUNK tiles, chunk t's product P_t into du (t = 0)
 * or scratch's slot t - 1 (slots of (16, c, oc), one per chunk after the first), each chunk's dm in dm's rows from
 * tile t0 CHUNK on: rows no other thread's range uses. Arguments as winogradWeightGrad's (dw unused), then t0 and t1.
 */
export function winogradWeightGradChunks(_dw: usize, du: usize, scratch: usize, v: usize, dm: usize, dy: usize, images: i32, oh: i32, ow: i32, c: i32, oc: i32, tiles: i32, t0: i32, t1: i32): void {
  const slot = <usize>c * <usize>oc << 6, count = images * tilesOf(oh, ow), rows = dm + (<usize>(t0 * CHUNK) << 2) * <usize>oc;
  for (let t = t0; t < t1; t++) {
    const first = t * CHUNK, dst = t == 0 ? du : scratch + <usize>(t - 1) * slot;
    chunkProduct(dst, v, rows, dy, first, min(CHUNK, count - first), oh, ow, c, oc, tiles);
  }
}

/**
 * The weight gradient's second phase, columns [j0, j1): du += slot 1, slot 2, ... of winogradWeightGradChunks in chunk
 * order (winogradWeightGrad's additions), then dw = G^T du G. Arguments as winogradWeightGrad's, then j0 and j1.
 */
export function winogradWeightGradSumCols(dw: usize, du: usize, scratch: usize, _v: usize, _dm: usize, _dy: usize, images: i32, oh: i32, ow: i32, c: i32, oc: i32, _tiles: i32, j0: i32, j1: i32): void {
  const ob = <usize>oc << 2, chunks = (images * tilesOf(oh, ow) + CHUNK - 1) / CHUNK;
  addSlotsInOrder(du, scratch, <usize>c * ob << 4, chunks - 1, 16 * <usize>c, ob, <usize>j0 << 2, <usize>(j1 - j0) << 2);
  weightTransform(dw, du, c, oc, j0, j1);
}

/** Channels j..j+3 (or j) of one tile: dx at p + r line + s cb += (B dv B^T)_(r, s) where mask bit 4r + s is set. */
// @ts-ignore: decorator
@inline function inputGradBlock(p: usize, dv: usize, mask: i32, line: usize, cb: usize, plane: usize, full: bool): void {
  // Rows of B dv: (dv_0, dv_1 - dv_2 + dv_3, dv_1 + dv_2 - dv_0, -dv_3) over the tile's rows.
  let a = ld(dv, full), b = ld(dv + 4 * plane, full), c = ld(dv + 8 * plane, full), d = ld(dv + 12 * plane, full);
  const t00 = a, t10 = b1(a, b, c, d), t20 = b2(a, b, c, d), t30 = f32x4.neg(d);
  a = ld(dv + plane, full); b = ld(dv + 5 * plane, full); c = ld(dv + 9 * plane, full); d = ld(dv + 13 * plane, full);
  const t01 = a, t11 = b1(a, b, c, d), t21 = b2(a, b, c, d), t31 = f32x4.neg(d);
  a = ld(dv + 2 * plane, full); b = ld(dv + 6 * plane, full); c = ld(dv + 10 * plane, full); d = ld(dv + 14 * plane, full);
  const t02 = a, t12 = b1(a, b, c, d), t22 = b2(a, b, c, d), t32 = f32x4.neg(d);
  a = ld(dv + 3 * plane, full); b = ld(dv + 7 * plane, full); c = ld(dv + 11 * plane, full); d = ld(dv + 15 * plane, full);
  const t03 = a, t13 = b1(a, b, c, d), t23 = b2(a, b, c, d), t33 = f32x4.neg(d);
  // Each row times B^T, added where it lies inside the image.
  if (mask & 0xf) inputGradRow(p, t00, t01, t02, t03, mask, cb, full);
  if (mask & 0xf0) inputGradRow(p + line, t10, t11, t12, t13, mask >> 4, cb, full);
  if (mask & 0xf00) inputGradRow(p + 2 * line, t20, t21, t22, t23, mask >> 8, cb, full);
  if (mask & 0xf000) inputGradRow(p + 3 * line, t30, t31, t32, t33, mask >> 12, cb, full);
}

// @ts-ignore: decorator
@inline function inputGradRow(p: usize, a: v128, b: v128, c: v128, d: v128, mask: i32, cb: usize, full: bool): void {
  if (mask & 1) addTo(p, a, full);
  if (mask & 2) addTo(p + cb, b1(a, b, c, d), full);
  if (mask & 4) addTo(p + 2 * cb, b2(a, b, c, d), full);
  if (mask & 8) addTo(p + 3 * cb, f32x4.neg(d), full);
}

/**
 * dx (images, h, wd, c) = the input gradient of winogradForward's product for the output gradient dy (images, oh, ow,
 * oc), with ut from winogradFilter, a group of tiles at a time: dm = A dy A^T, dv = dm ut per position, then
 * B dv B^T added at each tile's 4 x 4 input block, tiles in order. dm (16, tiles, oc) and dv (16, tiles, c) are
 * scratch (each group reuses their first rows).
 */
export function winogradInputGrad(dx: usize, dv: usize, dm: usize, dy: usize, ut: usize, images: i32, h: i32, wd: i32, c: i32, oc: i32, pad: i32, tiles: i32): void {
  const oh = h + 2 * pad - 2, ow = wd + 2 * pad - 2, per = tilesOf(oh, ow), group = max(1, GROUP_TILES / per);
  const cb = <usize>c << 2, line = <usize>wd * cb, image = <usize>h * line, c4 = <usize>(c & ~3) << 2, plane = <usize>tiles * cb;
  memory.fill(dx, 0, <usize>images * image);
  for (let n = 0; n < images; n += group) {
    const g = min(group, images - n), first = <usize>n * <usize>per;
    outputGradTiles(dm, dy, <i32>first, g * per, oh, ow, oc, 0, oc, tiles);
    positionProducts(dv, dm, ut, g * per, oc, c, tiles);
    let src = dv;
    for (let i = 0; i < g; i++) {
      const img = dx + <usize>(n + i) * image;
      for (let y0 = -pad; y0 < oh - pad; y0 += 2) {
        for (let x0 = -pad; x0 < ow - pad; x0 += 2, src += cb) {
          const mask = insideMask(y0, x0, h, wd), p = img + <usize>y0 * line + <usize>x0 * cb;
          let j: usize = 0;
          for (; j < c4; j += 16) inputGradBlock(p + j, src + j, mask, line, cb, plane, true);
          for (; j < cb; j += 4) inputGradBlock(p + j, src + j, mask, line, cb, plane, false);
        }
      }
    }
  }
}
