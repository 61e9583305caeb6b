// The layering rules, checked on the sources: src/core imports only src/core (no adapter, no package, no
// node: module), so the model, kernels and threads run unchanged in Node, a page and a worker; and the other
// platform-neutral folders import no node: module either.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers/cli.js';

/** Every module a TypeScript file names: static imports and re-exports, side-effect imports and import(). */
function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]);
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

test('src/core imports only src/core', () => {
  const core = resolve(ROOT, 'src/core');
  const outside: string[] = [];
  let seen = 0;
  for (const file of sources('src/core')) {
    for (const spec of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
      seen++;
      const target = spec.startsWith('.') ? resolve(ROOT, dirname(file), spec) : null;
      if (target === null || relative(core, target).startsWith('..')) outside.push(`${file} imports ${spec}`);
    }
  }
  assert.ok(seen > 20, `found only ${seen} imports in src/core: the scan is broken`);
  assert.deepEqual(outside, [], 'src/core must be platform-neutral and stand alone: move the dependency into src/core or the caller');
});

test('the platform-neutral folders import no node: module', () => {
  const offending = ['src/core', 'src/config', 'src/data', 'src/train', 'src/report', 'src/api', 'src/infer'].flatMap(sources)
    .flatMap((file) => importsOf(readFileSync(join(ROOT, file), 'utf8')).filter((s) => s.startsWith('node:')).map((s) => `${file} imports ${s}`));
  assert.deepEqual(offending, [], 'node: modules belong in the Node adapters (src/node)');
});
