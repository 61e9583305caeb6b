// The training loop, top to bottom: per epoch shuffle, then per batch gather, forward, backward, update;
// then validate, and let early stopping keep the best weights. Platform-neutral: it reports through
// callbacks and never touches files or the console.

import type { Config } from '../config/schema.js';
import type { Dataset } from '../data/dataset.js';
import type { Model, Metrics } from '../core/model.js';
import { Rng } from '../core/rng.js';
import type { Arena } from '../core/memory.js';
import { EarlyStopping } from './early-stopping.js';

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  val_loss: number;
  val_accuracy: number;
  seconds: number;
  samples_per_second: number;
}

export type StopReason = 'early_stop' | 'max_epochs';

export interface TrainResult {
  history: EpochRecord[];
  /** The epoch whose weights the model holds at the end (the best validation loss when early stopping is on). */
  best_epoch: number;
  epochs_run: number;
  stop_reason: StopReason;
  seconds: number;
}

export interface TrainHooks {
  onEpoch?(record: EpochRecord): void;
}

const now = () => performance.now() / 1000;

export function train(model: Model, data: Dataset, arena: Arena, config: Config, hooks: TrainHooks = {}): TrainResult {
  const rng = new Rng(config.seed, 'shuffle');
  const stopper = new EarlyStopping(config.early_stop_epoch, config.early_stop_rule, config.early_stop);
  const gamma = config.momentum ? config.momentum_gamma : 0;
  const batch = config.batch_size;
  const history: EpochRecord[] = [];
  let stopReason: StopReason = 'max_epochs';
  const started = now();

  model.initialise(config.seed);
  model.saveBest();
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    const epochStart = now();
    rng.shuffle(arena.i32(data.train.ptr, data.train.count));
    const seen: Metrics = { loss: 0, accuracy: 0 };
    for (let first = 0; first < data.train.count; first += batch) {
      const rows = Math.min(batch, data.train.count - first);
      model.gather(data, data.train, first, rows);
      seen.loss += model.forward(rows);
      seen.accuracy += model.correct(rows);
      model.backward(rows);
      model.update(config.learning_rate, gamma, config.L2_penalty, config.L1_penalty);
    }
    const trainSeconds = now() - epochStart;
    const val = model.evaluate(data, data.validation);
    const record: EpochRecord = {
      epoch,
      // The training metrics are means over the epoch's batches, measured as the weights moved.
      train_loss: seen.loss / data.train.count,
      train_accuracy: seen.accuracy / data.train.count,
      val_loss: val.loss,
      val_accuracy: val.accuracy,
      seconds: now() - epochStart,
      samples_per_second: data.train.count / trainSeconds,
    };
    history.push(record);
    hooks.onEpoch?.(record);

    const verdict = stopper.observe(epoch, val.loss);
    if (verdict === 'improved') model.saveBest();
    if (verdict === 'stop') {
      stopReason = 'early_stop';
      break;
    }
  }
  if (config.early_stop) model.restoreBest();
  return {
    history,
    best_epoch: config.early_stop ? stopper.bestEpoch : history.length,
    epochs_run: history.length,
    stop_reason: stopReason,
    seconds: now() - started,
  };
}
