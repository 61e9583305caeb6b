// A register-blocked plain-JS forward product, for the benchmark only: what careful JavaScript reaches without
// WebAssembly (4x4 tile of C held in locals, B read in place). Not a back end; the reference stays js.ts.

/** c (m, n) = a (m, k) * b (k, n) over f32 views, 4x4 tiles with scalar edges. */
export function gemmNNBlocked(f: Float32Array, c: number, a: number, b: number, m: number, k: number, n: number): void {
  const co = c >> 2, ao = a >> 2, bo = b >> 2;
  const m4 = m & ~3, n4 = n & ~3;
  for (let i = 0; i < m4; i += 4) {
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const bp = bo + p * n + j, b0 = f[bp], b1 = f[bp + 1], b2 = f[bp + 2], b3 = f[bp + 3];
        const a0 = f[ao + i * k + p], a1 = f[ao + (i + 1) * k + p], a2 = f[ao + (i + 2) * k + p], a3 = f[ao + (i + 3) * k + p];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const r0 = co + i * n + j, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      f[r0] = c00; f[r0 + 1] = c01; f[r0 + 2] = c02; f[r0 + 3] = c03;
      f[r1] = c10; f[r1 + 1] = c11; f[r1 + 2] = c12; f[r1 + 3] = c13;
      f[r2] = c20; f[r2 + 1] = c21; f[r2 + 2] = c22; f[r2 + 3] = c23;
      f[r3] = c30; f[r3 + 1] = c31; f[r3 + 2] = c32; f[r3 + 3] = c33;
    }
  }
  // Edges (m % 4 rows, n % 4 columns): plain dot products.
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += f[ao + i * k + p] * f[bo + p * n + j];
      f[co + i * n + j] = sum;
    }
  }
}
