// The model file, as the package saves and loads it: converts between a network and a safetensors file with
// tensors layers.{i}.weight and layers.{i}.bias, and __metadata__ recording the architecture and the input
// normalisation so that the file is usable on its own (in Python too). A dense network records layer_specs and
// activation (weights [in, out]); a network built from a layer list records the list as JSON in `layers` (conv
// weights [out, in, kh, kw], dense [in, out] reading a flattened image in (c, h, w) order). Not in src/core: a
// file's architecture is checked by the config's rules, against the data set's image size and classes.

import { checkField, type Activation } from '../config/schema.js';
import { FASHION_MNIST, IMAGE_TASK } from '../data/fashion-mnist.js';
import { decodeSafetensors, encodeSafetensors } from '../core/safetensors.js';
import { Model } from '../core/model.js';
import type { ConvNet } from '../core/conv-net.js';
import { planLayers, tensorShapes, type LayerSpec } from '../core/layers.js';
import type { Network } from '../core/network.js';
import type { NetworkSpec } from '../core/networks.js';
import { WasmfitError } from '../core/errors.js';

/** Written into every model file's metadata; a change of its words would change every file's bytes. */
export const NORMALISATION = `per-image: x = (pixel - mean(image)) / std(image), pixels 0-255, population std over ${FASHION_MNIST.pixels} pixels; 1/std = 0 for a constant image`;

export function modelToBytes(model: Network, extra: Record<string, string> = {}): Uint8Array {
  const architecture: Record<string, string> = model instanceof Model
    ? { layer_specs: JSON.stringify(model.sizes), activation: model.spec.activation }
    : { layers: JSON.stringify((model as ConvNet).spec.layers), input_shape: JSON.stringify([IMAGE_TASK.c, IMAGE_TASK.h, IMAGE_TASK.w]) };
  return encodeSafetensors(model.exportTensors(), { format: 'wasmfit', ...architecture, normalisation: NORMALISATION, ...extra });
}

/** A config rule applied to a model file's metadata: same rule and words, a model file's exit code. */
function metadataField<T>(key: 'layer_specs' | 'activation' | 'layers', value: unknown, source: string): T {
  try {
    return checkField(key, value, `${source}: __metadata__.${key}`) as T;
  } catch (e) {
    throw new WasmfitError((e as Error).message);
  }
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? 'null');
  } catch {
    return null;
  }
}

/** The architecture a model file's metadata records and the tensors (names and shapes) it implies. */
function architecture(metadata: Record<string, string>, source: string): { spec: NetworkSpec; shapes: { name: string; shape: number[] }[]; what: string } {
  if (metadata.layers !== undefined) {
    const layers = metadataField<LayerSpec[]>('layers', parseJson(metadata.layers), source);
    return { spec: { layers }, shapes: tensorShapes(planLayers(layers, IMAGE_TASK, IMAGE_TASK.classes)), what: 'its layers' };
  }
  const sizes = parseJson(metadata.layer_specs);
  if (!Array.isArray(sizes)) {
    throw new WasmfitError(`${source}: __metadata__.layer_specs is ${JSON.stringify(metadata.layer_specs)}, expected a JSON list of layer sizes such as [${FASHION_MNIST.pixels},128,${FASHION_MNIST.classes}] (or __metadata__.layers, a list of layers)`);
  }
  const layerSpecs = metadataField<number[]>('layer_specs', sizes, source);
  const activation = metadataField<Activation>('activation', metadata.activation, source);
  const shapes = layerSpecs.slice(1).flatMap((n, l) => [{ name: `layers.${l}.weight`, shape: [layerSpecs[l], n] }, { name: `layers.${l}.bias`, shape: [n] }]);
  return { spec: { layerSpecs, activation }, shapes, what: `layer_specs ${JSON.stringify(layerSpecs)}` };
}

/**
 * Reads a model file: its architecture (checked by the config's rules, so the network takes the data set's images
 * and gives its classes) and its tensors, every name and shape checked against it.
 */
export function modelFromBytes(bytes: Uint8Array, source: string): { spec: NetworkSpec; tensors: Map<string, Float32Array>; metadata: Record<string, string> } {
  const file = decodeSafetensors(bytes, source);
  const { spec, shapes, what } = architecture(file.metadata, source);
  const tensors = new Map<string, Float32Array>();
  for (const { name, shape } of shapes) {
    const t = file.tensors.get(name);
    if (!t) throw new WasmfitError(`${source}: tensor ${name} is missing`);
    if (!(t.data instanceof Float32Array)) throw new WasmfitError(`${source}: tensor ${name} has dtype I32, expected F32`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WasmfitError(`${source}: tensor ${name} has shape [${t.shape}], expected [${shape}] for ${what}`);
    }
    tensors.set(name, t.data);
  }
  const unknown = [...file.tensors.keys()].find((name) => !tensors.has(name));
  if (unknown) throw new WasmfitError(`${source}: unknown tensor ${unknown}, expected only layers.{i}.weight and layers.{i}.bias for ${what}`);
  return { spec, tensors, metadata: file.metadata };
}
