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
  const c4 = <usize>(cols & ~3) << 2, ld = <usize>lda << 2, end = <usize>cols << 2;
  // Column strips of 4 summed down all rows: one accumulator per strip, rows added in order.
  let j: usize = 0;
  for (; j < c4; j += 16) {
    let acc = f32x4.splat(0);
    let p = a + j;
    for (let r = 0; r < rows; r++, p += ld) acc = f32x4.add(acc, v128.load(p));
    v128.store(out + j, acc);
  }
  for (; j < end; j += 4) {
    let acc: f32 = 0;
    let p = a + j;
    for (let r = 0; r < rows; r++, p += ld) acc += load<f32>(p);
    store<f32>(out + j, acc);
  }
}
