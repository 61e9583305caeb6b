// The one network every bench row trains or times, config_6's: 784-128-10 tanh, batch 128, SGD with momentum,
// never early-stopped, so every epoch is a full pass. Also the sessions that open it on the real data.

import { DEFAULTS, type Config } from '../config/schema.js';
import { checkNetwork } from '../data/description.js';
import type { SimdBuild } from '../core/kernels/wasm.js';
import { openSession, type Session } from '../node/session.js';
import { enableSimdBuild } from '../node/wasm-file.js';

export const BATCH = 128, PIXELS = 784, HIDDEN = 128, CLASSES = 10;

export const BENCH_CONFIG: Config = {
  ...DEFAULTS, layer_specs: [PIXELS, HIDDEN, CLASSES], activation: 'tanh', learning_rate: 0.001, batch_size: BATCH, epochs: 1, momentum: true, early_stop: false,
};

export interface DataOptions {
  dataDir?: string;
  verify: boolean;
}

/** A session on the real data with the bench's network; the JS back end takes no threads. */
export function benchSession(data: DataOptions, backend: 'wasm' | 'js', threads?: number, simd: SimdBuild = 'plain'): Promise<Session> {
  return openSession({ backend, dataDir: data.dataDir, verify: data.verify, seed: 0, spec: { layerSpecs: BENCH_CONFIG.layer_specs!, activation: 'tanh' },
    batchRows: BATCH, fits: (d) => checkNetwork(BENCH_CONFIG, d, 'the bench (config_6\'s network)'), simd, ...(threads === undefined ? {} : { threads }) });
}

/** Why this process cannot run the relaxed-SIMD build, or null when it can. */
export function relaxedUnavailable(): string | null {
  try {
    enableSimdBuild('relaxed');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The training split as normalised f32 rows in split order, for the peers (which cannot read the arena's u8 pixels). */
export function normalisedTrain(s: Pick<Session, 'data' | 'arena'>): { x: Float32Array; y: Uint8Array; count: number } {
  const { count, ptr } = s.data.train;
  const images = count + s.data.validation.count + s.data.test.count;
  const idx = s.arena.i32(ptr, count), st = s.arena.f32(s.data.stats, 2 * images);
  const pixels = s.arena.u8(s.data.images, images * PIXELS), labels = s.arena.u8(s.data.labels, images);
  const x = new Float32Array(count * PIXELS), y = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const img = idx[r], mean = st[2 * img], inv = st[2 * img + 1];
    for (let j = 0; j < PIXELS; j++) x[r * PIXELS + j] = (pixels[img * PIXELS + j] - mean) * inv;
    y[r] = labels[img];
  }
  return { x, y, count };
}
