// Cases of swapRows: random pairs with a row swapped with itself and a pair swapped back (the in-place moves a
// shuffle makes), rows around the vector width, and a whole split of the problem's images.

import { EXACT, type KernelCase, type Problem } from './case.js';
import type { CaseInputs } from './inputs.js';

function swapRowsCase(x: CaseInputs, rows: number, dim: number, swaps: number, classes: number): KernelCase {
  const pairs = x.ints(2 * swaps, rows);
  if (swaps >= 3) { pairs[2] = pairs[3]; pairs[4] = pairs[1]; pairs[5] = pairs[0]; }
  return {
    shape: `rows=${rows} dim=${dim} swaps=${swaps}`,
    inputs: { images: x.bytes(rows * dim, 256), labels: x.bytes(rows, classes), stats: x.uniform(2 * rows, 0, 255), swaps: pairs },
    compare: { images: EXACT, labels: EXACT, stats: EXACT },
    flops: 0,
    call: (k, q) => k.swapRows(q.images, q.labels, q.stats, q.swaps, swaps, dim),
  };
}

export const swapRowsSweep = (x: CaseInputs, p: Problem): KernelCase[] => [
  ...[1, 2, 7].flatMap((rows) => [1, 15, 16, 17, 33].map((dim) => swapRowsCase(x, rows, dim, 5, p.classes))),
  swapRowsCase(x, 300, p.inputs, 299, p.classes), swapRowsCase(x, 9, p.inputs, 0, p.classes),
];
