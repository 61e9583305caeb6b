// Which weights a run ends with, one rule for every caller (the CLI, the page and the package all train through
// Session.train): the lowest validation loss's after any stop or with early stopping on; the last epoch's only
// when early stopping is off and every epoch ran.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../src/core/backend.js';
import { Session } from '../src/api/session.js';
import { keepsBestWeights, type StopReason } from '../src/train/train.js';
import { DEFAULTS, type Config } from '../src/config/schema.js';
import { loadWasmModule } from '../src/node/wasm-file.js';
import { syntheticData } from './helpers/synthetic.js';

test('the best weights are kept after any stop or with early stopping on, the last only after all epochs without it', () => {
  const reasons: StopReason[] = ['max_epochs', 'early_stop', 'interrupted', 'non_finite_loss', 'diverged'];
  assert.deepEqual(reasons.map((r) => keepsBestWeights(false, r)), [false, true, true, true, true]);
  assert.deepEqual(reasons.map((r) => keepsBestWeights(true, r)), [true, true, true, true, true]);
});

const config: Config = { ...DEFAULTS, layer_specs: [784, 16, 10], activation: 'tanh', learning_rate: 0.2, batch_size: 50, epochs: 5, early_stop: false, seed: 3 };

/** Trains config through a Session, stopping in the middle of epoch `stopIn` if given; each epoch's weights kept. */
async function run(stopIn?: number) {
  const backend = await createBackend('wasm', loadWasmModule);
  try {
    const session = new Session(backend, syntheticData(530, 40), config.seed);
    const model = session.modelFor(config), weights = () => backend.arena.u8(model.params, model.paramBytes).slice();
    const stop = new AbortController(), perEpoch: Uint8Array[] = [];
    const { result } = await session.train(config, {
      signal: stop.signal,
      onEpoch: () => void perEpoch.push(weights()),
      onBatch: (epoch, batch) => { if (epoch === stopIn && batch === 2) stop.abort(); },
    });
    return { result, perEpoch, final: weights() };
  } finally {
    backend.close();
  }
}

test('a run interrupted with early stopping off ends with the weights of its lowest validation loss', async () => {
  const { result, perEpoch, final } = await run(4);
  assert.equal(result.stop_reason, 'interrupted');
  assert.equal(result.weights, 'best');
  const losses = result.history.map((r) => r.val_loss);
  assert.equal(losses.length, 3);
  assert.equal(result.best_epoch, losses.indexOf(Math.min(...losses)) + 1);
  assert.deepEqual(final, perEpoch[result.best_epoch - 1]);
});

test('a run with early stopping off that runs every epoch ends with the last epoch\'s weights', async () => {
  const { result, perEpoch, final } = await run();
  assert.equal(result.stop_reason, 'max_epochs');
  assert.equal(result.weights, 'last');
  assert.equal(result.best_epoch, config.epochs);
  assert.deepEqual(final, perEpoch[config.epochs - 1]);
});
