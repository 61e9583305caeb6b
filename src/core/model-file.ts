// Converts between a Model and a safetensors file: tensors layers.{i}.weight [in, out] and layers.{i}.bias
// [out], with __metadata__ recording the architecture and the input normalisation so that the file is
// usable on its own (in Python too).

import { ACTIVATIONS, type Activation } from './activation.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import type { Model, ModelSpec } from './model.js';
import { WasmfitError } from './errors.js';

/** Written into every model file's metadata as it stands: a change would change every file's bytes. */
export const NORMALISATION = 'per-image: x = (pixel - mean(image)) / std(image), pixels 0-255, population std over 784 pixels; 1/std = 0 for a constant image';

export function modelToBytes(model: Model, extra: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(model.exportTensors(), {
    format: 'wasmfit',
    layer_specs: JSON.stringify(model.sizes),
    activation: model.spec.activation,
    normalisation: NORMALISATION,
    ...extra,
  });
}

/** Reads a model file: its architecture and its tensors, every name and shape checked against it. */
export function modelFromBytes(bytes: Uint8Array, source: string): { spec: ModelSpec; tensors: Map<string, Float32Array>; metadata: Record<string, string> } {
  const file = decodeSafetensors(bytes, source);
  let sizes: unknown;
  try {
    sizes = JSON.parse(file.metadata.layer_specs ?? 'null');
  } catch {
    sizes = null;
  }
  if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
    throw new WasmfitError(`${source}: __metadata__.layer_specs is ${JSON.stringify(file.metadata.layer_specs)}, expected a JSON list of layer sizes such as [784,128,10]`);
  }
  const activation = file.metadata.activation as Activation;
  if (!ACTIVATIONS.includes(activation)) {
    throw new WasmfitError(`${source}: __metadata__.activation is ${JSON.stringify(file.metadata.activation)}, expected one of ${ACTIVATIONS.join(', ')}`);
  }
  const tensors = new Map<string, Float32Array>();
  for (let l = 0; l + 1 < sizes.length; l++) {
    for (const [name, shape] of [[`layers.${l}.weight`, [sizes[l], sizes[l + 1]]], [`layers.${l}.bias`, [sizes[l + 1]]]] as const) {
      const t = file.tensors.get(name);
      if (!t) throw new WasmfitError(`${source}: tensor ${name} is missing`);
      if (!(t.data instanceof Float32Array)) throw new WasmfitError(`${source}: tensor ${name} has dtype I32, expected F32`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new WasmfitError(`${source}: tensor ${name} has shape [${t.shape}], expected [${shape}] for layer_specs ${JSON.stringify(sizes)}`);
      }
      tensors.set(name, t.data);
    }
  }
  return { spec: { layerSpecs: sizes, activation }, tensors, metadata: file.metadata };
}
