// Command-line values, parsed in one place as commander reads them, before any command runs: a numeric
// flag is plain decimal digits within a named range (no sign, hex, exponent, fraction or 20-digit value),
// a flag that overrides a config key is checked by that key's own rule in the config schema, and a word
// is one of its choices. Commands receive checked values.

import { Option } from 'commander';
import { checkField, INTEGER_RANGES, type Config } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import type { BackendName } from '../core/kernels/kernels.js';
import type { SimdBuild } from '../core/kernels/wasm.js';

export function parseIntegerOption(name: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name}: expected an integer from ${min} to ${max}, found ${JSON.stringify(text)}`);
  return n;
}

/** A decimal number such as 0.01, 1e-3 or -1; anything else (hex, Infinity, blanks) stays text so the message shows it. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const nameOf = (flags: string) => flags.split(' ')[0];

/** An option taking an integer from min to max, the range shown in --help. */
export function integerOption(flags: string, description: string, min: number, max: number): Option {
  return new Option(flags, `${description} (${min}-${max})`).argParser((text) => parseIntegerOption(nameOf(flags), text, min, max));
}

/** An option taking one of a few words. */
export function choiceOption(flags: string, description: string, choices: readonly string[]): Option {
  return new Option(flags, description).argParser((text) => {
    if (!choices.includes(text)) throw new ConfigError(`${nameOf(flags)}: expected one of ${choices.join(', ')}, found ${JSON.stringify(text)}`);
    return text;
  });
}

/** --simd relaxed is a build of the wasm kernels: meaningless with the js back end. */
export function checkSimdBuild(build: SimdBuild | undefined, backend: BackendName): SimdBuild {
  if (build === 'relaxed' && backend !== 'wasm') throw new ConfigError(`--simd relaxed: a build of the wasm kernels, but --backend is ${backend}`);
  return build ?? 'plain';
}

type NumberKey = keyof typeof INTEGER_RANGES | 'learning_rate';

/** An option overriding a numeric config key: the same range and message as the key in a config file. */
export function configOption(flags: string, key: NumberKey): Option {
  const name = nameOf(flags);
  const parse = (text: string): number => {
    if (key === 'learning_rate') return checkField(key, DECIMAL.test(text) ? Number(text) : text, name) as number;
    const [min, max] = INTEGER_RANGES[key];
    return parseIntegerOption(name, text, min, max);
  };
  return new Option(flags, `override the config's ${key}`).argParser(parse);
}

/** The config keys that flags override, by the option's property name. */
export const OVERRIDES = {
  epochs: 'epochs',
  seed: 'seed',
  batchSize: 'batch_size',
  learningRate: 'learning_rate',
} as const satisfies Record<string, keyof Config>;

export type Overrides = Partial<Record<keyof typeof OVERRIDES, number>>;
