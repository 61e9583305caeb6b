// The bias pair: broadcast-add forward and the column sum that is its gradient.
// Both run along rows 4 columns at a time with a scalar tail for cols % 4.

/** out (rows, cols) += bias (cols), broadcast over rows. */
export function biasAdd(out: usize, bias: usize, rows: i32, cols: i32): void {
  const c4 = <usize>(cols & ~3) << 2, ld = <usize>cols << 2;
  let row = out;
  for (let r = 0; r < rows; r++, row += ld) {
    let j: usize = 0;
    for (; j < c4; j += 16) v128.store(row + j, f32x4.add(v128.load(row + j), v128.load(bias + j)));
    for (; j < ld; j += 4) store<f32>(row + j, load<f32>(row + j) + load<f32>(bias + j));
  }
}

/** out (cols) = sum over rows of a (rows, cols): the bias gradient. */
export function colSum(out: usize, a: usize, rows: i32, cols: i32): void {
  colSumStrided(out, a, rows, cols, cols);
}

/** Columns [j0, j1) of colSum: each column summed exactly as colSum sums it, so threads can split the columns. */
export function colSumCols(out: usize, a: usize, rows: i32, cols: i32, j0: i32, j1: i32): void {
  colSumStrided(out + (<usize>j0 << 2), a + (<usize>j0 << 2), rows, j1 - j0, cols);
}

/** colSum where a's rows are lda floats apart (its first cols columns are summed). */
export function colSumStrided(out: usize, a: usize, rows: i32, cols: i32, lda: i32): void {
  memory.fill(out, 0, <usize>cols << 2);
  addRows(out, a, rows, <usize>lda << 2, <usize>cols << 2);
}

/**
 * bytes at dst += each of rows rows at src (ld bytes apart), in row order: column sums continued, each column one f32
 * sum. Four strips of 4 columns at a time, each its own chain of adds, so the adds overlap instead of waiting in turn.
 */
// @ts-ignore: decorator
@inline export function addRows(dst: usize, src: usize, rows: i32, ld: usize, bytes: usize): void {
  let j: usize = 0;
  for (; j + 64 <= bytes; j += 64) {
    let a0 = v128.load(dst + j), a1 = v128.load(dst + j + 16), a2 = v128.load(dst + j + 32), a3 = v128.load(dst + j + 48);
    let p = src + j;
    for (let r = 0; r < rows; r++, p += ld) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p + 16));
      a2 = f32x4.add(a2, v128.load(p + 32));
      a3 = f32x4.add(a3, v128.load(p + 48));
    }
    v128.store(dst + j, a0);
    v128.store(dst + j + 16, a1);
    v128.store(dst + j + 32, a2);
    v128.store(dst + j + 48, a3);
  }
  for (; j + 16 <= bytes; j += 16) {
    let a = v128.load(dst + j), p = src + j;
    for (let r = 0; r < rows; r++, p += ld) a = f32x4.add(a, v128.load(p));
    v128.store(dst + j, a);
  }
  for (; j < bytes; j += 4) {
    let a = load<f32>(dst + j), p = src + j;
    for (let r = 0; r < rows; r++, p += ld) a += load<f32>(p);
    store<f32>(dst + j, a);
  }
}
