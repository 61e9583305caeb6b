// The kernel contract, written once: every back end (the TypeScript reference, WASM SIMD) implements it; the
// manifest (manifest.ts) lists its kernels with their thread plans, manifest-cases.ts with their cases. Pointers are
// byte offsets into the one linear memory the arena owns; sizes are element counts. Matrices are row-major f32.
// Kernels allocate nothing and never grow memory.

import type { Activation } from '../activation.js';
import { PANEL } from '../panels.js';

export type BackendName = 'js' | 'wasm';

/** Activation codes of fused kernels. */
export const ACT = { none: 0, tanh: 1, sigmoid: 2, ReLU: 3 } as const satisfies Record<Activation | 'none', number>;
export type ActCode = (typeof ACT)[keyof typeof ACT];

/** i32 slots before each row's columns in gatherSparse's nz: the count and the starts of blocks 1 to 3. */
export const NZ_HEADER = 4;
/** Columns per block of gatherSparse's nz lists (the sparse kernels walk W in blocks of as many rows). */
export const NZ_BLOCK_COLUMNS = 192;
/** The lists hold a column as its byte offset in a 16-column panel of W: column * 64, as u32. */
export const NZ_COLUMN_BYTES = 64;
/**
 * The most pixels an image may have (256x256, the largest layer size): a gathered row takes 8 bytes a pixel and
 * the first layer's weights 4 bytes a pixel per unit, so larger images would only exhaust memory.
 */
export const MAX_INPUT = 65536;

/**
 * Floats of scratch for a dense layer's three products at up to maxRows rows: the forward gemmNN and the input
 * gradient's gemmNT pack the (inputs, units) weights, the weight gradient's gemmTN 2 * rows * units.
 */
export const denseProductScratch = (inputs: number, units: number, maxRows: number): number => Math.max(inputs, 2 * maxRows) * units;

/**
 * Slots of a two-phase weight gradient's scratch for `count` tiles or pixels in chunks of `chunk`: one per chunk after
 * the first (the first's product goes to the gradient itself), where threads leave each chunk's product to be summed
 * in chunk order; at least one.
 */
const chunkSlots = (count: number, chunk: number): number => Math.max(1, Math.ceil(count / chunk) - 1);

/** Tiles per chunk of winogradWeightGrad's sum (assembly/abi.ts's WINOGRAD_CHUNK_TILES). */
export const WINOGRAD_CHUNK_TILES = 128;
/** Floats of winogradWeightGrad's scratch for up to `tiles` tiles: a (16, c, oc) slot per chunk after the first. */
export const winogradWeightGradScratch = (tiles: number, c: number, oc: number): number => chunkSlots(tiles, WINOGRAD_CHUNK_TILES) * 16 * c * oc;

/** Pixels per chunk of conv2dWeightGrad's sum (assembly/abi.ts's CONV_CHUNK_PIXELS). */
export const CONV_CHUNK_PIXELS = 256;
/** Floats of conv2dWeightGrad's scratch for up to `pixels` pixels: a (taps, oc) slot per chunk after the first. */
export const conv2dWeightGradScratch = (pixels: number, taps: number, oc: number): number => chunkSlots(pixels, CONV_CHUNK_PIXELS) * taps * oc;

/**
 * The numbers this contract shares with the wasm module, by the names of the constant globals it exports
 * (assembly/abi.ts): the loader compares them at instantiation and refuses a module that disagrees.
 */
export const MODULE_CONSTANTS = {
  ACT_NONE: ACT.none, ACT_TANH: ACT.tanh, ACT_SIGMOID: ACT.sigmoid, ACT_RELU: ACT.ReLU,
  NZ_HEADER, NZ_BLOCK_COLUMNS, NZ_COLUMN_BYTES, PANEL_COLUMNS: PANEL, WINOGRAD_CHUNK_TILES, CONV_CHUNK_PIXELS,
} as const;
/** Where row r's column offsets start in gatherSparse's nz (rows of dim pixels), in u32 units from nz. */
export const nzOffsetsAt = (r: number, dim: number): number => r * (dim + NZ_HEADER) + NZ_HEADER;

/** Where a gathered batch lives: gatherSparse's nz, val, c and y. */
export interface BatchBuffers {
  nz: number;
  val: number;
  c: number;
  y: number;
}

/** How fast each thread ran its columns of one layer width's split kernels (back ends with worker threads). */
export interface ThreadPace {
  /** The layer width the shares split. */
  n: number;
  /** Columns per part now: the main thread's first, then each worker's. */
  columns: number[];
  /** Per part, the median over the measured windows of its median microseconds per column; null if it had none. */
  microsPerColumn: (number | null)[];
  /** Windows of 64 timed calls measured since the last resetThreadStats. */
  windows: number;
}

/**
 * What a threaded run's time went to besides computing: a two-thread epoch far from its quiet-machine time shows
 * here whether a core ran its columns slower (the pace) or the threads stalled and waited for each other.
 */
export interface ThreadStats {
  /** Milliseconds the main thread waited for workers: their share of a split kernel, or rows swapped behind. */
  waitMillis: number;
  /** Jobs the main thread ran itself because their worker had not started them (a descheduled worker). */
  takenJobs: number;
  /** Per layer width split by measured speeds, each thread's pace. */
  paces: ThreadPace[];
}

/**
 * firstLayerBackward's arguments by name (the wasm export takes them positionally, in this order: see
 * firstLayerBackwardPositional). Byte offsets first, then sizes.
 */
export interface FirstLayerBackwardArgs {
  /** Out: the first layer's weight gradient (k, n), in column panels. */
  dw0: number;
  /** Out: the first layer's bias gradient (n). */
  db0: number;
  /** Out: the second layer's weight gradient (n, n2); unused when n2 = 0, not computed when 0 (the caller's gemmTN then). */
  dw1: number;
  /** The first layer's pre-activation gradient (rows, n): written from dz1 when n2 > 0, else given. */
  dz0: number;
  /** The gathered batch (gatherSparse): nonzero lists, their values and each row's constant. */
  nz: number;
  val: number;
  c: number;
  /** The first layer's output (rows, n), after its activation. */
  h: number;
  /** The second layer's pre-activation gradient (rows, n2); unused when n2 = 0. */
  dz1: number;
  /** The second layer's weights (n, n2); unused when n2 = 0. */
  w1: number;
  /** Scratch of n * n2 floats, overwritten (w1 in panels for dz0's product, as gemmNT's scratch); unused when n2 = 0. */
  scratch: number;
  /** Rows of the batch, inputs k, units n of the first layer, units n2 of the second (0: none follows). */
  rows: number;
  k: number;
  n: number;
  n2: number;
  /** The first layer's activation (ACT.none when n2 = 0). */
  act: ActCode;
}

/** firstLayerBackward's arguments in the order of the wasm export (and of firstLayerBackwardCols before j0, j1). */
export function firstLayerBackwardPositional(a: FirstLayerBackwardArgs): number[] {
  return [a.dw0, a.db0, a.dw1, a.dz0, a.nz, a.val, a.c, a.h, a.dz1, a.w1, a.scratch, a.rows, a.k, a.n, a.n2, a.act];
}

/** The kernels themselves: what the manifest lists, the parity test compares and the bench times. */
export interface KernelCalls {
  /**
   * The batch as X = c 1^T + S (rows, dim), S sparse: c (rows) f32 = -mean * invStd of images[idx[r]], and row r's
   * nonzero pixels as nz + r * (dim + NZ_HEADER) * 4 = [count, start1, start2, start3] (i32) followed by each
   * one's column * NZ_COLUMN_BYTES (u32, columns ascending), with val + r * dim * 4 = pixel * invStd (f32); start_b
   * is the index of the first nonzero at column NZ_BLOCK_COLUMNS * b or past it (the sparse kernels walk W in
   * those blocks of rows); y (rows) u8 = labels[idx[r]]. dim is at most MAX_INPUT.
   * Entries past a row's count are scratch (a kernel may write there, within the row).
   * X itself is never written: the first layer uses the two kernels below.
   */
  gatherSparse(nz: number, val: number, c: number, y: number, images: number, labels: number, stats: number, idx: number, rows: number, dim: number): void;
  /**
   * gatherSparse's nz, val and c for rows normalised images x (rows, dim) f32 that arrive as floats: c (rows) = the
   * smallest value of row r (as Math.min: -0 below +0), and the nonzeros of s = x - c (f32) in the lists. X = c 1^T + S
   * then stands for x up to the rounding of s. Values must be finite; entries past a row's count are scratch. For
   * one thread (the classifier's): it writes the lists it is given, not a threaded back end's per-worker copies.
   */
  sparsifyRows(nz: number, val: number, c: number, x: number, rows: number, dim: number): void;
  /**
   * gatherSparse of square images (width x width pixels) moved for augmentation: row r's image is shifted by
   * (dx, dy), each in [-shift, shift], and mirrored left to right when flip != 0 and a coin says so, all three
   * drawn from dropoutHash(key, r): dx = h mod (2 shift + 1) - shift, dy = floor(h / (2 shift + 1)) mod
   * (2 shift + 1) - shift, mirrored when h >= 2^31. Output pixel (x, y) is the image's (x - dx, y - dy), its
   * column read as width - 1 - (x - dx) when mirrored, or 0 outside the image. c keeps the image's own statistics.
   */
  gatherSparseAugmented(nz: number, val: number, c: number, y: number, images: number, labels: number, stats: number, idx: number, rows: number, width: number,
    key: number, shift: number, flip: number): void;
  /**
   * out (rows, n) = act(c colsum(W) + S W + bias) = act(X W + bias) for X from gatherSparse and W (k, n) stored in
   * column panels (src/core/panels.ts); writes wsum (n) = colsum(W) on the way.
   */
  sparseForward(out: number, nz: number, val: number, c: number, w: number, wsum: number, bias: number, rows: number, k: number, n: number, act: ActCode): void;
  /** dw (k, n) = X^T dz = 1 (c^T dz) + S^T dz for X from gatherSparse, dz (rows, n), dw in column panels: the first layer's weight gradient. */
  sparseWeightGrad(dw: number, nz: number, val: number, c: number, dz: number, rows: number, k: number, n: number): void;
  /**
   * The backward pass into and through the first layer (k inputs from gatherSparse, n units, output h (rows, n) with
   * activation act). When a layer of n2 units follows, with weights w1 (n, n2) and its pre-activation gradient
   * dz1 (rows, n2): dw1 (n, n2) = h^T dz1 and dz0 (rows, n) = act'(dz1 w1^T) (act' from h); when it is the last
   * layer, n2 = 0 and dz0 already holds its gradient (h, dz1, w1, dw1 unused). Then db0 (n) = colsum(dz0) and
   * dw0 (k, n) = X^T dz0 as sparseWeightGrad. Each element as gemmTN, gemmNT, the activation's backward, colSum
   * and sparseWeightGrad compute it; threads split all of it by the n units.
   */
  firstLayerBackward(args: FirstLayerBackwardArgs): void;

  /**
   * For each pair (i, j) of swaps (count i32 pairs, in order): exchanges rows i and j of images (u8, dim a row),
   * labels (u8) and stats (f32 pairs). How the data set keeps its rows in the order batches are drawn.
   */
  swapRows(images: number, labels: number, stats: number, swaps: number, count: number, dim: number): void;

  /**
   * c (m, n) = a (m, k) * b (k, n): a layer's forward product. scratch: k * n floats the kernel overwrites (the
   * products copy B into contiguous panels there; each column range of c uses its own part, so threads may share it).
   */
  gemmNN(c: number, a: number, b: number, m: number, k: number, n: number, scratch: number): void;
  /** c (m, n) = a^T * b with a stored (k, m), b (k, n): the weight gradient X^T dZ. scratch: 2 * k * n floats, as gemmNN's (and A^T's rows). */
  gemmTN(c: number, a: number, b: number, m: number, k: number, n: number, scratch: number): void;
  /** c (m, n) = a (m, k) * b^T with b stored (n, k): the gradient to the previous layer dZ W^T. scratch: k * n floats, as gemmNN's. */
  gemmNT(c: number, a: number, b: number, m: number, k: number, n: number, scratch: number): void;

  /** out (rows, cols) += bias (cols) broadcast over rows. */
  biasAdd(out: number, bias: number, rows: number, cols: number): void;
  /** out (cols) = sum over rows of a (rows, cols): the bias gradient. */
  colSum(out: number, a: number, rows: number, cols: number): void;

  /** out (n) = tanh(inp); out may alias inp. */
  tanhForward(out: number, inp: number, n: number): void;
  /** dInp (n) = dOut * (1 - y^2) where y is the forward output; dInp may alias dOut. */
  tanhBackward(dInp: number, dOut: number, y: number, n: number): void;
  /** out (n) = 1 / (1 + exp(-inp)); out may alias inp. */
  sigmoidForward(out: number, inp: number, n: number): void;
  /** dInp (n) = dOut * y * (1 - y); dInp may alias dOut. */
  sigmoidBackward(dInp: number, dOut: number, y: number, n: number): void;
  /** out (n) = max(inp, 0); out may alias inp. */
  reluForward(out: number, inp: number, n: number): void;
  /** dInp (n) = dOut where y > 0, else 0 (the kink at 0 passes no gradient); dInp may alias dOut. */
  reluBackward(dInp: number, dOut: number, y: number, n: number): void;

  /**
   * Row-wise stable softmax of logits (rows, cols) against labels (rows, u8), smoothed: the target q is
   * 1 - smoothing + smoothing / cols at the label and smoothing / cols elsewhere (one-hot at smoothing 0).
   * Writes dLogits = (softmax - q) * gradScale (may alias logits) and returns the summed cross-entropy against q.
   */
  softmaxCrossEntropy(dLogits: number, logits: number, labels: number, rows: number, cols: number, gradScale: number, smoothing: number): number;
  /** How many rows of logits (rows, cols) have their first maximum at the label. */
  countCorrect(logits: number, labels: number, rows: number, cols: number): number;

  /**
   * The dense batch of networks that read whole images: x (rows, dim) f32 = (images[idx[r]] - mean) * invStd with
   * stats[idx[r]] = (mean, invStd); y (rows) u8 = labels[idx[r]].
   */
  gatherImages(x: number, y: number, images: number, labels: number, stats: number, idx: number, rows: number, dim: number): void;
  /**
   * gatherImages of one-channel images (height x width pixels) moved for augmentation as gatherSparseAugmented moves
   * them, with the same draws from dropoutHash(key, r): output pixel (x, y) is the image's (x - dx, y - dy), its column
   * read as width - 1 - (x - dx) when mirrored, or 0 outside the image; then (pixel - mean) * invStd, the image's own.
   */
  gatherImagesAugmented(x: number, y: number, images: number, labels: number, stats: number, idx: number, rows: number, height: number, width: number,
    key: number, shift: number, flip: number): void;
  /**
   * Convolution, k x k taps, stride 1, pad zeros on each side, over images stored channels last: x (images, h, wd, c),
   * w (k*k*c, oc) with rows in (ky, kx, c) order, out (images, oh, ow, oc) where oh = h + 2 pad - k + 1 (ow likewise).
   * out = act(conv(x, w) + bias); col (images*oh*ow, k*k*c) receives each output pixel's patch (zeros outside the
   * image), which conv2dWeightGrad reads.
   */
  conv2dForward(out: number, col: number, x: number, w: number, bias: number, images: number, h: number, wd: number, c: number, oc: number, k: number, pad: number, act: ActCode): void;
  /**
   * dw (taps, oc) = col^T dy for col (pixels, taps) from conv2dForward and dy (pixels, oc): the weight gradient,
   * summed over pixels in chunks of CONV_CHUNK_PIXELS, the chunks' products added in chunk order; scratch
   * (conv2dWeightGradScratch floats for the pixels) is scratch. With it db (oc) = colSum(dy), the bias gradient,
   * each element exactly as colSum gives it.
   */
  conv2dWeightGrad(dw: number, db: number, scratch: number, col: number, dy: number, pixels: number, taps: number, oc: number): void;
  /**
   * dx (images, h, wd, c) = the input gradient of conv2dForward's product for dy (images, oh, ow, oc), given the
   * weights transposed, wt (oc, k*k*c); dcol (pixels, k*k*c) is scratch.
   */
  conv2dInputGrad(dx: number, dcol: number, dy: number, wt: number, images: number, h: number, wd: number, c: number, oc: number, k: number, pad: number): void;
  /**
   * Winograd F(2x2, 3x3) for 3x3 convolutions (assembly/winograd.ts has the transforms): u (16, c, oc) = G g G^T per
   * filter g of w (9c, oc) (rows in (ky, kx, c) order, as conv2dForward's), and ut (16, oc, c) the same transposed.
   */
  winogradFilter(u: number, ut: number, w: number, c: number, oc: number): void;
  /**
   * out (images, oh, ow, oc) = act(conv3x3(x, w) + bias) for x (images, h, wd, c), oh = h + 2 pad - 2, by F(2x2, 3x3)
   * with u from winogradFilter: v (16, tiles, c) receives each tile's transformed inputs (winogradWeightGrad reads
   * them), m (16, tiles, oc) is scratch. Tiles: ceil(oh/2) * ceil(ow/2) per image, image by image, row-major; the
   * images' tiles are the first rows of each position's plane of `tiles` rows (a thread's images: rows further on).
   */
  winogradForward(out: number, v: number, m: number, x: number, u: number, bias: number, images: number, h: number, wd: number, c: number, oc: number, pad: number, act: ActCode, tiles: number): void;
  /**
   * dw (9c, oc) = G^T dU G, dU (16, c, oc) = per position the sum over tiles of v^T dm, for v (16, tiles, c) from
   * winogradForward and dm = A dy A^T per tile of the output gradient dy (images, oh, ow, oc), zeros beyond the output:
   * the exact gradient of winogradForward's product. du receives dU; dm (16, tiles, oc) and scratch
   * (winogradWeightGradScratch floats for the images' tiles) are scratch; v's and dm's planes hold `tiles` rows, at
   * least the images'. Summed in chunks of WINOGRAD_CHUNK_TILES tiles, the chunks' products added in chunk order.
   */
  winogradWeightGrad(dw: number, du: number, scratch: number, v: number, dm: number, dy: number, images: number, oh: number, ow: number, c: number, oc: number, tiles: number): void;
  /**
   * dx (images, h, wd, c) = the gradient of winogradForward's product with respect to x, for the output gradient dy
   * (images, oh, ow, oc) and ut from winogradFilter; dv (16, tiles, c) and dm (16, tiles, oc) are scratch (planes of
   * `tiles` rows, as winogradForward's).
   */
  winogradInputGrad(dx: number, dv: number, dm: number, dy: number, ut: number, images: number, h: number, wd: number, c: number, oc: number, pad: number, tiles: number): void;
  /** out (cols, rows) = a (rows, cols) transposed. */
  transpose(out: number, a: number, rows: number, cols: number): void;
  /** out (images, h/2, wd/2, c) = the maximum of each 2 x 2 window of x (images, h, wd, c), channels last; an odd last row or column is dropped. */
  maxPoolForward(out: number, x: number, images: number, h: number, wd: number, c: number): void;
  /**
   * dx = dy routed to the first element (row-major) of each window of x equal to its output y; 0 elsewhere (an odd
   * last row or column included). dx may be x: the gradient written over the outputs it is routed by.
   */
  maxPoolBackward(dx: number, dy: number, x: number, y: number, images: number, h: number, wd: number, c: number): void;
  /**
   * maxPoolBackward, then dx = 0 where x <= 0: reluBackward of the ReLU layer whose output x is, fused (every element
   * as the two give it, x read before dx is written). dx may be x: ConvNet writes a pooled ReLU layer's gradient over its outputs.
   */
  maxPoolReluBackward(dx: number, dy: number, x: number, y: number, images: number, h: number, wd: number, c: number): void;

  /**
   * g += l2 * w + l1 * sign(w); v = gamma * v + lr * g; w -= v, over n parameters; with nesterov (1, else 0)
   * w -= gamma * v + lr * g instead, the look-ahead step.
   */
  sgdUpdate(w: number, g: number, v: number, n: number, lr: number, gamma: number, l2: number, l1: number, nesterov: number): void;
  /**
   * sgdUpdate over a weight matrix w (rows, cols): the same per element. Threads split it into whole columns' worth
   * of elements, by the shares the first layer's other kernels use for a layer as wide: for its panels, the same columns.
   */
  sgdUpdateMatrix(w: number, g: number, v: number, rows: number, cols: number, lr: number, gamma: number, l2: number, l1: number, nesterov: number): void;
  /**
   * Adam over n parameters: g' = g + l2 w + l1 sign(w) (g itself unchanged); m = beta1 m + (1 - beta1) g';
   * v = beta2 v + (1 - beta2) g'^2; w = keep w - step m / (sqrt(v) rs + eps). The host folds the bias corrections
   * into step = lr / (1 - beta1^t) and rs = 1 / sqrt(1 - beta2^t); keep = 1 - lr weight_decay is AdamW's decay.
   */
  adamUpdate(w: number, g: number, m: number, v: number, n: number, step: number, beta1: number, beta2: number, eps: number, rs: number, keep: number, l2: number, l1: number): void;
  /** adamUpdate over a weight matrix w (rows, cols), split by threads as sgdUpdateMatrix is. */
  adamUpdateMatrix(w: number, g: number, m: number, v: number, rows: number, cols: number, step: number, beta1: number, beta2: number, eps: number, rs: number, keep: number, l2: number, l1: number): void;
  /**
   * Inverted dropout: out (n) = inp * scale where dropoutHash(key, i) >= threshold (as u32), else 0; out may alias
   * inp. The same call masks a layer's output and, with the same key, its gradient.
   */
  dropout(out: number, inp: number, n: number, key: number, threshold: number, scale: number): void;
}

export type KernelName = keyof KernelCalls;

/** A back end: the kernels, and what back ends with worker threads add to them. */
export interface Kernels extends KernelCalls {
  readonly name: BackendName;
  /**
   * How many private copies of the gathered batch the back end wants (one per worker thread; 0 or absent for one
   * thread). A model allocates them and hands them over with useBatchCopies; kernels called on the registered
   * batch then keep each worker on its own copy. Given the first layer's width (columns), a batch is copied only
   * when that layer's kernels split it across the threads.
   */
  readonly batchCopies?: number;
  useBatchCopies?(primary: BatchBuffers, copies: BatchBuffers[], columns?: number): void;
  /**
   * swapRows behind the main thread, on back ends with worker threads (absent elsewhere): it runs on a worker while
   * the main thread works alone, once the worker has done its share of the next sparseForward (the main thread then
   * computes the layers after the first). It is done once settleRows (or a later swapRows or swapRowsBehind)
   * returns; until then the swaps buffer must stay unchanged and no kernel may touch the rows it moves.
   */
  swapRowsBehind?(images: number, labels: number, stats: number, swaps: number, count: number, dim: number): void;
  /** Returns once a swapRowsBehind has taken effect, running it on the calling thread if it has not started. */
  settleRows?(): void;
  /** How the threads have run since resetThreadStats (back ends with worker threads only). */
  threadStats?(): ThreadStats;
  resetThreadStats?(): void;
}

/** The u32 threshold at or above which dropoutHash keeps an element: a probability of 1 - rate, to 2^-32. */
export function dropoutThreshold(rate: number): number {
  return Math.min(Math.round(rate * 2 ** 32), 2 ** 32 - 1);
}

/** The counter-based hash dropout keeps element i by (murmur3's finaliser of key + i * golden ratio, u32). */
export function dropoutHash(key: number, i: number): number {
  let x = (Math.imul(i, 0x9e3779b9) + key) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
