// Failing well, table-driven: each bad data file, flag, model file and file-system failure is refused with
// its exit code and one line on stderr (no stack trace), and leaves no output behind. Config-file mistakes
// have their own table in config.test.ts; run directories (reuse, locks, resume, a full disk) in run-dir.test.ts.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, IMAGE_MAGIC, LABEL_MAGIC } from '../src/data/idx.js';
import { encodeSafetensors } from '../src/core/safetensors.js';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { runCli, ROOT } from './helpers/cli.js';
import { mountTmpfs } from './helpers/tmpfs.js';

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

/** A copy of the good data directory whose file.gz is made by place (a FIFO, a symlink, a directory...). */
function dataDirWithEntry(name: string, file: string, place: (path: string) => void): string {
  const dir = dataDirWith(name, file, encodeIdx(LABEL_MAGIC, [0], new Uint8Array(0)));
  rmSync(join(dir, `${file}.gz`));
  place(join(dir, `${file}.gz`));
  return dir;
}
const mkfifo = (path: string) => assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');

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
  { name: 'trailing bytes', args: () => ['--data-dir', dataDirWith('trail', IMG, new Uint8Array([...encodeIdx(IMAGE_MAGIC, [200, 28, 28], pixels(200)), 1, 2]))], code: 1, message: /decompresses to more than 156816 bytes, expected exactly 156816 as its header declares/ },
  { name: 'far larger than it claims', args: () => ['--data-dir', dataDirWith('large', IMG, encodeIdx(IMAGE_MAGIC, [200, 28, 28], pixels(5000)))], code: 1, message: /bytes, expected exactly 156816/ },
  { name: 'an uncompressed file far larger than it claims', args: () => ['--data-dir', dataDirWithEntry('raw-large', IMG, (p) => writeFileSync(p.replace(/\.gz$/, ''), encodeIdx(IMAGE_MAGIC, [200, 28, 28], pixels(20000))))], code: 1, message: /train-images-idx3-ubyte: holds more than 156816 bytes, expected exactly 156816 as its header declares/ },
  { name: 'a header declaring more than 64 MiB', args: () => ['--data-dir', dataDirWith('declares', IMG, encodeIdx(IMAGE_MAGIC, [100000, 28, 28], pixels(10)))], code: 1, message: /its header declares 78400016 bytes, more than the 67108864 an IDX file may hold here/ },
  { name: 'corrupt gzip', args: () => ['--data-dir', dataDirWith('gzip', IMG, Uint8Array.of(0x1f, 0x8b, 8, 0, 9, 9, 9, 9), false)], code: 1, message: /train-images-idx3-ubyte\.gz: not a valid gzip file/ },
  { name: 'empty file', args: () => ['--data-dir', dataDirWith('empty', LBL, null)], code: 1, message: /train-labels-idx1-ubyte\.gz: not a valid gzip file/ },
  { name: 'gzip bomb', args: () => ['--data-dir', dataDirWith('bomb', IMG, encodeIdx(IMAGE_MAGIC, [200, 28, 28], new Uint8Array(80 * 2 ** 20)))], code: 1, message: /decompresses to more than 156816 bytes, expected exactly 156816/ },
  { name: 'a FIFO named like a data file', args: () => ['--data-dir', dataDirWithEntry('fifo', LBL, mkfifo)], code: 1, message: /train-labels-idx1-ubyte\.gz: expected a data file, found a FIFO/ },
  { name: 'a symlink to /dev/zero', args: () => ['--data-dir', dataDirWithEntry('zero', LBL, (p) => symlinkSync('/dev/zero', p))], code: 1, message: /train-labels-idx1-ubyte\.gz: expected a data file, found a character device/ },
  { name: 'a directory named like a data file', args: () => ['--data-dir', dataDirWithEntry('dir', LBL, (p) => mkdirSync(p))], code: 1, message: /train-labels-idx1-ubyte\.gz: expected a data file, found a directory/ },
  { name: 'a data file over 2 GiB', args: () => ['--data-dir', dataDirWithEntry('huge', LBL, (p) => { writeFileSync(p, ''); truncateSync(p, 3 * 2 ** 30); })], code: 1, message: /train-labels-idx1-ubyte\.gz: 3221225472 bytes, more than the 64 MiB a data file can be/ },
  { name: 'image/label count mismatch', args: () => ['--data-dir', dataDirWith('count', LBL, encodeIdx(LABEL_MAGIC, [199], new Uint8Array(199)))], code: 1, message: /holds 200 images but .*holds 199 labels/ },
  { name: 'label outside 0-9', args: () => ['--data-dir', dataDirWith('label', LBL, encodeIdx(LABEL_MAGIC, [200], Uint8Array.from({ length: 200 }, (_, i) => (i === 17 ? 12 : 3))))], code: 1, message: /label 12 at index 17 \(byte offset 25\), expected 0-9/ },
  { name: 'missing file', args: () => { const d = dataDirWith('missing', 't10k-labels-idx1-ubyte', null); writeFileSync(join(d, 'x'), ''); return ['--data-dir', join(tmp, 'nowhere')]; }, code: 1, message: /nowhere\/train-images-idx3-ubyte\.gz: file not found .*hint: install the Debian package/ },
  { name: 'checksum mismatch', args: () => ['--data-dir', good, '--verify'], code: 1, message: /SHA-256 of the decompressed bytes is [0-9a-f]{64}, expected c59f468a/ },
];

const TWENTY_DIGITS = '12345678901234567890';
const aFile = () => {
  const path = join(tmp, 'a-file');
  writeFileSync(path, 'not a directory\n');
  return path;
};

const FLAGS: Case[] = [
  { name: '--epochs 0', args: () => ['--epochs', '0'], code: 2, message: /--epochs: expected an integer from 1 to 100000, found "0"/ },
  { name: '--epochs in hex', args: () => ['--epochs', '0x2'], code: 2, message: /--epochs: expected an integer from 1 to 100000, found "0x2"/ },
  { name: '--seed with 20 digits', args: () => ['--seed', TWENTY_DIGITS], code: 2, message: /--seed: expected an integer from 0 to 4294967295, found "12345678901234567890"/ },
  { name: '--batch-size text', args: () => ['--batch-size', 'big'], code: 2, message: /--batch-size: expected an integer from 1 to 60000, found "big"/ },
  { name: '--learning-rate negative', args: () => ['--learning-rate', '-1'], code: 2, message: /--learning-rate: expected a number > 0, found -1/ },
  { name: '--learning-rate in hex', args: () => ['--learning-rate', '0x1'], code: 2, message: /--learning-rate: expected a finite number, found the string "0x1"/ },
  { name: '--checkpoint-every 0', args: () => ['--checkpoint-every', '0'], code: 2, message: /--checkpoint-every: expected an integer from 1 to 100000, found "0"/ },
  { name: '--checkpoint-every with 20 digits', args: () => ['--checkpoint-every', TWENTY_DIGITS], code: 2, message: /--checkpoint-every: expected an integer from 1 to 100000, found "12345678901234567890"/ },
  { name: '--checkpoint-every beyond the epochs', args: () => ['--checkpoint-every', '5'], code: 2, message: /--checkpoint-every: 5 is more than the run's 1 epochs, so no checkpoint would be written/ },
  { name: '--threads 1.5', args: () => ['--threads', '1.5'], code: 2, message: /--threads: expected an integer from 1 to 64, found "1.5"/ },
  { name: '--threads 1000', args: () => ['--threads', '1000'], code: 2, message: /--threads: expected an integer from 1 to 64, found "1000"/ },
  { name: '--threads with 20 digits', args: () => ['--threads', TWENTY_DIGITS], code: 2, message: /--threads: expected an integer from 1 to 64, found "12345678901234567890"/ },
  { name: '--out under /proc', args: () => ['--out', '/proc/wasmfit-run'], code: 1, message: /\/proc\/wasmfit-run: cannot create the run directory: the file system at \/proc does not allow it \(ENOENT\)/ },
  { name: '--out naming a file', args: () => ['--out', aFile()], code: 1, message: /a-file: exists and is not a directory, so .*a-file cannot be a run directory/ },
  { name: '--out inside a file (ENOTDIR)', args: () => ['--out', join(aFile(), 'run')], code: 1, message: /a-file\/run: cannot create the run directory: a part of the path is not a directory \(ENOTDIR\)/ },
  { name: '--out with --resume', args: () => ['--resume', tmp], code: 2, message: /--out: a resumed run continues in its own directory, so --resume takes no --out/ },
  { name: '--simd fma', args: () => ['--simd', 'fma'], code: 2, message: /--simd: expected one of plain, relaxed, found "fma"/ },
  { name: '--simd relaxed on the js back end', args: () => ['--simd', 'relaxed', '--backend', 'js'], code: 2, message: /--simd relaxed: a build of the wasm kernels, but --backend is js/ },
  { name: 'unknown option', args: () => ['--epoch', '3'], code: 2, message: /wasmfit: error: unknown option '--epoch' \(Did you mean --epochs\?\)/ },
];

for (const c of [...DATA, ...FLAGS]) {
  test(`train refuses ${c.name}`, () => {
    const out = join(tmp, `out-${c.name.replace(/\W+/g, '-')}`);
    const extra = c.args();
    const verify = extra.includes('--verify') ? [] : ['--no-verify'];
    // A hang (a FIFO, /proc) fails the case rather than the whole suite.
    const r = runCli(['train', '--config', CONFIG, '--out', out, '--epochs', '1', ...verify, ...(extra.includes('--data-dir') ? [] : ['--data-dir', good]), ...extra.filter((a) => a !== '--verify')], { timeoutMs: 60_000 });
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
const header = (json: object, data = new Uint8Array(0)) => headerText(JSON.stringify(json), data);
function headerText(json: string, data: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(json);
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
  { name: 'a model of 3 classes, on data of 10', args: () => [model('last', network([784, 3]))], code: 1, message: /last\.safetensors: the model takes 28x28 images and 3 classes, but the data \(fashion-mnist\) has 28x28 images and 10 classes/ },
  { name: 'a model of 100 inputs that does not say their shape', args: () => [model('first', network([100, 10]))], code: 1, message: /first\.safetensors: __metadata__\.input_shape is missing, expected \[height, width\] of 100 pixels/ },
  { name: 'a model of 20 classes, on data of 10', args: () => [model('twenty', network([784, 20]))], code: 1, message: /the model takes 28x28 images and 20 classes, but the data \(fashion-mnist\) has 28x28 images and 10 classes/ },
  { name: 'a model with trailing bytes', args: () => [model('trailing', new Uint8Array([...network([784, 10]), 1, 2, 3, 4]))], code: 1, message: /4 bytes after the last tensor/ },
  { name: 'a model with a header key named twice', args: () => [model('twice', duplicated())], code: 1, message: /header names "layers\.0\.bias" twice/ },
  { name: 'a model with an unknown tensor', args: () => [model('unknown', network([784, 10], true))], code: 1, message: /unknown tensor extra, expected only layers\.\{i\}\.weight and layers\.\{i\}\.bias/ },
  { name: 'a FIFO as model', args: () => { const p = join(tmp, 'fifo.safetensors'); mkfifo(p); return [p]; }, code: 1, message: /fifo\.safetensors: expected a model file, found a FIFO/ },
];

/** A model file of the given layer sizes (zero weights), optionally with one tensor too many. */
function network(sizes: number[], extra = false, activation = 'tanh'): Uint8Array {
  const tensors = sizes.slice(1).flatMap((n, l) => [
    { name: `layers.${l}.weight`, shape: [sizes[l], n], data: new Float32Array(sizes[l] * n) },
    { name: `layers.${l}.bias`, shape: [n], data: new Float32Array(n) },
  ]);
  if (extra) tensors.push({ name: 'extra', shape: [1], data: new Float32Array(1) });
  return encodeSafetensors(tensors, { layer_specs: JSON.stringify(sizes), activation });
}

/** A good model whose header lists layers.0.bias twice (JSON.parse alone would keep the second). */
function duplicated(): Uint8Array {
  const good = network([784, 10]);
  const length = Number(new DataView(good.buffer).getBigUint64(0, true));
  const text = new TextDecoder().decode(good.subarray(8, 8 + length)).trimEnd();
  const entry = text.match(/"layers\.0\.bias":\{[^}]*\}/)![0];
  return headerText(text.replace(entry, `${entry},${entry}`), good.subarray(8 + length));
}

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

test('evaluate takes a model file\'s activation in any case, as a config does', () => {
  const r = runCli(['evaluate', '--model', model('relu', network([784, 16, 10], false, 'relu')), '--data-dir', good, '--no-verify', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).activation, 'ReLU');
});

// Other commands take their flags from the same parser, so they get the same ranges and words.
const COMMANDS: Case[] = [
  { name: 'data --seed abc', args: () => ['data', '--seed', 'abc'], code: 2, message: /--seed: expected an integer from 0 to 4294967295, found "abc"/ },
  { name: 'inspect --seed -5', args: () => ['inspect', '--seed', '-5'], code: 2, message: /--seed: expected an integer from 0 to 4294967295, found "-5"/ },
  { name: 'gradcheck --seed 1e3', args: () => ['gradcheck', '--config', CONFIG, '--seed', '1e3'], code: 2, message: /--seed: expected an integer from 0 to 4294967295, found "1e3"/ },
  { name: 'samples --per-class 0x10', args: () => ['samples', '--per-class', '0x10', '--out', join(tmp, 's.svg')], code: 2, message: /--per-class: expected an integer from 1 to 1000, found "0x10"/ },
  { name: 'experiments --jobs 1000', args: () => ['experiments', '--jobs', '1000', '--out', join(tmp, 'report')], code: 2, message: /--jobs: expected an integer from 1 to 64, found "1000"/ },
  { name: 'samples --out naming a directory (EISDIR)', args: () => { mkdirSync(join(tmp, 'grid.svg'), { recursive: true }); return ['samples', '--out', join(tmp, 'grid.svg')]; }, code: 2, message: /grid\.svg: is a directory, expected a file name/ },
  { name: 'samples --out in a directory that is not there', args: () => ['samples', '--out', join(tmp, 'nowhere', 's.svg')], code: 2, message: /nowhere: cannot write s\.svg there: no such file or directory \(ENOENT\)/ },
];

for (const c of COMMANDS) {
  test(`${c.name} is refused`, () => {
    const r = runCli([...c.args(), '--data-dir', good, '--no-verify'], { timeoutMs: 60_000 });
    assert.equal(r.status, c.code, `exit code: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
    assert.match(lines[0], c.message);
  });
}

// System errors from the file system, caused for real where this machine allows it: one line naming the
// file and the cause, never "internal error". --out is checked before the data is read (the data
// directory given here does not exist).
const isRoot = process.getuid?.() === 0;
const SYSTEM: (Case & { skip?: (t: TestContext) => string | undefined; uid?: number })[] = [
  {
    name: 'a read-only file system (EROFS)', code: 1, message: /: cannot create the run directory: read-only file system \(EROFS\)/,
    skip: (t) => (mountTmpfs(t, join(tmp, 'ro'), '64k', { readOnly: true }) ? undefined : 'mounting a read-only tmpfs is not permitted here'),
    args: () => ['--out', join(tmp, 'ro', 'run')],
  },
  {
    name: 'a directory the user may not write (EACCES)', code: 1, message: /locked\/run: cannot create the run directory: permission denied \(EACCES\)/, uid: 65534,
    skip: () => (isRoot ? undefined : 'needs root to run the CLI as another user'),
    args: () => { mkdirSync(join(tmp, 'locked'), { mode: 0o755 }); chmodSync(tmp, 0o755); return ['--out', join(tmp, 'locked', 'run')]; },
  },
];

for (const c of SYSTEM) {
  test(`train names the file and the cause on ${c.name}`, (t) => {
    const why = c.skip?.(t);
    if (why) return t.skip(why);
    const r = runCli(['train', '--config', CONFIG, '--data-dir', join(tmp, 'no-data'), ...c.args()], { timeoutMs: 60_000, uid: c.uid });
    assert.equal(r.status, c.code, `exit code: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
    assert.match(lines[0], c.message);
    assert.doesNotMatch(lines[0], /internal error/);
  });
}

// Node needs file descriptors to load its own modules, so the CLI cannot be made to run out of them at a
// chosen file: this runs the CLI's file reader in a child whose descriptors are used up first.
test('running out of file descriptors (EMFILE) names the file and the cause', () => {
  const files = new URL('../src/node/files.js', import.meta.url).href;
  const script = `import { openSync } from 'node:fs'; import { readUserFile } from '${files}';
    try { for (;;) openSync('/dev/null', 'r'); } catch {}
    try { readUserFile(${JSON.stringify(CONFIG)}, 'config', 1 << 20); } catch (e) { console.log(e.message); }`;
  const r = spawnSync('sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /config_4\.yaml: cannot read the config file: too many open files \(EMFILE\)/);
});

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
