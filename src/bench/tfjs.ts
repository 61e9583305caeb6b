// The same training epoch written with TensorFlow.js, so `wasmfit bench` shows the comparison on the user's
// machine: 784-128-10 tanh, batch 128, SGD with momentum, one hand-written step per batch (forward, backward
// and update as tf ops: tfjs-core's Node bundle registers no gradients, so there is no autodiff to lean on).
// Also the way most tfjs users train, model.fit on a two-layer tf.sequential, which needs the union package
// @tensorflow/tfjs (layers, and every gradient registered for autodiff). tfjs is an optional dependency;
// when it is missing the rows say so.

export interface TfjsResult {
  backend: 'wasm' | 'cpu';
  /** Median seconds of one training epoch (train batches only), or why it did not run. */
  seconds: number | null;
  note: string;
}

/** Trains `epochs` epochs on x (count, 784) normalised floats with labels y, returns the median epoch seconds. */
export async function tfjsEpoch(backend: 'wasm' | 'cpu', x: Float32Array, y: Uint8Array, count: number, epochs: number, batch = 128): Promise<TfjsResult> {
  let tf: typeof import('@tensorflow/tfjs-core');
  try {
    tf = await import('@tensorflow/tfjs-core');
    if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    else await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
  } catch (e) {
    return { backend, seconds: null, note: `not run: ${(e as Error).message.split('\n')[0]}` };
  }
  const limit = 1 / Math.sqrt(784), limit1 = 1 / Math.sqrt(128);
  const w0 = tf.variable(tf.randomUniform([784, 128], -limit, limit)), b0 = tf.variable(tf.zeros([128]));
  const w1 = tf.variable(tf.randomUniform([128, 10], -limit1, limit1)), b1 = tf.variable(tf.zeros([10]));
  const params = [w0, b0, w1, b1];
  const velocity = params.map((p) => tf.variable(tf.zerosLike(p)));
  const lr = tf.scalar(0.001), gamma = tf.scalar(0.9), one = tf.scalar(1);
  const xb = new Float32Array(batch * 784), yb = new Float32Array(batch * 10);
  const times: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    for (let first = 0; first + batch <= count; first += batch) {
      xb.set(x.subarray(first * 784, (first + batch) * 784));
      yb.fill(0);
      for (let r = 0; r < batch; r++) yb[r * 10 + y[first + r]] = 1;
      tf.tidy(() => {
        const xs = tf.tensor2d(xb, [batch, 784]), ys = tf.tensor2d(yb, [batch, 10]);
        const h = tf.tanh(tf.add(tf.matMul(xs, w0), b0));
        const probs = tf.softmax(tf.add(tf.matMul(h, w1), b1));
        const dLogits = tf.div(tf.sub(probs, ys), batch);
        const dz0 = tf.mul(tf.matMul(dLogits, w1, false, true), tf.sub(one, tf.square(h)));
        const grads = [tf.matMul(xs, dz0, true, false), tf.sum(dz0, 0), tf.matMul(h, dLogits, true, false), tf.sum(dLogits, 0)];
        params.forEach((p, i) => {
          const v = tf.add(tf.mul(gamma, velocity[i]), tf.mul(lr, grads[i]));
          velocity[i].assign(v);
          p.assign(tf.sub(p, v));
        });
      });
    }
    // Reading a weight back makes sure the queued work of the epoch is done before the clock stops.
    w1.dataSync();
    times.push((performance.now() - t0) / 1000);
  }
  for (const v of [...params, ...velocity, lr, gamma, one]) v.dispose();
  times.sort((a, b) => a - b);
  return { backend, seconds: times[times.length >> 1], note: `tfjs-core ${tf.version_core}, hand-written step, ${epochs} epoch(s)` };
}

/** The same epoch through tf.sequential + model.fit (SGD with momentum, batch 128) on the wasm back end. */
export async function tfjsFitEpoch(x: Float32Array, y: Uint8Array, count: number, epochs: number, batch = 128): Promise<TfjsResult> {
  let tf: typeof import('@tensorflow/tfjs');
  try {
    tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
    await tf.ready();
  } catch (e) {
    return { backend: 'wasm', seconds: null, note: `not run: ${(e as Error).message.split('\n')[0]}` };
  }
  const xs = tf.tensor2d(x.subarray(0, count * 784), [count, 784]);
  const ys = tf.oneHot(tf.tensor1d(Int32Array.from(y.subarray(0, count)), 'int32'), 10);
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 128, activation: 'tanh', inputShape: [784] }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: tf.train.momentum(0.001, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const times: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    await model.fit(xs, ys, { batchSize: batch, epochs: 1, shuffle: true, verbose: 0 });
    times.push((performance.now() - t0) / 1000);
  }
  model.dispose();
  xs.dispose();
  ys.dispose();
  times.sort((a, b) => a - b);
  return { backend: 'wasm', seconds: times[times.length >> 1], note: `tfjs ${tf.version.tfjs}, tf.sequential + model.fit, ${epochs} epoch(s)` };
}
