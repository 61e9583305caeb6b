// Sparse batch rows in gatherSparse's layout, for tests that build a batch by hand.

import { NZ_BLOCK_COLUMNS, NZ_COLUMN_BYTES, NZ_HEADER, nzOffsetsAt } from '../../src/core/kernels/kernels.js';

/** i32 slots of an nz buffer for rows of k columns. */
export const nzLength = (rows: number, k: number): number => rows * (k + NZ_HEADER);

/** Writes row r of nz (rows of k columns) from its nonzero columns in ascending order: count, block starts, offsets. */
export function setSparseRow(nz: Int32Array, r: number, k: number, columns: readonly number[]): void {
  const at = r * (k + NZ_HEADER);
  nz[at] = columns.length;
  for (let b = 1; b < NZ_HEADER; b++) nz[at + b] = columns.filter((j) => j < b * NZ_BLOCK_COLUMNS).length;
  const offsets = new Uint16Array(nz.buffer, nz.byteOffset, 2 * nz.length), first = nzOffsetsAt(r, k);
  columns.forEach((j, q) => { offsets[first + q] = j * NZ_COLUMN_BYTES; });
}
