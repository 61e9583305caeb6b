// The TypeScript reference of the Winograd F(2x2, 3x3) kernels: the same algorithm as assembly/winograd.ts (the
// same transforms, tiles and layouts), written with the transform matrices and plain loops in f64, each buffer
// rounded to f32 where it is stored. It does not mirror the wasm kernels' order of additions.

type Matrix = readonly (readonly number[])[];

const BT: Matrix = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]];
const G: Matrix = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];
const AT: Matrix = [[1, 1, 1, 0], [0, 1, -1, -1]];
const transposed = (m: Matrix): Matrix => m[0].map((_, j) => m.map((row) => row[j]));
const B = transposed(BT), GT = transposed(G), A = transposed(AT);

/** L X R^T for X (p, q), L (a, p), R (b, q). */
function sandwich(l: Matrix, x: Matrix, r: Matrix): number[][] {
  return l.map((lr) => r.map((rr) => {
    let s = 0;
    for (let i = 0; i < lr.length; i++) for (let j = 0; j < rr.length; j++) s += lr[i] * x[i][j] * rr[j];
    return s;
  }));
}

/** Tile geometry of a 3x3 convolution with pad zeros each side. */
function tiling(h: number, wd: number, pad: number) {
  const oh = h + 2 * pad - 2, ow = wd + 2 * pad - 2, th = Math.ceil(oh / 2), tw = Math.ceil(ow / 2);
  return { oh, ow, th, tw, per: th * tw };
}

/** u (16, c, oc) = G g G^T and ut (16, oc, c), g the 3x3 taps of (ch, o) in w (9c, oc). */
export function winogradFilter(f: Float32Array, u: number, ut: number, w: number, c: number, oc: number): void {
  for (let ch = 0; ch < c; ch++) for (let o = 0; o < oc; o++) {
    const g = [0, 1, 2].map((ky) => [0, 1, 2].map((kx) => f[w + ((ky * 3 + kx) * c + ch) * oc + o]));
    sandwich(G, g, G).flat().forEach((val, pos) => {
      f[u + (pos * c + ch) * oc + o] = val;
      f[ut + (pos * oc + o) * c + ch] = val;
    });
  }
}

/**
 * The 16 per-position sums over k < n of f[a(pos, k)] * f[b(pos, k)], each stored at out(pos) and read back, rounded
 * to f32 as the WASM kernels keep it, as the 4x4 matrix the next transform takes.
 */
function positionSums(f: Float32Array, n: number, out: (pos: number) => number, a: (pos: number, k: number) => number, b: (pos: number, k: number) => number): number[][] {
  const sums: number[][] = [[], [], [], []];
  for (let pos = 0; pos < 16; pos++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += f[a(pos, k)] * f[b(pos, k)];
    f[out(pos)] = s;
    sums[pos >> 2][pos & 3] = f[out(pos)];
  }
  return sums;
}

/** out = act(conv3x3(x, w) + bias) by F(2x2, 3x3); v (16, tiles, c) = B^T d B per tile; m (16, tiles, oc) = sum over channels of u . v. */
export function winogradForward(f: Float32Array, out: number, v: number, m: number, x: number, u: number, bias: number, images: number, h: number, wd: number, c: number, oc: number, pad: number, tiles: number): void {
  const { oh, ow, th, tw, per } = tiling(h, wd, pad);
  const at = (n: number, y: number, xx: number, ch: number) => (y >= 0 && y < h && xx >= 0 && xx < wd ? f[x + ((n * h + y) * wd + xx) * c + ch] : 0);
  for (let n = 0; n < images; n++) for (let ty = 0; ty < th; ty++) for (let tx = 0; tx < tw; tx++) {
    const t = n * per + ty * tw + tx;
    for (let ch = 0; ch < c; ch++) {
      const d = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((s) => at(n, 2 * ty - pad + r, 2 * tx - pad + s, ch)));
      sandwich(BT, d, BT).flat().forEach((val, pos) => { f[v + (pos * tiles + t) * c + ch] = val; });
    }
    for (let o = 0; o < oc; o++) {
      const mt = positionSums(f, c, (pos) => m + (pos * tiles + t) * oc + o, (pos, ch) => v + (pos * tiles + t) * c + ch, (pos, ch) => u + (pos * c + ch) * oc + o);
      const y = sandwich(AT, mt, AT);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
        if (2 * ty + i < oh && 2 * tx + j < ow) f[out + ((n * oh + 2 * ty + i) * ow + 2 * tx + j) * oc + o] = Math.fround(y[i][j]) + f[bias + o];
      }
    }
  }
}

/** dm (16, tiles, oc) = A dy A^T per tile, dy beyond the output read as 0. */
export function winogradOutputGrad(f: Float32Array, dm: number, dy: number, images: number, oh: number, ow: number, oc: number, tiles: number): void {
  const th = Math.ceil(oh / 2), tw = Math.ceil(ow / 2);
  for (let n = 0; n < images; n++) for (let ty = 0; ty < th; ty++) for (let tx = 0; tx < tw; tx++) for (let o = 0; o < oc; o++) {
    const g = [0, 1].map((i) => [0, 1].map((j) => (2 * ty + i < oh && 2 * tx + j < ow ? f[dy + ((n * oh + 2 * ty + i) * ow + 2 * tx + j) * oc + o] : 0)));
    const t = (n * th + ty) * tw + tx;
    sandwich(A, g, A).flat().forEach((val, pos) => { f[dm + (pos * tiles + t) * oc + o] = val; });
  }
}

/** du (16, c, oc) = per position the sum over the first count tiles of v^T dm (planes of `tiles` rows); dw (9c, oc) = G^T du G. */
export function winogradWeightGrad(f: Float32Array, dw: number, du: number, v: number, dm: number, count: number, tiles: number, c: number, oc: number): void {
  for (let ch = 0; ch < c; ch++) for (let o = 0; o < oc; o++) {
    const dut = positionSums(f, count, (pos) => du + (pos * c + ch) * oc + o, (pos, t) => v + (pos * tiles + t) * c + ch, (pos, t) => dm + (pos * tiles + t) * oc + o);
    sandwich(GT, dut, GT).flat().forEach((val, tap) => { f[dw + (tap * c + ch) * oc + o] = val; });
  }
}

/** dx = sum over tiles of B dv B^T at the tile's input block, dv (16, tiles, c) = per position dm ut. */
export function winogradInputGrad(f: Float32Array, dx: number, dv: number, dm: number, ut: number, images: number, h: number, wd: number, c: number, oc: number, pad: number, tiles: number): void {
  const { th, tw, per } = tiling(h, wd, pad);
  const sums = new Float64Array(images * h * wd * c);
  for (let n = 0; n < images; n++) for (let ty = 0; ty < th; ty++) for (let tx = 0; tx < tw; tx++) {
    const t = n * per + ty * tw + tx;
    for (let ch = 0; ch < c; ch++) {
      const dvt = positionSums(f, oc, (pos) => dv + (pos * tiles + t) * c + ch, (pos, o) => dm + (pos * tiles + t) * oc + o, (pos, o) => ut + (pos * oc + o) * c + ch);
      const dd = sandwich(B, dvt, B);
      for (let r = 0; r < 4; r++) for (let s = 0; s < 4; s++) {
        const y = 2 * ty - pad + r, xx = 2 * tx - pad + s;
        if (y >= 0 && y < h && xx >= 0 && xx < wd) sums[((n * h + y) * wd + xx) * c + ch] += dd[r][s];
      }
    }
  }
  f.set(sums, dx);
}
