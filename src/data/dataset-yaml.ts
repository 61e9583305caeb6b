// dataset.yaml: what marks a directory of IDX files as a set of one's own, and names it and its classes:
//   name: letters              # optional; default: the directory's name
//   classes: [A, B, C, ...]    # optional; one name per label; default: "0".."N-1" for the largest label N - 1
// Platform-neutral: the adapter reads the file.

import { ConfigError } from '../core/errors.js';
import { checkKeys, parseYamlMapping } from '../config/schema.js';
import { MAX_CLASSES, MIN_CLASSES } from '../core/layers.js';
import { describe } from '../core/describe.js';

export const DATASET_YAML = 'dataset.yaml';

export interface DatasetYaml {
  name?: string;
  classes?: string[];
}

export function parseDatasetYaml(text: string, source: string): DatasetYaml {
  const raw = parseYamlMapping(text, source, 'name and classes');
  checkKeys(raw, ['name', 'classes'], source);
  const out: DatasetYaml = {};
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string' || raw.name.trim() === '') throw new ConfigError(`${source}: name: expected a non-empty string, found ${describe(raw.name)}`);
    out.name = raw.name;
  }
  if (raw.classes !== undefined) {
    const c = raw.classes;
    if (!Array.isArray(c) || c.length < MIN_CLASSES || c.length > MAX_CLASSES) {
      throw new ConfigError(`${source}: classes: expected a list of ${MIN_CLASSES} to ${MAX_CLASSES} names, one per label, found ${describe(c)}`);
    }
    // YAML reads 1 or yes as a number or a boolean; a class name is whatever was written.
    const names = c.map((n) => (typeof n === 'string' || typeof n === 'number' || typeof n === 'boolean' ? String(n) : null));
    const bad = names.findIndex((n) => n === null || n === '');
    if (bad >= 0) throw new ConfigError(`${source}: classes: entry ${bad} is ${describe(c[bad])}, expected a name`);
    const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
    if (twice >= 0) throw new ConfigError(`${source}: classes: "${names[twice]}" appears twice, expected one name per class`);
    out.classes = names as string[];
  }
  return out;
}
