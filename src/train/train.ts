// The training loop, top to bottom: per epoch shuffle, then per batch gather, forward, backward, update;
// then validate, and let early stopping keep the best weights. Platform-neutral: it reports through
// callbacks, never touches files or the console, and yields to the event loop now and then so that a
// signal handler or a Stop button can be heard.

import { dropoutRates, type Config } from '../config/schema.js';
import type { Dataset } from '../data/dataset.js';
import type { BatchNoise } from '../core/model.js';
import type { Trainable } from '../core/network.js';
import { EpochShuffle } from '../data/arrange.js';
import { Rng, streamKey } from '../core/rng.js';
import { learningRate, updateRule } from './optimizer.js';
import { EarlyStopping, type EarlyStoppingState } from './early-stopping.js';
import { eventLoopYield } from './yield.js';
import { ConfigError } from '../core/errors.js';

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  val_loss: number;
  val_accuracy: number;
  seconds: number;
  samples_per_second: number;
  /** The learning rate of the epoch's last batch. */
  learning_rate: number;
  /** Seconds of training since the run started, validation included and the test passes below excluded. */
  elapsed_seconds: number;
  /**
   * The test split after this epoch, only with TrainHooks.testEachEpoch: for learning curves and the time to an
   * accuracy, never for choosing weights (the best epoch is the lowest validation loss's).
   */
  test_loss?: number;
  test_accuracy?: number;
}

/** non_finite_loss: a batch loss was NaN or infinite; diverged: it was finite but past DIVERGED_LOSS. */
export type StopReason = 'early_stop' | 'max_epochs' | 'interrupted' | 'non_finite_loss' | 'diverged';

/**
 * A mean cross-entropy this large means the network gives the right class a probability below e^-1000:
 * no run that is still learning gets there, while one whose learning rate is far too high does within a
 * few batches, long before float32 overflows to a NaN (tanh saturates, softmax stays finite).
 */
export const DIVERGED_LOSS = 1000;

export interface TrainResult {
  history: EpochRecord[];
  /** Which weights the model holds at the end: the lowest validation loss's (keepsBestWeights) or the last epoch's. */
  weights: 'best' | 'last';
  /** The epoch whose weights the model holds at the end (0: the initial weights). */
  best_epoch: number;
  epochs_run: number;
  stop_reason: StopReason;
  seconds: number;
  /** Where a non-finite loss appeared. */
  divergence?: { epoch: number; batch: number; loss: number };
}

/**
 * Everything besides the arena's tensors (weights, velocities, best weights, the train order) that a
 * resumed run needs to continue exactly as if it had never stopped, even in the middle of an epoch.
 */
export interface LoopState {
  /** Epochs completed. */
  epoch: number;
  /** Batches completed of the epoch after that (0 at an epoch boundary). */
  batch: number;
  /** Optimiser steps taken: where the learning-rate schedule and Adam's bias corrections stand. */
  step: number;
  /** Sums over those batches: loss and correct predictions. */
  partialLoss: number;
  partialCorrect: number;
  shuffleRng: number[];
  stopper: EarlyStoppingState;
  history: EpochRecord[];
}

export interface TrainHooks {
  onEpoch?(record: EpochRecord, state: LoopState): void;
  onBatch?(epoch: number, batch: number, batches: number): void;
  /** Called once the loop ends, before the best weights are restored: the arena still holds the live state. */
  onStop?(state: LoopState, reason: StopReason): void;
  /** Aborting stops training after the current batch, with stop_reason 'interrupted'. */
  signal?: AbortSignal;
  /** Continue from a checkpoint: the arena already holds its weights, velocities and train order. */
  resume?: LoopState;
  /** Yields to the event loop; the default is the platform's cheapest (yield.ts). */
  pause?: () => Promise<void>;
  /** Also evaluate the test split after every epoch (EpochRecord.test_loss, test_accuracy): it changes no weight. */
  testEachEpoch?: boolean;
}

/**
 * Whether a run ends with the weights of its lowest validation loss rather than its last ones: always, unless early
 * stopping is off and every epoch ran. A stop of any kind (early, an interrupt, a divergence whose last weights are
 * garbage) hands back the best weights seen; before the first epoch ends, those are the initial ones.
 */
export function keepsBestWeights(earlyStop: boolean, reason: StopReason): boolean {
  return earlyStop || reason !== 'max_epochs';
}

/**
 * Batch `batch` (0-based) of epoch `epoch`'s augmentation, dropout and label smoothing. Every draw is keyed by the
 * seed, epoch and batch (and the row or unit within it), so there is no generator state to carry or split.
 */
export function batchNoise(config: Config, epoch: number, batch: number): BatchNoise {
  const augment = config.augment_shift > 0 || config.augment_flip;
  return {
    augment: augment ? { key: streamKey(config.seed, 'augment', epoch, batch), shift: config.augment_shift, flip: config.augment_flip } : undefined,
    dropout: dropoutRates(config).map((rate, l) => ({ rate, key: rate > 0 ? streamKey(config.seed, 'dropout', epoch, batch, l) : 0 })),
    labelSmoothing: config.label_smoothing,
  };
}

/** How long the loop may run between yields: short enough for a prompt Ctrl-C, long enough to cost nothing. */
const YIELD_EVERY_SECONDS = 0.05;
const now = () => performance.now() / 1000;

export async function train(model: Trainable, data: Dataset, config: Config, hooks: TrainHooks = {}): Promise<TrainResult> {
  const rng = new Rng(config.seed, 'shuffle');
  const stopper = new EarlyStopping(config.early_stop_epoch, config.early_stop_rule, config.early_stop);
  const batch = config.batch_size;
  // The shape, not the pixel count: 16x64 images have a square number of pixels but are no square.
  const [height, width] = data.description.shape;
  // A layer list's augmented gather moves images of any height and width.
  if ((config.augment_shift > 0 || config.augment_flip) && !('layers' in model.spec) && height !== width) {
    throw new ConfigError(`augment_shift, augment_flip: augmentation moves square images, and the data's are ${height}x${width}`, 'set augment_shift: 0 and augment_flip: false for this data');
  }
  const batches = Math.ceil(data.train.count / batch);
  const pause = hooks.pause ?? eventLoopYield();
  const stopped = () => hooks.signal?.aborted === true;
  const history: EpochRecord[] = [];
  let stopReason: StopReason = 'max_epochs';
  let divergence: TrainResult['divergence'];
  let done = 0, firstBatch = 0, partialLoss = 0, partialCorrect = 0, step = 0, lr = learningRate(config, 0, batches);
  const started = now();
  let lastYield = started;
  // The test passes of testEachEpoch are not training, so elapsed_seconds leaves them out; a resumed run
  // counts on from its last recorded epoch.
  let monitorSeconds = 0, elapsedBefore = 0;

  if (hooks.resume) {
    const r = hooks.resume;
    rng.state = r.shuffleRng;
    stopper.state = r.stopper;
    history.push(...r.history);
    elapsedBefore = r.history.at(-1)?.elapsed_seconds ?? 0;
    [done, firstBatch, partialLoss, partialCorrect, step] = [r.epoch, r.batch, r.partialLoss, r.partialCorrect, r.step];
  } else {
    model.initialise(config.seed);
    model.saveBest();
  }
  const snapshot = (): LoopState => ({
    epoch: done, batch: firstBatch, step, partialLoss, partialCorrect,
    shuffleRng: rng.state, stopper: stopper.state, history: [...history],
  });

  while (done < config.epochs && !stopped()) {
    const epoch = done + 1;
    const epochStart = now();
    // A run resumed mid-epoch already holds this epoch's order; shuffling again would change it.
    const shuffle = firstBatch === 0 ? new EpochShuffle(data, data.train, rng) : undefined;
    for (let b = firstBatch; b < batches && !stopped(); b++) {
      const first = b * batch, rows = Math.min(batch, data.train.count - first);
      // This batch's rows in place, the next batch's moving behind this one where the back end has threads.
      shuffle?.place(first + rows);
      shuffle?.placeBehind(first + rows + batch);
      const noise = batchNoise(config, epoch, b);
      model.gather(data, data.train, first, rows, noise);
      const loss = model.forward(rows, noise);
      if (!(loss / rows <= DIVERGED_LOSS)) {
        divergence = { epoch, batch: b + 1, loss: loss / rows };
        break;
      }
      partialLoss += loss;
      partialCorrect += model.correct(rows);
      model.backward(rows);
      lr = learningRate(config, step, batches);
      model.update(updateRule(config, step, lr));
      step++;
      firstBatch = b + 1;
      hooks.onBatch?.(epoch, b + 1, batches);
      if (now() - lastYield > YIELD_EVERY_SECONDS) {
        await pause();
        lastYield = now();
      }
    }
    // Whatever ends the epoch, the stored rows and the ids a checkpoint saves follow the whole epoch's order.
    shuffle?.finish();
    if (divergence) {
      stopReason = Number.isFinite(divergence.loss) ? 'diverged' : 'non_finite_loss';
      break;
    }
    // An interrupted epoch is neither recorded nor allowed to become the best; a checkpoint keeps its progress.
    if (firstBatch < batches) break;
    const trainSeconds = now() - epochStart;
    const val = model.evaluate(data, data.validation);
    const record: EpochRecord = {
      epoch,
      // The training metrics are means over the epoch's batches, measured as the weights moved.
      train_loss: partialLoss / data.train.count,
      train_accuracy: partialCorrect / data.train.count,
      val_loss: val.loss,
      val_accuracy: val.accuracy,
      seconds: now() - epochStart,
      samples_per_second: data.train.count / trainSeconds,
      learning_rate: lr,
      elapsed_seconds: elapsedBefore + now() - started - monitorSeconds,
    };
    if (hooks.testEachEpoch) {
      const testStart = now();
      const test = model.evaluate(data, data.test);
      [record.test_loss, record.test_accuracy] = [test.loss, test.accuracy];
      monitorSeconds += now() - testStart;
    }
    history.push(record);
    [done, firstBatch, partialLoss, partialCorrect] = [epoch, 0, 0, 0];
    const verdict = stopper.observe(epoch, val.loss);
    if (verdict === 'improved') model.saveBest();
    hooks.onEpoch?.(record, snapshot());
    if (verdict === 'stop') {
      stopReason = 'early_stop';
      break;
    }
  }
  if (stopped() && stopReason === 'max_epochs' && done < config.epochs) stopReason = 'interrupted';
  hooks.onStop?.(snapshot(), stopReason);
  const best = keepsBestWeights(config.early_stop, stopReason);
  if (best) model.restoreBest();
  return {
    history,
    weights: best ? 'best' : 'last',
    best_epoch: best ? stopper.bestEpoch : history.length,
    epochs_run: history.length,
    stop_reason: stopReason,
    seconds: now() - started,
    ...(divergence ? { divergence } : {}),
  };
}
