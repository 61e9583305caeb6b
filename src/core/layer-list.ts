// A network as a list of layers (conv2d, maxpool, flatten, dense, dropout), and what each makes of its input:
// the output shape and the parameter count, checked before any memory is reserved. Images are (h, w, c); after
// flatten a layer sees a vector. The last layer is dense with one unit per class; softmax is implied. Dropout
// keeps its input's shape and acts only while training.

import { ACTIVATIONS, type Activation } from './activation.js';

export const LAYER_ACTIVATIONS = ['none', ...ACTIVATIONS] as const;
export type LayerActivation = Activation | 'none';
export const PADDINGS = ['valid', 'same'] as const;
export type Padding = (typeof PADDINGS)[number];

export type LayerSpec =
  | { type: 'conv2d'; filters: number; kernel: number; padding: Padding; activation: LayerActivation }
  | { type: 'maxpool'; size: 2 }
  | { type: 'flatten' }
  | { type: 'dense'; units: number; activation: LayerActivation }
  /** Inverted dropout of the layer before's outputs while training (rate: the probability of dropping one). */
  | { type: 'dropout'; rate: number };

/** An image shape (height, width, channels) or, after flatten, a vector of n values. */
export type Shape = { h: number; w: number; c: number } | { n: number };

export interface PlannedLayer {
  spec: LayerSpec;
  input: Shape;
  output: Shape;
  /** Weights (0 for layers without parameters) and biases. */
  weights: number;
  biases: number;
}

export const sizeOf = (s: Shape): number => ('n' in s ? s.n : s.h * s.w * s.c);
export const describeShape = (s: Shape): string => ('n' in s ? `(${s.n})` : `(${s.h}, ${s.w}, ${s.c})`);
/** Zeros on each side: none for valid, half the kernel for same (odd kernels only). */
export const padOf = (spec: { kernel: number; padding: Padding }): number => (spec.padding === 'same' ? (spec.kernel - 1) >> 1 : 0);

/** A layer list that does not fit its input: the message names the layer (index and type). */
export class LayerShapeError extends Error {}

/** Each layer's input and output shape and parameter counts for images of shape input and `classes` classes. */
export function planLayers(layers: readonly LayerSpec[], input: { h: number; w: number; c: number }, classes: number): PlannedLayer[] {
  const plan: PlannedLayer[] = [];
  let shape: Shape = input;
  const fail = (i: number, why: string): never => {
    throw new LayerShapeError(`layer ${i} (${layers[i].type}) ${why}`);
  };
  layers.forEach((spec, i) => {
    let output: Shape = shape, weights = 0, biases = 0;
    const image = (): { h: number; w: number; c: number } => {
      if ('n' in shape) return fail(i, `needs an image input, but a flatten came before it (its input is a vector of ${shape.n})`);
      return shape;
    };
    switch (spec.type) {
      case 'conv2d': {
        const s = image();
        if (spec.padding === 'same' && spec.kernel % 2 === 0) fail(i, `with padding same needs an odd kernel, found ${spec.kernel}`);
        const pad = padOf(spec), h = s.h + 2 * pad - spec.kernel + 1, w = s.w + 2 * pad - spec.kernel + 1;
        if (h < 1 || w < 1) fail(i, `has a ${spec.kernel}x${spec.kernel} kernel, larger than its ${s.h}x${s.w} input with padding ${spec.padding}`);
        output = { h, w, c: spec.filters };
        weights = spec.kernel * spec.kernel * s.c * spec.filters;
        biases = spec.filters;
        break;
      }
      case 'maxpool': {
        const s = image();
        if (s.h < 2 || s.w < 2) fail(i, `needs an input of at least 2x2, found ${s.h}x${s.w}`);
        output = { h: s.h >> 1, w: s.w >> 1, c: s.c };
        break;
      }
      case 'flatten':
        output = { n: sizeOf(image()) };
        break;
      case 'dropout':
        // Dropping input pixels is augmentation's business, and a second dropout in a row only compounds the rate.
        if (i === 0) fail(i, 'needs a layer before it whose outputs it drops (conv2d, maxpool, flatten or dense)');
        if (layers[i - 1].type === 'dropout') fail(i, 'follows another dropout: give one layer the combined rate');
        break;
      case 'dense':
        if (!('n' in shape)) fail(i, `needs a vector input: add a flatten before it (its input is ${describeShape(shape)})`);
        weights = sizeOf(shape) * spec.units;
        biases = spec.units;
        output = { n: spec.units };
        break;
    }
    plan.push({ spec, input: shape, output, weights, biases });
    shape = output;
  });
  const last = layers.length - 1;
  if (last < 0) throw new LayerShapeError('the layer list is empty, expected layers ending in a dense layer of one unit per class');
  const end = layers[last];
  if (end.type !== 'dense' || end.units !== classes) fail(last, `must be the output layer: a dense layer of ${classes} units (one per class)`);
  if (end.type === 'dense' && end.activation !== 'none') fail(last, `is the output layer, whose softmax is implied: expected activation none, found ${end.activation}`);
  return plan;
}

/** The plan as a table of layer, output shape and parameter count, with the total. */
export function summarise(plan: readonly PlannedLayer[]): string {
  const rows = plan.map((p, i) => {
    const s = p.spec;
    const what = s.type === 'conv2d' ? `conv2d ${s.kernel}x${s.kernel} ${s.padding}${s.activation !== 'none' ? ` ${s.activation}` : ''}`
      : s.type === 'dense' ? `dense${s.activation !== 'none' ? ` ${s.activation}` : i === plan.length - 1 ? ' softmax' : ''}`
        : s.type === 'maxpool' ? 'maxpool 2x2' : s.type === 'dropout' ? `dropout ${s.rate}` : s.type;
    return [`${i} ${what}`, describeShape(p.output), (p.weights + p.biases).toLocaleString('en-US')];
  });
  const total = plan.reduce((a, p) => a + p.weights + p.biases, 0);
  const head = ['layer', 'output shape', 'parameters'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}`;
  const rule = '-'.repeat(widths[0] + widths[1] + widths[2] + 4);
  return [line(head), rule, ...rows.map(line), rule, `total parameters: ${total.toLocaleString('en-US')}`].join('\n');
}

/** The model file's tensors: per layer with parameters (i counting those), conv weights [out, in, kh, kw], dense [in, out], biases [out]. */
export function tensorShapes(plan: readonly PlannedLayer[]): { name: string; shape: number[] }[] {
  return plan.filter((p) => p.weights).flatMap((p, i) => {
    const s = p.spec;
    const shape = s.type === 'conv2d' ? [s.filters, (p.input as { c: number }).c, s.kernel, s.kernel] : [sizeOf(p.input), p.biases];
    return [{ name: `layers.${i}.weight`, shape }, { name: `layers.${i}.bias`, shape: [p.biases] }];
  });
}
