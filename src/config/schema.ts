// The config file: the report's keys (plus L1_penalty and seed), validated strictly before any work starts.
// parseConfig turns YAML text into a complete Config (defaults filled in) or throws a one-line ConfigError
// naming the file, the key, what was expected and what was found. Platform-neutral: no file reading here.

import { load, YAMLException } from 'js-yaml';
import { ConfigError } from '../core/errors.js';
import { suggest } from './suggest.js';
import { ACTIVATIONS, type Activation } from '../core/activation.js';
import { FASHION_MNIST } from '../data/fashion-mnist.js';
import { parseLayers } from './layers.js';
import type { LayerSpec } from '../core/layers.js';
import type { NetworkSpec } from '../core/networks.js';

export { ACTIVATIONS, type Activation };
/** How early_stop_rule reads the validation losses (src/train/early-stopping.ts applies them). */
export const EARLY_STOP_RULES = ['increase', 'no_improvement'] as const;
export type EarlyStopRule = (typeof EARLY_STOP_RULES)[number];
/** The first and last layer sizes every network has: the data set's pixels and classes. */
const INPUT_SIZE = FASHION_MNIST.pixels, CLASS_COUNT = FASHION_MNIST.classes;

export interface Config {
  /** A dense network's layer sizes, input to output; a config has either this or layers. */
  layer_specs?: number[];
  /** Any network as a list of layers (conv2d, maxpool, flatten, dense). */
  layers?: LayerSpec[];
  activation: Activation;
  learning_rate: number;
  batch_size: number;
  epochs: number;
  early_stop: boolean;
  /** Patience: how many epochs in a row may break early_stop_rule before training stops. */
  early_stop_epoch: number;
  /** 'increase': the validation loss rose (the report's rule); 'no_improvement': it did not beat the best. */
  early_stop_rule: EarlyStopRule;
  L2_penalty: number;
  L1_penalty: number;
  momentum: boolean;
  momentum_gamma: number;
  seed: number;
}

export const DEFAULTS: Omit<Config, 'layer_specs' | 'layers' | 'learning_rate' | 'batch_size' | 'epochs'> = {
  activation: 'tanh',
  early_stop: true,
  early_stop_epoch: 5,
  early_stop_rule: 'increase',
  L2_penalty: 0,
  L1_penalty: 0,
  momentum: false,
  momentum_gamma: 0.9,
  seed: 0,
};

type Check = (value: unknown, key: string) => unknown;

/** A short description of a value for a message: never its whole serialisation, which may be huge. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) {
    const shown = value.slice(0, 5).map((v) => (typeof v === 'object' && v !== null ? (Array.isArray(v) ? '[...]' : '{...}') : clip(JSON.stringify(v) ?? String(v))));
    return `a list [${shown.join(', ')}${value.length > 5 ? `, ... (${value.length} items)` : ''}]`;
  }
  if (typeof value === 'string') return `the string ${clip(JSON.stringify(value))}`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 37)}...` : text);

const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`expected an integer >= ${min}, found ${describe(v)}`);
  if (v < min || v > max) throw new Error(`expected an integer from ${min} to ${max}, found ${v}`);
  return v;
};

const number = (min: number, inclusive: boolean, max = Infinity, maxInclusive = true): Check => (v) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`expected a finite number, found ${describe(v)}`);
  const low = inclusive ? v >= min : v > min;
  const high = maxInclusive ? v <= max : v < max;
  if (!low || !high) {
    const range = `${inclusive ? '>=' : '>'} ${min}` + (max < Infinity ? ` and ${maxInclusive ? '<=' : '<'} ${max}` : '');
    throw new Error(`expected a number ${range}, found ${v}`);
  }
  return v;
};

const boolean: Check = (v) => {
  if (typeof v !== 'boolean') throw new Error(`expected true or false, found ${describe(v)}`);
  return v;
};

const activation: Check = (v) => {
  const match = typeof v === 'string' ? ACTIVATIONS.find((a) => a.toLowerCase() === v.toLowerCase()) : undefined;
  if (!match) throw new Error(`expected one of ${ACTIVATIONS.join(', ')}, found ${describe(v)}`);
  return match;
};

const earlyStopRule: Check = (v) => {
  if (typeof v !== 'string' || !(EARLY_STOP_RULES as readonly string[]).includes(v)) throw new Error(`expected one of ${EARLY_STOP_RULES.join(', ')}, found ${describe(v)}`);
  return v;
};

const layerSpecs: Check = (v) => {
  if (!Array.isArray(v) || v.length < 2) throw new Error(`expected a list of at least two layer sizes such as [${INPUT_SIZE}, 128, ${CLASS_COUNT}], found ${describe(v)}`);
  v.forEach((size, i) => {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 65536) {
      throw new Error(`expected layer sizes to be integers from 1 to 65536, found ${describe(size)} at position ${i}`);
    }
  });
  if (v[0] !== INPUT_SIZE) throw new Error(`expected the first layer to be ${INPUT_SIZE} (${FASHION_MNIST.imageShape.join('x')} pixels), found ${v[0]}`);
  if (v[v.length - 1] !== CLASS_COUNT) throw new Error(`expected the last layer to be ${CLASS_COUNT} (classes), found ${v[v.length - 1]}`);
  return [...v];
};

/** The integer keys' ranges, shared by the config file and the flags that override them. */
export const INTEGER_RANGES = {
  batch_size: [1, 60000],
  epochs: [1, 100000],
  early_stop_epoch: [1, 100000],
  seed: [0, 0xffffffff],
} as const satisfies Partial<Record<keyof Config, readonly [number, number]>>;

const FIELDS: Record<keyof Config, Check> = {
  layer_specs: layerSpecs,
  layers: (v) => parseLayers(v, CLASS_COUNT),
  activation,
  learning_rate: number(0, false),
  batch_size: integer(...INTEGER_RANGES.batch_size),
  epochs: integer(...INTEGER_RANGES.epochs),
  early_stop: boolean,
  early_stop_epoch: integer(...INTEGER_RANGES.early_stop_epoch),
  early_stop_rule: earlyStopRule,
  L2_penalty: number(0, true),
  L1_penalty: number(0, true),
  momentum: boolean,
  momentum_gamma: number(0, true, 1, false),
  seed: integer(...INTEGER_RANGES.seed),
};

export const CONFIG_KEYS = Object.keys(FIELDS) as (keyof Config)[];
const REQUIRED: (keyof Config)[] = ['learning_rate', 'batch_size', 'epochs'];

/** Validates one field's value; where ("file: key" or "--flag") starts the ConfigError's message. */
export function checkField(key: keyof Config, value: unknown, where: string): unknown {
  try {
    return FIELDS[key](value, key);
  } catch (e) {
    throw new ConfigError(`${where}: ${(e as Error).message}`);
  }
}

/** Parses and validates a YAML config; source names the file in every message. */
export function parseConfig(text: string, source: string): Config {
  let raw: unknown;
  try {
    raw = load(text, { filename: source });
  } catch (e) {
    if (e instanceof YAMLException) {
      const m = e.mark;
      const where = m ? `line ${m.line + 1}, column ${m.column + 1}` : 'unknown position';
      throw new ConfigError(`${source}: YAML syntax error at ${where}: ${e.reason}`);
    }
    throw e;
  }
  if (raw === undefined || raw === null) throw new ConfigError(`${source}: the file is empty, expected a mapping of config keys such as layer_specs and learning_rate`);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${source}: expected a mapping of config keys, found ${describe(raw)}`);
  const aliased = aliasedKey(raw as Record<string, unknown>);
  if (aliased) throw new ConfigError(`${source}: ${aliased}: a YAML alias (*name) of a list or mapping; configs do not take aliases, write the value out`);
  return resolveConfig(raw as Record<string, unknown>, source);
}

/**
 * The first key whose value reaches a list or mapping that appears twice in the document: a YAML alias.
 * Aliases nest into exponentially large values (a "billion laughs") at no cost to the parser, but at
 * great cost to whatever walks or prints them, so a config may not use them.
 */
function aliasedKey(raw: Record<string, unknown>): string | undefined {
  const seen = new Set<object>();
  for (const [key, value] of Object.entries(raw)) {
    const stack = [value];
    while (stack.length) {
      const v = stack.pop();
      if (typeof v !== 'object' || v === null) continue;
      if (seen.has(v)) return key;
      seen.add(v);
      for (const child of Object.values(v)) stack.push(child);
    }
  }
  return undefined;
}

/** Validates a mapping of config keys (from a file or from flags) and fills in defaults. */
export function resolveConfig(raw: Record<string, unknown>, source: string): Config {
  for (const key of Object.keys(raw)) {
    if (!(key in FIELDS)) {
      const near = suggest(key, CONFIG_KEYS);
      throw new ConfigError(`${source}: unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${CONFIG_KEYS.join(', ')}`);
    }
  }
  const has = (key: string) => raw[key] !== undefined && raw[key] !== null;
  if (has('layer_specs') === has('layers')) {
    throw new ConfigError(`${source}: ${has('layers') ? 'layer_specs and layers: give one of them, not both' : 'layer_specs: required key is missing (or give layers, a list of layers)'}`);
  }
  for (const key of REQUIRED) {
    if (raw[key] === undefined || raw[key] === null) throw new ConfigError(`${source}: ${key}: required key is missing`);
  }
  const config = { ...DEFAULTS } as Record<string, unknown>;
  for (const key of CONFIG_KEYS) {
    if (raw[key] !== undefined) config[key] = checkField(key, raw[key], `${source}: ${key}`);
  }
  return config as unknown as Config;
}

/** The config as YAML-ready key/value pairs, in the report's order. */
export function configToYaml(config: Config): string {
  return CONFIG_KEYS.filter((k) => config[k] !== undefined).map((k) => `${k}: ${JSON.stringify(config[k])}`).join('\n') + '\n';
}

/** The network a config describes. */
export function networkSpec(config: Config): NetworkSpec {
  return config.layers ? { layers: config.layers } : { layerSpecs: config.layer_specs!, activation: config.activation };
}
