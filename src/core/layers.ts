// The rules a network's layers obey wherever they are written (a config, a model file's metadata), so both say
// the same words. Whether its ends fit a data set is checked once the data is known (src/data/description.ts).

import { ACTIVATIONS, type Activation } from './activation.js';
import { MAX_INPUT } from './kernels/kernels.js';
import { describe } from './describe.js';

/** Classes a network may tell apart: labels are bytes. */
export const MIN_CLASSES = 2;
export const MAX_CLASSES = 256;

/** Layer sizes from the image's pixels to the classes; throws an Error saying what was expected and found. */
export function checkLayerSpecs(v: unknown): number[] {
  if (!Array.isArray(v) || v.length < 2) throw new Error(`expected a list of at least two layer sizes such as [784, 128, 10], found ${describe(v)}`);
  // Named before the rule for every layer, whose bound it shares: the first layer is an image's pixels.
  if (typeof v[0] === 'number' && v[0] > MAX_INPUT) throw new Error(`expected the first layer (the pixels of one image) to be at most ${MAX_INPUT} (256x256), found ${v[0]}`);
  v.forEach((size, i) => {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 65536) {
      throw new Error(`expected layer sizes to be integers from 1 to 65536, found ${describe(size)} at position ${i}`);
    }
  });
  const last = v[v.length - 1];
  if (last < MIN_CLASSES || last > MAX_CLASSES) throw new Error(`expected the last layer (one unit per class) to be ${MIN_CLASSES} to ${MAX_CLASSES}, found ${last}`);
  return [...v];
}

/** An activation by name, in any case. */
export function checkActivation(v: unknown): Activation {
  const match = typeof v === 'string' ? ACTIVATIONS.find((a) => a.toLowerCase() === v.toLowerCase()) : undefined;
  if (!match) throw new Error(`expected one of ${ACTIVATIONS.join(', ')}, found ${describe(v)}`);
  return match;
}
