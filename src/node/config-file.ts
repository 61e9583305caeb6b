// Reads a config file and applies command-line overrides; both pass the same validation, so a bad flag
// gets the same kind of one-line message as a bad key, naming the flag.

import { checkField, parseConfig, type Config } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import type { BackendName } from '../core/kernels/kernels.js';
import { BACKENDS } from '../core/backend.js';
import { SIMD_BUILDS, type SimdBuild } from '../core/kernels/wasm.js';
import { readUserFile } from './files.js';

/** Flags that override config keys: flag name -> key. */
export const OVERRIDES = {
  epochs: 'epochs',
  seed: 'seed',
  batchSize: 'batch_size',
  learningRate: 'learning_rate',
} as const satisfies Record<string, keyof Config>;

const FLAG_NAMES: Record<keyof typeof OVERRIDES, string> = {
  epochs: '--epochs',
  seed: '--seed',
  batchSize: '--batch-size',
  learningRate: '--learning-rate',
};

/** Numbers from flags arrive as text; anything that is not a plain number stays text so the message shows it. */
function flagValue(text: string): unknown {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

export function loadConfig(path: string, flags: Partial<Record<keyof typeof OVERRIDES, string>> = {}): Config {
  const text = readUserFile(path, 'config').toString('utf8');
  const config = parseConfig(text, path);
  for (const [flag, key] of Object.entries(OVERRIDES) as [keyof typeof OVERRIDES, keyof Config][]) {
    const raw = flags[flag];
    if (raw !== undefined) (config as unknown as Record<string, unknown>)[key] = checkField(key, flagValue(raw), FLAG_NAMES[flag]);
  }
  return config;
}

/** A whole-number flag such as --checkpoint-every. */
export function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || n < 1) throw new ConfigError(`${flag}: expected an integer >= 1, found ${JSON.stringify(text)}`);
  return n;
}

/** --simd: which build of the wasm kernels; relaxed only with the wasm back end. */
export function parseSimdBuild(value: string | undefined, backend: BackendName): SimdBuild {
  if (value === undefined) return 'plain';
  if (!(SIMD_BUILDS as readonly string[]).includes(value)) throw new ConfigError(`--simd: expected one of ${SIMD_BUILDS.join(', ')}, found ${JSON.stringify(value)}`);
  if (value === 'relaxed' && backend !== 'wasm') throw new ConfigError(`--simd relaxed: a build of the wasm kernels, but --backend is ${backend}`);
  return value as SimdBuild;
}

export function parseBackend(value: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(value)) throw new ConfigError(`--backend: expected one of ${BACKENDS.join(', ')}, found ${JSON.stringify(value)}`);
  return value as BackendName;
}
