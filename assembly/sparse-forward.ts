// The first layer's forward pass on sparse input. About half of Fashion-MNIST's pixels are 0, and after
// per-image normalisation such a pixel is the constant c = -mean/std, so a batch is X = c 1^T + S with
// S = pixel/std sparse: X W = c colsum(W) + S W, exact up to float rounding, touches only S's nonzeros
// (sparse-lists.ts) and W0 in column panels (panels.ts).

import { tanh4, sigmoid4, relu4 } from './activations';
import { addTwoProducts, addProduct } from './fused';
import { ACT_TANH, ACT_SIGMOID, ACT_RELU } from './abi';
import { BLOCKS, LIST_HEADER, blockFrom, blockTo } from './sparse-lists';
import { panelRowBytes, storeBytes } from './panels';

/** Bias add and activation of 4 lanes, the forward epilogue shared by the vector body and the scalar tail. */
// @ts-ignore: decorator
@inline function epilogue(v: v128, bias: v128, act: i32): v128 {
  v = f32x4.add(v, bias);
  if (act == ACT_TANH) return tanh4(v);
  if (act == ACT_SIGMOID) return sigmoid4(v);
  if (act == ACT_RELU) return relu4(v);
  return v;
}

/**
 * out (rows, n) = act(c wsum + S W + bias) with W (k, n) in column panels; also writes wsum (n) = colsum(W),
 * rows summed in order. Per element: c * wsum, then S's terms in column order.
 */
export function sparseForward(out: usize, nz: usize, val: usize, c: usize, w: usize, wsum: usize, bias: usize, rows: i32, k: i32, n: i32, act: i32): void {
  sparseForwardCols(out, nz, val, c, w, wsum, bias, rows, k, n, act, 0, n);
}

/** Columns [j0, j1) of sparseForward, j0 a multiple of 4 (16 for the fast path): how threads split it, each over its own panels. */
export function sparseForwardCols(out: usize, nz: usize, val: usize, c: usize, w: usize, wsum: usize, bias: usize, rows: i32, k: i32, n: i32, act: i32, j0: i32, j1: i32): void {
  const ldo = <usize>n << 2, ldnz = (<usize>k + <usize>BLOCKS) << 2, ldv = <usize>k << 2, kk = <usize>k;
  const start = <usize>j0 << 2, end = <usize>j1 << 2;
  // wsum down each panel's rows: full panels 16 columns at a time (4 independent sums), the last panel 4 columns
  // at a time, then single columns in lane 0 of a splat.
  let jw = start;
  for (; (jw & 63) == 0 && jw + 64 <= end && panelRowBytes(jw, n) == 64; jw += 64) {
    const p = w + jw * kk;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let q: usize = 0; q < kk; q++) {
      const row = p + (q << 6);
      s0 = f32x4.add(s0, v128.load(row)); s1 = f32x4.add(s1, v128.load(row, 16));
      s2 = f32x4.add(s2, v128.load(row, 32)); s3 = f32x4.add(s3, v128.load(row, 48));
    }
    v128.store(wsum + jw, s0); v128.store(wsum + jw, s1, 16); v128.store(wsum + jw, s2, 32); v128.store(wsum + jw, s3, 48);
  }
  // The last, narrow panel whole, in one pass down its rows: two or four sums at a time where a strip of 4 columns
  // then single columns each walked all k rows, one dependent add after another. Each column still sums its rows in
  // order. Loads run up to 28 bytes past a row (at the last, into the 64-byte-aligned parameters after W0); those
  // lanes are dropped.
  if ((jw & 63) == 0 && jw < end && end == <usize>n << 2) {
    const pw = end - jw, p = w + jw * kk;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    if (pw <= 32) {
      for (let q: usize = 0; q < kk; q++) {
        const row = p + q * pw;
        s0 = f32x4.add(s0, v128.load(row)); s1 = f32x4.add(s1, v128.load(row, 16));
      }
    } else {
      for (let q: usize = 0; q < kk; q++) {
        const row = p + q * pw;
        s0 = f32x4.add(s0, v128.load(row)); s1 = f32x4.add(s1, v128.load(row, 16));
        s2 = f32x4.add(s2, v128.load(row, 32)); s3 = f32x4.add(s3, v128.load(row, 48));
      }
    }
    storeBytes(wsum + jw, s0, pw);
    if (pw > 16) storeBytes(wsum + jw + 16, s1, pw - 16);
    if (pw > 32) storeBytes(wsum + jw + 32, s2, pw - 32);
    if (pw > 48) storeBytes(wsum + jw + 48, s3, pw - 48);
    jw = end;
  }
  while (jw < end) {
    const pw = panelRowBytes(jw & ~63, n), p = w + (jw & ~63) * kk + (jw & 63);
    const wide = jw + 16 <= end;
    let acc = f32x4.splat(0);
    for (let q: usize = 0; q < kk; q++) acc = f32x4.add(acc, wide ? v128.load(p + q * pw) : v128.load32_splat(p + q * pw));
    if (wide) v128.store(wsum + jw, acc);
    else store<f32>(wsum + jw, f32x4.extract_lane(acc, 0));
    jw += wide ? 16 : 4;
  }
  // Full panels: 16 columns (4 accumulators) per sweep over a row's nonzeros in one block, each a line of the
  // panel; the partial sums wait in out between blocks. V8 loads a loop body's operands up front, so
  // 4 accumulators + 8 W vectors + 2 broadcasts is what fits in its 15 xmm registers; two nonzeros a pass halve
  // the loop's bookkeeping (V8's stack check, compare, branch). The plain build still adds their terms one after
  // the other (assembly/fused.ts). One pointer walks both lists (a value's address is its offset's plus a
  // constant).
  let j = start;
  for (; (j & 63) == 0 && j + 64 <= end && panelRowBytes(j, n) == 64; j += 64) {
    const pj = w + j * kk;
    for (let b = 0; b < BLOCKS; b++) {
      for (let r: usize = 0; r < <usize>rows; r++) {
        const head = nz + r * ldnz, list = head + LIST_HEADER, o = out + r * ldo + j;
        let a0: v128, a1: v128, a2: v128, a3: v128;
        if (b == 0) {
          const cr = v128.load32_splat(c + (r << 2));
          a0 = f32x4.mul(cr, v128.load(wsum + j)); a1 = f32x4.mul(cr, v128.load(wsum + j, 16));
          a2 = f32x4.mul(cr, v128.load(wsum + j, 32)); a3 = f32x4.mul(cr, v128.load(wsum + j, 48));
        } else {
          a0 = v128.load(o); a1 = v128.load(o, 16); a2 = v128.load(o, 32); a3 = v128.load(o, 48);
        }
        const stop = list + blockTo(head, b), delta = val + r * ldv - list;
        let q = list + blockFrom(head, b);
        for (; q + 8 <= stop; q += 8) {
          const s = v128.load32_splat(q + delta), t = v128.load32_splat(q + delta, 4);
          const wp = pj + <usize>load<u32>(q), wq = pj + <usize>load<u32>(q, 4);
          a0 = addTwoProducts(a0, s, v128.load(wp), t, v128.load(wq)); a1 = addTwoProducts(a1, s, v128.load(wp, 16), t, v128.load(wq, 16));
          a2 = addTwoProducts(a2, s, v128.load(wp, 32), t, v128.load(wq, 32)); a3 = addTwoProducts(a3, s, v128.load(wp, 48), t, v128.load(wq, 48));
        }
        if (q < stop) {
          const s = v128.load32_splat(q + delta);
          const wp = pj + <usize>load<u32>(q);
          a0 = addProduct(a0, s, v128.load(wp)); a1 = addProduct(a1, s, v128.load(wp, 16));
          a2 = addProduct(a2, s, v128.load(wp, 32)); a3 = addProduct(a3, s, v128.load(wp, 48));
        }
        if (b == BLOCKS - 1) {
          v128.store(o, epilogue(a0, v128.load(bias + j), act)); v128.store(o, epilogue(a1, v128.load(bias + j, 16), act), 16);
          v128.store(o, epilogue(a2, v128.load(bias + j, 32), act), 32); v128.store(o, epilogue(a3, v128.load(bias + j, 48), act), 48);
        } else {
          v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
        }
      }
    }
  }
  // The last, narrower panel whole (how every range but one starting mid-panel ends): see sparseForwardNarrow.
  if (j < end && (j & 63) == 0 && end == <usize>n << 2) {
    sparseForwardNarrow(out, nz, val, c, w, wsum, bias, rows, k, n, act, j);
    return;
  }
  // A range starting mid-panel, row by row: 4 columns at a time, then single columns in lane 0 (the same mul,
  // add and epilogue sequence as a vector lane).
  if (j < end) {
    for (let r: usize = 0; r < <usize>rows; r++) {
      const head = nz + r * ldnz, list = head + LIST_HEADER, vals = val + r * ldv, o = out + r * ldo;
      const count = <usize>load<i32>(head) << 2;
      const cr = v128.load32_splat(c + (r << 2));
      for (let jn = j; jn < end;) {
        const pw = panelRowBytes(jn & ~63, n), p = w + (jn & ~63) * kk + (jn & 63);
        const wide = jn + 16 <= end;
        let a0 = f32x4.mul(cr, wide ? v128.load(wsum + jn) : v128.load32_splat(wsum + jn));
        for (let q: usize = 0; q < count; q += 4) {
          const wp = p + (<usize>load<u32>(list + q) >> 6) * pw;
          a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(vals + q), wide ? v128.load(wp) : v128.load32_splat(wp)));
        }
        if (wide) v128.store(o + jn, epilogue(a0, v128.load(bias + jn), act));
        else store<f32>(o + jn, f32x4.extract_lane(epilogue(a0, v128.load32_splat(bias + jn), act), 0));
        jn += wide ? 16 : 4;
      }
    }
  }
}

/**
 * The last panel, 1-15 columns wide (byte column j to the end of a row of out), row by row: each row's nonzeros
 * once, all the panel's columns in up to four vectors (softmax regression's 10 classes: three), where a strip at
 * a time walked the nonzeros once per strip. Each element's terms as in the other paths: c wsum, then S's terms
 * in column order, multiply then add. Loads run past a panel row into the next (their lanes are dropped);
 * stores keep to the row.
 */
function sparseForwardNarrow(out: usize, nz: usize, val: usize, c: usize, w: usize, wsum: usize, bias: usize, rows: i32, k: i32, n: i32, act: i32, j: usize): void {
  const ldo = <usize>n << 2, ldnz = (<usize>k + <usize>BLOCKS) << 2, ldv = <usize>k << 2, kk = <usize>k;
  const pw = ldo - j, pj = w + j * kk, vectors = (pw + 15) >> 4;
  // wsum's columns are done (sparseForwardCols' first loops); up to 12 bytes past them are read and dropped.
  const ws0 = v128.load(wsum + j), ws1 = v128.load(wsum + j, 16), ws2 = v128.load(wsum + j, 32), ws3 = v128.load(wsum + j, 48);
  const b0 = v128.load(bias + j), b1 = v128.load(bias + j, 16), b2 = v128.load(bias + j, 32), b3 = v128.load(bias + j, 48);
  for (let r: usize = 0; r < <usize>rows; r++) {
    const head = nz + r * ldnz, list = head + LIST_HEADER, o = out + r * ldo + j;
    const stop = list + (<usize>load<i32>(head) << 2), delta = val + r * ldv - list;
    const cr = v128.load32_splat(c + (r << 2));
    let a0 = f32x4.mul(cr, ws0), a1 = f32x4.mul(cr, ws1), a2 = f32x4.mul(cr, ws2), a3 = f32x4.mul(cr, ws3);
    if (vectors <= 2) {
      for (let q = list; q < stop; q += 4) {
        const s = v128.load32_splat(q + delta), wp = pj + (<usize>load<u32>(q) >> 6) * pw;
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(wp))); a1 = f32x4.add(a1, f32x4.mul(s, v128.load(wp, 16)));
      }
    } else if (vectors == 3) {
      for (let q = list; q < stop; q += 4) {
        const s = v128.load32_splat(q + delta), wp = pj + (<usize>load<u32>(q) >> 6) * pw;
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(wp))); a1 = f32x4.add(a1, f32x4.mul(s, v128.load(wp, 16)));
        a2 = f32x4.add(a2, f32x4.mul(s, v128.load(wp, 32)));
      }
    } else {
      for (let q = list; q < stop; q += 4) {
        const s = v128.load32_splat(q + delta), wp = pj + (<usize>load<u32>(q) >> 6) * pw;
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(wp))); a1 = f32x4.add(a1, f32x4.mul(s, v128.load(wp, 16)));
        a2 = f32x4.add(a2, f32x4.mul(s, v128.load(wp, 32))); a3 = f32x4.add(a3, f32x4.mul(s, v128.load(wp, 48)));
      }
    }
    storeBytes(o, epilogue(a0, b0, act), pw);
    if (pw > 16) storeBytes(o + 16, epilogue(a1, b1, act), pw - 16);
    if (pw > 32) storeBytes(o + 32, epilogue(a2, b2, act), pw - 32);
    if (pw > 48) storeBytes(o + 48, epilogue(a3, b3, act), pw - 48);
  }
}

