// Cases of the loss: softmax cross-entropy over class counts around the vector width, with rows of huge logits
// (stable only with the row's maximum subtracted) and rows of tied ones, out of place and in place; and the
// count of correct rows, whose ties the first maximum must win.

import { APPROX, EXACT, type KernelCase, type Problem, type Tolerance } from './case.js';
import type { CaseInputs } from './inputs.js';

const CLASS_COUNTS = [1, 2, 3, 4, 5, 7, 8, 9, 10, 17];
const shapes = (p: Problem): [number, number][] => [...[1, 3, 5, 17].flatMap((r) => CLASS_COUNTS.map((c): [number, number] => [r, c])), [p.batch, p.classes]];

function softmaxCase(x: CaseInputs, rows: number, cols: number, gradScale: number, inPlace: boolean, what = '', smoothing = 0): KernelCase {
  const logits = x.uniform(rows * cols, -5, 5);
  for (let r = 1; r < rows; r += 4) for (let j = 0; j < cols; j++) logits[r * cols + j] = (x.next() < 0.5 ? -1 : 1) * 100 * (1 + 90 * x.next());
  for (let r = 2; r < rows; r += 4) for (let j = 0; j < cols; j++) logits[r * cols + j] = Math.floor(3 * x.next());
  // dLogits = (p - onehot) * scale with p accurate to ~1e-6 relative; p ~ 1 at the label cancels, hence atol.
  const dTol: Tolerance = { atol: 2e-6 * Math.abs(gradScale), rtol: APPROX.rtol };
  // The loss: per row log(sum) with sum accurate to ~1e-6 relative, so ~1e-6 absolute per row.
  const lossTol: Tolerance = { atol: 2e-6 * rows, rtol: 1e-6 };
  return {
    shape: what || `rows=${rows} cols=${cols} scale=${gradScale} smoothing=${smoothing}${inPlace ? ' in-place' : ''}`,
    inputs: { logits, labels: x.bytes(rows, cols) },
    outputs: inPlace ? {} : { d: new Float32Array(rows * cols) },
    compare: inPlace ? { logits: dTol } : { d: dTol },
    returns: lossTol,
    flops: 0,
    call: (k, q) => k.softmaxCrossEntropy(inPlace ? q.logits : q.d, q.logits, q.labels, rows, cols, gradScale, smoothing),
  };
}

function countCase(x: CaseInputs, rows: number, cols: number, tieRange: number): KernelCase {
  // Integer logits from a small range make ties common: the first maximum must win.
  const logits = Float32Array.from({ length: rows * cols }, () => tieRange > 0 ? Math.floor(tieRange * x.next()) : x.next());
  return {
    shape: `rows=${rows} cols=${cols} ties=${tieRange > 0}`,
    inputs: { logits, labels: x.bytes(rows, cols) },
    compare: {}, returns: EXACT, flops: 0,
    call: (k, q) => k.countCorrect(q.logits, q.labels, rows, cols),
  };
}

export const softmaxSweep = (x: CaseInputs, p: Problem): KernelCase[] =>
  shapes(p).flatMap(([rows, cols]) => [
    softmaxCase(x, rows, cols, 1, false), softmaxCase(x, rows, cols, 1 / rows, true),
    // Label smoothing, out of place and in place.
    softmaxCase(x, rows, cols, 1 / rows, false, '', 0.1), softmaxCase(x, rows, cols, 1, true, '', 0.5),
  ]);
export const softmaxTimed = (x: CaseInputs, p: Problem): KernelCase[] => [softmaxCase(x, p.batch, p.classes, 1 / p.batch, false, `${p.batch}x${p.classes}`)];
export const countCorrectSweep = (x: CaseInputs, p: Problem): KernelCase[] =>
  shapes(p).flatMap(([rows, cols]) => [countCase(x, rows, cols, 3), countCase(x, rows, cols, 0)]);
