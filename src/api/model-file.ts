// Converts between a network and a safetensors file: tensors layers.{i}.weight and layers.{i}.bias, with
// __metadata__ describing everything needed to use the file on its own (in Python too): the layers (layer_specs
// and activation for a dense network, weights [in, out]; or `layers`, a layer list as JSON, conv weights
// [out, in, kh, kw] and a dense layer after flatten reading (c, h, w) order), the input shape, the class names,
// the normalisation, and where the model came from (wasmfit version, the data's and the config's SHA-256). Files written before input_shape and class_names
// existed are Fashion-MNIST models, and load as such. Not in src/core: it knows the data sets.

import { checkActivation, checkLayerSpecs } from '../core/layers.js';
import { decodeSafetensors, encodeSafetensors } from '../core/safetensors.js';
import type { Metrics, Model } from '../core/model.js';
import { LayerShapeError, planLayers, tensorShapes } from '../core/layer-list.js';
import type { Trainable } from '../core/network.js';
import type { NetworkSpec } from '../core/networks.js';
import { parseLayers } from '../core/layer-list-parse.js';
import { WasmfitError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { DEFAULT_SET } from '../data/known-sets.js';

export const NORMALISATION = "per-image: x = (pixel - mean(image)) / std(image), pixels 0-255, population std over the image's pixels; 1/std = 0 for a constant image";
/** The same rule as older files word it, when every image had 784 pixels. */
const NORMALISATION_784 = 'per-image: x = (pixel - mean(image)) / std(image), pixels 0-255, population std over 784 pixels; 1/std = 0 for a constant image';

/** A model file larger than this is refused before it is read (a 1024-65536-256 network is 0.3 GB). */
export const MAX_MODEL_BYTES = 2 ** 30;

/** What a model file says about its model beyond the tensors. */
export interface ModelInfo {
  spec: NetworkSpec;
  /** [height, width] of the images the model takes. */
  inputShape: [number, number];
  /** One name per output. */
  classes: string[];
  /** The data set's name, when the file records it. */
  dataName?: string;
}

/** The data a model was trained on, as its file records it (src/data's DataDescription is one). */
export interface TrainedOn {
  name: string;
  /** [height, width] of its images. */
  shape: readonly [number, number];
  classes: readonly string[];
  /** SHA-256 of each of its files, by file name. */
  sha256?: Record<string, string>;
}

/** Where a trained model came from; each part is recorded when known. */
export interface Origin {
  data: TrainedOn;
  /** SHA-256 of the config as configToYaml writes it. */
  configSha256?: string;
}

export function modelToBytes(model: Trainable, from: Origin, extra: Record<string, string> = {}): Uint8Array {
  const { data } = from;
  return encodeSafetensors(model.exportTensors(), {
    format: 'wasmfit',
    wasmfit_version: VERSION,
    ...('layers' in model.spec ? { layers: JSON.stringify(model.spec.layers) } : { layer_specs: JSON.stringify((model as Model).sizes), activation: model.spec.activation }),
    input_shape: JSON.stringify(data.shape),
    class_names: JSON.stringify(data.classes),
    normalisation: NORMALISATION,
    data: data.name,
    ...(data.sha256 ? { data_sha256: JSON.stringify(data.sha256) } : {}),
    ...(from.configSha256 ? { config_sha256: from.configSha256 } : {}),
    ...extra,
  });
}

/** What a trained model file records beside its weights, from the CLI and the page alike: test metrics, best epoch. */
export function runMetadata(test: Metrics, bestEpoch?: number): Record<string, string> {
  return { test_accuracy: String(test.accuracy), test_loss: String(test.loss), ...(bestEpoch !== undefined ? { best_epoch: String(bestEpoch) } : {}) };
}

/** Reads a model file: its description and its tensors, every name and shape checked against it. */
export function modelFromBytes(bytes: Uint8Array, source: string): ModelInfo & { tensors: Map<string, Float32Array>; metadata: Record<string, string> } {
  const file = decodeSafetensors(bytes, source);
  const meta = file.metadata;
  const fail = (key: string, expected: string): never => {
    throw new WasmfitError(`${source}: __metadata__.${key} is ${JSON.stringify(meta[key])}, expected ${expected}`);
  };
  if (meta.normalisation !== undefined && meta.normalisation !== NORMALISATION && meta.normalisation !== NORMALISATION_784) fail('normalisation', JSON.stringify(NORMALISATION));
  if (meta.layers !== undefined) return layerListFile(file, source);
  const sizes = parseJson(meta.layer_specs);
  if (!Array.isArray(sizes)) fail('layer_specs', 'a JSON list of layer sizes such as [784,128,10]');
  // The config's rules, in the config's words.
  const rule = <T>(key: string, check: (v: unknown) => T, value: unknown): T => {
    try {
      return check(value);
    } catch (e) {
      throw new WasmfitError(`${source}: __metadata__.${key}: ${(e as Error).message}`);
    }
  };
  const layerSpecs = rule('layer_specs', checkLayerSpecs, sizes), activation = rule('activation', checkActivation, meta.activation);
  const inputs = layerSpecs[0], outputs = layerSpecs[layerSpecs.length - 1];

  // What files written before input_shape and class_names were trained on.
  const older = DEFAULT_SET, isOlder = meta.input_shape === undefined && meta.class_names === undefined;
  let inputShape: [number, number];
  if (meta.input_shape !== undefined) {
    const shape = parseJson(meta.input_shape) as number[];
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s > 0)) fail('input_shape', 'a JSON list [height, width]');
    if (shape[0] * shape[1] !== inputs) fail('input_shape', `[height, width] of ${inputs} pixels, the first layer's size`);
    inputShape = shape as [number, number];
  } else if (isOlder && inputs === older.shape[0] * older.shape[1]) {
    inputShape = [older.shape[0], older.shape[1]];
  } else {
    throw new WasmfitError(`${source}: __metadata__.input_shape is missing, expected [height, width] of ${inputs} pixels`);
  }
  let classes: string[];
  if (meta.class_names !== undefined) {
    const names = parseJson(meta.class_names) as string[];
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) fail('class_names', 'a JSON list of strings');
    if (names.length !== outputs) fail('class_names', `${outputs} names, one per output of the last layer`);
    classes = names;
  } else {
    classes = isOlder && outputs === older.classes.length ? [...older.classes] : Array.from({ length: outputs }, (_, i) => String(i));
  }

  const shapes = layerSpecs.slice(1).flatMap((n, l) => [{ name: `layers.${l}.weight`, shape: [layerSpecs[l], n] }, { name: `layers.${l}.bias`, shape: [n] }]);
  const tensors = checkedTensors(file, shapes, `layer_specs ${JSON.stringify(layerSpecs)}`, source);
  const dataName = meta.data ?? (isOlder ? older.name : undefined);
  return { spec: { layerSpecs, activation }, inputShape, classes, ...(dataName ? { dataName } : {}), tensors, metadata: meta };
}

type DecodedFile = ReturnType<typeof decodeSafetensors>;

/**
 * A file of a layer-list network: `layers` read by the config's rules and planned on the recorded input_shape
 * (one grey channel) and class_names, both required; every tensor's name and shape follows from the plan.
 */
function layerListFile(file: DecodedFile, source: string): ModelInfo & { tensors: Map<string, Float32Array>; metadata: Record<string, string> } {
  const meta = file.metadata;
  const fail = (key: string, expected: string): never => {
    throw new WasmfitError(`${source}: __metadata__.${key} is ${JSON.stringify(meta[key])}, expected ${expected}`);
  };
  let layers;
  try {
    layers = parseLayers(parseJson(meta.layers));
  } catch (e) {
    throw new WasmfitError(`${source}: __metadata__.layers: ${(e as Error).message}`);
  }
  const shape = parseJson(meta.input_shape) as number[];
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s > 0)) fail('input_shape', 'a JSON list [height, width]');
  const names = parseJson(meta.class_names) as string[];
  if (!Array.isArray(names) || names.length < 2 || !names.every((n) => typeof n === 'string')) fail('class_names', 'a JSON list of the class names');
  let plan;
  try {
    plan = planLayers(layers, { h: shape[0], w: shape[1], c: 1 }, names.length);
  } catch (e) {
    if (e instanceof LayerShapeError) throw new WasmfitError(`${source}: __metadata__.layers: ${e.message} (input_shape ${JSON.stringify(shape)}, ${names.length} classes)`);
    throw e;
  }
  const tensors = checkedTensors(file, tensorShapes(plan), 'its layers', source);
  return { spec: { layers }, inputShape: [shape[0], shape[1]], classes: names, ...(meta.data ? { dataName: meta.data } : {}), tensors, metadata: meta };
}

/** The file's tensors, each present, F32 and of its expected shape, and no others. */
function checkedTensors(file: DecodedFile, shapes: { name: string; shape: number[] }[], what: string, source: string): Map<string, Float32Array> {
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
  return tensors;
}

/** The value of a JSON metadata entry, or null when it is missing or not JSON: the caller checks its type. */
function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? 'null');
  } catch {
    return null;
  }
}
