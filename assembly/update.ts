// The optimiser steps, each one flat loop over a parameter block (weights and biases alike: gradients and
// moments share the parameters' layout): SGD with momentum (plain or Nesterov) and Adam / AdamW, both with
// L1 / L2 penalties added to the gradient.

/** sign(w) per lane with sign(0) = 0: 1 carrying w's sign bit, masked off where w == 0. */
// @ts-ignore: decorator
@inline function sign4(w: v128): v128 {
  const one = v128.or(f32x4.splat(1.0), v128.and(w, i32x4.splat(0x80000000)));
  return v128.and(one, f32x4.ne(w, f32x4.splat(0.0)));
}

/**
 * g (n) += l2 w + l1 sign(w) (written back); v (n) = gamma v + lr g; w (n) -= v, or with nesterov != 0
 * w (n) -= gamma v + lr g (the look-ahead step, with v already updated).
 */
export function sgdUpdate(w: usize, g: usize, v: usize, n: i32, lr: f32, gamma: f32, l2: f32, l1: f32, nesterov: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  const vlr = f32x4.splat(lr), vgamma = f32x4.splat(gamma), vl2 = f32x4.splat(l2), vl1 = f32x4.splat(l1);
  let i: usize = 0;
  // Without penalties g stays as it is (g + 0 w + 0 sign(w) is g for finite w), so neither is computed nor g
  // stored: half the instructions of the loop below.
  if (l2 == 0 && l1 == 0 && nesterov == 0) {
    for (; i < n4; i += 16) {
      const vi = f32x4.add(f32x4.mul(vgamma, v128.load(v + i)), f32x4.mul(vlr, v128.load(g + i)));
      v128.store(v + i, vi);
      v128.store(w + i, f32x4.sub(v128.load(w + i), vi));
    }
    for (; i < end; i += 4) {
      const vi = gamma * load<f32>(v + i) + lr * load<f32>(g + i);
      store<f32>(v + i, vi);
      store<f32>(w + i, load<f32>(w + i) - vi);
    }
    return;
  }
  for (; i < n4; i += 16) {
    const wi = v128.load(w + i);
    const gi = f32x4.add(f32x4.add(v128.load(g + i), f32x4.mul(vl2, wi)), f32x4.mul(vl1, sign4(wi)));
    v128.store(g + i, gi);
    const vi = f32x4.add(f32x4.mul(vgamma, v128.load(v + i)), f32x4.mul(vlr, gi));
    v128.store(v + i, vi);
    const step = nesterov != 0 ? f32x4.add(f32x4.mul(vgamma, vi), f32x4.mul(vlr, gi)) : vi;
    v128.store(w + i, f32x4.sub(wi, step));
  }
  for (; i < end; i += 4) {
    const wi = load<f32>(w + i);
    const s: f32 = wi > 0 ? 1 : wi < 0 ? -1 : 0;
    const gi = load<f32>(g + i) + l2 * wi + l1 * s;
    store<f32>(g + i, gi);
    const vi = gamma * load<f32>(v + i) + lr * gi;
    store<f32>(v + i, vi);
    store<f32>(w + i, wi - (nesterov != 0 ? gamma * vi + lr * gi : vi));
  }
}

/** sgdUpdate over a (rows, cols) weight matrix, whatever its layout: the same arithmetic per element. */
export function sgdUpdateMatrix(w: usize, g: usize, v: usize, rows: i32, cols: i32, lr: f32, gamma: f32, l2: f32, l1: f32, nesterov: i32): void {
  sgdUpdate(w, g, v, rows * cols, lr, gamma, l2, l1, nesterov);
}

/** One Adam step on 4 lanes at i (bytes); see adamUpdate. */
// @ts-ignore: decorator
@inline function adam4(w: usize, g: usize, m: usize, v: usize, i: usize, step: v128, b1: v128, c1: v128, b2: v128, c2: v128, eps: v128, rs: v128,
  keep: v128, l2: v128, l1: v128, lanes: i32): void {
  const wi = lanes == 4 ? v128.load(w + i) : v128.load32_splat(w + i);
  const gr = lanes == 4 ? v128.load(g + i) : v128.load32_splat(g + i);
  const mo = lanes == 4 ? v128.load(m + i) : v128.load32_splat(m + i);
  const ve = lanes == 4 ? v128.load(v + i) : v128.load32_splat(v + i);
  const gi = f32x4.add(f32x4.add(gr, f32x4.mul(l2, wi)), f32x4.mul(l1, sign4(wi)));
  const mi = f32x4.add(f32x4.mul(b1, mo), f32x4.mul(c1, gi));
  const vi = f32x4.add(f32x4.mul(b2, ve), f32x4.mul(c2, f32x4.mul(gi, gi)));
  const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vi), rs), eps);
  const wo = f32x4.sub(f32x4.mul(wi, keep), f32x4.div(f32x4.mul(step, mi), denom));
  if (lanes == 4) {
    v128.store(m + i, mi); v128.store(v + i, vi); v128.store(w + i, wo);
  } else {
    v128.store32_lane(m + i, mi, 0); v128.store32_lane(v + i, vi, 0); v128.store32_lane(w + i, wo, 0);
  }
}

/**
 * Adam over n parameters, with the bias corrections folded into step and rs by the host:
 * g' = g + l2 w + l1 sign(w); m = beta1 m + (1 - beta1) g'; v = beta2 v + (1 - beta2) g'^2;
 * w = keep w - step m / (sqrt(v) rs + eps). keep = 1 - lr * weight_decay is AdamW's decoupled decay (1 for Adam).
 */
export function adamUpdate(w: usize, g: usize, m: usize, v: usize, n: i32, step: f32, beta1: f32, beta2: f32, eps: f32, rs: f32, keep: f32, l2: f32, l1: f32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  const vstep = f32x4.splat(step), b1 = f32x4.splat(beta1), c1 = f32x4.splat(1 - beta1), b2 = f32x4.splat(beta2), c2 = f32x4.splat(1 - beta2);
  const veps = f32x4.splat(eps), vrs = f32x4.splat(rs), vkeep = f32x4.splat(keep), vl2 = f32x4.splat(l2), vl1 = f32x4.splat(l1);
  let i: usize = 0;
  for (; i < n4; i += 16) adam4(w, g, m, v, i, vstep, b1, c1, b2, c2, veps, vrs, vkeep, vl2, vl1, 4);
  for (; i < end; i += 4) adam4(w, g, m, v, i, vstep, b1, c1, b2, c2, veps, vrs, vkeep, vl2, vl1, 1);
}

/** adamUpdate over a (rows, cols) weight matrix, whatever its layout: the same arithmetic per element. */
export function adamUpdateMatrix(w: usize, g: usize, m: usize, v: usize, rows: i32, cols: i32, step: f32, beta1: f32, beta2: f32, eps: f32, rs: f32, keep: f32, l2: f32, l1: f32): void {
  adamUpdate(w, g, m, v, rows * cols, step, beta1, beta2, eps, rs, keep, l2, l1);
}
