// The numerical gradient check (the report's Table 3): for sampled weights and biases of every layer,
// compare backprop's gradient with the central difference (E(w+e) - E(w-e)) / 2e, where E is the mean
// cross-entropy of a fixed batch plus the L2/L1 penalty, with the config's label smoothing and its dropout
// (the first training batch's mask, fixed while E is measured). Platform-neutral.

import type { Config } from '../config/schema.js';
import type { Dataset } from '../data/dataset.js';
import type { Trainable, ParameterGroup } from '../core/network.js';
import type { Arena } from '../core/memory.js';
import { Rng } from '../core/rng.js';
import { batchNoise } from './train.js';

export interface GradCheckOptions {
  /** Examples in the batch E is measured on. */
  rows: number;
  /** Sampled weights per layer (plus one bias per layer). */
  weightsPerLayer: number;
  epsilon: number;
  /** |backprop - numerical| may be at most absTol + relTol * max(|backprop|, |numerical|). */
  absTol: number;
  relTol: number;
}

/**
 * Why these tolerances, for float32 forward passes: the central difference's truncation error is
 * e^2/6 * |E'''| ~ 2e-5 at e = 1e-2; rounding in E (about 2.3, float32 epsilon 6e-8, a few hundred
 * accumulated terms) is ~1e-6 absolute, which the division by 2e = 0.02 magnifies to ~5e-5.
 * So an absolute 2e-4 plus 1% relative is a few times the expected noise, while a wrong derivative
 * (a missing factor, a wrong sign, a dropped term) misses by far more.
 */
export const GRADCHECK_DEFAULTS: GradCheckOptions = { rows: 16, weightsPerLayer: 2, epsilon: 1e-2, absTol: 2e-4, relTol: 1e-2 };

/**
 * Networks with max-pooling: a step of 1e-2 in a first-layer weight moves enough windows' maxima across each
 * other that the central difference averages two slopes (off by 15-25% in measured cases, agreeing at 1e-3);
 * at 1e-3 the rounding noise (~5e-4 / 2e-3 scaled as above) stays inside the same tolerances.
 */
export const GRADCHECK_POOLED: GradCheckOptions = { ...GRADCHECK_DEFAULTS, epsilon: 1e-3 };

export interface GradCheckRow {
  layer: number;
  kind: 'weight' | 'bias';
  /** Flat index in the model file's tensor: row * out + column for dense weights [in, out], row-major for conv [out, in, kh, kw]. */
  index: number;
  backprop: number;
  numerical: number;
  difference: number;
  ok: boolean;
}

export function gradientCheck(model: Trainable, data: Dataset, arena: Arena, config: Config, options: GradCheckOptions = GRADCHECK_DEFAULTS): GradCheckRow[] {
  const rows = Math.min(options.rows, data.train.count);
  const { L2_penalty: l2, L1_penalty: l1 } = config;
  const rng = new Rng(config.seed, 'gradcheck');
  // Augmentation moves the inputs, not the gradient: the batch is gathered as it is.
  const noise = { ...batchNoise(config, 1, 0), augment: undefined };
  model.gather(data, data.train, 0, rows);
  model.forward(rows, noise);
  model.backward(rows);

  // |w| has a kink at 0, so with L1 a step across zero measures l1 * w / e instead of l1 * sign(w):
  // such weights are skipped in favour of ones at least 1.5 e away from zero.
  const groups = model.parameterGroups();
  const layers = Math.max(...groups.map((g) => g.layer)) + 1;
  const group = (layer: number, kind: 'weight' | 'bias') => groups.find((g) => g.layer === layer && g.kind === kind)!;
  const farFromKink = (w: ParameterGroup, index: number) => l1 === 0 || Math.abs(arena.f32(w.offset(index), 1)[0]) > 1.5 * options.epsilon;
  const picks: { layer: number; kind: 'weight' | 'bias'; index: number }[] = [];
  for (let l = layers - 1; l >= 0; l--) {
    const w = group(l, 'weight');
    picks.push({ layer: l, kind: 'bias', index: rng.below(group(l, 'bias').count) });
    for (let i = 0; i < options.weightsPerLayer; i++) {
      let index = rng.below(w.count);
      for (let tries = 0; tries < 100 && !farFromKink(w, index); tries++) index = rng.below(w.count);
      picks.push({ layer: l, kind: 'weight', index });
    }
  }

  // Only the perturbed weight's share of the penalty changes, so it is the only share E needs.
  const penalty = (w: number, regularised: boolean) => (regularised ? 0.5 * l2 * w * w + l1 * Math.abs(w) : 0);
  const loss = () => model.forward(rows, noise) / rows;

  return picks.map(({ layer, kind, index }) => {
    const regularised = kind === 'weight';
    const g = group(layer, kind), at = g.offset(index), gradAt = g.offset(index, model.grads);
    const param = arena.f32(at, 1);
    const w = param[0];
    const backprop = arena.f32(gradAt, 1)[0] + (regularised ? l2 * w + l1 * Math.sign(w) : 0);
    // Read back the stored float32 values, so the step divided by is the step actually taken.
    param[0] = w + options.epsilon;
    const up = param[0];
    const lossUp = loss() + penalty(up, regularised);
    param[0] = w - options.epsilon;
    const down = param[0];
    const lossDown = loss() + penalty(down, regularised);
    param[0] = w;
    const numerical = (lossUp - lossDown) / (up - down);
    const difference = Math.abs(backprop - numerical);
    const ok = difference <= options.absTol + options.relTol * Math.max(Math.abs(backprop), Math.abs(numerical));
    return { layer, kind, index, backprop, numerical, difference, ok };
  });
}
