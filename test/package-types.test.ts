// The package's types as a TypeScript app sees them through package.json exports: tsc on a tiny consumer
// project (wasmfit linked into its node_modules) under moduleResolution nodenext, which picks the node entry,
// with customConditions ["browser"], which picks the browser entry, and under bundler resolution.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';

/** A browser app: the four files from an <input>, the kernels and a config. */
const BROWSER_APP = `
import { init, decodeFashionMnist, matchFiles, missingFiles, parseConfig, type DataSources } from 'wasmfit';
const input = document.querySelector('input')!;
const { sources } = matchFiles(input.files ?? []);
if (missingFiles(sources).length === 0) {
  const { raw } = await decodeFashionMnist(sources as DataSources);
  const session = await (await init()).open(raw);
  await session.train(parseConfig('layer_specs: [784, 10]\\n', 'app'));
}
`;

/** Type-checks app.ts (and extra files) in a fresh consumer project; returns tsc's diagnostics, '' when clean. */
function tsc(compilerOptions: Record<string, unknown>, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmfit-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'wasmfit'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'es2022', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true, skipLibCheck: true, ...compilerOptions },
    files: Object.keys(files),
  }));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
  return r.stdout.trim();
}

const NODENEXT = { module: 'nodenext', moduleResolution: 'nodenext' };

test('under moduleResolution nodenext (the node entry) a browser app using decodeFashionMnist, matchFiles and missingFiles type-checks', () => {
  assert.equal(tsc(NODENEXT, { 'app.ts': BROWSER_APP }), '');
});

test('with customConditions ["browser"], or bundler resolution, TypeScript takes the browser entry: sharedWasm is known, locateData is not', () => {
  const files = {
    'app.ts': `${BROWSER_APP}await init({ sharedWasm: new URL('./wasmfit.shared.wasm', import.meta.url) });\n`,
    'node-only.ts': "import { locateData } from 'wasmfit';\nvoid locateData;\n",
  };
  for (const options of [{ ...NODENEXT, customConditions: ['browser'] }, { module: 'es2022', moduleResolution: 'bundler' }]) {
    const out = tsc(options, files);
    assert.match(out, /^node-only\.ts\(1,10\): error TS2305: Module '"wasmfit"' has no exported member 'locateData'\.$/, JSON.stringify(options));
  }
});

test('the node entry decodes the four files from bytes as the browser entry does', async () => {
  const { decodeFashionMnist, FILES, FILE_KEYS } = await import('../src/node/index.js');
  const dir = writeSyntheticDataDir(mkdtempSync(join(tmpdir(), 'wasmfit-types-data-')), 60, 20);
  const sources = Object.fromEntries(FILE_KEYS.map((k) => [k, new Uint8Array(readFileSync(join(dir, `${FILES[k].name}.gz`)))]));
  const { raw, verified } = await decodeFashionMnist(sources as never);
  assert.equal(verified, false);
  assert.deepEqual([raw.train.images.count, raw.test.images.count], [60, 20]);
});
