// The kernels the bench times, at the bench network's training shapes, with their inputs (random weights and
// gradients from a fixed seed, a real batch of images for the sparse layer) and the variants they run on.

import { createBackend } from '../core/backend.js';
import { ACT, NZ_HEADER, nzOffsetsAt, type ThreadPace, type ThreadStats } from '../core/kernels/kernels.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { Rng } from '../core/rng.js';
import type { Session } from '../node/session.js';
import { nodeThreadOptions } from '../node/threads.js';
import { loadWasmModule } from '../node/wasm-file.js';
import { gemmNNBlocked } from './js-blocked.js';
import type { KernelCase, KernelTable, KernelVariant } from './kernel-timing.js';
import { BATCH as B, CLASSES as CLS, HIDDEN as HID, PIXELS as PIX } from './network.js';

/** The JS reference first (every other variant is checked against it), a hand-blocked JS product, the wasm builds. */
export async function kernelVariants(maxThreads: number, builds: SimdBuild[]): Promise<KernelVariant[]> {
  const js = await createBackend('js', loadWasmModule);
  const variants: KernelVariant[] = [
    { label: 'JS reference', kernels: js.kernels, backend: js },
    { label: 'JS register-blocked', kernels: js.kernels, backend: js, only: ['gemmNN'] },
  ];
  for (const build of builds) {
    const name = build === 'relaxed' ? 'WASM relaxed SIMD' : 'WASM SIMD';
    const load = () => loadWasmModule(build);
    const one = await createBackend('wasm', load);
    variants.push({ label: `${name} 1 thread`, kernels: one.kernels, backend: one });
    if (maxThreads > 1) {
      const many = await createBackend('wasm', load, nodeThreadOptions(maxThreads, build));
      variants.push({ label: `${name} ${maxThreads} threads`, kernels: many.kernels, backend: many });
    }
  }
  return variants;
}

/** The threads' pace on the first layer (HID columns), or null on one thread (no stats). */
export function firstLayerPace(stats: ThreadStats | undefined): ThreadPace | null {
  return stats?.paces.find((p) => p.n === HID && p.windows > 0) ?? null;
}

/** The table over a real batch of the session's images. */
export function kernelTable(session: Session): KernelTable {
  const rng = new Rng(1, 'bench inputs');
  const f32 = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale);
  const weights = PIX * HID + HID * CLS;
  const inputs = {
    a: f32(B * PIX), w: f32(PIX * HID), dz: f32(B * HID), h: f32(B * HID), w1: f32(HID * CLS),
    d1: f32(B * CLS), bias: f32(HID), wsum: f32(HID), logits: f32(B * CLS, 5),
    images: session.arena.u8(session.data.images, B * PIX).slice(), stats: session.arena.f32(session.data.stats, 2 * B).slice(),
    labels: Uint8Array.from({ length: B }, (_, i) => i % CLS), idx: Int32Array.from({ length: B }, (_, i) => i),
    params: f32(weights), grads: f32(weights, 0.01), vel: f32(weights, 0.01),
  };
  const outputs = { c: B * PIX, nz: B * (PIX + NZ_HEADER), val: B * PIX, cc: B, y: B, out: B * HID, dw: PIX * HID, db0: HID, dw1: HID * CLS, dz0: B * HID };
  const gemm = (name: 'gemmNN' | 'gemmTN' | 'gemmNT', what: string, m: number, k: number, n: number, a: string, b: string): KernelCase => ({
    name, shape: `${what} ${m}x${k}x${n}`, flops: 2 * m * k * n, outputs: [{ name: 'c', count: m * n }],
    run: (kern, p, v) => (v.only ? gemmNNBlocked(new Float32Array(v.backend.arena.memory.buffer), p.c, p[a], p[b], m, k, n) : kern[name](p.c, p[a], p[b], m, k, n)),
  });
  const update = (what: string, l2: number): KernelCase => ({
    name: 'sgdUpdate', shape: `${weights} weights, ${what}`, flops: 0, outputs: [{ name: 'params', count: weights }, { name: 'vel', count: weights }],
    run: (k, p) => k.sgdUpdate(p.params, p.grads, p.vel, weights, 0.001, 0.9, l2, 0),
  });
  const cases: KernelCase[] = [
    gemm('gemmNN', 'forward X W0 (dense)', B, PIX, HID, 'a', 'w'),
    gemm('gemmTN', 'weight grad X^T dZ (dense)', PIX, B, HID, 'a', 'dz'),
    gemm('gemmNN', 'forward H W1', B, HID, CLS, 'h', 'w1'),
    gemm('gemmTN', 'weight grad H^T dZ1', HID, B, CLS, 'h', 'd1'),
    gemm('gemmNT', 'input grad dZ1 W1^T', B, CLS, HID, 'd1', 'w1'),
    { name: 'gatherSparse', shape: `batch ${B}x${PIX} (real images)`, flops: 0,
      outputs: [{ name: 'nz', count: B * (PIX + NZ_HEADER), differs: differingLists }, { name: 'val', count: B * PIX }, { name: 'cc', count: B }],
      run: (k, p) => k.gatherSparse(p.nz, p.val, p.cc, p.y, p.images, p.labels, p.stats, p.idx, B, PIX) },
    { name: 'sparseForward', shape: `tanh(X W0 + b) ${B}x${PIX}x${HID}, X sparse`, flops: 2 * B * PIX * HID, outputs: [{ name: 'out', count: B * HID }],
      run: (k, p) => k.sparseForward(p.out, p.nz, p.val, p.cc, p.w, p.wsum, p.bias, B, PIX, HID, ACT.tanh) },
    { name: 'sparseWeightGrad', shape: `X^T dZ ${PIX}x${B}x${HID}, X sparse`, flops: 2 * B * PIX * HID, outputs: [{ name: 'dw', count: PIX * HID }],
      run: (k, p) => k.sparseWeightGrad(p.dw, p.nz, p.val, p.cc, p.dz, B, PIX, HID) },
    // The training step's whole backward pass below the loss, X^T dZ0 being most of its work.
    { name: 'firstLayerBackward', shape: `dW1, dZ0 = tanh'(dZ1 W1^T), db0, X^T dZ0 (${PIX}-${HID}-${CLS}, batch ${B}), X sparse`,
      flops: 2 * B * PIX * HID + 4 * B * HID * CLS,
      outputs: [{ name: 'dw', count: PIX * HID }, { name: 'db0', count: HID }, { name: 'dw1', count: HID * CLS }, { name: 'dz0', count: B * HID }],
      run: (k, p) => k.firstLayerBackward(p.dw, p.db0, p.dw1, p.dz0, p.nz, p.val, p.cc, p.h, p.d1, p.w1, B, PIX, HID, CLS, ACT.tanh) },
    { name: 'softmaxCrossEntropy', shape: `${B}x${CLS}`, flops: 0, outputs: [{ name: 'out', count: B * CLS }],
      run: (k, p) => void k.softmaxCrossEntropy(p.out, p.logits, p.labels, B, CLS, 1 / B) },
    // The bench network's update (momentum, no penalties) and one with L2, which takes the general loop.
    update('momentum', 0), update('momentum and L2', 1e-4),
  ];
  return {
    inputs, outputs, cases,
    prepare: (v, p) => {
      // As a Model does: a threaded back end gets a private copy of the batch per worker, so these rows time the
      // training path (each thread gathers the whole batch; each reads its own copy).
      const copies = v.kernels.batchCopies ?? 0;
      if (copies > 0) {
        const arena = v.backend.arena;
        v.kernels.useBatchCopies!({ nz: p.nz, val: p.val, c: p.cc, y: p.y }, Array.from({ length: copies }, () => ({
          nz: arena.allocF32(outputs.nz), val: arena.allocF32(outputs.val), c: arena.allocF32(outputs.cc), y: arena.alloc(B),
        })));
      }
      // The sparse kernels read the gathered batch.
      v.kernels.gatherSparse(p.nz, p.val, p.cc, p.y, p.images, p.labels, p.stats, p.idx, B, PIX);
    },
  };
}

/** gatherSparse's nonzero lists (read through f32 views) must match exactly up to each row's count. */
function differingLists(ref: Float32Array, got: Float32Array): string | null {
  const a = new Int32Array(ref.buffer, ref.byteOffset, ref.length), b = new Int32Array(got.buffer, got.byteOffset, got.length);
  const a16 = new Uint16Array(ref.buffer, ref.byteOffset, 2 * ref.length), b16 = new Uint16Array(got.buffer, got.byteOffset, 2 * got.length);
  const stride = PIX + NZ_HEADER;
  for (let r = 0; r < B; r++) {
    const at = r * stride;
    for (let h = 0; h < NZ_HEADER; h++) if (a[at + h] !== b[at + h]) return `row ${r}`;
    const first = nzOffsetsAt(r, PIX);
    for (let q = 0; q < a[at]; q++) if (a16[first + q] !== b16[first + q]) return `row ${r}`;
  }
  return null;
}
