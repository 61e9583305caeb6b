// Early stopping on validation loss: remembers the best epoch and says when to stop. It only decides;
// the loop saves and restores the weights. Two rules, chosen by the config's early_stop_rule:
// - 'increase' (the report's): stop once the validation loss has risen N epochs in a row;
// - 'no_improvement' (Keras' patience): stop once N epochs in a row failed to beat the best loss.

import type { EarlyStopRule } from '../config/schema.js';

export type Verdict = 'improved' | 'wait' | 'stop';

/** What a checkpoint keeps of early stopping, so a resumed run decides exactly as an uninterrupted one. */
export interface EarlyStoppingState {
  bestLoss: number | null;
  bestEpoch: number;
  previousLoss: number | null;
  strikes: number;
}

export class EarlyStopping {
  bestLoss = Infinity;
  bestEpoch = 0;
  private previousLoss = Infinity;
  private strikes = 0;

  /** patience: the N above; enabled = false only tracks the best epoch. */
  constructor(readonly patience: number, readonly rule: EarlyStopRule = 'increase', readonly enabled = true) {}

  // JSON has no Infinity or NaN: both are stored as null (Infinity is the only value they can hold here
  // besides finite ones, since a non-finite loss ends training before it is observed).
  get state(): EarlyStoppingState {
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    return { bestLoss: finite(this.bestLoss), bestEpoch: this.bestEpoch, previousLoss: finite(this.previousLoss), strikes: this.strikes };
  }
  set state(s: EarlyStoppingState) {
    this.bestLoss = s.bestLoss ?? Infinity;
    this.bestEpoch = s.bestEpoch;
    this.previousLoss = s.previousLoss ?? Infinity;
    this.strikes = s.strikes;
  }

  observe(epoch: number, valLoss: number): Verdict {
    const improved = valLoss < this.bestLoss;
    if (improved) {
      this.bestLoss = valLoss;
      this.bestEpoch = epoch;
    }
    const strike = this.rule === 'increase' ? !(valLoss <= this.previousLoss) : !improved;
    this.strikes = strike ? this.strikes + 1 : 0;
    this.previousLoss = valLoss;
    if (this.enabled && this.strikes >= this.patience) return 'stop';
    return improved ? 'improved' : 'wait';
  }
}
