// The oracle for predict's probabilities: softmax of logits in double precision, the largest logit subtracted
// first, rounded to f32 (as the Classifier computes them).

/** Row-wise softmax of logits (rows, classes). */
export function softmax(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let at = 0; at < logits.length; at += classes) {
    const row = logits.subarray(at, at + classes), max = Math.max(...row);
    const sum = row.reduce((s, x) => s + Math.exp(x - max), 0);
    row.forEach((x, c) => { out[at + c] = Math.exp(x - max) / sum; });
  }
  return out;
}
