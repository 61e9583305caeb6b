// The TypeScript reference back end: plain loops over typed-array views of the shared linear memory.
// It is the readable statement of every kernel's meaning and the "JS" side of parity tests and benchmarks;
// it favours clarity over speed (no blocking, no unrolling).

import { ACT, dropoutHash, NZ_BLOCK_COLUMNS, NZ_COLUMN_BYTES, NZ_HEADER, nzOffsetsAt, type ActCode, type FirstLayerBackwardArgs, type Kernels } from './kernels.js';
import { PANEL, panelIndex } from '../panels.js';
import * as winograd from './js-winograd.js';

/** A 2 x 2 pooling window's offsets (row, column), in the row-major order ties are broken by. */
const WINDOW = [[0, 0], [0, 1], [1, 0], [1, 1]] as const;

export class JsKernels implements Kernels {
  readonly name = 'js' as const;
  private buffer: ArrayBufferLike | null = null;
  private f32!: Float32Array;
  private u8!: Uint8Array;
  private i32!: Int32Array;
  private u32!: Uint32Array;

  constructor(private readonly memory: WebAssembly.Memory) {}

  // A grown memory detaches old views, so views are remade whenever the buffer changed.
  private views(): void {
    const buffer = this.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.f32 = new Float32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
  }

  gatherSparse(nz: number, val: number, c: number, y: number, images: number, labels: number, stats: number, idx: number, rows: number, dim: number): void {
    this.views();
    const { f32, u8, i32 } = this;
    for (let r = 0; r < rows; r++) {
      const img = i32[(idx >> 2) + r];
      this.gatherRow(nz, val, c, y, r, u8.subarray(images + img * dim, images + (img + 1) * dim), u8[labels + img], f32[(stats >> 2) + 2 * img], f32[(stats >> 2) + 2 * img + 1], dim);
    }
  }

  sparsifyRows(nz: number, val: number, c: number, x: number, rows: number, dim: number): void {
    this.views();
    const { f32, i32, u32 } = this;
    for (let r = 0; r < rows; r++) {
      const at = (x >> 2) + r * dim;
      let least = Infinity;
      for (let j = 0; j < dim; j++) least = Math.min(least, f32[at + j]);
      f32[(c >> 2) + r] = least;
      const list = (nz >> 2) + r * (dim + NZ_HEADER), offsets = (nz >> 2) + nzOffsetsAt(r, dim), vals = (val >> 2) + r * dim;
      let count = 0;
      for (let j = 0; j < dim; j++) {
        if (j > 0 && j % NZ_BLOCK_COLUMNS === 0 && j / NZ_BLOCK_COLUMNS < NZ_HEADER) i32[list + j / NZ_BLOCK_COLUMNS] = count;
        const s = Math.fround(f32[at + j] - least);
        if (s === 0) continue;
        u32[offsets + count] = j * NZ_COLUMN_BYTES;
        f32[vals + count] = s;
        count++;
      }
      i32[list] = count;
      for (let b = 1; b < NZ_HEADER; b++) if (b * NZ_BLOCK_COLUMNS >= dim) i32[list + b] = count;
    }
  }

  gatherSparseAugmented(nz: number, val: number, c: number, y: number, images: number, labels: number, stats: number, idx: number, rows: number, width: number,
    key: number, shift: number, flip: number): void {
    this.views();
    const { f32, u8, i32 } = this;
    const dim = width * width, span = 2 * shift + 1, moved = new Uint8Array(dim);
    for (let r = 0; r < rows; r++) {
      const img = i32[(idx >> 2) + r], h = dropoutHash(key >>> 0, r);
      const dx = (h % span) - shift, dy = (Math.floor(h / span) % span) - shift, mirror = flip !== 0 && h >= 2 ** 31;
      for (let yy = 0; yy < width; yy++) {
        for (let x = 0; x < width; x++) {
          const sy = yy - dy, sx = mirror ? width - 1 - (x - dx) : x - dx;
          const inside = sy >= 0 && sy < width && x - dx >= 0 && x - dx < width;
          moved[yy * width + x] = inside ? u8[images + img * dim + sy * width + sx] : 0;
        }
      }
      this.gatherRow(nz, val, c, y, r, moved, u8[labels + img], f32[(stats >> 2) + 2 * img], f32[(stats >> 2) + 2 * img + 1], dim);
    }
  }

  /** Row r of gatherSparse's output from an image's dim pixels, mean, 1/std and label. */
  private gatherRow(nz: number, val: number, c: number, y: number, r: number, pixels: Uint8Array, label: number, mean: number, invStd: number, dim: number): void {
    const { f32, u8, i32, u32 } = this;
    f32[(c >> 2) + r] = Math.fround(-mean * invStd);
    const list = (nz >> 2) + r * (dim + NZ_HEADER), offsets = (nz >> 2) + nzOffsetsAt(r, dim), vals = (val >> 2) + r * dim;
    let count = 0;
    for (let j = 0; j < dim; j++) {
      if (j > 0 && j % NZ_BLOCK_COLUMNS === 0 && j / NZ_BLOCK_COLUMNS < NZ_HEADER) i32[list + j / NZ_BLOCK_COLUMNS] = count;
      if (pixels[j] === 0) continue;
      u32[offsets + count] = j * NZ_COLUMN_BYTES;
      f32[vals + count] = pixels[j] * invStd;
      count++;
    }
    i32[list] = count;
    for (let b = 1; b < NZ_HEADER; b++) if (b * NZ_BLOCK_COLUMNS >= dim) i32[list + b] = count;
    u8[y + r] = label;
  }

  swapRows(images: number, labels: number, stats: number, swaps: number, count: number, dim: number): void {
    this.views();
    const { u8, f32, i32 } = this;
    const so = stats >> 2;
    for (let s = 0; s < count; s++) {
      const i = i32[(swaps >> 2) + 2 * s], j = i32[(swaps >> 2) + 2 * s + 1];
      for (let p = 0; p < dim; p++) {
        const t = u8[images + i * dim + p];
        u8[images + i * dim + p] = u8[images + j * dim + p];
        u8[images + j * dim + p] = t;
      }
      const label = u8[labels + i];
      u8[labels + i] = u8[labels + j];
      u8[labels + j] = label;
      for (let h = 0; h < 2; h++) {
        const t = f32[so + 2 * i + h];
        f32[so + 2 * i + h] = f32[so + 2 * j + h];
        f32[so + 2 * j + h] = t;
      }
    }
  }

  sparseForward(out: number, nz: number, val: number, c: number, w: number, wsum: number, bias: number, rows: number, k: number, n: number, act: ActCode): void {
    this.views();
    const { f32, i32, u32 } = this;
    const fn = [(v: number) => v, Math.tanh, (v: number) => 1 / (1 + Math.exp(-v)), (v: number) => (v > 0 ? v : 0)][act];
    for (let j = 0; j < n; j++) {
      // Column j of W (k, n) in panel layout: element p at col + p * stride (panels.ts).
      const col = (w >> 2) + panelIndex(0, j, k, n), stride = panelIndex(1, j, k, n) - panelIndex(0, j, k, n);
      let sum = 0;
      for (let p = 0; p < k; p++) sum += f32[col + p * stride];
      f32[(wsum >> 2) + j] = sum;
      for (let r = 0; r < rows; r++) {
        const list = (nz >> 2) + r * (k + NZ_HEADER), offsets = (nz >> 2) + nzOffsetsAt(r, k), vals = (val >> 2) + r * k;
        let acc = f32[(c >> 2) + r] * f32[(wsum >> 2) + j];
        for (let q = 0; q < i32[list]; q++) acc += f32[vals + q] * f32[col + (u32[offsets + q] / NZ_COLUMN_BYTES) * stride];
        f32[(out >> 2) + r * n + j] = fn(acc + f32[(bias >> 2) + j]);
      }
    }
  }

  sparseWeightGrad(dw: number, nz: number, val: number, c: number, dz: number, rows: number, k: number, n: number): void {
    this.views();
    const { f32, i32, u32 } = this;
    const dwo = dw >> 2, dzo = dz >> 2;
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let r = 0; r < rows; r++) v += f32[(c >> 2) + r] * f32[dzo + r * n + j];
      for (let p = 0; p < k; p++) f32[dwo + panelIndex(p, j, k, n)] = v;
    }
    // Row p of dw is a run of `width` contiguous columns in each panel (panels.ts).
    for (let r = 0; r < rows; r++) {
      const list = (nz >> 2) + r * (k + NZ_HEADER), offsets = (nz >> 2) + nzOffsetsAt(r, k), vals = (val >> 2) + r * k, d = dzo + r * n;
      for (let q = 0; q < i32[list]; q++) {
        const p = u32[offsets + q] / NZ_COLUMN_BYTES, s = f32[vals + q];
        for (let first = 0; first < n; first += PANEL) {
          const width = Math.min(PANEL, n - first), row = dwo + first * k + p * width;
          for (let j = 0; j < width; j++) f32[row + j] += s * f32[d + first + j];
        }
      }
    }
  }

  firstLayerBackward({ dw0, db0, dw1, dz0, nz, val, c, h, dz1, w1, rows, k, n, n2, act }: FirstLayerBackwardArgs): void {
    if (n2 > 0) {
      if (dw1 !== 0) this.gemmTN(dw1, h, dz1, n, rows, n2, 0);
      this.gemmNT(dz0, dz1, w1, rows, n2, n, 0);
      if (act === ACT.tanh) this.tanhBackward(dz0, dz0, h, rows * n);
      else if (act === ACT.sigmoid) this.sigmoidBackward(dz0, dz0, h, rows * n);
      else if (act === ACT.ReLU) this.reluBackward(dz0, dz0, h, rows * n);
    }
    this.colSum(db0, dz0, rows, n);
    this.sparseWeightGrad(dw0, nz, val, c, dz0, rows, k, n);
  }

  gemmNN(c: number, a: number, b: number, m: number, k: number, n: number, _scratch: number): void {
    this.views();
    const f = this.f32, co = c >> 2, ao = a >> 2, bo = b >> 2;
    for (let i = 0; i < m; i++) {
      const crow = co + i * n;
      f.fill(0, crow, crow + n);
      for (let p = 0; p < k; p++) {
        const aip = f[ao + i * k + p], brow = bo + p * n;
        for (let j = 0; j < n; j++) f[crow + j] += aip * f[brow + j];
      }
    }
  }

  gemmTN(c: number, a: number, b: number, m: number, k: number, n: number, _scratch: number): void {
    this.views();
    const f = this.f32, co = c >> 2, ao = a >> 2, bo = b >> 2;
    f.fill(0, co, co + m * n);
    for (let p = 0; p < k; p++) {
      const brow = bo + p * n;
      for (let i = 0; i < m; i++) {
        const api = f[ao + p * m + i], crow = co + i * n;
        for (let j = 0; j < n; j++) f[crow + j] += api * f[brow + j];
      }
    }
  }

  gemmNT(c: number, a: number, b: number, m: number, k: number, n: number, _scratch: number): void {
    this.views();
    const f = this.f32, co = c >> 2, ao = a >> 2, bo = b >> 2;
    for (let i = 0; i < m; i++) {
      const arow = ao + i * k;
      for (let j = 0; j < n; j++) {
        const brow = bo + j * k;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += f[arow + p] * f[brow + p];
        f[co + i * n + j] = sum;
      }
    }
  }

  biasAdd(out: number, bias: number, rows: number, cols: number): void {
    this.views();
    const f = this.f32, oo = out >> 2, bo = bias >> 2;
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) f[oo + r * cols + j] += f[bo + j];
  }

  colSum(out: number, a: number, rows: number, cols: number): void {
    this.views();
    const f = this.f32, oo = out >> 2, ao = a >> 2;
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += f[ao + r * cols + j];
      f[oo + j] = sum;
    }
  }

  tanhForward(out: number, inp: number, n: number): void {
    this.map(out, inp, n, Math.tanh);
  }
  tanhBackward(dInp: number, dOut: number, y: number, n: number): void {
    this.zip(dInp, dOut, y, n, (d, v) => d * (1 - v * v));
  }
  sigmoidForward(out: number, inp: number, n: number): void {
    this.map(out, inp, n, (v) => 1 / (1 + Math.exp(-v)));
  }
  sigmoidBackward(dInp: number, dOut: number, y: number, n: number): void {
    this.zip(dInp, dOut, y, n, (d, v) => d * v * (1 - v));
  }
  reluForward(out: number, inp: number, n: number): void {
    this.map(out, inp, n, (v) => (v > 0 ? v : 0));
  }
  reluBackward(dInp: number, dOut: number, y: number, n: number): void {
    this.zip(dInp, dOut, y, n, (d, v) => (v > 0 ? d : 0));
  }

  softmaxCrossEntropy(dLogits: number, logits: number, labels: number, rows: number, cols: number, gradScale: number, smoothing: number): number {
    this.views();
    const f = this.f32, u8 = this.u8, lo = logits >> 2, dlo = dLogits >> 2;
    const eps = Math.fround(smoothing);
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const row = lo + r * cols, drow = dlo + r * cols, label = u8[labels + r];
      let max = -Infinity;
      for (let j = 0; j < cols; j++) max = Math.max(max, f[row + j]);
      let sum = 0, shifted = 0;
      for (let j = 0; j < cols; j++) sum += Math.exp(f[row + j] - max);
      for (let j = 0; j < cols; j++) shifted += f[row + j] - max;
      // -sum_j q_j log p_j, with log p_j = x_j - max - log(sum).
      loss += eps === 0 ? Math.log(sum) - (f[row + label] - max) : Math.log(sum) - ((1 - eps) * (f[row + label] - max) + (eps / cols) * shifted);
      for (let j = 0; j < cols; j++) {
        const p = Math.exp(f[row + j] - max) / sum;
        f[drow + j] = (p - ((j === label ? 1 - eps : 0) + eps / cols)) * gradScale;
      }
    }
    return loss;
  }

  countCorrect(logits: number, labels: number, rows: number, cols: number): number {
    this.views();
    const f = this.f32, u8 = this.u8, lo = logits >> 2;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const row = lo + r * cols;
      let best = 0;
      for (let j = 1; j < cols; j++) if (f[row + j] > f[row + best]) best = j;
      if (best === u8[labels + r]) correct++;
    }
    return correct;
  }

  sgdUpdate(w: number, g: number, v: number, n: number, lr: number, gamma: number, l2: number, l1: number, nesterov: number): void {
    this.views();
    const f = this.f32, wo = w >> 2, go = g >> 2, vo = v >> 2;
    for (let i = 0; i < n; i++) {
      const wi = f[wo + i];
      const grad = f[go + i] + l2 * wi + l1 * Math.sign(wi);
      f[go + i] = grad;
      const vi = gamma * f[vo + i] + lr * grad;
      f[vo + i] = vi;
      f[wo + i] = wi - (nesterov ? gamma * vi + lr * grad : vi);
    }
  }

  sgdUpdateMatrix(w: number, g: number, v: number, rows: number, cols: number, lr: number, gamma: number, l2: number, l1: number, nesterov: number): void {
    this.sgdUpdate(w, g, v, rows * cols, lr, gamma, l2, l1, nesterov);
  }

  adamUpdate(w: number, g: number, m: number, v: number, n: number, step: number, beta1: number, beta2: number, eps: number, rs: number, keep: number, l2: number, l1: number): void {
    this.views();
    const f = this.f32, wo = w >> 2, go = g >> 2, mo = m >> 2, vo = v >> 2;
    const b1 = Math.fround(beta1), b2 = Math.fround(beta2);
    for (let i = 0; i < n; i++) {
      const wi = f[wo + i];
      const grad = f[go + i] + l2 * wi + l1 * Math.sign(wi);
      const mi = b1 * f[mo + i] + (1 - b1) * grad;
      const vi = b2 * f[vo + i] + (1 - b2) * grad * grad;
      f[mo + i] = mi;
      f[vo + i] = vi;
      f[wo + i] = keep * wi - (step * mi) / (Math.sqrt(vi) * rs + eps);
    }
  }

  adamUpdateMatrix(w: number, g: number, m: number, v: number, rows: number, cols: number, step: number, beta1: number, beta2: number, eps: number, rs: number, keep: number, l2: number, l1: number): void {
    this.adamUpdate(w, g, m, v, rows * cols, step, beta1, beta2, eps, rs, keep, l2, l1);
  }

  dropout(out: number, inp: number, n: number, key: number, threshold: number, scale: number): void {
    this.views();
    const f = this.f32, oo = out >> 2, io = inp >> 2, s = Math.fround(scale), t = threshold >>> 0, k = key >>> 0;
    for (let i = 0; i < n; i++) f[oo + i] = dropoutHash(k, i) >= t ? f[io + i] * s : 0;
  }

  gatherImages(x: number, y: number, images: number, labels: number, stats: number, idx: number, rows: number, dim: number): void {
    this.views();
    const { f32, u8, i32 } = this;
    const xo = x >> 2, so = stats >> 2, io = idx >> 2;
    for (let r = 0; r < rows; r++) {
      const img = i32[io + r];
      const mean = f32[so + 2 * img], invStd = f32[so + 2 * img + 1];
      const src = images + img * dim, dst = xo + r * dim;
      for (let j = 0; j < dim; j++) f32[dst + j] = (u8[src + j] - mean) * invStd;
      u8[y + r] = u8[labels + img];
    }
  }

  gatherImagesAugmented(x: number, y: number, images: number, labels: number, stats: number, idx: number, rows: number, height: number, width: number,
    key: number, shift: number, flip: number): void {
    this.views();
    const { f32, u8, i32 } = this;
    const dim = height * width, span = 2 * shift + 1;
    for (let r = 0; r < rows; r++) {
      const img = i32[(idx >> 2) + r], h = dropoutHash(key >>> 0, r);
      const dx = (h % span) - shift, dy = (Math.floor(h / span) % span) - shift, mirror = flip !== 0 && h >= 2 ** 31;
      const mean = f32[(stats >> 2) + 2 * img], invStd = f32[(stats >> 2) + 2 * img + 1];
      for (let yy = 0; yy < height; yy++) {
        for (let xx = 0; xx < width; xx++) {
          const sy = yy - dy, sx = xx - dx;
          const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
          const px = inside ? u8[images + img * dim + sy * width + (mirror ? width - 1 - sx : sx)] : 0;
          f32[(x >> 2) + r * dim + yy * width + xx] = (px - mean) * invStd;
        }
      }
      u8[y + r] = u8[labels + img];
    }
  }

  conv2dForward(out: number, col: number, x: number, w: number, bias: number, images: number, h: number, wd: number, c: number, oc: number, k: number, pad: number, act: ActCode): void {
    this.views();
    const f = this.f32, oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1, taps = k * k * c;
    const patch = new Float64Array(taps);
    for (let n = 0, row = 0; n < images; n++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++, row++) {
      for (let ky = 0, t = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) for (let ch = 0; ch < c; ch++, t++) {
        const iy = oy - pad + ky, ix = ox - pad + kx;
        patch[t] = iy >= 0 && iy < h && ix >= 0 && ix < wd ? f[(x >> 2) + ((n * h + iy) * wd + ix) * c + ch] : 0;
        f[(col >> 2) + row * taps + t] = patch[t];
      }
      for (let o = 0; o < oc; o++) {
        let sum = 0;
        for (let t = 0; t < taps; t++) sum += patch[t] * f[(w >> 2) + t * oc + o];
        f[(out >> 2) + row * oc + o] = Math.fround(sum) + f[(bias >> 2) + o];
      }
    }
    const n = images * oh * ow * oc;
    if (act === ACT.tanh) this.tanhForward(out, out, n);
    else if (act === ACT.sigmoid) this.sigmoidForward(out, out, n);
    else if (act === ACT.ReLU) this.reluForward(out, out, n);
  }

  conv2dWeightGrad(dw: number, db: number, _scratch: number, col: number, dy: number, pixels: number, taps: number, oc: number): void {
    this.gemmTN(dw, col, dy, taps, pixels, oc, 0);
    this.colSum(db, dy, pixels, oc);
  }

  conv2dInputGrad(dx: number, _dcol: number, dy: number, wt: number, images: number, h: number, wd: number, c: number, oc: number, k: number, pad: number): void {
    this.views();
    const f = this.f32, oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1;
    const sums = new Float64Array(images * h * wd * c);
    for (let n = 0; n < images; n++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      const g = (dy >> 2) + ((n * oh + oy) * ow + ox) * oc;
      for (let ky = 0, t = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) for (let ch = 0; ch < c; ch++, t++) {
        const iy = oy - pad + ky, ix = ox - pad + kx;
        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
        for (let o = 0; o < oc; o++) sums[((n * h + iy) * wd + ix) * c + ch] += f[g + o] * f[(wt >> 2) + o * k * k * c + t];
      }
    }
    f.set(sums, dx >> 2);
  }

  winogradFilter(u: number, ut: number, w: number, c: number, oc: number): void {
    this.views();
    winograd.winogradFilter(this.f32, u >> 2, ut >> 2, w >> 2, c, oc);
  }

  winogradForward(out: number, v: number, m: number, x: number, u: number, bias: number, images: number, h: number, wd: number, c: number, oc: number, pad: number, act: ActCode, tiles: number): void {
    this.views();
    winograd.winogradForward(this.f32, out >> 2, v >> 2, m >> 2, x >> 2, u >> 2, bias >> 2, images, h, wd, c, oc, pad, tiles);
    const n = images * (h + 2 * pad - 2) * (wd + 2 * pad - 2) * oc;
    if (act === ACT.tanh) this.tanhForward(out, out, n);
    else if (act === ACT.sigmoid) this.sigmoidForward(out, out, n);
    else if (act === ACT.ReLU) this.reluForward(out, out, n);
  }

  winogradWeightGrad(dw: number, du: number, _scratch: number, v: number, dm: number, dy: number, images: number, oh: number, ow: number, c: number, oc: number, tiles: number): void {
    this.views();
    winograd.winogradOutputGrad(this.f32, dm >> 2, dy >> 2, images, oh, ow, oc, tiles);
    winograd.winogradWeightGrad(this.f32, dw >> 2, du >> 2, v >> 2, dm >> 2, images * Math.ceil(oh / 2) * Math.ceil(ow / 2), tiles, c, oc);
  }

  winogradInputGrad(dx: number, dv: number, dm: number, dy: number, ut: number, images: number, h: number, wd: number, c: number, oc: number, pad: number, tiles: number): void {
    this.views();
    winograd.winogradOutputGrad(this.f32, dm >> 2, dy >> 2, images, h + 2 * pad - 2, wd + 2 * pad - 2, oc, tiles);
    winograd.winogradInputGrad(this.f32, dx >> 2, dv >> 2, dm >> 2, ut >> 2, images, h, wd, c, oc, pad, tiles);
  }

  transpose(out: number, a: number, rows: number, cols: number): void {
    this.views();
    const f = this.f32;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) f[(out >> 2) + j * rows + i] = f[(a >> 2) + i * cols + j];
  }

  maxPoolForward(out: number, x: number, images: number, h: number, wd: number, c: number): void {
    this.views();
    const f = this.f32, oh = h >> 1, ow = wd >> 1;
    for (let n = 0; n < images; n++) for (let py = 0; py < oh; py++) for (let px = 0; px < ow; px++) for (let ch = 0; ch < c; ch++) {
      let m = -Infinity;
      for (const [dy, dx] of WINDOW) {
        const v = f[(x >> 2) + ((n * h + 2 * py + dy) * wd + 2 * px + dx) * c + ch];
        m = dy + dx === 0 ? v : m < v ? v : m;
      }
      f[(out >> 2) + ((n * oh + py) * ow + px) * c + ch] = m;
    }
  }

  maxPoolBackward(dx: number, dy: number, x: number, y: number, images: number, h: number, wd: number, c: number): void {
    this.routeBack(dx, dy, x, y, images, h, wd, c, false);
  }

  maxPoolReluBackward(dx: number, dy: number, x: number, y: number, images: number, h: number, wd: number, c: number): void {
    this.routeBack(dx, dy, x, y, images, h, wd, c, true);
  }

  /**
   * The pooling's backward pass, with relu also reluBackward's rule (x > 0 ? g : 0) on the way. dx may be x: a window's
   * four values are read before any is written, and the dropped odd row and column are zeroed on their own.
   */
  private routeBack(dx: number, dy: number, x: number, y: number, images: number, h: number, wd: number, c: number, relu: boolean): void {
    this.views();
    const f = this.f32, oh = h >> 1, ow = wd >> 1, line = wd * c;
    for (let n = 0; n < images; n++) {
      const img = (dx >> 2) + n * h * line;
      if (wd & 1) for (let r = 0; r < 2 * oh; r++) f.fill(0, img + r * line + (wd - 1) * c, img + (r + 1) * line);
      if (h & 1) f.fill(0, img + (h - 1) * line, img + h * line);
    }
    for (let n = 0; n < images; n++) for (let py = 0; py < oh; py++) for (let px = 0; px < ow; px++) for (let ch = 0; ch < c; ch++) {
      const at = ((n * oh + py) * ow + px) * c + ch, m = f[(y >> 2) + at], g = f[(dy >> 2) + at];
      const i0 = ((n * h + 2 * py) * wd + 2 * px) * c + ch, where = [i0, i0 + c, i0 + line, i0 + line + c];
      const xs = where.map((i) => f[(x >> 2) + i]), first = xs.indexOf(m);
      for (let j = 0; j < 4; j++) f[(dx >> 2) + where[j]] = j === first && (!relu || xs[j] > 0) ? g : 0;
    }
  }

  private map(out: number, inp: number, n: number, fn: (v: number) => number): void {
    this.views();
    const f = this.f32, oo = out >> 2, io = inp >> 2;
    for (let i = 0; i < n; i++) f[oo + i] = fn(f[io + i]);
  }

  private zip(out: number, d: number, y: number, n: number, fn: (d: number, y: number) => number): void {
    this.views();
    const f = this.f32, oo = out >> 2, d0 = d >> 2, yo = y >> 2;
    for (let i = 0; i < n; i++) f[oo + i] = fn(f[d0 + i], f[yo + i]);
  }
}
