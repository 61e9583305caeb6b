// Normalised images (float32) as the first layer's kernels take a batch: gatherSparse's row lists
// (src/core/kernels/kernels.ts), written by the host for the classifier. Each row is split as x = c + s with c
// its smallest value, so s >= 0 is 0 wherever the image's pixel was 0 and the lists stay as sparse as training's;
// every value goes through the same two float32 steps whether the host normalised the pixels or the caller did.

import { NZ_BLOCK_COLUMNS, NZ_COLUMN_BYTES, NZ_HEADER, nzOffsetsAt, type BatchBuffers } from '../core/kernels/kernels.js';

/** Writes rows images of dim values from x (row-major) into the batch b of memory, as gatherSparse lays it out. */
export function writeSparseRows(memory: WebAssembly.Memory, b: Pick<BatchBuffers, 'nz' | 'val' | 'c'>, x: Float32Array, rows: number, dim: number): void {
  const buffer = memory.buffer, i32 = new Int32Array(buffer), u32 = new Uint32Array(buffer), f32 = new Float32Array(buffer);
  for (let r = 0; r < rows; r++) {
    const at = r * dim;
    let c = Infinity;
    for (let j = at; j < at + dim; j++) if (x[j] < c) c = x[j];
    f32[(b.c >> 2) + r] = c;
    const list = (b.nz >> 2) + r * (dim + NZ_HEADER), offsets = (b.nz >> 2) + nzOffsetsAt(r, dim), vals = (b.val >> 2) + r * dim;
    let count = 0;
    for (let j = 0; j < dim; j++) {
      if (j > 0 && j % NZ_BLOCK_COLUMNS === 0 && j / NZ_BLOCK_COLUMNS < NZ_HEADER) i32[list + j / NZ_BLOCK_COLUMNS] = count;
      const s = Math.fround(x[at + j] - c);
      if (s === 0) continue;
      u32[offsets + count] = j * NZ_COLUMN_BYTES;
      f32[vals + count] = s;
      count++;
    }
    i32[list] = count;
    for (let block = 1; block < NZ_HEADER; block++) if (block * NZ_BLOCK_COLUMNS >= dim) i32[list + block] = count;
  }
}
