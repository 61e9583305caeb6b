// Cases of the layer products: every size from 1 to 17 around the vector width and the 4x8 tile (1..9 holds
// MR-1..MR+1 = 3..5 and NR-1..NR+1 = 7..9; 12/13 one tile plus an overlapping edge; 16/17 two tiles, +1), k = 0,
// and the products of a training step.

import { gemmTol, type KernelCase, type Problem } from './case.js';
import type { CaseInputs } from './inputs.js';

export type GemmName = 'gemmNN' | 'gemmTN' | 'gemmNT';
const DIMS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17];

function gemmCase(x: CaseInputs, name: GemmName, m: number, k: number, n: number, what = ''): KernelCase {
  return {
    shape: what ? `${what} ${m}x${k}x${n}` : `m=${m} k=${k} n=${n}`,
    // NN: a (m,k) b (k,n); TN: a (k,m) b (k,n); NT: a (m,k) b (n,k): the element counts agree.
    inputs: { a: x.uniform(m * k), b: x.uniform(k * n) },
    // scratch takes B's panels: written, never compared.
    outputs: { c: new Float32Array(m * n), scratch: new Float32Array(2 * k * n) },
    compare: { c: gemmTol(k) },
    flops: 2 * m * k * n,
    call: (kern, p) => kern[name](p.c, p.a, p.b, m, k, n, p.scratch),
  };
}

/** The products a training step of the problem makes with this kernel, as [what, m, k, n]. */
function stepProducts(name: GemmName, p: Problem): [string, number, number, number][] {
  const { batch: B, inputs: I, hidden: H, classes: C } = p;
  if (name === 'gemmNN') return [['forward X W0 (dense)', B, I, H], ['forward H W1', B, H, C]];
  if (name === 'gemmTN') return [['weight grad X^T dZ (dense)', I, B, H], ['weight grad H^T dZ1', H, B, C]];
  return [['input grad dZ1 W1^T', B, C, H]];
}

export function gemmSweep(x: CaseInputs, name: GemmName, p: Problem): KernelCase[] {
  const cases: KernelCase[] = [];
  for (const m of DIMS) for (const k of DIMS) for (const n of DIMS) cases.push(gemmCase(x, name, m, k, n));
  for (const m of [1, 5, 9]) for (const n of [1, 4, 10]) cases.push(gemmCase(x, name, m, 0, n)); // k = 0: C = 0
  // The step's products, and those of a second hidden layer as wide as the first.
  for (const [, m, k, n] of stepProducts(name, p)) cases.push(gemmCase(x, name, m, k, n));
  const { batch: B, inputs: I, hidden: H } = p;
  cases.push(name === 'gemmNN' ? gemmCase(x, name, B, H, H) : name === 'gemmTN' ? gemmCase(x, name, H, B, H) : gemmCase(x, name, B, H, H));
  if (name === 'gemmNT') cases.push(gemmCase(x, name, B, H, I));
  // Big enough for threads to split (1M multiply-adds) into column ranges of whole panels and a ragged end (2 and 3
  // threads), with rows that end inside a 4-row block; and a wide one, whose B rows are 4 KB apart.
  cases.push(gemmCase(x, name, 130, 64, 129));
  cases.push(gemmCase(x, name, 37, 300, 101));
  cases.push(gemmCase(x, name, 12, 96, 1024));
  return cases;
}

export function gemmTimed(x: CaseInputs, name: GemmName, p: Problem): KernelCase[] {
  return stepProducts(name, p).map(([what, m, k, n]) => gemmCase(x, name, m, k, n, what));
}
