// The optimiser step: SGD with momentum and L1 / L2 penalties, one flat loop over a parameter block
// (weights and biases alike: gradients and velocities share the parameters' layout).

/** sign(w) per lane with sign(0) = 0: 1 carrying w's sign bit, masked off where w == 0. */
// @ts-ignore: decorator
@inline function sign4(w: v128): v128 {
  const one = v128.or(f32x4.splat(1.0), v128.and(w, i32x4.splat(0x80000000)));
  return v128.and(one, f32x4.ne(w, f32x4.splat(0.0)));
}

/** g (n) += l2 w + l1 sign(w) (written back); v (n) = gamma v + lr g; w (n) -= v. */
export function sgdUpdate(w: usize, g: usize, v: usize, n: i32, lr: f32, gamma: f32, l2: f32, l1: f32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  const vlr = f32x4.splat(lr), vgamma = f32x4.splat(gamma), vl2 = f32x4.splat(l2), vl1 = f32x4.splat(l1);
  let i: usize = 0;
  // Without penalties g stays as it is (g + 0 w + 0 sign(w) is g for finite w), so neither is computed nor g
  // stored: half the instructions of the loop below.
  if (l2 == 0 && l1 == 0) {
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
    v128.store(w + i, f32x4.sub(wi, vi));
  }
  for (; i < end; i += 4) {
    const wi = load<f32>(w + i);
    const s: f32 = wi > 0 ? 1 : wi < 0 ? -1 : 0;
    const gi = load<f32>(g + i) + l2 * wi + l1 * s;
    store<f32>(g + i, gi);
    const vi = gamma * load<f32>(v + i) + lr * gi;
    store<f32>(v + i, vi);
    store<f32>(w + i, wi - vi);
  }
}

/** sgdUpdate over a (rows, cols) weight matrix, whatever its layout: the same arithmetic per element. */
export function sgdUpdateMatrix(w: usize, g: usize, v: usize, rows: i32, cols: i32, lr: f32, gamma: f32, l2: f32, l1: f32): void {
  sgdUpdate(w, g, v, rows * cols, lr, gamma, l2, l1);
}

