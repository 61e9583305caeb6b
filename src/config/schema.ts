// The config file: the report's keys (plus L1_penalty and seed) and the training options past them (optimiser,
// learning-rate schedule, dropout, label smoothing, augmentation), validated strictly before any work starts.
// parseConfig turns YAML text into a complete Config (defaults filled in) or throws a one-line ConfigError
// naming the file, the key, what was expected and what was found. Platform-neutral: no file reading here.

import { load, YAMLException } from 'js-yaml';
import { ConfigError } from '../core/errors.js';
import { suggest } from '../core/suggest.js';
import type { Activation } from '../core/activation.js';
import { KNOWN_SET_NAMES } from '../data/known-sets.js';
import { VALIDATION_FRACTION } from '../data/dataset.js';
import { checkActivation, checkLayerSpecs } from '../core/layers.js';
import { describe } from '../core/describe.js';
import { sha256Hex } from '../core/digest.js';
import { parseLayers } from '../core/layer-list-parse.js';
import type { LayerSpec } from '../core/layer-list.js';
import type { NetworkSpec } from '../core/networks.js';

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
export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];
export const LR_SCHEDULES = ['constant', 'step', 'cosine'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];
/** Augmentation shifts images by at most this many pixels each way. */
export const MAX_AUGMENT_SHIFT = 4;

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
  data: DataConfig;
  /** sgd (with momentum_gamma when momentum is on), adam, or adamw (Adam with decoupled weight decay). */
  optimizer: Optimizer;
  /** SGD with momentum takes the look-ahead (Nesterov) step. */
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** adamw's decoupled decay: each step multiplies the weights (not the biases) by 1 - rate * weight_decay. */
  weight_decay: number;
  lr_schedule: LrSchedule;
  /** Epochs (fractions allowed) over whose batches the rate rises linearly to learning_rate, by learning_rate / their count a batch. */
  lr_warmup_epochs: number;
  /** step: the rate is multiplied by lr_step_factor every lr_step_epochs epochs. */
  lr_step_epochs: number;
  lr_step_factor: number;
  /** cosine: the rate the schedule decays to at the last batch of the last epoch. */
  lr_min: number;
  /** Inverted dropout on the hidden layers' outputs while training: one rate for all, or one per hidden layer. */
  dropout: number | number[];
  /** The targets' weight moved off the true class, spread evenly over all classes. */
  label_smoothing: number;
  /** Training images shift by up to this many pixels in x and y, drawn anew for every image of every batch. */
  augment_shift: number;
  /** Training images are mirrored left to right with probability 1/2. */
  augment_flip: boolean;
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
  data: { validation_fraction: VALIDATION_FRACTION },
  optimizer: 'sgd',
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weight_decay: 0,
  lr_schedule: 'constant',
  lr_warmup_epochs: 0,
  lr_step_epochs: 10,
  lr_step_factor: 0.1,
  lr_min: 0,
  dropout: 0,
  label_smoothing: 0,
  augment_shift: 0,
  augment_flip: false,
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

const oneOf = (names: readonly string[]): Check => (v) => {
  if (typeof v !== 'string' || !names.includes(v)) throw new Error(`expected one of ${names.join(', ')}, found ${describe(v)}`);
  return v;
};

const dropoutCheck: Check = (v) => {
  const rate = number(0, true, 1, false);
  if (!Array.isArray(v)) return rate(v, '');
  return v.map((r, i) => {
    try {
      return rate(r, '');
    } catch (e) {
      throw new Error(`${(e as Error).message} at position ${i}`);
    }
  });
};

// Whether the ends match the data is checked once it is loaded (checkNetwork); here only what no data allows.
const layerSpecs: Check = (v) => checkLayerSpecs(v);

/** The integer keys' ranges, shared by the config file and the flags that override them. */
export const INTEGER_RANGES = {
  batch_size: [1, 60000],
  epochs: [1, 100000],
  early_stop_epoch: [1, 100000],
  seed: [0, 0xffffffff],
  lr_step_epochs: [1, 100000],
  augment_shift: [0, MAX_AUGMENT_SHIFT],
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
  layers: parseLayers,
  activation,
  learning_rate: number(0, false),
  batch_size: integer(...INTEGER_RANGES.batch_size),
  epochs: integer(...INTEGER_RANGES.epochs),
  early_stop: boolean,
  early_stop_epoch: integer(...INTEGER_RANGES.early_stop_epoch),
  early_stop_rule: oneOf(EARLY_STOP_RULES),
  L2_penalty: number(0, true),
  L1_penalty: number(0, true),
  momentum: boolean,
  momentum_gamma: number(0, true, 1, false),
  seed: integer(...INTEGER_RANGES.seed),
  data: dataSection,
  optimizer: oneOf(OPTIMIZERS),
  nesterov: boolean,
  beta1: number(0, true, 1, false),
  beta2: number(0, true, 1, false),
  epsilon: number(0, false),
  weight_decay: number(0, true),
  lr_schedule: oneOf(LR_SCHEDULES),
  lr_warmup_epochs: number(0, true),
  lr_step_epochs: integer(...INTEGER_RANGES.lr_step_epochs),
  lr_step_factor: number(0, false, 1),
  lr_min: number(0, true),
  dropout: dropoutCheck,
  label_smoothing: number(0, true, 1, false),
  augment_shift: integer(...INTEGER_RANGES.augment_shift),
  augment_flip: boolean,
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
  const has = (key: string) => raw[key] !== undefined && raw[key] !== null;
  if (has('layer_specs') === has('layers')) {
    throw new ConfigError(`${source}: ${has('layers') ? 'layer_specs and layers: give one of them, not both' : 'layer_specs: required key is missing (or give layers, a list of layers)'}`);
  }
  for (const key of REQUIRED) {
    if (raw[key] === undefined || raw[key] === null) throw new ConfigError(`${source}: ${key}: required key is missing`);
  }
  const config = { ...DEFAULTS, data: { ...DEFAULTS.data } } as Record<string, unknown>;
  for (const key of CONFIG_KEYS) {
    if (raw[key] !== undefined) config[key] = checkField(key, raw[key], `${source}: ${key}`);
  }
  return checkCombination(config as unknown as Config, source);
}

/**
 * Keys that only mean something beside others: a value that would be silently ignored (beta1 under sgd) or
 * contradicts another key is an error naming both. Defaults never conflict, so a written config.yaml reloads.
 */
export function checkCombination(config: Config, source: string): Config {
  const fail = (key: keyof Config, why: string) => {
    throw new ConfigError(`${source}: ${key}: ${why}`);
  };
  const set = (key: keyof Config) => JSON.stringify(config[key]) !== JSON.stringify(DEFAULTS[key as keyof typeof DEFAULTS]);
  const adam = config.optimizer !== 'sgd';
  if (adam && config.momentum) fail('momentum', `optimizer ${config.optimizer} keeps its own moving average (beta1); expected momentum: false`);
  if (config.nesterov && (adam || !config.momentum)) fail('nesterov', 'the Nesterov step needs optimizer sgd with momentum: true');
  for (const key of ['beta1', 'beta2', 'epsilon'] as const) if (!adam && set(key)) fail(key, `applies to optimizer adam or adamw, not ${config.optimizer}`);
  if (config.optimizer !== 'adamw' && set('weight_decay')) fail('weight_decay', `decoupled weight decay applies to optimizer adamw; with ${config.optimizer} use L2_penalty`);
  for (const key of ['lr_step_epochs', 'lr_step_factor'] as const) if (config.lr_schedule !== 'step' && set(key)) fail(key, `applies to lr_schedule step, not ${config.lr_schedule}`);
  if (config.lr_schedule !== 'cosine' && set('lr_min')) fail('lr_min', `applies to lr_schedule cosine, not ${config.lr_schedule}`);
  if (config.lr_min >= config.learning_rate && set('lr_min')) fail('lr_min', `expected a rate below learning_rate ${config.learning_rate}, found ${config.lr_min}`);
  if (config.lr_warmup_epochs >= config.epochs && set('lr_warmup_epochs')) fail('lr_warmup_epochs', `expected fewer than epochs (${config.epochs}), found ${config.lr_warmup_epochs}`);
  if (config.layers) {
    // A layer list says where it drops units, layer by layer.
    if (set('dropout')) fail('dropout', 'applies to a layer_specs network; in a layers list add a dropout layer after the layer to drop from, e.g. {type: dropout, rate: 0.25}');
    return config;
  }
  const hidden = config.layer_specs!.length - 2;
  if (Array.isArray(config.dropout) && config.dropout.length !== hidden) {
    fail('dropout', `expected one rate per hidden layer (${hidden} for layer_specs [${config.layer_specs!.join(', ')}]), found ${config.dropout.length}`);
  }
  if (hidden === 0 && set('dropout')) fail('dropout', 'applies to hidden layers, and layer_specs has none');
  return config;
}

/** Each hidden layer's dropout rate; for a layers list, each dropout layer's, in order. */
export function dropoutRates(config: Config): number[] {
  if (config.layers) return config.layers.flatMap((l) => (l.type === 'dropout' ? [l.rate] : []));
  const hidden = config.layer_specs!.length - 2;
  return Array.isArray(config.dropout) ? config.dropout : new Array<number>(hidden).fill(config.dropout);
}

/** SHA-256 of the config as configToYaml writes it: what a model file records of its config. */
export function configDigest(config: Config): Promise<string | undefined> {
  return sha256Hex(configToYaml(config));
}

/** The config as YAML-ready key/value pairs, in the report's order. */
export function configToYaml(config: Config): string {
  // The training options past the report's keys are written only when set, so that a report config's file (and
  // the digest model files and checkpoints record) reads as it always has.
  const written = CONFIG_KEYS.filter((k) => config[k] !== undefined).filter((k) => !TRAINING_OPTIONS.includes(k) || JSON.stringify(config[k]) !== JSON.stringify(DEFAULTS[k as keyof typeof DEFAULTS]));
  return written.map((k) => `${k}: ${JSON.stringify(config[k])}`).join('\n') + '\n';
}

/** The network a config describes. */
export function networkSpec(config: Config): NetworkSpec {
  return config.layers ? { layers: config.layers } : { layerSpecs: config.layer_specs!, activation: config.activation };
}

/** The keys past the report's (and the data section): the optimiser, schedule and regularisation options. */
const TRAINING_OPTIONS: readonly (keyof Config)[] = [
  'optimizer', 'nesterov', 'beta1', 'beta2', 'epsilon', 'weight_decay', 'lr_schedule', 'lr_warmup_epochs', 'lr_step_epochs',
  'lr_step_factor', 'lr_min', 'dropout', 'label_smoothing', 'augment_shift', 'augment_flip',
];
