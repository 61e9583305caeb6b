// Max-pooling over 2 x 2 windows, stride 2, of images stored (images, h, w, c), channels last: 4 channels at a
// time. An odd last row or column is dropped (and gets no gradient). The backward pass recomputes which element
// of each window was the maximum (the first, in row-major order, equal to the output) instead of storing it.

/** out (images, h/2, w/2, c) = the maximum of each 2 x 2 window of x, as m = m < v ? v : m in row-major order. */
export function maxPoolForward(out: usize, x: usize, images: i32, h: i32, w: i32, c: i32): void {
  const oh = h >> 1, ow = w >> 1, cb = <usize>c << 2, c4 = <usize>(c & ~3) << 2, line = <usize>w * cb;
  let dst = out;
  for (let n = 0; n < images; n++) {
    const img = x + <usize>n * <usize>h * line;
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++, dst += cb) {
        const p = img + <usize>(2 * py) * line + <usize>(2 * px) * cb, q = p + line;
        let j: usize = 0;
        for (; j < c4; j += 16) {
          let m = v128.load(p + j);
          m = f32x4.pmax(m, v128.load(p + cb + j));
          m = f32x4.pmax(m, v128.load(q + j));
          v128.store(dst + j, f32x4.pmax(m, v128.load(q + cb + j)));
        }
        for (; j < cb; j += 4) {
          let m = load<f32>(p + j), v = load<f32>(p + cb + j);
          m = m < v ? v : m; v = load<f32>(q + j);
          m = m < v ? v : m; v = load<f32>(q + cb + j);
          store<f32>(dst + j, m < v ? v : m);
        }
      }
    }
  }
}

/**
 * dx = dy routed to the first element of each window of x equal to its output y, 0 elsewhere; with relu, also 0
 * where x <= 0 (the ReLU backward pass of the layer below, whose output x is, applied on the way). dx may be x:
 * each window is loaded whole before it is stored, and only the dropped odd row and column are zeroed apart.
 */
// @ts-ignore: decorator
@inline function routeBack(dx: usize, dy: usize, x: usize, y: usize, images: i32, h: i32, w: i32, c: i32, relu: bool): void {
  const oh = h >> 1, ow = w >> 1, cb = <usize>c << 2, c4 = <usize>(c & ~3) << 2, line = <usize>w * cb;
  const zero = f32x4.splat(0.0);
  let at: usize = 0;
  for (let n = 0; n < images; n++) {
    const base = <usize>n * <usize>h * line;
    if (w & 1) for (let r = 0; r < 2 * oh; r++) memory.fill(dx + base + <usize>r * line + <usize>(w - 1) * cb, 0, cb);
    if (h & 1) memory.fill(dx + base + <usize>(h - 1) * line, 0, line);
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++, at += cb) {
        const p = base + <usize>(2 * py) * line + <usize>(2 * px) * cb, q = p + line;
        let j: usize = 0;
        for (; j < c4; j += 16) {
          const m = v128.load(y + at + j), g = v128.load(dy + at + j);
          const x0 = v128.load(x + p + j), x1 = v128.load(x + p + cb + j), x2 = v128.load(x + q + j), x3 = v128.load(x + q + cb + j);
          const e0 = f32x4.eq(x0, m);
          let taken = e0;
          const e1 = v128.andnot(f32x4.eq(x1, m), taken);
          taken = v128.or(taken, e1);
          const e2 = v128.andnot(f32x4.eq(x2, m), taken);
          taken = v128.or(taken, e2);
          const e3 = v128.andnot(f32x4.eq(x3, m), taken);
          // reluBackward's rule, x > 0 ? g : +0, on the routed gradient (+0 already where not routed).
          v128.store(dx + p + j, v128.and(g, relu ? v128.and(e0, f32x4.gt(x0, zero)) : e0));
          v128.store(dx + p + cb + j, v128.and(g, relu ? v128.and(e1, f32x4.gt(x1, zero)) : e1));
          v128.store(dx + q + j, v128.and(g, relu ? v128.and(e2, f32x4.gt(x2, zero)) : e2));
          v128.store(dx + q + cb + j, v128.and(g, relu ? v128.and(e3, f32x4.gt(x3, zero)) : e3));
        }
        for (; j < cb; j += 4) {
          const m = load<f32>(y + at + j), g = load<f32>(dy + at + j);
          const x0 = load<f32>(x + p + j), x1 = load<f32>(x + p + cb + j), x2 = load<f32>(x + q + j), x3 = load<f32>(x + q + cb + j);
          const e0 = x0 == m;
          const e1 = !e0 && x1 == m;
          const e2 = !e0 && !e1 && x2 == m;
          const e3 = !e0 && !e1 && !e2 && x3 == m;
          store<f32>(dx + p + j, e0 && (!relu || x0 > 0) ? g : 0);
          store<f32>(dx + p + cb + j, e1 && (!relu || x1 > 0) ? g : 0);
          store<f32>(dx + q + j, e2 && (!relu || x2 > 0) ? g : 0);
          store<f32>(dx + q + cb + j, e3 && (!relu || x3 > 0) ? g : 0);
        }
      }
    }
  }
}

/** dx (images, h, w, c) = dy routed to the first element of each window equal to its output y, 0 elsewhere; dx may be x. */
export function maxPoolBackward(dx: usize, dy: usize, x: usize, y: usize, images: i32, h: i32, w: i32, c: i32): void {
  routeBack(dx, dy, x, y, images, h, w, c, false);
}

/**
 * maxPoolBackward then reluBackward over dx with x as the ReLU's output, in one pass: when the layer below pools
 * a ReLU's output, its gradient (as large as that output) is written once instead of written, read and rewritten.
 * dx may be x, so that gradient can take the output's place.
 */
export function maxPoolReluBackward(dx: usize, dy: usize, x: usize, y: usize, images: i32, h: i32, w: i32, c: i32): void {
  routeBack(dx, dy, x, y, images, h, w, c, true);
}
