// Early stopping decides from validation losses alone; both rules, the best epoch, and the switch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarlyStopping } from '../src/train/early-stopping.js';
import type { EarlyStopRule } from '../src/config/schema.js';

function run(losses: number[], patience: number, rule: EarlyStopRule, enabled = true) {
  const s = new EarlyStopping(patience, rule, enabled);
  const verdicts = [];
  for (const [i, loss] of losses.entries()) {
    verdicts.push(s.observe(i + 1, loss));
    if (verdicts.at(-1) === 'stop') break;
  }
  const stopAt = verdicts.indexOf('stop') + 1;
  return { verdicts, stopAt, best: s.bestEpoch };
}

test("'increase' stops after N consecutive rises and remembers the best epoch", () => {
  // Rises at epochs 4, 5 (then a fall resets), then 7, 8, 9.
  const r = run([1.0, 0.8, 0.7, 0.75, 0.76, 0.72, 0.73, 0.74, 0.75, 0.5], 3, 'increase');
  assert.equal(r.stopAt, 9);
  assert.equal(r.best, 3);
  assert.deepEqual(r.verdicts.slice(0, 3), ['improved', 'improved', 'improved']);
});

test("'no_improvement' stops after N epochs without a new best, even when the loss falls", () => {
  const r = run([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.6], 3, 'no_improvement');
  assert.equal(r.stopAt, 6);
  assert.equal(r.best, 3);
});

test('a plateau counts as no improvement but not as a rise', () => {
  assert.equal(run([1, 1, 1, 1, 1], 2, 'no_improvement').stopAt, 3);
  assert.equal(run([1, 1, 1, 1, 1], 2, 'increase').stopAt, 0);
});

test('disabled: never stops, still tracks the best epoch', () => {
  const r = run([1, 2, 3, 4, 5, 0.5, 6], 1, 'increase', false);
  assert.equal(r.stopAt, 0);
  assert.equal(r.best, 6);
});

test('a NaN loss is a strike under both rules, never an improvement', () => {
  assert.equal(run([1, NaN, NaN], 2, 'increase').stopAt, 3);
  assert.equal(run([1, NaN, NaN], 2, 'no_improvement').stopAt, 3);
  assert.equal(run([1, NaN, NaN], 2, 'increase').best, 1);
});
