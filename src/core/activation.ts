// The activations the model offers between its layers, by the names configs and model files spell them, and
// their kernels by name for the networks' unfused layers. The fused kernels take them as the codes of ACT
// (kernels/kernels.ts); the config schema and the model-file reader accept exactly these names.

import type { Kernels } from './kernels/kernels.js';

export const ACTIVATIONS = ['tanh', 'sigmoid', 'ReLU'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Applies act in place to the n values at z; 'none' leaves them. */
export function activateInPlace(k: Kernels, act: Activation | 'none', z: number, n: number): void {
  if (act === 'tanh') k.tanhForward(z, z, n);
  else if (act === 'sigmoid') k.sigmoidForward(z, z, n);
  else if (act === 'ReLU') k.reluForward(z, z, n);
}

/** Multiplies the n gradients at d in place by act's derivative at its outputs y; 'none' leaves them. */
export function activationBackwardInPlace(k: Kernels, act: Activation | 'none', d: number, y: number, n: number): void {
  if (act === 'tanh') k.tanhBackward(d, d, y, n);
  else if (act === 'sigmoid') k.sigmoidBackward(d, d, y, n);
  else if (act === 'ReLU') k.reluBackward(d, d, y, n);
}
