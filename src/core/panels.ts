// The first layer's weight matrix W0 (k, n) lives in column panels, not row-major: columns [16p, 16p + 16)
// (fewer in the last panel) form a (k, width) row-major block, and the blocks follow each other. The sparse
// kernels read a 16-column strip of a row as one cache line next to the following rows' lines, and threads that
// split the columns at panel boundaries each own a contiguous part of W0, its gradient and its velocity. Only the
// model's edges see the logical (row-major) order: init, model files and the gradient check; everything else
// treats a parameter buffer as a flat array.

/** Columns per panel: the forward kernel's strip width. */
export const PANEL = 16;

/** Storage index of element (row, col) of a (rows, cols) matrix kept in column panels. */
export function panelIndex(row: number, col: number, rows: number, cols: number): number {
  const first = col - (col % PANEL);
  const width = Math.min(PANEL, cols - first);
  return first * rows + row * width + (col - first);
}

/** The panel layout of a row-major (rows, cols) matrix. */
export function toPanels(rowMajor: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[panelIndex(r, c, rows, cols)] = rowMajor[r * cols + c];
  }
  return out;
}

/** The row-major (rows, cols) matrix held in panel layout. */
export function fromPanels(panels: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = panels[panelIndex(r, c, rows, cols)];
  }
  return out;
}
