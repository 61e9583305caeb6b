// The first layer's weight gradient on sparse input: for X = c 1^T + S (sparse-lists.ts), X^T dZ = 1 (c^T dZ)
// + S^T dZ, exact up to float rounding, touches only S's nonzeros and writes dW in W0's column panels (panels.ts).

import { addProduct } from './fused';
import { BLOCKS, LIST_HEADER, blockFrom, blockTo } from './sparse-lists';
import { loadBytes, panelRowBytes, storeBytes } from './panels';

/**
 * Columns [j0, j1) of dw (k, n) = 1 (c^T dz) + S^T dz with dz (rows, n), dw in column panels, j0 a multiple of
 * 4 (16 for the fast path); per element: the c term, then S's terms in row order.
 */
export function sparseWeightGradCols(dw: usize, nz: usize, val: usize, c: usize, dz: usize, rows: i32, k: i32, n: i32, j0: i32, j1: i32): void {
  const ld = <usize>n << 2, ldnz = (<usize>k + <usize>BLOCKS) << 2, ldv = <usize>k << 2, kk = <usize>k;
  const panel = kk << 6; // bytes of a full panel
  let j = <usize>j0 << 2;
  const end = <usize>j1 << 2;
  // Two full panels (32 columns, 8 vectors of dz held per row) per sweep, then narrower strips. This loop spills
  // a few registers, yet runs faster than 16-column sweeps: dw's rows are revisited half as often.
  for (; (j & 63) == 0 && j + 128 <= end && panelRowBytes(j + 64, n) == 64; j += 128) {
    const p0 = dw + j * kk, p1 = p0 + panel;
    let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
    let v4 = f32x4.splat(0), v5 = f32x4.splat(0), v6 = f32x4.splat(0), v7 = f32x4.splat(0);
    for (let r: usize = 0; r < <usize>rows; r++) {
      const cr = v128.load32_splat(c + (r << 2)), d = dz + r * ld + j;
      v0 = f32x4.add(v0, f32x4.mul(cr, v128.load(d))); v1 = f32x4.add(v1, f32x4.mul(cr, v128.load(d, 16)));
      v2 = f32x4.add(v2, f32x4.mul(cr, v128.load(d, 32))); v3 = f32x4.add(v3, f32x4.mul(cr, v128.load(d, 48)));
      v4 = f32x4.add(v4, f32x4.mul(cr, v128.load(d, 64))); v5 = f32x4.add(v5, f32x4.mul(cr, v128.load(d, 80)));
      v6 = f32x4.add(v6, f32x4.mul(cr, v128.load(d, 96))); v7 = f32x4.add(v7, f32x4.mul(cr, v128.load(d, 112)));
    }
    for (let p: usize = 0; p < panel; p += 64) {
      v128.store(p0 + p, v0); v128.store(p0 + p, v1, 16); v128.store(p0 + p, v2, 32); v128.store(p0 + p, v3, 48);
      v128.store(p1 + p, v4); v128.store(p1 + p, v5, 16); v128.store(p1 + p, v6, 32); v128.store(p1 + p, v7, 48);
    }
    // A block of dw's rows at a time (24 KB of the two panels), every batch row's nonzeros in it in row order.
    for (let b = 0; b < BLOCKS; b++) for (let r: usize = 0; r < <usize>rows; r++) {
      const head = nz + r * ldnz, list = head + LIST_HEADER, d = dz + r * ld + j;
      const d0 = v128.load(d), d1 = v128.load(d, 16), d2 = v128.load(d, 32), d3 = v128.load(d, 48);
      const d4 = v128.load(d, 64), d5 = v128.load(d, 80), d6 = v128.load(d, 96), d7 = v128.load(d, 112);
      // Two nonzeros a pass, the second's terms after the first's (their rows of dw differ): half the loop's
      // bookkeeping. Written out: through an inline helper per line of 16 floats, V8 loses that gain.
      const stop = list + blockTo(head, b), delta = val + r * ldv - list;
      let q = list + blockFrom(head, b);
      for (; q + 8 <= stop; q += 8) {
        const s = v128.load32_splat(q + delta), t = v128.load32_splat(q + delta, 4);
        const row = <usize>load<u32>(q), o = p0 + row, e = p1 + row;
        const row2 = <usize>load<u32>(q, 4), o2 = p0 + row2, e2 = p1 + row2;
        v128.store(o, addProduct(v128.load(o), s, d0)); v128.store(o, addProduct(v128.load(o, 16), s, d1), 16);
        v128.store(o, addProduct(v128.load(o, 32), s, d2), 32); v128.store(o, addProduct(v128.load(o, 48), s, d3), 48);
        v128.store(e, addProduct(v128.load(e), s, d4)); v128.store(e, addProduct(v128.load(e, 16), s, d5), 16);
        v128.store(e, addProduct(v128.load(e, 32), s, d6), 32); v128.store(e, addProduct(v128.load(e, 48), s, d7), 48);
        v128.store(o2, addProduct(v128.load(o2), t, d0)); v128.store(o2, addProduct(v128.load(o2, 16), t, d1), 16);
        v128.store(o2, addProduct(v128.load(o2, 32), t, d2), 32); v128.store(o2, addProduct(v128.load(o2, 48), t, d3), 48);
        v128.store(e2, addProduct(v128.load(e2), t, d4)); v128.store(e2, addProduct(v128.load(e2, 16), t, d5), 16);
        v128.store(e2, addProduct(v128.load(e2, 32), t, d6), 32); v128.store(e2, addProduct(v128.load(e2, 48), t, d7), 48);
      }
      if (q < stop) {
        const s = v128.load32_splat(q + delta);
        const row = <usize>load<u32>(q), o = p0 + row, e = p1 + row;
        v128.store(o, addProduct(v128.load(o), s, d0)); v128.store(o, addProduct(v128.load(o, 16), s, d1), 16);
        v128.store(o, addProduct(v128.load(o, 32), s, d2), 32); v128.store(o, addProduct(v128.load(o, 48), s, d3), 48);
        v128.store(e, addProduct(v128.load(e), s, d4)); v128.store(e, addProduct(v128.load(e, 16), s, d5), 16);
        v128.store(e, addProduct(v128.load(e, 32), s, d6), 32); v128.store(e, addProduct(v128.load(e, 48), s, d7), 48);
      }
    }
  }
  // One full panel (16 columns, 4 vectors of dz) per sweep where a range ends half-way through a pair of panels:
  // threads may split the columns at any panel boundary. Each element's sums as in the two-panel sweep.
  for (; (j & 63) == 0 && j + 64 <= end && panelRowBytes(j, n) == 64; j += 64) {
    const p0 = dw + j * kk;
    let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
    for (let r: usize = 0; r < <usize>rows; r++) {
      const cr = v128.load32_splat(c + (r << 2)), d = dz + r * ld + j;
      v0 = f32x4.add(v0, f32x4.mul(cr, v128.load(d))); v1 = f32x4.add(v1, f32x4.mul(cr, v128.load(d, 16)));
      v2 = f32x4.add(v2, f32x4.mul(cr, v128.load(d, 32))); v3 = f32x4.add(v3, f32x4.mul(cr, v128.load(d, 48)));
    }
    for (let p: usize = 0; p < panel; p += 64) {
      v128.store(p0 + p, v0); v128.store(p0 + p, v1, 16); v128.store(p0 + p, v2, 32); v128.store(p0 + p, v3, 48);
    }
    for (let b = 0; b < BLOCKS; b++) for (let r: usize = 0; r < <usize>rows; r++) {
      const head = nz + r * ldnz, list = head + LIST_HEADER, d = dz + r * ld + j;
      const d0 = v128.load(d), d1 = v128.load(d, 16), d2 = v128.load(d, 32), d3 = v128.load(d, 48);
      const stop = list + blockTo(head, b), delta = val + r * ldv - list;
      let q = list + blockFrom(head, b);
      for (; q + 8 <= stop; q += 8) {
        const s = v128.load32_splat(q + delta), t = v128.load32_splat(q + delta, 4);
        const o = p0 + <usize>load<u32>(q), o2 = p0 + <usize>load<u32>(q, 4);
        v128.store(o, addProduct(v128.load(o), s, d0)); v128.store(o, addProduct(v128.load(o, 16), s, d1), 16);
        v128.store(o, addProduct(v128.load(o, 32), s, d2), 32); v128.store(o, addProduct(v128.load(o, 48), s, d3), 48);
        v128.store(o2, addProduct(v128.load(o2), t, d0)); v128.store(o2, addProduct(v128.load(o2, 16), t, d1), 16);
        v128.store(o2, addProduct(v128.load(o2, 32), t, d2), 32); v128.store(o2, addProduct(v128.load(o2, 48), t, d3), 48);
      }
      if (q < stop) {
        const s = v128.load32_splat(q + delta);
        const o = p0 + <usize>load<u32>(q);
        v128.store(o, addProduct(v128.load(o), s, d0)); v128.store(o, addProduct(v128.load(o, 16), s, d1), 16);
        v128.store(o, addProduct(v128.load(o, 32), s, d2), 32); v128.store(o, addProduct(v128.load(o, 48), s, d3), 48);
      }
    }
  }
  // The last, narrower panel whole: see sparseWeightGradNarrow.
  if (j < end && (j & 63) == 0 && end == <usize>n << 2) {
    sparseWeightGradNarrow(dw, nz, val, c, dz, rows, k, n, j);
    return;
  }
  // A range starting mid-panel: width 4 while possible, then single columns computed in lane 0, each within its panel.
  while (j < end) {
    const pw = panelRowBytes(j & ~63, n), base = dw + (j & ~63) * kk + (j & 63);
    const wide = j + 16 <= end;
    let v = f32x4.splat(0);
    for (let r: usize = 0; r < <usize>rows; r++) {
      const dv = wide ? v128.load(dz + r * ld + j) : v128.load32_splat(dz + r * ld + j);
      v = f32x4.add(v, f32x4.mul(v128.load32_splat(c + (r << 2)), dv));
    }
    for (let p: usize = 0; p < kk; p++) {
      if (wide) v128.store(base + p * pw, v);
      else store<f32>(base + p * pw, f32x4.extract_lane(v, 0));
    }
    for (let r: usize = 0; r < <usize>rows; r++) {
      const head = nz + r * ldnz, list = head + LIST_HEADER, vals = val + r * ldv;
      const count = <usize>load<i32>(head) << 2;
      const dv = wide ? v128.load(dz + r * ld + j) : v128.load32_splat(dz + r * ld + j);
      for (let q: usize = 0; q < count; q += 4) {
        const o = base + (<usize>load<u32>(list + q) >> 6) * pw;
        const s = v128.load32_splat(vals + q);
        if (wide) v128.store(o, f32x4.add(v128.load(o), f32x4.mul(s, dv)));
        else store<f32>(o, f32x4.extract_lane(f32x4.add(v128.load32_splat(o), f32x4.mul(s, dv)), 0));
      }
    }
    j += wide ? 16 : 4;
  }
}

/** dw (k, n) = X^T dz for X = c 1^T + S, in column panels: all columns of sparseWeightGradCols. */
export function sparseWeightGrad(dw: usize, nz: usize, val: usize, c: usize, dz: usize, rows: i32, k: i32, n: i32): void {
  sparseWeightGradCols(dw, nz, val, c, dz, rows, k, n, 0, n);
}

/**
 * The last panel, 1-15 columns wide (byte column j to the end of a row of dw), row by row of the batch: each row's
 * nonzeros once, the panel row's columns in up to four vectors, where a strip at a time walked them once per
 * strip. Each element as in the other paths: the c term, then S's terms in row order, multiply then add. Loads of
 * dw run past a panel row into the next (up to 12 bytes past the panel: dw's biases follow), and those lanes are
 * dropped; dz is read and dw written within their rows.
 */
function sparseWeightGradNarrow(dw: usize, nz: usize, val: usize, c: usize, dz: usize, rows: i32, k: i32, n: i32, j: usize): void {
  const ld = <usize>n << 2, ldnz = (<usize>k + <usize>BLOCKS) << 2, ldv = <usize>k << 2, kk = <usize>k;
  const pw = ld - j, base = dw + j * kk;
  let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
  for (let r: usize = 0; r < <usize>rows; r++) {
    const cr = v128.load32_splat(c + (r << 2)), d = dz + r * ld + j;
    v0 = f32x4.add(v0, f32x4.mul(cr, dzPart(d, pw, 0))); v1 = f32x4.add(v1, f32x4.mul(cr, dzPart(d, pw, 16)));
    v2 = f32x4.add(v2, f32x4.mul(cr, dzPart(d, pw, 32))); v3 = f32x4.add(v3, f32x4.mul(cr, dzPart(d, pw, 48)));
  }
  for (let p: usize = 0; p < kk; p++) storeRow(base + p * pw, v0, v1, v2, v3, pw);
  for (let r: usize = 0; r < <usize>rows; r++) {
    const head = nz + r * ldnz, list = head + LIST_HEADER, d = dz + r * ld + j;
    const stop = list + (<usize>load<i32>(head) << 2), delta = val + r * ldv - list;
    const d0 = dzPart(d, pw, 0), d1 = dzPart(d, pw, 16), d2 = dzPart(d, pw, 32), d3 = dzPart(d, pw, 48);
    if (pw <= 16) {
      for (let q = list; q < stop; q += 4) {
        const s = v128.load32_splat(q + delta), o = base + (<usize>load<u32>(q) >> 6) * pw;
        storeBytes(o, f32x4.add(v128.load(o), f32x4.mul(s, d0)), pw);
      }
    } else if (pw <= 32) {
      for (let q = list; q < stop; q += 4) {
        const s = v128.load32_splat(q + delta), o = base + (<usize>load<u32>(q) >> 6) * pw;
        v128.store(o, f32x4.add(v128.load(o), f32x4.mul(s, d0)));
        storeBytes(o + 16, f32x4.add(v128.load(o, 16), f32x4.mul(s, d1)), pw - 16);
      }
    } else if (pw <= 48) {
      for (let q = list; q < stop; q += 4) {
        const s = v128.load32_splat(q + delta), o = base + (<usize>load<u32>(q) >> 6) * pw;
        v128.store(o, f32x4.add(v128.load(o), f32x4.mul(s, d0))); v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(s, d1)), 16);
        storeBytes(o + 32, f32x4.add(v128.load(o, 32), f32x4.mul(s, d2)), pw - 32);
      }
    } else {
      for (let q = list; q < stop; q += 4) {
        const s = v128.load32_splat(q + delta), o = base + (<usize>load<u32>(q) >> 6) * pw;
        v128.store(o, f32x4.add(v128.load(o), f32x4.mul(s, d0))); v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(s, d1)), 16);
        v128.store(o, f32x4.add(v128.load(o, 32), f32x4.mul(s, d2)), 32);
        storeBytes(o + 48, f32x4.add(v128.load(o, 48), f32x4.mul(s, d3)), pw - 48);
      }
    }
  }
}

/** Bytes [at, at + 16) of a dz row pw bytes long, zeros past its end (the batch's last row ends the buffer). */
// @ts-ignore: decorator
@inline function dzPart(d: usize, pw: usize, at: usize): v128 {
  return pw > at ? loadBytes(d + at, pw - at) : f32x4.splat(0);
}

/** One narrow panel row of pw bytes from four vectors. */
// @ts-ignore: decorator
@inline function storeRow(o: usize, v0: v128, v1: v128, v2: v128, v3: v128, pw: usize): void {
  storeBytes(o, v0, pw);
  if (pw > 16) storeBytes(o + 16, v1, pw - 16);
  if (pw > 32) storeBytes(o + 32, v2, pw - 32);
  if (pw > 48) storeBytes(o + 48, v3, pw - 48);
}
