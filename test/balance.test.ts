// The first layer's column shares between threads (src/core/kernels/balance.ts): proportional to measured speed
// in whole panels, unmoved by noise or by a thread's occasional stall, back to even when the threads are equal again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proportionalShares, ShareBalancer } from '../src/core/kernels/balance.js';

/** Shares are whole grains laid end to end from column 0, the last range possibly ending early, on n. */
function assertWellFormed(counts: number[], n: number, grain: number): void {
  assert.equal(counts.reduce((a, b) => a + b, 0), n, `${counts} sum to ${n}`);
  const lastUsed = counts.reduce((last, c, p) => (c > 0 ? p : last), -1);
  counts.forEach((c, p) => { if (p !== lastUsed) assert.equal(c % grain, 0, `${counts}: part ${p} is not whole panels`); });
}

test('proportional shares: even for equal speeds, more to the faster part, whole panels, each part one at least', () => {
  assert.deepEqual(proportionalShares(128, 16, [1, 1]), [64, 64]);
  assert.deepEqual(proportionalShares(128, 16, [1, 0.5]), [80, 48], 'twice as fast: 85 of 128 columns, rounded to panels');
  assert.deepEqual(proportionalShares(128, 16, [0.01, 1]), [16, 112], 'a very slow part keeps one panel');
  assert.deepEqual(proportionalShares(128, 16, [1, 1, 1]), [48, 48, 32]);
  assert.deepEqual(proportionalShares(16, 16, [1, 1, 1]), [16, 0, 0], 'fewer panels than parts');
  for (const [n, speeds] of [[50, [1, 1]], [33, [1, 2]], [200, [0.3, 1, 0.7]], [17, [1, 1]]] as [number, number[]][]) {
    assertWellFormed(proportionalShares(n, 16, speeds), n, 16);
  }
  assert.deepEqual(proportionalShares(50, 16, [1, 1]), [32, 18], 'the last range ends on n');
});

/** Feeds a balancer calls in which part p takes perColumn[p] * columns microseconds, times (1 + noise). */
function feed(b: ShareBalancer, calls: number, perColumn: number[], noise = () => 0): void {
  for (let i = 0; i < calls; i++) b.record({ columns: b.counts, micros: b.counts.map((c, p) => c * perColumn[p] * (1 + noise())) });
}

test('the balancer moves columns to the faster thread, ignores noise, and returns to even when speeds match again', () => {
  const b = new ShareBalancer(128, 16, [64, 64]);
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.06;
  feed(b, 64 * 6, [4.3, 4.3], noise);
  assert.deepEqual(b.counts, [64, 64], 'equal threads with 3% noise stay even');
  feed(b, 64, [4.3, 7.3]);
  assert.deepEqual(b.counts, [64, 64], 'one window of a slower worker moves nothing');
  feed(b, 64, [4.3, 7.3]);
  assert.deepEqual(b.counts, [80, 48], 'two: a worker 1.7x slower gets 48 of 128 columns');
  feed(b, 64 * 3, [4.3, 7.3]);
  assert.deepEqual(b.counts, [80, 48], 'and keeps them');
  // Windows alternating which thread is slow (Chromium's threads preempting either) never agree on a plan.
  for (let i = 0; i < 6; i++) feed(b, 64, i % 2 ? [4.3, 7.3] : [7.3, 4.3]);
  assert.deepEqual(b.counts, [80, 48], 'alternating noise moves nothing');
  feed(b, 64 * 2, [4.3, 4.3]);
  assert.deepEqual(b.counts, [64, 64], 'equal speeds again: back to even');
});

test('a thread stalled now and then (descheduled for 2.5 ms in 3 calls of each window) keeps its columns', () => {
  const b = new ShareBalancer(128, 16, [64, 64]);
  let call = 0;
  for (let i = 0; i < 64 * 6; i++, call++) {
    const stall = call % 64 < 3 ? 2500 : 0;
    b.record({ columns: b.counts, micros: b.counts.map((c, p) => c * 4.3 + (p === 1 ? stall : 0)) });
  }
  assert.deepEqual(b.counts, [64, 64], 'a few stalled calls are not a slower thread');
  feed(b, 64 * 2, [4.3, 7.3]);
  assert.deepEqual(b.counts, [80, 48], 'while a thread slower in every call still moves the split');
});

test('the pace reports each thread\'s median microseconds per column over the windows since a reset', () => {
  const b = new ShareBalancer(128, 16, [64, 64]);
  assert.deepEqual(b.pace().microsPerColumn, [null, null], 'nothing measured yet');
  feed(b, 64 * 3, [3.5, 3.5]);
  feed(b, 64 * 4, [3.5, 5.7]);
  let pace = b.pace();
  assert.equal(pace.windows, 7);
  assert.equal(pace.microsPerColumn[0], 3.5);
  assert.equal(pace.microsPerColumn[1], 5.7, 'the median window: the worker slower in four of seven');
  assert.deepEqual(pace.columns, [80, 48], 'and the columns it now has');
  b.resetPace();
  assert.deepEqual(b.pace().microsPerColumn, [null, null], 'a reset forgets');
  feed(b, 64, [3.5, 3.7]);
  pace = b.pace();
  assert.equal(pace.windows, 1);
  assert.ok(Math.abs(pace.microsPerColumn[1]! - 3.7) < 1e-9, `worker ${pace.microsPerColumn[1]}`);
  const idle = new ShareBalancer(128, 16, [128, 0]);
  feed(idle, 64, [3.5, 3.5]);
  assert.deepEqual(idle.pace().microsPerColumn, [3.5, null], 'a part without columns has no pace');
});
