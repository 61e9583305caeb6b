// The model file, as the package saves and loads it: converts between a Model and a safetensors file with
// tensors layers.{i}.weight [in, out] and layers.{i}.bias [out], and __metadata__ recording the architecture and
// the input normalisation so that the file is usable on its own (in Python too). Not in src/core: a file's
// architecture is checked by the config's rules, against the data set's image size and classes.

import { checkField, type Activation } from '../config/schema.js';
import { FASHION_MNIST } from '../data/fashion-mnist.js';
import { decodeSafetensors, encodeSafetensors } from '../core/safetensors.js';
import type { Model, ModelSpec } from '../core/model.js';
import { WasmfitError } from '../core/errors.js';

/** Written into every model file's metadata; a change of its words would change every file's bytes. */
export const NORMALISATION = `per-image: x = (pixel - mean(image)) / std(image), pixels 0-255, population std over ${FASHION_MNIST.pixels} pixels; 1/std = 0 for a constant image`;

export function modelToBytes(model: Model, extra: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(model.exportTensors(), {
    format: 'wasmfit',
    layer_specs: JSON.stringify(model.sizes),
    activation: model.spec.activation,
    normalisation: NORMALISATION,
    ...extra,
  });
}

/** A config rule applied to a model file's metadata: same rule and words, a model file's exit code. */
function metadataField<T>(key: 'layer_specs' | 'activation', value: unknown, source: string): T {
  try {
    return checkField(key, value, `${source}: __metadata__.${key}`) as T;
  } catch (e) {
    throw new WasmfitError((e as Error).message);
  }
}

/**
 * Reads a model file: its architecture (checked by the config's rules, so the first layer takes the data set's
 * images and the last gives its classes) and its tensors, every name and shape checked against it.
 */
export function modelFromBytes(bytes: Uint8Array, source: string): { spec: ModelSpec; tensors: Map<string, Float32Array>; metadata: Record<string, string> } {
  const file = decodeSafetensors(bytes, source);
  let sizes: unknown;
  try {
    sizes = JSON.parse(file.metadata.layer_specs ?? 'null');
  } catch {
    sizes = null;
  }
  if (!Array.isArray(sizes)) {
    throw new WasmfitError(`${source}: __metadata__.layer_specs is ${JSON.stringify(file.metadata.layer_specs)}, expected a JSON list of layer sizes such as [${FASHION_MNIST.pixels},128,${FASHION_MNIST.classes}]`);
  }
  const layerSpecs = metadataField<number[]>('layer_specs', sizes, source);
  const activation = metadataField<Activation>('activation', file.metadata.activation, source);
  const tensors = new Map<string, Float32Array>();
  for (let l = 0; l + 1 < layerSpecs.length; l++) {
    for (const [name, shape] of [[`layers.${l}.weight`, [layerSpecs[l], layerSpecs[l + 1]]], [`layers.${l}.bias`, [layerSpecs[l + 1]]]] as const) {
      const t = file.tensors.get(name);
      if (!t) throw new WasmfitError(`${source}: tensor ${name} is missing`);
      if (!(t.data instanceof Float32Array)) throw new WasmfitError(`${source}: tensor ${name} has dtype I32, expected F32`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new WasmfitError(`${source}: tensor ${name} has shape [${t.shape}], expected [${shape}] for layer_specs ${JSON.stringify(layerSpecs)}`);
      }
      tensors.set(name, t.data);
    }
  }
  const unknown = [...file.tensors.keys()].find((name) => !tensors.has(name));
  if (unknown) throw new WasmfitError(`${source}: unknown tensor ${unknown}, expected only layers.{i}.weight and layers.{i}.bias for layer_specs ${JSON.stringify(layerSpecs)}`);
  return { spec: { layerSpecs, activation }, tensors, metadata: file.metadata };
}
