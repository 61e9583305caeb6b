// Reads a config file and applies the command-line flags that override its keys (parsed and checked in
// options.ts, as commander reads them).

import { dirname, resolve } from 'node:path';
import { checkCombination, parseConfig, type Config } from '../config/schema.js';
import { readUserFile } from './files.js';
import { OVERRIDES, type Overrides } from './options.js';

/** The most a config file may be: far beyond any real one, small enough that a stray file cannot exhaust memory. */
const MAX_CONFIG_BYTES = 2 ** 20;

/** Reads a config file and applies the flags that override its keys (checked as commander parsed them). */
export function loadConfig(path: string, overrides: Overrides = {}): Config {
  const config = parseConfig(readUserFile(path, 'config', MAX_CONFIG_BYTES).toString('utf8'), path);
  // Relative to the config file, and absolute from here on, so a resumed run finds the same directory.
  if (config.data.dir !== undefined) config.data.dir = resolve(dirname(path), config.data.dir);
  for (const [flag, key] of Object.entries(OVERRIDES) as [keyof typeof OVERRIDES, keyof Config][]) {
    const value = overrides[flag];
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  return checkCombination(config, path);
}
