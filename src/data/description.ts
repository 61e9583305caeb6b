// What a data set is, as the rest of wasmfit needs to know it: its name, image shape and class names, and the
// digests of its files. The network's ends must match it: layer_specs runs from the pixels of one image to the
// number of classes. Platform-neutral.

import { ConfigError, DataError, WasmfitError } from '../core/errors.js';
import { MAX_INPUT } from '../core/kernels/kernels.js';
import { LayerShapeError, planLayers, type LayerSpec } from '../core/layer-list.js';
import type { ImageTask } from '../core/conv-net.js';

export interface DataDescription {
  /** A known set's name (known-sets.ts), a dataset.yaml's name, or the directory's name. */
  name: string;
  /** [height, width] of every image. */
  shape: [number, number];
  /** One name per label, 0 to classes - 1. */
  classes: string[];
  /** SHA-256 of each decompressed IDX file, by file name: recorded in model files as the data's digest. */
  sha256?: Record<string, string>;
}


export const pixelsOf = (d: Pick<DataDescription, 'shape'>): number => d.shape[0] * d.shape[1];
export const describeShape = (shape: readonly number[]): string => `${shape[0]}x${shape[1]}`;

/** "0".."n-1": the class names of a set that names none. */
export const numberedClasses = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i));

/** Refuses images beyond MAX_INPUT pixels (256x256), where the first layer alone would take hundreds of MB (kernels.ts). */
export function checkImageShape(shape: readonly number[], where: string): void {
  const pixels = shape[0] * shape[1];
  if (pixels < 1 || pixels > MAX_INPUT) {
    throw new DataError(`${where}: images of ${describeShape(shape)} = ${pixels} pixels, expected 1 to ${MAX_INPUT} pixels (256x256 at most)`, 'scale the images down');
  }
}

/** The images as a network built from a layer list reads them: height, width, one (grey) channel; and the classes. */
export const imageTask = (d: Pick<DataDescription, 'shape' | 'classes'>): ImageTask => ({ h: d.shape[0], w: d.shape[1], c: 1, classes: d.classes.length });

/** A config's network (layer_specs or layers) must fit the data actually loaded. */
export function checkNetwork(network: { layer_specs?: readonly number[]; layers?: readonly LayerSpec[] }, data: DataDescription, where: string): void {
  if (network.layers) return checkLayerList(network.layers, data, where);
  checkLayerSpecsFit(network.layer_specs!, data, where);
}

/** A layer list must fit the data's images and end in one unit per class; the error names the layer. */
export function checkLayerList(layers: readonly LayerSpec[], data: DataDescription, where: string): void {
  try {
    planLayers(layers, imageTask(data), data.classes.length);
  } catch (e) {
    if (e instanceof LayerShapeError) throw new ConfigError(`${where}: layers: ${e.message} (the data, ${data.name}, has ${describeShape(data.shape)} images and ${data.classes.length} classes)`);
    throw e;
  }
}

/** The network must take one image's pixels and give one output per class of the data actually loaded. */
function checkLayerSpecsFit(layerSpecs: readonly number[], data: DataDescription, where: string): void {
  const input = pixelsOf(data), classes = data.classes.length, last = layerSpecs[layerSpecs.length - 1];
  if (layerSpecs[0] !== input || last !== classes) {
    throw new ConfigError(`${where}: layer_specs ${JSON.stringify(layerSpecs)} runs from ${layerSpecs[0]} to ${last}, but the data (${data.name}) has ${describeShape(data.shape)} = ${input} pixels and ${classes} classes`,
      `make layer_specs start at ${input} and end at ${classes}`);
  }
}

/** A model file is scored only on data of its own image shape and class count. */
export function checkModelFits(model: { inputShape: readonly number[]; classes: readonly string[] }, data: DataDescription, source: string): void {
  if (model.inputShape[0] !== data.shape[0] || model.inputShape[1] !== data.shape[1] || model.classes.length !== data.classes.length) {
    throw new WasmfitError(`${source}: the model takes ${describeShape(model.inputShape)} images and ${model.classes.length} classes, but the data (${data.name}) has ${describeShape(data.shape)} images and ${data.classes.length} classes`);
  }
}
