// Failing well, table-driven: each bad data file, flag and model file is refused with its exit code and
// one line on stderr (no stack trace), and leaves no output behind. Config-file mistakes have their own
// table in config.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, IMAGE_MAGIC, LABEL_MAGIC } from '../src/data/idx.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { runCli, ROOT } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-bad-'));
const good = writeSyntheticDataDir(join(tmp, 'good'), 200, 50);
const CONFIG = join(ROOT, 'configs/config_4.yaml');

/** A copy of the good data directory with one file replaced by the given (uncompressed) bytes. */
function dataDirWith(name: string, file: string, bytes: Uint8Array | null, gzip = true): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of readdirSync(good)) writeFileSync(join(dir, f), readFileSync(join(good, f)));
  if (bytes) writeFileSync(join(dir, `${file}.gz`), gzip ? gzipSync(bytes) : bytes);
  else writeFileSync(join(dir, `${file}.gz`), new Uint8Array(0));
  return dir;
}

const pixels = (n: number) => new Uint8Array(n * 784);
const IMG = 'train-images-idx3-ubyte', LBL = 'train-labels-idx1-ubyte';

interface Case {
  name: string;
  args: () => string[];
  code: number;
  message: RegExp;
}

const DATA: Case[] = [
  { name: 'wrong image magic', args: () => ['--data-dir', dataDirWith('magic', IMG, encodeIdx(0x00000804, [200, 28, 28, 1], pixels(200)))], code: 1, message: /train-images-idx3-ubyte\.gz: magic number is 0x00000804, expected 0x00000803/ },
  { name: 'wrong image size', args: () => ['--data-dir', dataDirWith('dims', IMG, encodeIdx(IMAGE_MAGIC, [200, 32, 24], new Uint8Array(200 * 768)))], code: 1, message: /images are 32x24, expected 28x28/ },
  { name: 'truncated images', args: () => ['--data-dir', dataDirWith('trunc', IMG, encodeIdx(IMAGE_MAGIC, [200, 28, 28], pixels(150)))], code: 1, message: /expected exactly 156816 \(16-byte header \+ 200 images of 28x28\)/ },
  { name: 'trailing bytes', args: () => ['--data-dir', dataDirWith('trail', IMG, new Uint8Array([...encodeIdx(IMAGE_MAGIC, [200, 28, 28], pixels(200)), 1, 2]))], code: 1, message: /156818 bytes, expected exactly 156816/ },
  { name: 'far larger than it claims', args: () => ['--data-dir', dataDirWith('large', IMG, encodeIdx(IMAGE_MAGIC, [200, 28, 28], pixels(5000)))], code: 1, message: /bytes, expected exactly 156816/ },
  { name: 'corrupt gzip', args: () => ['--data-dir', dataDirWith('gzip', IMG, Uint8Array.of(0x1f, 0x8b, 8, 0, 9, 9, 9, 9), false)], code: 1, message: /train-images-idx3-ubyte\.gz: not a valid gzip file/ },
  { name: 'empty file', args: () => ['--data-dir', dataDirWith('empty', LBL, null)], code: 1, message: /train-labels-idx1-ubyte\.gz: not a valid gzip file/ },
  { name: 'gzip bomb', args: () => ['--data-dir', dataDirWith('bomb', IMG, new Uint8Array(80 * 2 ** 20))], code: 1, message: /decompresses to more than 67108864 bytes/ },
  { name: 'image/label count mismatch', args: () => ['--data-dir', dataDirWith('count', LBL, encodeIdx(LABEL_MAGIC, [199], new Uint8Array(199)))], code: 1, message: /holds 200 images but .*holds 199 labels/ },
  { name: 'label outside 0-9', args: () => ['--data-dir', dataDirWith('label', LBL, encodeIdx(LABEL_MAGIC, [200], Uint8Array.from({ length: 200 }, (_, i) => (i === 17 ? 12 : 3))))], code: 1, message: /label 12 at index 17 \(byte offset 25\), expected 0-9/ },
  { name: 'missing file', args: () => { const d = dataDirWith('missing', 't10k-labels-idx1-ubyte', null); writeFileSync(join(d, 'x'), ''); return ['--data-dir', join(tmp, 'nowhere')]; }, code: 1, message: /nowhere\/train-images-idx3-ubyte\.gz: file not found .*hint: install the Debian package/ },
  { name: 'checksum mismatch', args: () => ['--data-dir', good, '--verify'], code: 1, message: /SHA-256 of the decompressed bytes is [0-9a-f]{64}, expected c59f468a/ },
];

const FLAGS: Case[] = [
  { name: '--epochs 0', args: () => ['--epochs', '0'], code: 2, message: /--epochs: expected an integer from 1 to 100000, found 0/ },
  { name: '--batch-size text', args: () => ['--batch-size', 'big'], code: 2, message: /--batch-size: expected an integer >= 1, found the string "big"/ },
  { name: '--learning-rate negative', args: () => ['--learning-rate', '-1'], code: 2, message: /--learning-rate: expected a number > 0, found -1/ },
  { name: '--checkpoint-every 0', args: () => ['--checkpoint-every', '0'], code: 2, message: /--checkpoint-every: expected an integer >= 1, found "0"/ },
  { name: '--threads 1.5', args: () => ['--threads', '1.5'], code: 2, message: /--threads: expected an integer >= 1, found "1.5"/ },
  { name: '--simd fma', args: () => ['--simd', 'fma'], code: 2, message: /--simd: expected one of plain, relaxed, found "fma"/ },
  { name: '--simd relaxed on the js back end', args: () => ['--simd', 'relaxed', '--backend', 'js'], code: 2, message: /--simd relaxed: a build of the wasm kernels, but --backend is js/ },
  { name: 'unknown option', args: () => ['--epoch', '3'], code: 2, message: /wasmfit: error: unknown option '--epoch' \(Did you mean --epochs\?\)/ },
  { name: 'resume of a folder that is no run', args: () => ['--resume', tmp], code: 2, message: /--resume: .* is not a run directory \(no config\.yaml\)/ },
];

for (const c of [...DATA, ...FLAGS]) {
  test(`train refuses ${c.name}`, () => {
    const out = join(tmp, `out-${c.name.replace(/\W+/g, '-')}`);
    const extra = c.args();
    const verify = extra.includes('--verify') ? [] : ['--no-verify'];
    const r = runCli(['train', '--config', CONFIG, '--out', out, '--epochs', '1', ...verify, ...(extra.includes('--data-dir') ? [] : ['--data-dir', good]), ...extra.filter((a) => a !== '--verify')]);
    assert.equal(r.status, c.code, `exit code: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
    assert.match(lines[0], c.message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(out), false, 'no run directory');
  });
}

const model = (name: string, bytes: Uint8Array | string) => {
  const path = join(tmp, `${name}.safetensors`);
  writeFileSync(path, bytes);
  return path;
};
function header(json: object, data = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}
const meta = { layer_specs: '[784,10]', activation: 'tanh' };
const nan = new Uint8Array(4 * 7850);
new DataView(nan.buffer).setFloat32(40, NaN, true);

const MODELS: Case[] = [
  { name: 'a missing model file', args: () => [join(tmp, 'none.safetensors')], code: 1, message: /none\.safetensors: model file not found/ },
  { name: 'a directory as model', args: () => [tmp], code: 1, message: /expected a model file, found a directory/ },
  { name: 'a text file as model', args: () => [model('text', 'hello, this is not a model')], code: 1, message: /header length \d+ does not fit a 26-byte file/ },
  { name: 'a model with broken header JSON', args: () => [model('json', header({}).map((b, i) => (i === 8 ? 0x5b : b)))], code: 1, message: /header is not valid JSON/ },
  { name: 'a model without layer_specs', args: () => [model('meta', header({ __metadata__: {} }))], code: 1, message: /__metadata__\.layer_specs is undefined, expected a JSON list/ },
  { name: 'a model with a NaN weight', args: () => [model('nan', header({ __metadata__: meta, 'layers.0.weight': { dtype: 'F32', shape: [784, 10], data_offsets: [0, 31360] }, 'layers.0.bias': { dtype: 'F32', shape: [10], data_offsets: [31360, 31400] } }, nan))], code: 1, message: /layers\.0\.weight: value NaN at index 10, expected finite numbers/ },
  { name: 'a model truncated mid-data', args: () => [model('trunc', header({ __metadata__: meta, 'layers.0.weight': { dtype: 'F32', shape: [784, 10], data_offsets: [0, 31360] } }, new Uint8Array(100)))], code: 1, message: /data_offsets \[0, 31360\] outside the 100 data bytes/ },
];

for (const c of MODELS) {
  test(`evaluate refuses ${c.name}`, () => {
    const r = runCli(['evaluate', '--model', ...c.args(), '--data-dir', good, '--no-verify']);
    assert.equal(r.status, c.code, `exit code: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
    assert.match(lines[0], c.message);
    assert.equal(r.stdout, '');
  });
}

test('the table covers at least 25 distinct bad inputs besides the config file ones', () => {
  assert.ok(DATA.length + FLAGS.length + MODELS.length >= 25);
});

test('a network too large for WebAssembly memory is a one-line error naming the size, not a crash', () => {
  const config = join(tmp, 'huge.yaml');
  writeFileSync(config, 'layer_specs: [784, 65536, 10]\nlearning_rate: 0.1\nbatch_size: 60000\nepochs: 1\n');
  const out = join(tmp, 'out-huge');
  const r = runCli(['train', '--config', config, '--data-dir', good, '--no-verify', '--out', out]);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /wasmfit: error: cannot allocate .* \(\d+ bytes\): .*\d+ MiB/);
  assert.equal(existsSync(out), false);
});
