// What the bench's kernel table runs: the manifest's timed cases at the bench network's shapes (the sparse
// layer on a real batch of images), on the JS reference, a hand-blocked JS product and each wasm build.

import { createBackend } from '../core/backend.js';
import type { Kernels, ThreadPace, ThreadStats } from '../core/kernels/kernels.js';
import { timedCases } from '../core/kernels/manifest-cases.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import type { Session } from '../node/session.js';
import { nodeThreadOptions } from '../node/threads.js';
import { loadWasmModule } from '../node/wasm-file.js';
import { gemmNNBlocked } from './js-blocked.js';
import type { KernelVariant, NamedCase } from './kernel-timing.js';
import { BATCH, CLASSES, HIDDEN, PIXELS } from './network.js';

/** The JS reference first (every other variant is checked against it), a hand-blocked JS product, the wasm builds. */
export async function kernelVariants(maxThreads: number, builds: SimdBuild[]): Promise<KernelVariant[]> {
  const js = await createBackend('js', loadWasmModule);
  const variants: KernelVariant[] = [
    { label: 'JS reference', kernels: js.kernels, backend: js },
    // The reference with its gemmNN register-blocked: timed on gemmNN only.
    { label: 'JS register-blocked', backend: js, only: ['gemmNN'], kernels: Object.assign(Object.create(js.kernels) as Kernels, {
      gemmNN: (c: number, a: number, b: number, m: number, k: number, n: number) => gemmNNBlocked(new Float32Array(js.arena.memory.buffer), c, a, b, m, k, n) }) },
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

/** The manifest's calls of a training step at the bench network's shapes, over a real batch of the session's images. */
export function benchKernelCases(session: Session): NamedCase[] {
  const pixels = session.arena.u8(session.data.images, BATCH * PIXELS).slice();
  const stats = session.arena.f32(session.data.stats, 2 * BATCH).slice();
  return timedCases({ batch: BATCH, inputs: PIXELS, hidden: HIDDEN, classes: CLASSES, images: { pixels, stats } });
}

/** The threads' pace on the first layer (HIDDEN columns), or null on one thread (no stats). */
export function firstLayerPace(stats: ThreadStats | undefined): ThreadPace | null {
  return stats?.paces.find((p) => p.n === HIDDEN && p.windows > 0) ?? null;
}
