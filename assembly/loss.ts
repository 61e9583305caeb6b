// The loss head: row-wise softmax + cross-entropy with its gradient, and argmax accuracy.
// Rows are short (cols = classes), so each row is a few vector steps plus a scalar tail; the max is
// subtracted before exp so no logit can overflow. The loss is summed in f64 across rows.

import { exp4 } from './approx';

/** Row max of x (cols) f32; NaN propagates (f32x4.max / Mathf.max), as the reference's Math.max. */
// @ts-ignore: decorator
@inline function rowMax(x: usize, cols: i32): f32 {
  const c4 = <usize>(cols & ~3) << 2, end = <usize>cols << 2;
  let m: f32 = -Infinity;
  let j: usize = 0;
  if (c4 > 0) {
    let vm = v128.load(x);
    for (j = 16; j < c4; j += 16) vm = f32x4.max(vm, v128.load(x + j));
    m = Mathf.max(Mathf.max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), Mathf.max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
  }
  for (; j < end; j += 4) m = Mathf.max(m, load<f32>(x + j));
  return m;
}

/**
 * dLogits (rows, cols) = (softmax(logits) - q) * gradScale, may alias logits; returns the summed cross-entropy
 * against q, the one-hot labels smoothed: 1 - smoothing + smoothing / cols at the label, smoothing / cols elsewhere.
 */
export function softmaxCrossEntropy(dLogits: usize, logits: usize, labels: usize, rows: i32, cols: i32, gradScale: f32, smoothing: f32): f64 {
  const c4 = <usize>(cols & ~3) << 2, end = <usize>cols << 2, ld = <usize>cols << 2;
  const scale = f32x4.splat(gradScale);
  const qOther: f32 = smoothing / <f32>cols, qLabel: f32 = 1 - smoothing + qOther, vq = f32x4.splat(qOther);
  let loss: f64 = 0;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const x = logits + r * ld, d = dLogits + r * ld;
    const label = <usize>load<u8>(labels + r) << 2;
    const max = rowMax(x, cols), vmax = f32x4.splat(max);
    let j: usize = 0;
    const xl = load<f32>(x + label); // read before d (which may be x) is overwritten
    // The smoothed targets' share of the loss: the logits' mean, shifted by max (summed in f64 as the loss).
    let shifted: f64 = 0;
    if (smoothing != 0) for (j = 0; j < end; j += 4) shifted += <f64>load<f32>(x + j) - <f64>max;
    // Pass 1: d = e^(x - max), summed. Pass 2: d = (d / sum - q) * scale, the label's q last.
    let vsum = f32x4.splat(0);
    for (j = 0; j < c4; j += 16) {
      const e = exp4(f32x4.sub(v128.load(x + j), vmax));
      v128.store(d + j, e);
      vsum = f32x4.add(vsum, e);
    }
    let sum = (f32x4.extract_lane(vsum, 0) + f32x4.extract_lane(vsum, 1)) + (f32x4.extract_lane(vsum, 2) + f32x4.extract_lane(vsum, 3));
    for (; j < end; j += 4) {
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(x + j) - max)), 0);
      store<f32>(d + j, e);
      sum += e;
    }
    loss += smoothing == 0 ? Math.log(<f64>sum) - (<f64>xl - <f64>max)
      : Math.log(<f64>sum) - (<f64>(1 - smoothing) * (<f64>xl - <f64>max) + <f64>smoothing / <f64>cols * shifted);
    const el = load<f32>(d + label);
    const vs = f32x4.splat(sum);
    // Without smoothing q is 0 and 1 exactly, and (p - 0) is p: the same bits as (softmax - onehot).
    for (j = 0; j < c4; j += 16) v128.store(d + j, f32x4.mul(f32x4.sub(f32x4.div(v128.load(d + j), vs), vq), scale));
    for (; j < end; j += 4) store<f32>(d + j, (load<f32>(d + j) / sum - qOther) * gradScale);
    store<f32>(d + label, (el / sum - qLabel) * gradScale);
  }
  return loss;
}

/** How many rows of logits (rows, cols) have their first maximum at the label (ties go to the lower index). */
export function countCorrect(logits: usize, labels: usize, rows: i32, cols: i32): i32 {
  const ld = <usize>cols << 2;
  let correct = 0;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const x = logits + r * ld;
    let best = 0;
    let bestV = load<f32>(x);
    for (let j = 1; j < cols; j++) {
      const v = load<f32>(x + (<usize>j << 2));
      if (v > bestV) { best = j; bestV = v; }
    }
    if (best == <i32>load<u8>(labels + r)) correct++;
  }
  return correct;
}
