// The package as a user gets it: `npm pack`, then `npm install` of the tarball into an empty project. The install
// stays small (the bench's TensorFlow.js and the test tooling are dev dependencies), ships no tests, its source
// maps resolve, its CLI runs and its Node entry imports and loads the kernels.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from './helpers/cli.js';

const INSTALL_LIMIT_BYTES = 15 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'wasmfit-pack-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} in ${cwd} exited ${r.status}: ${r.error?.message ?? ''}\n${r.stderr}`);
  return r.stdout;
}

/** Bytes of every file under dir, symlinks counted as links (not followed). */
function treeBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? treeBytes(path) : lstatSync(path).size;
  }
  return bytes;
}

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => join(e.parentPath, e.name));
}

test('the packed package installs under 15 MB without tests, with resolving source maps, a working CLI and entry', () => {
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT)) as { filename: string; files: { path: string }[] }[];
  const paths = packed.files.map((f) => f.path);
  assert.deepEqual(paths.filter((p) => p.startsWith('dist/test/')), [], 'the tarball ships compiled tests');
  assert.ok(paths.includes('src/bench/peers/python_epoch.py'), 'the bench\'s Python peer script is missing from the tarball');

  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'size-check', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', join(work, packed.filename)], app);

  const bytes = treeBytes(join(app, 'node_modules'));
  assert.ok(bytes <= INSTALL_LIMIT_BYTES, `node_modules holds ${(bytes / 2 ** 20).toFixed(1)} MB after installing the package, over the 15 MB limit`);

  // Every source a shipped map names is either in the package or carried inside the map.
  const pkg = join(app, 'node_modules', 'wasmfit');
  const maps = filesUnder(pkg, '.map');
  assert.ok(maps.length > 0, 'no source maps shipped');
  for (const map of maps) {
    const m = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
    m.sources.forEach((source, i) => {
      if (m.sourcesContent?.[i] != null) return;
      const file = resolve(dirname(map), m.sourceRoot ?? '', source);
      assert.ok(existsSync(file), `${map.slice(pkg.length + 1)} points at ${source}, which the package does not ship`);
    });
  }

  const help = run(join(app, 'node_modules', '.bin', 'wasmfit'), ['--help'], app);
  assert.match(help, /Usage: wasmfit/);
  assert.match(help, /\btrain\b/);
  const mode = run(process.execPath, ['--input-type=module', '-e', "const { init } = await import('wasmfit'); console.log((await init()).mode);"], app);
  assert.match(mode.trim(), /^wasm/, `the installed entry did not load its kernels: ${mode}`);

  // Without the dev dependencies, the bench's TensorFlow.js row is a skip that says how to add them.
  const tfjs = join(pkg, 'dist', 'src', 'bench', 'tfjs.js');
  const row = run(process.execPath, ['--input-type=module', '-e',
    `const { tfjsRow } = await import(${JSON.stringify(tfjs)}); console.log(JSON.stringify(await tfjsRow({ x: new Float32Array(0), y: new Uint8Array(0), count: 0, epochs: 1, log() {} })));`], app);
  const { seconds, note } = JSON.parse(row) as { seconds: number | null; note: string };
  assert.equal(seconds, null);
  assert.match(note, /^not run: TensorFlow\.js is not installed .*npm install --no-save @tensorflow\/tfjs /);
});
