// What the training loop, checkpoints, the gradient check and model files need of a network, whichever kind:
// the dense network (model.ts) or one built from a layer list (conv-net.ts), and the steps both kinds take the
// same way (initialisation, the optimiser step, the best copy, evaluation over a split). Each kind keeps its own
// layout and forward/backward passes.

import type { BatchNoise, ExampleRange, Metrics, StoredExamples, UpdateRule } from './model.js';
import type { NetworkSpec } from './networks.js';
import type { Arena } from './memory.js';
import type { Kernels } from './kernels/kernels.js';
import { Rng } from './rng.js';

export type { Metrics };

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** One layer's weights or biases, addressed by their model-file index in a parameter-shaped buffer. */
export interface ParameterGroup {
  /** The layer's index in the model file's tensor names (layers.{layer}.weight). */
  layer: number;
  kind: 'weight' | 'bias';
  count: number;
  /** Byte offset of element `index` (model-file order) in base (default: the parameters). */
  offset(index: number, base?: number): number;
}

export interface Trainable {
  readonly spec: NetworkSpec;
  readonly maxRows: number;
  /** Inputs per example: an image's pixels times its channels. */
  readonly inputSize: number;
  /** Parameters, gradients, velocities and the best copy: paramBytes each, one layout. */
  readonly params: number;
  readonly grads: number;
  /** SGD's velocity, or Adam's first moment. */
  readonly velocity: number;
  /** Adam's second moment (unused by SGD). */
  readonly secondMoment: number;
  readonly best: number;
  readonly paramBytes: number;
  initialise(seed: number): void;
  /** A training batch passes its noise (augmentation, dropout, label smoothing); evaluation passes none. */
  gather(data: StoredExamples, split: ExampleRange, first: number, rows: number, noise?: BatchNoise): void;
  forward(rows: number, noise?: BatchNoise): number;
  correct(rows: number): number;
  backward(rows: number): void;
  update(rule: UpdateRule): void;
  evaluate(data: StoredExamples, split: ExampleRange): Metrics;
  predict(data: StoredExamples, split: ExampleRange): { predicted: Uint8Array; labels: Uint8Array };
  predicted(rows: number): Uint8Array;
  logits(rows: number): Float32Array;
  saveBest(): void;
  restoreBest(): void;
  exportTensors(): NamedTensor[];
  importTensors(tensors: Map<string, Float32Array>): void;
  parameterGroups(): ParameterGroup[];
  /** The labels of the gathered batch. */
  batchLabels(rows: number): Uint8Array;
}

/** Gathers a split in batches of maxRows, in order, and hands each batch's first example and size to fn. */
function forEachBatch(net: Trainable, data: StoredExamples, split: ExampleRange, fn: (first: number, rows: number) => void): void {
  for (let first = 0; first < split.count; first += net.maxRows) {
    const rows = Math.min(net.maxRows, split.count - first);
    net.gather(data, split, first, rows);
    fn(first, rows);
  }
}

/** Mean loss and accuracy over a split, in batches of maxRows. */
export function evaluateSplit(net: Trainable, data: StoredExamples, split: ExampleRange): Metrics {
  let loss = 0, correct = 0;
  forEachBatch(net, data, split, (_, rows) => {
    loss += net.forward(rows);
    correct += net.correct(rows);
  });
  return { loss: loss / split.count, accuracy: correct / split.count };
}

/** The predicted class and the true label of every example of a split, in split order. */
export function predictSplit(net: Trainable, data: StoredExamples, split: ExampleRange): { predicted: Uint8Array; labels: Uint8Array } {
  const predicted = new Uint8Array(split.count), labels = new Uint8Array(split.count);
  forEachBatch(net, data, split, (first, rows) => {
    net.forward(rows);
    predicted.set(net.predicted(rows), first);
    labels.set(net.batchLabels(rows), first);
  });
  return { predicted, labels };
}

/** A layer's weights as initialise draws them: count of them, fanIn inputs each, followed by a ReLU or not. */
export interface WeightDraw {
  count: number;
  fanIn: number;
  relu: boolean;
  /** Stores the drawn weights, given in model-file order, in the network's own layout. */
  store(weights: Float32Array): void;
}

/**
 * Starts a network afresh from seed: zero parameters (so zero biases) and moments, then each layer's weights in
 * turn, He-normal into a ReLU and uniform in +-1/sqrt(fan_in) elsewhere (PyTorch's default). Drawn in model-file
 * order, whatever the storage layout, so a seed gives the same network.
 */
export function initialiseWeights(net: Trainable, arena: Arena, seed: number, layers: WeightDraw[]): void {
  const rng = new Rng(seed, 'init');
  for (const at of [net.params, net.velocity, net.secondMoment]) arena.u8(at, net.paramBytes).fill(0);
  for (const { count, fanIn, relu, store } of layers) {
    const w = new Float32Array(count);
    if (relu) {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    } else {
      const limit = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * limit;
    }
    store(w);
  }
}

/** A weight matrix (rows, cols) at byte offset `at` in a parameter-shaped buffer. */
export interface WeightMatrix {
  at: number;
  rows: number;
  cols: number;
}

/**
 * One optimiser step by the rule's kernel: the weights (the first weightBytes of the layout) carry L1/L2 and
 * AdamW's decay, the biases after them do not. With matrices, the weights go matrix by matrix (so threads split
 * the first layer's by the columns its other kernels split by); without, in one flat pass.
 */
export function updateParameters(k: Kernels, net: Trainable, rule: UpdateRule, weightBytes: number, matrices?: WeightMatrix[]): void {
  const [w, g, m, v] = [net.params, net.grads, net.velocity, net.secondMoment];
  const wb = weightBytes, biases = (net.paramBytes - wb) / 4;
  if (rule.kind === 'sgd') {
    const { lr, gamma, l2, l1 } = rule, nesterov = rule.nesterov ? 1 : 0;
    if (!matrices) k.sgdUpdate(w, g, m, wb / 4, lr, gamma, l2, l1, nesterov);
    for (const { at, rows, cols } of matrices ?? []) k.sgdUpdateMatrix(w + at, g + at, m + at, rows, cols, lr, gamma, l2, l1, nesterov);
    k.sgdUpdate(w + wb, g + wb, m + wb, biases, lr, gamma, 0, 0, nesterov);
    return;
  }
  const { step, beta1, beta2, epsilon, rs, keep, l2, l1 } = rule;
  if (!matrices) k.adamUpdate(w, g, m, v, wb / 4, step, beta1, beta2, epsilon, rs, keep, l2, l1);
  for (const { at, rows, cols } of matrices ?? []) k.adamUpdateMatrix(w + at, g + at, m + at, v + at, rows, cols, step, beta1, beta2, epsilon, rs, keep, l2, l1);
  k.adamUpdate(w + wb, g + wb, m + wb, v + wb, biases, step, beta1, beta2, epsilon, rs, 1, 0, 0);
}

/** Copies the parameters to the best copy (save) or back (restore), for early stopping. */
export function copyBest(net: Trainable, arena: Arena, save: boolean): void {
  const [from, to] = save ? [net.params, net.best] : [net.best, net.params];
  arena.u8(to, net.paramBytes).set(arena.u8(from, net.paramBytes));
}

/** Each row's first maximum of logits (rows, classes), as countCorrect counts. */
export function argmaxRows(logits: Float32Array, rows: number, classes: number): Uint8Array {
  const out = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}
