// The seeded generator: below(n) must be exactly the textbook rejection sampler (x mod n, redrawing x past the
// largest multiple of n) for every n, since every split, initialisation and shuffle of a seed depends on its draws.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';

/** below(n) by its definition, in exact integer arithmetic on the generator's raw draws. */
function textbookBelow(rng: Rng, n: number): number {
  const range = 2n ** 32n, limit = range - (range % BigInt(n));
  let x: bigint;
  do x = BigInt(rng.nextU32()); while (x >= limit);
  return Number(x % BigInt(n));
}

test('below(n) draws exactly as x mod n with rejection, on both sides of its fast path (n <= 2^21)', () => {
  const sizes = [1, 2, 3, 7, 10, 784, 48000, 60000, 2 ** 21 - 1, 2 ** 21, 2 ** 21 + 1, 3_000_017, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 5];
  for (const n of sizes) {
    const a = new Rng(11, 'below'), b = new Rng(11, 'below');
    for (let i = 0; i < 2000; i++) assert.equal(a.below(n), textbookBelow(b, n), `n = ${n}, draw ${i}`);
  }
});

test('a shuffle is a permutation fixed by the seed', () => {
  const order = (seed: number) => {
    const a = Int32Array.from({ length: 1000 }, (_, i) => i);
    new Rng(seed, 'shuffle').shuffle(a);
    return a;
  };
  assert.deepEqual(order(4), order(4));
  assert.notDeepEqual(order(4), order(5));
  assert.deepEqual([...order(4)].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
});
