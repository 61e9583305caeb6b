// The config's `layers:` list: one mapping per layer, each key checked (unknown keys refused with a "did you
// mean"). Whether the shapes fit the images and the classes is checked once the data is known (checkNetwork).

import { LAYER_ACTIVATIONS, PADDINGS, type LayerSpec } from './layer-list.js';
import { suggest } from './suggest.js';


type Reader = (v: unknown) => unknown;
const integerIn = (min: number, max: number): Reader => (v) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`expected an integer from ${min} to ${max}, found ${JSON.stringify(v) ?? String(v)}`);
  return v;
};
const oneOf = (values: readonly string[], caseless = false): Reader => (v) => {
  const match = typeof v === 'string' ? values.find((x) => (caseless ? x.toLowerCase() === v.toLowerCase() : x === v)) : undefined;
  if (match === undefined) throw new Error(`expected one of ${values.join(', ')}, found ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v}`);
  return match;
};
const activation = oneOf(LAYER_ACTIVATIONS, true);
const rate: Reader = (v) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) throw new Error(`expected a number >= 0 and < 1, found ${JSON.stringify(v) ?? String(v)}`);
  return v;
};

/** Each layer type's keys: how to read each and its default (undefined: required). */
const KEYS: Record<LayerSpec['type'], Record<string, [Reader, unknown]>> = {
  conv2d: { filters: [integerIn(1, 1024), undefined], kernel: [integerIn(1, 15), undefined], padding: [oneOf(PADDINGS), 'valid'], activation: [activation, 'none'] },
  maxpool: { size: [integerIn(2, 2), 2] },
  flatten: {},
  dense: { units: [integerIn(1, 65536), undefined], activation: [activation, 'none'] },
  dropout: { rate: [rate, undefined] },
};
const TYPES = Object.keys(KEYS) as LayerSpec['type'][];

/** Reads a layers list (throws an Error naming the layer and key). */
export function parseLayers(v: unknown): LayerSpec[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error('expected a list of layers such as [{type: conv2d, filters: 32, kernel: 3}, {type: flatten}, {type: dense, units: 10}]');
  if (v.length > 64) throw new Error(`expected at most 64 layers, found ${v.length}`);
  const layers = v.map((entry, i): LayerSpec => {
    const where = `layer ${i}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${where}: expected a mapping with a type (${TYPES.join(', ')})`);
    const raw = entry as Record<string, unknown>;
    const type = raw.type;
    if (typeof type !== 'string' || !(type in KEYS)) {
      const near = typeof type === 'string' ? suggest(type, TYPES) : undefined;
      throw new Error(`${where}: type ${typeof type === 'string' ? `"${type.slice(0, 40)}"` : 'missing'}${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${TYPES.join(', ')}`);
    }
    const keys = KEYS[type as LayerSpec['type']];
    const layer: Record<string, unknown> = { type };
    for (const key of Object.keys(raw)) {
      if (key === 'type' || key in keys) continue;
      const near = suggest(key, Object.keys(keys));
      throw new Error(`${where} (${type}): unknown key "${key.slice(0, 40)}"${near ? ` (did you mean "${near}"?)` : ''}; expected ${['type', ...Object.keys(keys)].join(', ')}`);
    }
    for (const [key, [read, fallback]] of Object.entries(keys)) {
      if (raw[key] === undefined || raw[key] === null) {
        if (fallback === undefined) throw new Error(`${where} (${type}): ${key} is required`);
        layer[key] = fallback;
        continue;
      }
      try {
        layer[key] = read(raw[key]);
      } catch (e) {
        throw new Error(`${where} (${type}): ${key}: ${(e as Error).message}`);
      }
    }
    return layer as LayerSpec;
  });
  return layers;
}
