// Convolution (k x k, stride 1, zero padding pad) over images stored (images, h, w, c), channels last, as
// im2row onto the GEMM: each output pixel's k x k x c patch becomes a row of col (pixels, k*k*c), so the layer is
// one product with the weights w (k*k*c, oc) and its output (images, oh, ow, oc) is channels last again.
// Channels last keeps a patch's k*c values per kernel row contiguous, and all three products one call each.

import { gemm, productNN } from './gemm';
import { addFloats, addSlotsInOrder } from './floats';
import { biasAdd, addRows } from './bias';
import { tanh4, sigmoid4, relu4 } from './activations';
import { ACT_TANH, ACT_SIGMOID, ACT_RELU, CONV_CHUNK_PIXELS } from './abi';

/** bytes at dst = bytes at src, 16 at a time, then 8 and 4 (bytes % 4 == 0): a one-channel 3x3 kernel row is 12 bytes. */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  if (i + 8 <= bytes) {
    store<u64>(dst + i, load<u64>(src + i));
    i += 8;
  }
  if (i < bytes) store<u32>(dst + i, load<u32>(src + i));
}

/**
 * Walks every output pixel's patch, one kernel row (k*c floats) at a time. toRows: col (images*oh*ow, k*k*c) =
 * the patches of x in (ky, kx, c) order, zero outside the image (im2row); otherwise x += each patch row of col
 * at the pixels it came from (its transpose, into an x zeroed first).
 */
// @ts-ignore: decorator
@inline function patches(col: usize, x: usize, images: i32, h: i32, w: i32, c: i32, k: i32, pad: i32, toRows: bool): void {
  const oh = h + 2 * pad - k + 1, ow = w + 2 * pad - k + 1;
  const cb = <usize>c << 2, run = <usize>k * cb, line = <usize>w * cb, image = <usize>h * line;
  if (!toRows) memory.fill(x, 0, <usize>images * image);
  let row = col;
  for (let n = 0; n < images; n++) {
    const img = x + <usize>n * image;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        // Taps kx in [lo, hi) fall inside the image's columns.
        const x0 = ox - pad, lo = max(0, -x0), hi = min(k, w - x0);
        for (let ky = 0; ky < k; ky++, row += run) {
          const iy = oy - pad + ky, inside = iy >= 0 && iy < h;
          const at = img + <usize>iy * line + <usize>(x0 + lo) * cb, bytes = <usize>(hi - lo) * cb;
          if (!toRows) {
            if (inside) addFloats(at, row + <usize>lo * cb, bytes);
            continue;
          }
          if (!inside) {
            memory.fill(row, 0, run);
            continue;
          }
          if (lo > 0) memory.fill(row, 0, <usize>lo * cb);
          copyFloats(row + <usize>lo * cb, at, bytes);
          if (hi < k) memory.fill(row + <usize>hi * cb, 0, <usize>(k - hi) * cb);
        }
      }
    }
  }
}

/**
 * Output pixels per group of the forward pass (whole images, at least one): a group's patches and outputs (two
 * 28x28 images at 9 taps and 32 filters: 257 KB) stay in L2 from im2row through the product to the bias and the
 * activation, which over the whole batch (6.4 MB for that layer) were three more passes through memory.
 */
const GROUP_PIXELS = 2048;

/**
 * out (images, oh, ow, oc) = act(conv(x, w) + bias) for x (images, h, w, c) and w (k*k*c, oc); writes the
 * patches to col (images*oh*ow, k*k*c), which conv2dWeightGrad reads. oh = h + 2 pad - k + 1, ow likewise.
 * Group by group of images; each output row is summed as by one product over all of them (rows are independent).
 */
export function conv2dForward(out: usize, col: usize, x: usize, w: usize, bias: usize, images: i32, h: i32, wd: i32, c: i32, oc: i32, k: i32, pad: i32, act: i32): void {
  const per = (h + 2 * pad - k + 1) * (wd + 2 * pad - k + 1), taps = k * k * c, group = max(1, GROUP_PIXELS / max(1, per));
  for (let n = 0; n < images; n += group) {
    const g = min(group, images - n), pixels = g * per, first = <usize>n * <usize>per;
    const o = out + first * <usize>oc * 4, p = col + first * <usize>taps * 4;
    patches(p, x + <usize>n * <usize>h * <usize>wd * <usize>c * 4, g, h, wd, c, k, pad, true);
    productNN(o, p, w, pixels, taps, oc);
    // Each call with a constant act, so the inlined pass has no per-element branch on it.
    if (act == ACT_TANH) biasActivate(o, bias, pixels, oc, ACT_TANH);
    else if (act == ACT_SIGMOID) biasActivate(o, bias, pixels, oc, ACT_SIGMOID);
    else if (act == ACT_RELU) biasActivate(o, bias, pixels, oc, ACT_RELU);
    else biasAdd(o, bias, pixels, oc);
  }
}

/** act(z) per lane, as the activations' own kernels compute every element (lane-wise, tails included). */
// @ts-ignore: decorator
@inline function activate4(z: v128, act: i32): v128 {
  return act == ACT_TANH ? tanh4(z) : act == ACT_SIGMOID ? sigmoid4(z) : relu4(z);
}

/** out (rows, cols) = act(out + bias) in one pass: biasAdd then the activation's kernel, element for element. */
// @ts-ignore: decorator
@inline function biasActivate(out: usize, bias: usize, rows: i32, cols: i32, act: i32): void {
  const c4 = <usize>(cols & ~3) << 2, ld = <usize>cols << 2;
  let row = out;
  for (let r = 0; r < rows; r++, row += ld) {
    let j: usize = 0;
    for (; j < c4; j += 16) v128.store(row + j, activate4(f32x4.add(v128.load(row + j), v128.load(bias + j)), act));
    for (; j < ld; j += 4) store<f32>(row + j, f32x4.extract_lane(activate4(f32x4.splat(load<f32>(row + j) + load<f32>(bias + j)), act), 0));
  }
}

/**
 * Pixels per chunk of the weight gradient: a chunk's patches (CHUNK rows of col, up to 295 KB at 288 taps) stay in
 * L2 while every tile of dw sweeps them; one pass over all pixels streamed col from memory once per tile column.
 */
const CHUNK = CONV_CHUNK_PIXELS;

/**
 * dw (taps, oc) = col^T dy for col (pixels, taps) and dy (pixels, oc): the weight gradient, summed in chunks of CHUNK
 * pixels, dw = P_0 + P_1 + ... in chunk order (each P_t, t > 0, in scratch's first slot (taps, oc), then added); and
 * db (oc) = the column sums of dy, the bias gradient, added from each chunk's rows while the product has them in
 * cache: one f32 sum per column from +0, rows in order, so exactly colSum's. On threads, conv2dWeightGradChunks then
 * conv2dWeightGradSumCols make the same sums.
 */
export function conv2dWeightGrad(dw: usize, db: usize, scratch: usize, col: usize, dy: usize, pixels: i32, taps: i32, oc: i32): void {
  const ld = <usize>oc << 2;
  memory.fill(db, 0, ld);
  for (let p = 0; p < pixels; p += CHUNK) {
    const n = min(CHUNK, pixels - p), b = dy + <usize>p * ld;
    chunkProduct(p == 0 ? dw : scratch, col, dy, p, n, taps, oc);
    addRows(db, b, n, ld, ld);
    if (p == 0) continue;
    for (let t: usize = 0; t < <usize>taps; t++) addFloats(dw + t * ld, scratch + t * ld, ld);
  }
}

/** dst (taps, oc) = the product of pixels [first, first + n): col's rows (n, taps) transposed times dy's (n, oc). */
// @ts-ignore: decorator
@inline function chunkProduct(dst: usize, col: usize, dy: usize, first: i32, n: i32, taps: i32, oc: i32): void {
  const ld = <usize>oc << 2;
  gemm(dst, col + <usize>first * <usize>taps * 4, dy + <usize>first * ld, taps, n, oc, 4, <usize>taps << 2, ld, 4, ld, false);
}

/**
 * The weight gradient's first phase on threads: chunks [t0, t1) of CHUNK pixels, chunk t's product P_t into dw (t = 0)
 * or scratch's slot t - 1 (slots of (taps, oc), one per chunk after the first). Arguments as conv2dWeightGrad's (db
 * unused: its sum runs over every pixel in order, so it waits for the second phase), then t0 and t1.
 */
export function conv2dWeightGradChunks(dw: usize, _db: usize, scratch: usize, col: usize, dy: usize, pixels: i32, taps: i32, oc: i32, t0: i32, t1: i32): void {
  const slot = <usize>taps * <usize>oc << 2;
  for (let t = t0; t < t1; t++) {
    const first = t * CHUNK;
    chunkProduct(t == 0 ? dw : scratch + <usize>(t - 1) * slot, col, dy, first, min(CHUNK, pixels - first), taps, oc);
  }
}

/**
 * The weight gradient's second phase, columns [j0, j1): dw += slot 1, slot 2, ... of conv2dWeightGradChunks in chunk
 * order (conv2dWeightGrad's additions), and db = those columns' sums over every pixel of dy, rows in order (colSum's
 * bits). Arguments as conv2dWeightGrad's, then j0 and j1.
 */
export function conv2dWeightGradSumCols(dw: usize, db: usize, scratch: usize, _col: usize, dy: usize, pixels: i32, taps: i32, oc: i32, j0: i32, j1: i32): void {
  const ld = <usize>oc << 2, chunks = (pixels + CHUNK - 1) / CHUNK;
  const at = <usize>j0 << 2, width = <usize>(j1 - j0) << 2;
  addSlotsInOrder(dw, scratch, <usize>taps * ld, chunks - 1, <usize>taps, ld, at, width);
  memory.fill(db + at, 0, width);
  addRows(db + at, dy + at, pixels, ld, width);
}

/**
 * dx (images, h, w, c) = the input gradient for dy (images, oh, ow, oc) and the weights transposed, wt (oc, k*k*c):
 * dcol (pixels, k*k*c) = dy wt, a plain product (with w itself it would gather w's columns 4 lanes at a time),
 * then each patch row added back where it came from.
 */
export function conv2dInputGrad(dx: usize, dcol: usize, dy: usize, wt: usize, images: i32, h: i32, wd: i32, c: i32, oc: i32, k: i32, pad: i32): void {
  const pixels = images * (h + 2 * pad - k + 1) * (wd + 2 * pad - k + 1);
  productNN(dcol, dy, wt, pixels, oc, k * k * c);
  patches(dcol, dx, images, h, wd, c, k, pad, false);
}

/** out (cols, rows) = a (rows, cols) transposed. */
export function transpose(out: usize, a: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(out + ((<usize>j * <usize>rows + <usize>i) << 2), load<f32>(a + ((<usize>i * <usize>cols + <usize>j) << 2)));
  }
}
