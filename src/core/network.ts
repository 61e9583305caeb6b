// What the training loop, checkpoints, the gradient check and model files need of a network, whichever kind:
// the dense network (model.ts) or one built from a layer list (conv-net.ts).

import type { BatchNoise, ExampleRange, Metrics, StoredExamples, UpdateRule } from './model.js';
import type { NetworkSpec } from './networks.js';

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
