// The optimiser as the loop sees it: the learning rate of each step from the config's schedule, and the
// update rule that step hands to the model. Steps count batches from the start of the run, so a resumed run
// continues the schedule and Adam's bias corrections where it stopped.

import type { Config } from '../config/schema.js';
import type { UpdateRule } from '../core/model.js';

/** The learning rate of step `step` (0-based) of a run of config.epochs epochs of `batches` batches each. */
export function learningRate(config: Config, step: number, batches: number): number {
  const base = config.learning_rate;
  const warmup = Math.round(config.lr_warmup_epochs * batches);
  if (step < warmup) return (base * (step + 1)) / warmup;
  switch (config.lr_schedule) {
    case 'constant':
      return base;
    case 'step':
      return base * config.lr_step_factor ** Math.floor(step / (config.lr_step_epochs * batches));
    case 'cosine': {
      // From base after the warm-up to lr_min just past the last step.
      const span = config.epochs * batches - warmup, at = step - warmup;
      return config.lr_min + (base - config.lr_min) * 0.5 * (1 + Math.cos((Math.PI * at) / span));
    }
  }
}

/** The update of step `step` at learning rate lr. */
export function updateRule(config: Config, step: number, lr: number): UpdateRule {
  const l2 = config.L2_penalty, l1 = config.L1_penalty;
  if (config.optimizer === 'sgd') {
    // Without momentum gamma is 0, so v = lr * g.
    return { kind: 'sgd', lr, gamma: config.momentum ? config.momentum_gamma : 0, nesterov: config.nesterov, l2, l1 };
  }
  const t = step + 1;
  return {
    kind: 'adam', step: lr / (1 - config.beta1 ** t), beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon,
    rs: 1 / Math.sqrt(1 - config.beta2 ** t), keep: config.optimizer === 'adamw' ? 1 - lr * config.weight_decay : 1, l2, l1,
  };
}
