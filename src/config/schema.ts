// The config file: the report's keys (plus L1_penalty and seed), validated strictly before any work starts.
// parseConfig turns YAML text into a complete Config (defaults filled in) or throws a one-line ConfigError
// naming the file, the key, what was expected and what was found. Platform-neutral: no file reading here.

import { load, YAMLException } from 'js-yaml';
import { ConfigError } from '../core/errors.js';
import { suggest } from './suggest.js';
import type { Activation } from '../core/activation.js';
import { KNOWN_SET_NAMES } from '../data/known-sets.js';
import { VALIDATION_FRACTION } from '../data/dataset.js';
import { checkActivation, checkLayerSpecs } from '../core/layers.js';
import { describe } from '../core/describe.js';
import { sha256Hex } from '../core/digest.js';

export { ACTIVATIONS, type Activation } from '../core/activation.js';
/** How early_stop_rule reads the validation losses (src/train/early-stopping.ts applies them). */
export const EARLY_STOP_RULES = ['increase', 'no_improvement'] as const;
export type EarlyStopRule = (typeof EARLY_STOP_RULES)[number];

/** The config's data section: which set, where, and how much of its training file validates. */
export interface DataConfig {
  /** A known set (src/data/known-sets.ts); without it, the directory's own set (a dataset.yaml) or Fashion-MNIST. */
  name?: string;
  /** The directory holding the set's files; the Node adapter makes it absolute, relative to the config file. */
  dir?: string;
  /** The part of the training file held out for validation: 0.2 gives Fashion-MNIST's 48,000 / 12,000. */
  validation_fraction: number;
}

export interface Config {
  layer_specs: number[];
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
  data: DataConfig;
}

export const DEFAULTS: Omit<Config, 'layer_specs' | 'learning_rate' | 'batch_size' | 'epochs'> = {
  activation: 'tanh',
  early_stop: true,
  early_stop_epoch: 5,
  early_stop_rule: 'increase',
  L2_penalty: 0,
  L1_penalty: 0,
  momentum: false,
  momentum_gamma: 0.9,
  seed: 0,
  data: { validation_fraction: VALIDATION_FRACTION },
};

type Check = (value: unknown, key: string) => unknown;

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

const activation: Check = (v) => checkActivation(v);

const earlyStopRule: Check = (v) => {
  if (typeof v !== 'string' || !(EARLY_STOP_RULES as readonly string[]).includes(v)) throw new Error(`expected one of ${EARLY_STOP_RULES.join(', ')}, found ${describe(v)}`);
  return v;
};

// Whether the ends match the data is checked once it is loaded (checkNetwork); here only what no data allows.
const layerSpecs: Check = (v) => checkLayerSpecs(v);

/** The integer keys' ranges, shared by the config file and the flags that override them. */
export const INTEGER_RANGES = {
  batch_size: [1, 60000],
  epochs: [1, 100000],
  early_stop_epoch: [1, 100000],
  seed: [0, 0xffffffff],
} as const satisfies Partial<Record<keyof Config, readonly [number, number]>>;

const DATA_KEYS = ['name', 'dir', 'validation_fraction'] as const;

const dataSection: Check = (v) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`expected a mapping of ${DATA_KEYS.join(', ')}, found ${describe(v)}`);
  const raw = v as Record<string, unknown>;
  const unknown = unknownKey(raw, DATA_KEYS);
  if (unknown) throw new Error(unknown);
  const out: DataConfig = { validation_fraction: VALIDATION_FRACTION };
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string' || !KNOWN_SET_NAMES.includes(raw.name)) {
      throw new Error(`name: expected one of ${KNOWN_SET_NAMES.join(', ')}, found ${describe(raw.name)} (for a set of your own, leave out name and put a dataset.yaml beside its files)`);
    }
    out.name = raw.name;
  }
  if (raw.dir !== undefined) {
    if (typeof raw.dir !== 'string' || raw.dir === '') throw new Error(`dir: expected a directory name, found ${describe(raw.dir)}`);
    out.dir = raw.dir;
  }
  if (raw.validation_fraction !== undefined) {
    try {
      out.validation_fraction = number(0, false, 1, false)(raw.validation_fraction, 'validation_fraction') as number;
    } catch (e) {
      throw new Error(`validation_fraction: ${(e as Error).message}`);
    }
  }
  return out;
};

const FIELDS: Record<keyof Config, Check> = {
  layer_specs: layerSpecs,
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
  data: dataSection,
};

export const CONFIG_KEYS = Object.keys(FIELDS) as (keyof Config)[];
const REQUIRED: (keyof Config)[] = ['layer_specs', 'learning_rate', 'batch_size', 'epochs'];

/** Validates one field's value; where ("file: key" or "--flag") starts the ConfigError's message. */
export function checkField(key: keyof Config, value: unknown, where: string): unknown {
  try {
    return FIELDS[key](value, key);
  } catch (e) {
    throw new ConfigError(`${where}: ${(e as Error).message}`);
  }
}

/** A YAML document as a mapping; what names its keys for the messages about an empty file or another kind of value. */
export function parseYamlMapping(text: string, source: string, what: string): Record<string, unknown> {
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
  if (raw === undefined || raw === null) throw new ConfigError(`${source}: the file is empty, expected a mapping of ${what}`);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${source}: expected a mapping of ${what}, found ${describe(raw)}`);
  const aliased = aliasedKey(raw as Record<string, unknown>);
  if (aliased) throw new ConfigError(`${source}: ${aliased}: a YAML alias (*name) of a list or mapping; configs do not take aliases, write the value out`);
  return raw as Record<string, unknown>;
}

/** What is wrong with the first key outside `known`, with the closest known one; undefined when all are known. */
function unknownKey(raw: Record<string, unknown>, known: readonly string[]): string | undefined {
  const key = Object.keys(raw).find((k) => !known.includes(k));
  if (key === undefined) return undefined;
  const near = suggest(key, known);
  return `unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${known.join(', ')}`;
}

/** Refuses keys outside `known`, suggesting the closest. */
export function checkKeys(raw: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = unknownKey(raw, known);
  if (unknown) throw new ConfigError(`${where}: ${unknown}`);
}

/** Parses and validates a YAML config; source names the file in every message. */
export function parseConfig(text: string, source: string): Config {
  return resolveConfig(parseYamlMapping(text, source, 'config keys such as layer_specs and learning_rate'), source);
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
  checkKeys(raw, CONFIG_KEYS, source);
  for (const key of REQUIRED) {
    if (raw[key] === undefined || raw[key] === null) throw new ConfigError(`${source}: ${key}: required key is missing`);
  }
  const config = { ...DEFAULTS, data: { ...DEFAULTS.data } } as Record<string, unknown>;
  for (const key of CONFIG_KEYS) {
    if (raw[key] !== undefined) config[key] = checkField(key, raw[key], `${source}: ${key}`);
  }
  return config as unknown as Config;
}

/** SHA-256 of the config as configToYaml writes it: what a model file records of its config. */
export function configDigest(config: Config): Promise<string | undefined> {
  return sha256Hex(configToYaml(config));
}

/** The config as YAML-ready key/value pairs, in the report's order. */
export function configToYaml(config: Config): string {
  return CONFIG_KEYS.map((k) => `${k}: ${JSON.stringify(config[k])}`).join('\n') + '\n';
}
