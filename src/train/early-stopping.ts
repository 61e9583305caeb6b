// Early stopping on validation loss: remembers the best epoch and says when patience has run out.
// It only decides; the loop saves and restores the weights.

export type Verdict = 'improved' | 'wait' | 'stop';

export class EarlyStopping {
  bestLoss = Infinity;
  bestEpoch = 0;
  private epochsWithoutImprovement = 0;

  /** patience: how many epochs in a row may fail to lower the best validation loss before stopping. */
  constructor(readonly patience: number, readonly enabled = true) {}

  observe(epoch: number, valLoss: number): Verdict {
    if (valLoss < this.bestLoss) {
      this.bestLoss = valLoss;
      this.bestEpoch = epoch;
      this.epochsWithoutImprovement = 0;
      return 'improved';
    }
    this.epochsWithoutImprovement++;
    return this.enabled && this.epochsWithoutImprovement >= this.patience ? 'stop' : 'wait';
  }
}
