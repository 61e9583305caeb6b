// A set of one's own, end to end through the CLI: generated 32x32 images in 26 classes named by a dataset.yaml,
// chosen by a config's data section; train, evaluate and predict, and the model file that records it all. Also:
// a network or model that does not fit the data is refused naming both; known sets keep their file names and
// checksums; EMNIST's transposed images are turned upright; dataset.yaml mistakes are named.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { encode } from 'fast-png';
import { writeSyntheticDataDir } from './helpers/synthetic.js';
import { runCli, ROOT } from './helpers/cli.js';
import { decodeSafetensors } from '../src/core/safetensors.js';
import { assembleData } from '../src/data/raw.js';
import { encodeIdx, IMAGE_MAGIC, parseImages } from '../src/data/idx.js';
import { KNOWN_SETS } from '../src/data/known-sets.js';
import { readDataDir } from '../src/node/data-files.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-own-'));
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const letters = writeSyntheticDataDir(join(tmp, 'letters'), 520, 130, 7, { shape: [32, 32], classes: 26, names: LETTERS });
writeFileSync(join(letters, 'dataset.yaml'), `name: letters\nclasses: ${JSON.stringify(LETTERS)}\n`);
const CONFIG = join(tmp, 'letters.yaml');
writeFileSync(CONFIG, 'layer_specs: [1024, 64, 26]\nlearning_rate: 0.01\nbatch_size: 32\nepochs: 4\nmomentum: true\ndata: { dir: letters, validation_fraction: 0.25 }\n');
const RUN = join(tmp, 'run');
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
let trained: { status: number | null; stdout: string; stderr: string };

before(() => {
  trained = runCli(['train', '--config', CONFIG, '--out', RUN, '--threads', '1']);
});

test('train: the config\'s data section picks the set, its split and its names', () => {
  assert.equal(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /^wasmfit: training 1024-64-26 tanh/m);
  assert.ok(trained.stdout.includes(`data: letters (32x32, 26 classes) in ${letters} (the config's data.dir; checksums not checked: a set of your own, described by dataset.yaml); 390 train / 130 validation / 130 test`), trained.stdout);
  const summary = JSON.parse(readFileSync(join(RUN, 'summary.json'), 'utf8'));
  assert.ok(summary.val_accuracy > 0.5, `validation accuracy ${summary.val_accuracy}`);
  const confusion = readFileSync(join(RUN, 'confusion.svg'), 'utf8');
  assert.equal((confusion.match(/class="cell"/g) ?? []).length, 26 * 26);
  assert.ok(confusion.includes('>Z</text>'));
});

test('the model file records the input shape, the names, the data\'s and the config\'s digests and the version', () => {
  const { metadata, tensors } = decodeSafetensors(readFileSync(join(RUN, 'model.safetensors')), 'model');
  assert.equal(metadata.input_shape, '[32,32]');
  assert.deepEqual(JSON.parse(metadata.class_names), LETTERS);
  assert.equal(metadata.layer_specs, '[1024,64,26]');
  assert.equal(metadata.data, 'letters');
  const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  assert.deepEqual(JSON.parse(metadata.data_sha256), Object.fromEntries(files.map((f) => [f, sha256(gunzipSync(readFileSync(join(letters, `${f}.gz`))))])));
  assert.equal(metadata.config_sha256, sha256(readFileSync(join(RUN, 'config.yaml'), 'utf8')), 'the digest of the config the run directory keeps');
  assert.equal(metadata.wasmfit_version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  assert.deepEqual(tensors.get('layers.0.weight')!.shape, [1024, 64]);
});

test('evaluate scores the model on its set, and refuses data of another shape naming both', () => {
  const summary = JSON.parse(readFileSync(join(RUN, 'summary.json'), 'utf8'));
  const ev = runCli(['evaluate', '--model', join(RUN, 'model.safetensors'), '--data-dir', letters, '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const result = JSON.parse(ev.stdout);
  assert.equal(result.test_accuracy, summary.test_accuracy);
  assert.equal(result.data, 'letters');
  // Without --data-dir the default set is Fashion-MNIST, which the model does not fit.
  const other = runCli(['evaluate', '--model', join(RUN, 'model.safetensors')]);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /model\.safetensors: the model takes 32x32 images and 26 classes, but the data \(fashion-mnist\) has 28x28 images and 10 classes\n$/);
});

test('predict names the classes by the set\'s names and agrees with evaluate', () => {
  const summary = JSON.parse(readFileSync(join(RUN, 'summary.json'), 'utf8'));
  const r = runCli(['predict', '--model', join(RUN, 'model.safetensors'), '--json', join(letters, 't10k-images-idx3-ubyte.gz')]);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const labels = gunzipSync(readFileSync(join(letters, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
  assert.equal(rows.length, 130);
  assert.ok(rows.every((row) => row.name === LETTERS[row.class] && row.probabilities.length === 26));
  assert.equal(rows.filter((row, i) => row.class === labels[i]).length / 130, summary.test_accuracy);
  const pixels = gunzipSync(readFileSync(join(letters, 't10k-images-idx3-ubyte.gz'))).subarray(16, 16 + 1024);
  writeFileSync(join(tmp, 'one.png'), encode({ width: 32, height: 32, channels: 1, depth: 8, data: pixels }));
  const one = runCli(['predict', '--model', join(RUN, 'model.safetensors'), '--json', join(tmp, 'one.png')]);
  assert.equal(JSON.parse(one.stdout).name, rows[0].name);
});

test('a network whose ends do not match the data is refused before training, naming both', () => {
  const r = runCli(['train', '--config', 'configs/config_6.yaml', '--data-dir', letters, '--out', join(tmp, 'mismatch')]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'wasmfit: error: configs/config_6.yaml: layer_specs [784,128,10] runs from 784 to 10, but the data (letters) has 32x32 = 1024 pixels and 26 classes (hint: make layer_specs start at 1024 and end at 26)\n');
});

test('without class names a set\'s classes are 0..N-1; a label beyond the names given is named with where they came from', async () => {
  const dir = join(tmp, 'unnamed');
  cpSync(letters, dir, { recursive: true });
  writeFileSync(join(dir, 'dataset.yaml'), 'name: unnamed\n');
  assert.deepEqual((await readDataDir(dir, true)).raw.description.classes, Array.from({ length: 26 }, (_, i) => String(i)));
  writeFileSync(join(dir, 'dataset.yaml'), `classes: ${JSON.stringify(LETTERS.slice(0, 25))}\n`);
  await assert.rejects(readDataDir(dir, true), (e: Error & { hint?: string }) => /label 25 at index \d+ \(byte offset \d+\), expected 0-24/.test(e.message) && /dataset\.yaml names 25 classes/.test(e.hint ?? ''));
  writeFileSync(join(dir, 'dataset.yaml'), 'name: x\nclass: [a, b]\n');
  await assert.rejects(readDataDir(dir, true), /dataset\.yaml: unknown key "class" \(did you mean "classes"\?\); expected one of name, classes/);
  writeFileSync(join(dir, 'dataset.yaml'), 'classes: [a, b, a]\n');
  await assert.rejects(readDataDir(dir, true), /dataset\.yaml: classes: "a" appears twice/);
});

test('a known set: its file names and class names; its published checksums are of the .gz files, checked when they are there', () => {
  const dir = writeSyntheticDataDir(join(tmp, 'mnist'), 60, 20, 2);
  const config = join(tmp, 'mnist.yaml');
  writeFileSync(config, 'layer_specs: [784, 10]\nlearning_rate: 0.01\nbatch_size: 16\nepochs: 1\ndata: { name: mnist, dir: mnist }\n');
  const refused = runCli(['data', '--data-dir', dir]);
  assert.equal(refused.status, 1, 'without a name the files are taken for Fashion-MNIST, whose checksums they fail');
  const checked = runCli(['train', '--config', config, '--out', join(tmp, 'mnist-run')]);
  assert.equal(checked.status, 1);
  assert.match(checked.stderr, /train-images-idx3-ubyte\.gz: SHA-256 of the \.gz file is [0-9a-f]{64}, expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609 \(damaged or not the official MNIST file\)/);
  const unchecked = runCli(['train', '--config', config, '--no-verify', '--out', join(tmp, 'mnist-run'), '--quiet']);
  assert.equal(unchecked.status, 0, unchecked.stderr);
  const { metadata } = decodeSafetensors(readFileSync(join(tmp, 'mnist-run', 'model.safetensors')), 'model');
  assert.deepEqual(JSON.parse(metadata.class_names), KNOWN_SETS.mnist.classes);
  assert.equal(metadata.data, 'mnist');
  // Uncompressed, the files cannot be held against checksums of .gz files: read, and said to be unchecked.
  for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    writeFileSync(join(dir, f), gunzipSync(readFileSync(join(dir, `${f}.gz`))));
    renameSync(join(dir, `${f}.gz`), join(tmp, `${f}.gz.aside`));
  }
  const raw = runCli(['train', '--config', config, '--out', join(tmp, 'mnist-raw')]);
  assert.equal(raw.status, 0, raw.stderr);
  assert.match(raw.stdout, /data: mnist \(28x28, 10 classes\) .*checksums not checked: MNIST's published checksums are of the \.gz files, and train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte are not compressed/);
});

test('EMNIST\'s transposed images are turned upright as they are read', () => {
  const [h, w] = [28, 28], count = 3;
  const upright = Uint8Array.from({ length: count * h * w }, (_, i) => (i * 7) % 251);
  const stored = new Uint8Array(upright.length);
  for (let i = 0; i < count; i++) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) stored[i * h * w + c * h + r] = upright[i * h * w + r * w + c];
  const set = KNOWN_SETS['emnist-letters'];
  const images = parseImages(encodeIdx(IMAGE_MAGIC, [count, h, w], stored), 'images');
  const raw = assembleData({ trainImages: images, trainLabels: Uint8Array.of(1, 26, 5), testImages: images, testLabels: Uint8Array.of(2, 3, 4) }, set.files, set);
  assert.deepEqual(raw.train.images.pixels, upright);
  assert.deepEqual(raw.description.classes.length, 27, 'letters are labelled 1-26; 0 is unused');
  assert.equal(raw.description.classes[26], 'z');
});
