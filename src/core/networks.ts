// Which network a spec builds: a dense network from layer sizes (model.ts) or any network from a layer list
// (conv-net.ts), both as a Trainable over the same arena and kernels.

import type { Kernels } from './kernels/kernels.js';
import type { Arena } from './memory.js';
import { Model, type ModelSpec } from './model.js';
import { ConvNet, type ConvSpec, type ImageTask } from './conv-net.js';
import type { Trainable } from './network.js';

export type NetworkSpec = ModelSpec | ConvSpec;

/** The network of spec; a layer list reads images of task's shape. */
export function createNetwork(spec: NetworkSpec, task: ImageTask, kernels: Kernels, arena: Arena, rows: number): Trainable {
  return 'layers' in spec ? new ConvNet(spec, task, kernels, arena, rows) : new Model(spec, kernels, arena, rows);
}

/** A one-line name: "784-128-10 tanh", or the layer list as "conv2d 32 3x3, maxpool, flatten, dropout 0.25, dense 10". */
export function describeSpec(spec: NetworkSpec): string {
  if (!('layers' in spec)) return `${spec.layerSpecs.join('-')}${spec.layerSpecs.length > 2 ? ` ${spec.activation}` : ' softmax regression'}`;
  return spec.layers.map((l) => (l.type === 'conv2d' ? `conv2d ${l.filters} ${l.kernel}x${l.kernel}` : l.type === 'dense' ? `dense ${l.units}` : l.type === 'dropout' ? `dropout ${l.rate}` : l.type)).join(', ');
}
