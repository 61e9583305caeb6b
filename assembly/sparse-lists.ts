// The nonzero lists of a gathered batch (gatherSparse writes them; the first layer's products read them).
// Row lists: nz + r * (dim + 4) * 4 holds [count, start1, start2, start3] (i32), then each nonzero's column as
// its byte offset in a 16-column panel, column * 64 (u32), and val + r * dim * 4 the values (f32). The columns
// ascend; start_b is the index of the row's first nonzero at or past column BLOCK_COLUMNS * b, so entries
// [start_b, start_b+1) are block b (start0 = 0, start4 = count). Pre-multiplied offsets spare the products a
// shift per nonzero; 4 bytes each (2 would stop at 1,024 columns) keep an offset and its value the same stride apart.

import { NZ_BLOCK_COLUMNS, NZ_HEADER } from './abi';

/**
 * The products walk W (or dW) in blocks of BLOCK_COLUMNS of its rows, every batch row's nonzeros of one block
 * before the next block: a block of a 16-column panel is 12 KB (24 KB for the weight gradient's two panels)
 * and stays in L1 while the batch's rows pass over it, where a whole panel (50 KB) does not. Each element still
 * sums its terms in column (or row) order. Four blocks of 192 rows beat eight of 96 (fewer passes over the lists).
 */
export const BLOCK_COLUMNS: usize = <usize>NZ_BLOCK_COLUMNS;
export const BLOCKS = NZ_HEADER;
/** Bytes before a row's first column: the count and the starts of blocks 1 to BLOCKS - 1. */
export const LIST_HEADER: usize = <usize>BLOCKS << 2;

/** Byte offsets [from, to) of block b's entries in a row's offset list (4 bytes each; head: the row's header). */
// @ts-ignore: decorator
@inline export function blockFrom(head: usize, b: i32): usize {
  return b == 0 ? 0 : <usize>load<i32>(head + (<usize>b << 2)) << 2;
}
// @ts-ignore: decorator
@inline export function blockTo(head: usize, b: i32): usize {
  return <usize>load<i32>(head + (b == BLOCKS - 1 ? 0 : <usize>(b + 1) << 2)) << 2;
}
