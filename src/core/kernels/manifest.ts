// The kernel manifest: every kernel of the contract (kernels.ts) once, with what the loader and the threads derive
// from it. The wasm loader binds the exports it names; the threaded back end splits each kernel by its thread plan,
// and the worker threads run exactly the exports those plans name. Each kernel's parity and bench cases sit in
// manifest-cases.ts, keyed by the same names (the types refuse a kernel missing from either), so that loading the
// kernels, as the inference bundle does, carries no test cases.
//
// Export names follow assembly/index.ts's grammar: `op` computes the whole result, `opCols` columns [j0, j1) of
// it and `opRows` rows [i0, i1) (its last two arguments), `opChunks` and `opSumCols` the two phases of a kernel
// split in two, so a plan's `op` is a kernel's own export or one of those.

import type { FirstLayerBackwardArgs, KernelCalls, KernelName } from './kernels.js';
import { CONV_CHUNK_PIXELS, firstLayerBackwardPositional, WINOGRAD_CHUNK_TILES } from './kernels.js';

type Args<K extends KernelName> = Parameters<KernelCalls[K]>;
/** A wasm export a worker thread may run: a kernel, or a range or phase variant of one. */
export type WasmExport = KernelName | `${KernelName}${'Cols' | 'Rows' | 'Chunks' | 'SumCols'}`;
/** The gathered batch a call reads (nz, val, c): a threaded back end hands each part its own copy. */
export interface BatchRef {
  nz: number;
  val: number;
  c: number;
}

/** A range split as the 'ranges' plan makes it: contiguous ranges of [0, total) at multiples of grain, one call of op each. */
export interface RangeSplit<K extends KernelName> {
  op: WasmExport;
  grain: number;
  total(...a: Args<K>): number;
  range(from: number, to: number, ...a: Args<K>): number[];
}

/** How the threaded back end (threaded.ts) runs a kernel. Every output element is computed as on one thread. */
export type ThreadPlan<K extends KernelName> =
  /** Whole, on the calling thread. */
  | { split: 'none'; why: string }
  /**
   * Contiguous ranges of [0, total) at multiples of grain, the calling thread taking the first: each range is one
   * call of `op` with the arguments range() gives (pointers advanced to the range). Whole below minWork.
   */
  | { split: 'ranges'; op: WasmExport; grain: number; minWork?: number; size(...a: Args<K>): { total: number; work: number }; range(from: number, to: number, ...a: Args<K>): number[] }
  /**
   * The first layer's columns, by the shares that follow the threads' measured speeds (balance.ts; `timed`: this
   * kernel's times feed them), so each core keeps the same columns of W0 in every kernel. Each part is one call of
   * `op`, the part's copy of the batch (if the kernel reads one) substituted.
   */
  | { split: 'columns'; op: WasmExport; timed: boolean; size(...a: Args<K>): { columns: number; work: number }; batch?(...a: Args<K>): BatchRef; range(from: number, to: number, batch: BatchRef | null, ...a: Args<K>): number[] }
  /**
   * Range splits run one after another, every part of one finished before the next starts: a sum whose parts are
   * computed apart, then added in a fixed order. Below minWork the kernel's own export, whole on the calling thread.
   */
  | { split: 'phases'; minWork: number; work(...a: Args<K>): number; phases: readonly RangeSplit<K>[] }
  /** A scheme of its own, written in threaded.ts, running these exports on workers. */
  | { split: 'own'; ops: readonly WasmExport[]; how: string };

export interface KernelEntry<K extends KernelName> {
  threads: ThreadPlan<K>;
  /** The wasm export's positional arguments, where the contract takes a record. */
  wasm?(...a: Args<K>): number[];
}

/** Below this many multiply-adds a product stays on one thread: its operands would sit half in the other core's cache. */
const MIN_GEMM_WORK = 1 << 20;
/** Output pixels of one image of a k x k convolution with pad zeros each side. */
const imagePixels = (h: number, wd: number, k: number, pad: number) => (h + 2 * pad - k + 1) * (wd + 2 * pad - k + 1);
/** Winograd tiles (2x2 outputs each) of one image of a 3x3 convolution. */
const imageTiles = (h: number, wd: number, pad: number) => Math.ceil((h + 2 * pad - 2) / 2) * Math.ceil((wd + 2 * pad - 2) / 2);
/** Winograd tiles of images of oh x ow outputs. */
const outputTiles = (images: number, oh: number, ow: number) => images * Math.ceil(oh / 2) * Math.ceil(ow / 2);
/** Chunks of winogradWeightGrad's sum, the last one possibly short. */
const weightGradChunks = (images: number, oh: number, ow: number) => Math.ceil(outputTiles(images, oh, ow) / WINOGRAD_CHUNK_TILES);
/** Chunks of conv2dWeightGrad's sum, the last one possibly short. */
const convWeightGradChunks = (pixels: number) => Math.ceil(pixels / CONV_CHUNK_PIXELS);
const THREADS_ALONE = 'small at the training shapes: a hand-off to a worker costs more than it saves';
const LATER_LAYERS = 'the layers after the first only (the first\'s is fused into sparseForward): small';

/** Below this many columns a product stays whole: a range of a few columns would run the slow edge paths. */
const MIN_SPLIT_COLUMNS = 32;
/** A product's plan: columns [from, to) of its c (m, n) by the export taking them, at multiples of the tiles' 8 columns. */
const productColumns = (op: 'gemmNNCols' | 'gemmTNCols' | 'gemmNTCols'): ThreadPlan<'gemmNN'> => ({
  split: 'ranges', op, grain: 8, minWork: MIN_GEMM_WORK, size: (_c, _a, _b, m, k, n) => ({ total: n, work: n < MIN_SPLIT_COLUMNS ? 0 : m * k * n }),
  range: (from, to, c, a, b, m, k, n, scratch) => [c, a, b, m, k, n, scratch, from, to],
});
/** The activations' backward passes (one signature): element ranges at multiples of 16. */
const backwardPlan = (op: 'tanhBackward' | 'sigmoidBackward' | 'reluBackward'): ThreadPlan<'tanhBackward'> => ({
  split: 'ranges', op, grain: 16, size: (_d, _o, _y, n) => ({ total: n, work: n }),
  range: (i, j, dInp, dOut, y) => [dInp + 4 * i, dOut + 4 * i, y + 4 * i, j - i],
});
/** The pooling's backward passes (one signature): ranges of images. */
const poolBackwardPlan = (op: 'maxPoolBackward' | 'maxPoolReluBackward'): ThreadPlan<'maxPoolBackward'> => ({
  split: 'ranges', op, grain: 1, size: (_dx, _dy, _x, _y, images, h, wd, c) => ({ total: images, work: images * h * wd * c }),
  range: (i, j, dx, dy, x, y, _images, h, wd, c) => {
    const o = (h >> 1) * (wd >> 1) * c;
    return [dx + 4 * i * h * wd * c, dy + 4 * i * o, x + 4 * i * h * wd * c, y + 4 * i * o, j - i, h, wd, c];
  },
});
const batchOf = (_a: number, nz: number, val: number, c: number): BatchRef => ({ nz, val, c });

export const MANIFEST: { [K in KernelName]: KernelEntry<K> } = {
  gatherSparse: {
    threads: { split: 'own', ops: ['gatherSparse'], how: 'a registered batch is gathered by every thread into its own copy; any other batch in row ranges' },
  },
  gatherSparseAugmented: {
    threads: { split: 'own', ops: ['gatherSparseAugmented'], how: 'every thread gathers the whole batch into its own copy: the draws are keyed by the row\'s index in the batch' },
  },
  swapRows: {
    threads: { split: 'own', ops: ['swapRows'], how: 'whole; swapRowsBehind runs it on a worker while the calling thread computes alone' },
  },
  sparseForward: {
    threads: {
      split: 'columns', op: 'sparseForwardCols', timed: true, batch: batchOf,
      size: (_out, _nz, _val, _c, _w, _wsum, _bias, rows, k, n) => ({ columns: n, work: rows * k * n / 2 }),
      range: (i, j, b, out, _nz, _val, _c, w, wsum, bias, rows, k, n, act) => [out, b!.nz, b!.val, b!.c, w, wsum, bias, rows, k, n, act, i, j],
    },
  },
  sparseWeightGrad: {
    threads: {
      split: 'columns', op: 'sparseWeightGradCols', timed: true, batch: batchOf,
      size: (_dw, _nz, _val, _c, _dz, rows, k, n) => ({ columns: n, work: rows * k * n / 2 }),
      range: (i, j, b, dw, _nz, _val, _c, dz, rows, k, n) => [dw, b!.nz, b!.val, b!.c, dz, rows, k, n, i, j],
    },
  },
  firstLayerBackward: {
    threads: {
      split: 'columns', op: 'firstLayerBackwardCols', timed: true, batch: (a: FirstLayerBackwardArgs) => a,
      size: (a) => ({ columns: a.n, work: a.rows * a.k * a.n / 2 }),
      range: (i, j, b, a) => [...firstLayerBackwardPositional({ ...a, ...b! }), i, j],
    },
    wasm: firstLayerBackwardPositional,
  },
  // The products split by columns of c, in whole 8-column panels: each thread packs its own columns of B into its own
  // part of the scratch (see assembly/gemm-panels.ts) and reads all of A.
  gemmNN: { threads: productColumns('gemmNNCols') },
  gemmTN: { threads: productColumns('gemmTNCols') },
  gemmNT: { threads: productColumns('gemmNTCols') },
  biasAdd: { threads: { split: 'none', why: THREADS_ALONE } },
  // A convolution's bias gradient sums every output pixel (50,176 rows at batch 64): split by columns there.
  colSum: {
    threads: {
      split: 'ranges', op: 'colSumCols', grain: 4, minWork: MIN_GEMM_WORK / 4,
      size: (_out, _a, rows, cols) => ({ total: cols, work: rows * cols }), range: (i, j, out, a, rows, cols) => [out, a, rows, cols, i, j],
    },
  },
  tanhForward: { threads: { split: 'none', why: LATER_LAYERS } },
  tanhBackward: { threads: backwardPlan('tanhBackward') },
  sigmoidForward: { threads: { split: 'none', why: LATER_LAYERS } },
  sigmoidBackward: { threads: backwardPlan('sigmoidBackward') },
  reluForward: { threads: { split: 'none', why: LATER_LAYERS } },
  reluBackward: { threads: backwardPlan('reluBackward') },
  softmaxCrossEntropy: {
    threads: { split: 'none', why: 'its f64 sum of the rows\' losses depends on their order' },
  },
  countCorrect: { threads: { split: 'none', why: THREADS_ALONE } },
  sgdUpdate: {
    threads: {
      split: 'ranges', op: 'sgdUpdate', grain: 16, size: (_w, _g, _v, n) => ({ total: n, work: n }),
      range: (i, j, w, g, v, _n, ...hyper) => [w + 4 * i, g + 4 * i, v + 4 * i, j - i, ...hyper],
    },
  },
  sgdUpdateMatrix: {
    // Columns [i, j) of a panel-major matrix are its elements [i rows, j rows): for W0, the columns its other kernels split by.
    threads: {
      split: 'columns', op: 'sgdUpdate', timed: false, size: (_w, _g, _v, rows, cols) => ({ columns: cols, work: rows * cols }),
      range: (i, j, _b, w, g, v, rows, _cols, ...hyper) => [w + 4 * i * rows, g + 4 * i * rows, v + 4 * i * rows, (j - i) * rows, ...hyper],
    },
  },
  adamUpdate: {
    threads: {
      split: 'ranges', op: 'adamUpdate', grain: 16, size: (_w, _g, _m, _v, n) => ({ total: n, work: n }),
      range: (i, j, w, g, m, v, _n, ...hyper) => [w + 4 * i, g + 4 * i, m + 4 * i, v + 4 * i, j - i, ...hyper],
    },
  },
  adamUpdateMatrix: {
    // As sgdUpdateMatrix: W0's columns by the shares its other kernels split by.
    threads: {
      split: 'columns', op: 'adamUpdate', timed: false, size: (_w, _g, _m, _v, rows, cols) => ({ columns: cols, work: rows * cols }),
      range: (i, j, _b, w, g, m, v, rows, _cols, ...hyper) => [w + 4 * i * rows, g + 4 * i * rows, m + 4 * i * rows, v + 4 * i * rows, (j - i) * rows, ...hyper],
    },
  },
  dropout: {
    threads: { split: 'none', why: 'a hash per element of one hidden layer\'s output: small beside the products around it' },
  },
  gatherImages: { threads: { split: 'none', why: 'a dense batch is a fraction of the convolutions after it' } },
  sparsifyRows: { threads: { split: 'none', why: 'only the classifier calls it, on one thread; workers\' batch copies never see it' } },
  gatherImagesAugmented: { threads: { split: 'none', why: 'a dense batch is a fraction of the convolutions after it' } },
  // Convolution and pooling split by images: each image's outputs are computed as on one thread.
  conv2dForward: {
    threads: {
      split: 'ranges', op: 'conv2dForward', grain: 1, minWork: MIN_GEMM_WORK,
      size: (_out, _col, _x, _w, _b, images, h, wd, c, oc, k, pad) => ({ total: images, work: images * imagePixels(h, wd, k, pad) * k * k * c * oc }),
      range: (i, j, out, col, x, w, bias, _images, h, wd, c, oc, k, pad, act) => {
        const pixels = imagePixels(h, wd, k, pad);
        return [out + 4 * i * pixels * oc, col + 4 * i * pixels * k * k * c, x + 4 * i * h * wd * c, w, bias, j - i, h, wd, c, oc, k, pad, act];
      },
    },
  },
  // As winogradWeightGrad: chunks of pixels, each chunk's product kept apart, then by columns the products added in
  // chunk order and the bias gradient summed over every pixel: split by columns alone, every thread would read all of col.
  conv2dWeightGrad: {
    threads: {
      split: 'phases', minWork: MIN_GEMM_WORK,
      work: (_dw, _db, _s, _col, _dy, pixels, taps, oc) => pixels * taps * oc,
      phases: [
        {
          // In order, as winogradWeightGrad's: each thread reads the pixels of the images it wrote in conv2dForward.
          op: 'conv2dWeightGradChunks', grain: 1, total: (_dw, _db, _s, _col, _dy, pixels) => convWeightGradChunks(pixels),
          range: (i, j, ...a) => [...a, i, j],
        },
        { op: 'conv2dWeightGradSumCols', grain: 8, total: (_dw, _db, _s, _col, _dy, _pixels, _taps, oc) => oc, range: (i, j, ...a) => [...a, i, j] },
      ],
    },
  },
  conv2dInputGrad: {
    threads: {
      split: 'ranges', op: 'conv2dInputGrad', grain: 1, minWork: MIN_GEMM_WORK,
      size: (_dx, _dcol, _dy, _wt, images, h, wd, c, oc, k, pad) => ({ total: images, work: images * imagePixels(h, wd, k, pad) * k * k * c * oc }),
      range: (i, j, dx, dcol, dy, wt, _images, h, wd, c, oc, k, pad) => {
        const pixels = imagePixels(h, wd, k, pad);
        return [dx + 4 * i * h * wd * c, dcol + 4 * i * pixels * k * k * c, dy + 4 * i * pixels * oc, wt, j - i, h, wd, c, oc, k, pad];
      },
    },
  },
  // Winograd 3x3 convolution: the forward pass and the input gradient split by images, the weight gradient in two phases.
  winogradFilter: { threads: { split: 'none', why: 'a layer\'s weights: small' } },
  winogradForward: {
    threads: {
      split: 'ranges', op: 'winogradForward', grain: 1, minWork: MIN_GEMM_WORK,
      size: (_out, _v, _m, _x, _u, _b, images, h, wd, c, oc, pad) => ({ total: images, work: images * imageTiles(h, wd, pad) * 16 * c * oc }),
      range: (i, j, out, v, m, x, u, bias, _images, h, wd, c, oc, pad, act, tiles) => {
        const first = i * imageTiles(h, wd, pad);
        return [out + 4 * i * imagePixels(h, wd, 3, pad) * oc, v + 4 * first * c, m + 4 * first * oc, x + 4 * i * h * wd * c, u, bias, j - i, h, wd, c, oc, pad, act, tiles];
      },
    },
  },
  // Chunks of tiles, each chunk's product kept apart, then by columns the products added in chunk order as on one
  // thread: split by columns alone, every thread would read all of v and dy.
  winogradWeightGrad: {
    threads: {
      split: 'phases', minWork: MIN_GEMM_WORK,
      work: (_dw, _du, _s, _v, _dm, _dy, images, oh, ow, c, oc) => outputTiles(images, oh, ow) * 16 * c * oc,
      phases: [
        {
          // In order, so each thread reads the tiles of the images it transformed in winogradForward: taken the other
          // way round, the next batch's forward writes lines the other core holds (docs/performance.md, a CNN epoch).
          op: 'winogradWeightGradChunks', grain: 1, total: (_dw, _du, _s, _v, _dm, _dy, images, oh, ow) => weightGradChunks(images, oh, ow),
          range: (i, j, ...a) => [...a, i, j],
        },
        { op: 'winogradWeightGradSumCols', grain: 8, total: (_dw, _du, _s, _v, _dm, _dy, _images, _oh, _ow, _c, oc) => oc, range: (i, j, ...a) => [...a, i, j] },
      ],
    },
  },
  winogradInputGrad: {
    threads: {
      split: 'ranges', op: 'winogradInputGrad', grain: 1, minWork: MIN_GEMM_WORK,
      size: (_dx, _dv, _dm, _dy, _ut, images, h, wd, c, oc, pad) => ({ total: images, work: images * imageTiles(h, wd, pad) * 16 * c * oc }),
      range: (i, j, dx, dv, dm, dy, ut, _images, h, wd, c, oc, pad, tiles) => {
        const first = i * imageTiles(h, wd, pad);
        return [dx + 4 * i * h * wd * c, dv + 4 * first * c, dm + 4 * first * oc, dy + 4 * i * imagePixels(h, wd, 3, pad) * oc, ut, j - i, h, wd, c, oc, pad, tiles];
      },
    },
  },
  transpose: { threads: { split: 'none', why: 'a layer\'s weights: small' } },
  maxPoolForward: {
    threads: {
      split: 'ranges', op: 'maxPoolForward', grain: 1, size: (_out, _x, images, h, wd, c) => ({ total: images, work: images * h * wd * c }),
      range: (i, j, out, x, _images, h, wd, c) => [out + 4 * i * (h >> 1) * (wd >> 1) * c, x + 4 * i * h * wd * c, j - i, h, wd, c],
    },
  },
  maxPoolBackward: { threads: poolBackwardPlan('maxPoolBackward') },
  maxPoolReluBackward: { threads: poolBackwardPlan('maxPoolReluBackward') },
};

/** Every kernel, in the manifest's order. */
export const KERNEL_NAMES = Object.keys(MANIFEST) as KernelName[];

/** The exports worker threads run, in a fixed order: a job names one by its index in this list. */
export const WORKER_OPS: readonly WasmExport[] = [...new Set(KERNEL_NAMES.flatMap((name): WasmExport[] => {
  const plan = MANIFEST[name].threads as ThreadPlan<KernelName>;
  if (plan.split === 'phases') return plan.phases.map((p) => p.op);
  return plan.split === 'none' ? [] : plan.split === 'own' ? [...plan.ops] : [plan.op];
}))];
