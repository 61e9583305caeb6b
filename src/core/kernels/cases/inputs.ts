// Seeded inputs for kernel cases: uniform values, integers, bytes, ordinary values laced with special ones, and
// batches in gatherSparse's layout built on the host (from given images, or drawn ones), so that both back ends
// read identical bytes.

import { Rng } from '../../rng.js';
import { NZ_BLOCK_COLUMNS, NZ_COLUMN_BYTES, NZ_HEADER, nzOffsetsAt } from '../kernels.js';

// Activation inputs: the ReLU kink, signed zeros, the tanh polynomial/exp branch edge (0.625), where f32 tanh
// saturates (~9), where exp would overflow or go subnormal (+-88, -87.3366 = ln 2^-126, +-90), +-20, +-100, huge and infinite values.
export const X_SPECIALS = [0, -0, 1e-30, -1e-30, 1e-4, -1e-4, 0.5, -0.5, 0.625, -0.625, 0.6249, -0.6251, 1, -1, 3, -3,
  9, -9, 20, -20, 44, -44, 88, -88, -87.3, -87.3365, -87.3366, 90, -90, 100, -100, 1e30, -1e30, Infinity, -Infinity];
export const TANH_Y = [0, -0, 1, -1, 0.5, -0.5, 0.999999, -0.999999, 1e-30];
export const SIGMOID_Y = [0, 1, 0.5, 1e-30, 0.999999, 1e-7];
export const D_SPECIALS = [0, -0, 1, -1, 1e-30];

/** i32 slots of an nz buffer for rows of k columns. */
export const nzLength = (rows: number, k: number): number => rows * (k + NZ_HEADER);

/** Writes row r of nz (rows of k columns) from its nonzero columns in ascending order: count, block starts, offsets. */
export function setSparseRow(nz: Int32Array, r: number, k: number, columns: readonly number[]): void {
  const at = r * (k + NZ_HEADER);
  nz[at] = columns.length;
  for (let b = 1; b < NZ_HEADER; b++) nz[at + b] = columns.filter((j) => j < b * NZ_BLOCK_COLUMNS).length;
  const offsets = new Uint32Array(nz.buffer, nz.byteOffset, nz.length), first = nzOffsetsAt(r, k);
  columns.forEach((j, q) => { offsets[first + q] = j * NZ_COLUMN_BYTES; });
}

/** A gathered batch as the reference gatherSparse writes it: rows images of dim pixels with their (mean, 1/std). */
export interface SparseBatch {
  nz: Int32Array;
  val: Float32Array;
  c: Float32Array;
}

/** The batch gatherSparse makes of images (rows of dim u8 pixels) and stats (mean, 1/std per image), in order. */
export function sparseBatch(pixels: Uint8Array, stats: Float32Array, rows: number, dim: number): SparseBatch {
  const nz = new Int32Array(nzLength(rows, dim)), val = new Float32Array(rows * dim), c = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const mean = stats[2 * r], invStd = stats[2 * r + 1], columns: number[] = [];
    c[r] = Math.fround(-mean * invStd);
    for (let j = 0; j < dim; j++) {
      const px = pixels[r * dim + j];
      if (px === 0) continue;
      val[r * dim + columns.length] = Math.fround(px * invStd);
      columns.push(j);
    }
    setSparseRow(nz, r, dim, columns);
  }
  return { nz, val, c };
}

/** The largest |value| of a batch's values and constants (at least 1): what the sparse tolerances scale by. */
export function batchScale(b: SparseBatch): number {
  let scale = 1;
  for (const x of b.val) scale = Math.max(scale, Math.abs(x));
  for (const x of b.c) scale = Math.max(scale, Math.abs(x));
  return scale;
}

/** The draws of one kernel's cases: a stream of its own, so adding a case to one kernel changes no other's. */
export class CaseInputs {
  private readonly rng: Rng;

  constructor(seed: number, kernel: string) {
    this.rng = new Rng(seed, `kernel cases ${kernel}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.rng.next();
  }
  uniform(n: number, lo = -1, hi = 1): Float32Array {
    return Float32Array.from({ length: n }, () => lo + (hi - lo) * this.rng.next());
  }
  /** Integers in [0, hi). */
  ints(n: number, hi: number): Int32Array {
    return Int32Array.from({ length: n }, () => Math.floor(this.rng.next() * hi));
  }
  /** Bytes in [0, hi). */
  bytes(n: number, hi: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => Math.floor(this.rng.next() * hi));
  }
  /** Ordinary values with every third element (from phase) replaced by the next special value (cycling). */
  withSpecials(n: number, specials: readonly number[], lo: number, hi: number, phase = 0): Float32Array {
    const out = this.uniform(n, lo, hi);
    for (let i = phase, s = 0; i < n; i += 3, s++) out[i] = specials[s % specials.length];
    return out;
  }
  /** Per-image (mean, 1/std) pairs of real-looking images: means 0-255, std 1-101. */
  stats(images: number): Float32Array {
    const stats = new Float32Array(2 * images);
    for (let i = 0; i < images; i++) { stats[2 * i] = 255 * this.next(); stats[2 * i + 1] = 1 / (1 + 100 * this.next()); }
    return stats;
  }

  /**
   * A synthetic gathered batch: pixels about half 0 (every fifth row without any nonzero, every fifth from the
   * second with all of them), means 30-130 and std 40-120 as real images have.
   */
  sparseBatch(rows: number, dim: number): SparseBatch {
    const pixels = new Uint8Array(rows * dim), stats = new Float32Array(2 * rows);
    for (let r = 0; r < rows; r++) {
      const invStd = Math.fround(1 / (40 + 80 * this.next())), density = r % 5 === 1 ? 0 : r % 5 === 2 ? 1 : this.next();
      stats[2 * r] = Math.fround(30 + 100 * this.next());
      stats[2 * r + 1] = invStd;
      for (let j = 0; j < dim; j++) if (this.next() < density) pixels[r * dim + j] = 1 + Math.floor(255 * this.next());
    }
    return sparseBatch(pixels, stats, rows, dim);
  }
}
