// The backward pass around the first layer, for a range of its units: the next layer's weight gradient rows
// and the gradient flowing into the first layer (both per unit), the activation's derivative, the bias
// gradient and the sparse weight gradient. Threads split it by those units, the columns of W0 they already
// split the first layer by, so each core works on the columns of the first layer's output it computed, and
// none of these steps waits on the main thread. Every element is computed as by the whole-matrix kernels.

import { gemmTNStrided } from './gemm';
import { gemmPackedCols } from './gemm-panels';
import { colSumStrided } from './bias';
import { tanhBackward, sigmoidBackward, reluBackward } from './activations';
import { sparseWeightGradCols } from './sparse-weight-grad';
import { ACT_TANH, ACT_SIGMOID, ACT_RELU } from './abi';

/**
 * Units [j0, j1) of firstLayerBackward: rows [j0, j1) of dw1 (unless dw1 = 0), columns [j0, j1) of dz0 (when n2 > 0) and of dw0,
 * entries [j0, j1) of db0. scratch (n * n2 floats) holds w1's rows [j0, j1) in panels for dz0's product.
 */
export function firstLayerBackwardCols(dw0: usize, db0: usize, dw1: usize, dz0: usize, nz: usize, val: usize, c: usize, h: usize, dz1: usize, w1: usize,
  scratch: usize, rows: i32, k: i32, n: i32, n2: i32, act: i32, j0: i32, j1: i32): void {
  const width = j1 - j0, col = <usize>j0 << 2, ld = <usize>n << 2;
  if (n2 > 0) {
    // dw1 = 0: the caller computes the second layer's weight gradient as a product of its own (a wide one packs).
    if (dw1 != 0) gemmTNStrided(dw1 + <usize>j0 * (<usize>n2 << 2), h + col, dz1, width, rows, n2, n);
    // dz0 = dz1 w1^T: gemmNT's columns [j0, j1), in rows of n.
    gemmPackedCols(dz0, dz1, w1, rows, n2, <usize>n2 << 2, 4, 4, <usize>n2 << 2, ld, true, scratch, j0, j1);
    for (let r: usize = 0; r < <usize>rows; r++) {
      const d = dz0 + r * ld + col, y = h + r * ld + col;
      if (act == ACT_TANH) tanhBackward(d, d, y, width);
      else if (act == ACT_SIGMOID) sigmoidBackward(d, d, y, width);
      else if (act == ACT_RELU) reluBackward(d, d, y, width);
    }
  }
  colSumStrided(db0 + col, dz0 + col, rows, width, n);
  sparseWeightGradCols(dw0, nz, val, c, dz0, rows, k, n, j0, j1);
}

/** All units of firstLayerBackward (see src/core/kernels/kernels.ts). */
export function firstLayerBackward(dw0: usize, db0: usize, dw1: usize, dz0: usize, nz: usize, val: usize, c: usize, h: usize, dz1: usize, w1: usize,
  scratch: usize, rows: i32, k: i32, n: i32, n2: i32, act: i32): void {
  firstLayerBackwardCols(dw0, db0, dw1, dz0, nz, val, c, h, dz1, w1, scratch, rows, k, n, n2, act, 0, n);
}
