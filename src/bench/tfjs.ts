// The bench's training epoch in TensorFlow.js, shown at its best: every known form is probed on a slice of the
// epoch (the hand-written step with matMul's transpose flags or with explicit tf.transpose, on the wasm and cpu
// back ends and tfjs-node when installed, and model.fit), then the fastest is timed over whole epochs. The
// hand-written step is forward, backward and update as tf ops (tfjs-core's Node bundle registers no gradients);
// model.fit needs the union package @tensorflow/tfjs. TensorFlow.js is a dev dependency: without it the row
// says how to add it.

import { median } from '../report/statistics.js';
import type { EpochRow, PeerTrial } from './report.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type TfUnion = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Backend = 'wasm' | 'cpu' | 'tensorflow';
type Style = 'transpose' | 'flags' | 'fit';

interface Form { backend: Backend; style: Style }

const BACKENDS: Backend[] = ['tensorflow', 'wasm', 'cpu'];
const STYLES: Style[] = ['transpose', 'flags', 'fit'];
const BACKEND_PACKAGES: Record<Backend, string> = { wasm: '@tensorflow/tfjs-backend-wasm', cpu: '@tensorflow/tfjs-backend-cpu', tensorflow: '@tensorflow/tfjs-node' };
const STYLE_TEXT: Record<Style, string> = { transpose: 'hand-written step, explicit tf.transpose', flags: 'hand-written step, matMul transpose flags', fit: 'tf.sequential + model.fit' };
export const TFJS_INSTALL = 'npm install --no-save @tensorflow/tfjs @tensorflow/tfjs-core @tensorflow/tfjs-backend-wasm @tensorflow/tfjs-backend-cpu';
const BATCH = 128, WARMUP_BATCHES = 20, PROBE_BATCHES = 75, PROBE_ROUNDS = 2;
/** A form keeps warming up (JIT tiers, the wasm heap's growth) until this long has passed: 20 batches are not enough. */
const WARMUP_SECONDS = 0.5;

export interface TfjsOptions {
  x: Float32Array;
  y: Uint8Array;
  count: number;
  /** Whole epochs timed in the fastest form (at least 2; the median is reported). */
  epochs: number;
  log(line: string): void;
}

/** One row: the fastest form's median epoch, with every form's probe in trials and the note. */
export async function tfjsRow(options: TfjsOptions): Promise<EpochRow> {
  const skip = (note: string): EpochRow => ({ backend: 'TensorFlow.js', group: 'peer', threads: null, seconds: null, epochs: 0, note });
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs-core');
  } catch {
    return skip(`not run: TensorFlow.js is not installed (a dev dependency); add it with \`${TFJS_INSTALL}\``);
  }
  const batchesPerEpoch = Math.floor(options.count / BATCH);
  // Probed in rounds over all forms, each form keeping its fastest round: a slow phase of a shared machine lasts
  // seconds, long enough to misrank two forms probed one after the other.
  const trials = new Map<string, PeerTrial & { of?: Form }>();
  for (let round = 0; round < PROBE_ROUNDS; round++) {
    for (const backend of BACKENDS) {
      const unavailable = await useBackend(tf, backend);
      if (unavailable !== null) {
        trials.set(backend, { form: backendText(backend), seconds: null, note: unavailable });
        continue;
      }
      for (const style of STYLES) {
        const form = { backend, style }, label = await formLabel(tf, form);
        const runner = await makeRunner(tf, form, options);
        if (typeof runner === 'string') {
          trials.set(label, { form: label, seconds: null, note: runner });
          continue;
        }
        try {
          const seconds = (await runner.probe()) * batchesPerEpoch, before = trials.get(label)?.seconds;
          if (before == null || seconds < before) trials.set(label, { form: label, of: form, seconds });
          options.log(`tfjs ${label}: ${seconds.toFixed(2)} s/epoch (from ${PROBE_BATCHES} batches, round ${round + 1} of ${PROBE_ROUNDS})`);
        } finally {
          runner.dispose();
        }
      }
    }
  }
  const all = [...trials.values()];
  const timed = all.filter((t) => t.seconds !== null).sort((a, b) => a.seconds! - b.seconds!);
  const report: PeerTrial[] = all.map(({ form, seconds, note }) => ({ form, seconds, ...(note ? { note } : {}) }));
  const tried = all.map((t) => `${t.form}: ${t.seconds === null ? t.note : `${t.seconds.toFixed(2)} s`}`).join('; ');
  if (timed.length === 0) return { ...skip(`not run: no form ran: ${tried}`), trials: report };
  const best = timed[0];
  await useBackend(tf, best.of!.backend);
  const runner = (await makeRunner(tf, best.of!, options)) as Runner;
  const epochs = Math.max(2, options.epochs), times: number[] = [];
  try {
    for (let e = 0; e < epochs; e++) times.push(await runner.epoch());
  } finally {
    runner.dispose();
  }
  const seconds = median(times);
  options.log(`tfjs fastest, ${best.form}: ${seconds.toFixed(3)} s/epoch`);
  const wasmThreads = await wasmThreadCount(tf);
  // The cpu back end is plain JavaScript on the main thread; tfjs-node's threads are its own.
  const threads = best.of!.backend === 'cpu' ? 1 : best.of!.backend === 'wasm' ? wasmThreads.count : null;
  return { backend: `TensorFlow.js (${best.form})`, group: 'peer', threads, seconds, epochs, trials: report,
    note: `tfjs-core ${tf.version_core}; median of ${epochs} epochs in the fastest form probed; each form's epoch as estimated from ${PROBE_BATCHES} batches after a warm-up (the faster of ${PROBE_ROUNDS} rounds), to rank them: ${tried}; ${wasmThreads.note}` };
}

/** Switches to the form's back end; null when it runs, else why not. */
async function useBackend(tf: Tf, backend: Backend): Promise<string | null> {
  try {
    await import(BACKEND_PACKAGES[backend]);
    if (!(await tf.setBackend(backend))) return `tf.setBackend('${backend}') failed`;
    await tf.ready();
    return null;
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    return missing ? `not installed${backend === 'tensorflow' ? ' (its install downloads libtensorflow)' : ''}` : firstLine(e);
  }
}

function backendText(backend: Backend): string {
  return backend === 'tensorflow' ? 'tfjs-node' : backend;
}

async function formLabel(tf: Tf, form: Form): Promise<string> {
  const backend = backendText(form.backend);
  let simd = '';
  if (form.backend === 'wasm') {
    try {
      simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? ' SIMD' : ' without SIMD';
    } catch {
      // the flag is registered by the wasm back end; without it the label stays plain
    }
  }
  return `${backend}${simd}, ${STYLE_TEXT[form.style]}`;
}

/**
 * tfjs-backend-wasm's threads. In Node it reports no multithread support, and forcing the threaded build fails:
 * it starts its workers from blob: URLs, which Node's Worker refuses.
 */
async function wasmThreadCount(tf: Tf): Promise<{ count: number | null; note: string }> {
  try {
    if (!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) return { count: 1, note: 'the wasm back end runs one thread here (WASM_HAS_MULTITHREAD_SUPPORT is false)' };
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    return { count: wasm.getThreadsCount(), note: `the wasm back end runs ${wasm.getThreadsCount()} threads` };
  } catch {
    return { count: null, note: 'the wasm back end did not load' };
  }
}

interface Runner {
  /** Seconds per batch over PROBE_BATCHES batches, after a warm-up. */
  probe(): Promise<number>;
  /** Seconds of one whole epoch. */
  epoch(): Promise<number>;
  dispose(): void;
}

async function makeRunner(tf: Tf, form: Form, o: TfjsOptions): Promise<Runner | string> {
  if (form.style !== 'fit') return stepRunner(tf, form.style === 'transpose', o);
  try {
    const union = await import('@tensorflow/tfjs');
    return fitRunner(union, o);
  } catch (e) {
    return (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' ? '@tensorflow/tfjs (for model.fit) is not installed' : firstLine(e);
  }
}

/**
 * The hand-written step: forward, softmax cross-entropy gradient, backward and the momentum update as tf ops.
 * explicitTranspose: X^T dZ and friends as matMul(tf.transpose(a), b), which tfjs-backend-wasm runs several
 * times faster than matMul(a, b, true, false).
 */
function stepRunner(tf: Tf, explicitTranspose: boolean, o: TfjsOptions): Runner {
  const limit = 1 / Math.sqrt(784), limit1 = 1 / Math.sqrt(128);
  const w0 = tf.variable(tf.randomUniform([784, 128], -limit, limit, 'float32', 0)), b0 = tf.variable(tf.zeros([128]));
  const w1 = tf.variable(tf.randomUniform([128, 10], -limit1, limit1, 'float32', 1)), b1 = tf.variable(tf.zeros([10]));
  const params = [w0, b0, w1, b1];
  const velocity = params.map((p) => tf.variable(tf.zerosLike(p)));
  const lr = tf.scalar(0.001), gamma = tf.scalar(0.9), one = tf.scalar(1);
  const xb = new Float32Array(BATCH * 784), yb = new Float32Array(BATCH * 10);
  const mm = explicitTranspose
    ? (a: Tensor, b: Tensor, ta: boolean, tb: boolean) => tf.matMul(ta ? tf.transpose(a) : a, tb ? tf.transpose(b) : b)
    : (a: Tensor, b: Tensor, ta: boolean, tb: boolean) => tf.matMul(a, b, ta, tb);
  const step = (first: number) => {
    xb.set(o.x.subarray(first * 784, (first + BATCH) * 784));
    yb.fill(0);
    for (let r = 0; r < BATCH; r++) yb[r * 10 + o.y[first + r]] = 1;
    tf.tidy(() => {
      const xs = tf.tensor2d(xb, [BATCH, 784]), ys = tf.tensor2d(yb, [BATCH, 10]);
      const h = tf.tanh(tf.add(tf.matMul(xs, w0), b0));
      const probs = tf.softmax(tf.add(tf.matMul(h, w1), b1));
      const dLogits = tf.div(tf.sub(probs, ys), BATCH);
      const dz0 = tf.mul(mm(dLogits, w1, false, true), tf.sub(one, tf.square(h)));
      const grads = [mm(xs, dz0, true, false), tf.sum(dz0, 0), mm(h, dLogits, true, false), tf.sum(dLogits, 0)];
      params.forEach((p, i) => {
        const v = tf.add(tf.mul(gamma, velocity[i]), tf.mul(lr, grads[i]));
        velocity[i].assign(v);
        p.assign(tf.sub(p, v));
      });
    });
  };
  // Reading a weight back makes sure the queued work is done before the clock stops.
  const run = (batches: number) => {
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) step(b * BATCH);
    w1.dataSync();
    return (performance.now() - t0) / 1000;
  };
  return {
    probe: async () => {
      for (let spent = 0, n = 0; n < WARMUP_BATCHES || spent < WARMUP_SECONDS; n += WARMUP_BATCHES) spent += run(WARMUP_BATCHES);
      return run(PROBE_BATCHES) / PROBE_BATCHES;
    },
    epoch: async () => run(Math.floor(o.count / BATCH)),
    dispose: () => {
      for (const v of [...params, ...velocity, lr, gamma, one]) v.dispose();
    },
  };
}

/** The way most TensorFlow.js users train: a two-layer tf.sequential, SGD with momentum, model.fit with shuffling. */
function fitRunner(tf: TfUnion, o: TfjsOptions): Runner {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 128, activation: 'tanh', inputShape: [784] }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: tf.train.momentum(0.001, 0.9), loss: 'categoricalCrossentropy' });
  const fit = async (rows: number) => {
    const xs = tf.tensor2d(o.x.subarray(0, rows * 784), [rows, 784]);
    const ys = tf.oneHot(tf.tensor1d(Int32Array.from(o.y.subarray(0, rows)), 'int32'), 10);
    try {
      const t0 = performance.now();
      await model.fit(xs, ys, { batchSize: BATCH, epochs: 1, shuffle: true, verbose: 0 });
      return (performance.now() - t0) / 1000;
    } finally {
      xs.dispose();
      ys.dispose();
    }
  };
  return {
    probe: async () => {
      for (let spent = 0; spent < WARMUP_SECONDS;) spent += await fit(WARMUP_BATCHES * BATCH);
      return (await fit(PROBE_BATCHES * BATCH)) / PROBE_BATCHES;
    },
    epoch: () => fit(Math.floor(o.count / BATCH) * BATCH),
    dispose: () => model.dispose(),
  };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
