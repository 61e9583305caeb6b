// `wasmfit samples` and `wasmfit inspect`: the PNG is a valid PNG (signature, CRCs, size) whose cells are
// exactly the first training images of each class; the SVG names the ten classes in order around the
// embedded grid; inspect counts every image once per class and split and shows normalised images with
// mean 0 and std 1 (synthetic data, then the real set's 7,000 images per class).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { runCli } from './helpers/cli.js';
import { syntheticData, writeSyntheticDataDir } from './helpers/synthetic.js';
import { FASHION_MNIST } from '../src/data/fashion-mnist.js';
import { sampleIndices } from '../src/report/samples.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-samples-'));
const data = writeSyntheticDataDir(join(tmp, 'data'), 600, 200, 5);
const raw = syntheticData(600, 200, 5);

/** Parses an 8-bit grayscale PNG as encodePng writes it, checking every chunk's CRC with an independent bitwise CRC-32. */
function decodePng(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8, width = 0, height = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at), type = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `${type} CRC`);
    if (type === 'IHDR') {
      [width, height] = [body.readUInt32BE(0), body.readUInt32BE(4)];
      assert.deepEqual([...body.subarray(8)], [8, 0, 0, 0, 0], '8-bit grayscale');
    }
    if (type === 'IDAT') idat.push(body);
    at += 12 + length;
  }
  const scanlines = inflateSync(Buffer.concat(idat));
  assert.equal(scanlines.length, height * (width + 1));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    assert.equal(scanlines[y * (width + 1)], 0, 'filter type none');
    pixels.set(scanlines.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels };
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('samples --out x.png: a valid grayscale PNG whose cells are the first training images of each class', () => {
  const out = join(tmp, 'grid.png');
  const r = runCli(['samples', '--out', out, '--per-class', '3', '--data-dir', data, '--no-verify']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^row 6: Shirt \(3 images\)$/m);
  const png = decodePng(readFileSync(out));
  assert.deepEqual([png.width, png.height], [3 * 28 + 4 * 2, 10 * 28 + 11 * 2]);
  const rows = sampleIndices(raw.train.labels, 3, 10);
  for (let c = 0; c < 10; c++) {
    for (let k = 0; k < rows[c].length; k++) {
      const x0 = 2 + k * 30, y0 = 2 + c * 30, index = rows[c][k];
      for (let y = 0; y < 28; y += 9) {
        const got = png.pixels.subarray((y0 + y) * png.width + x0, (y0 + y) * png.width + x0 + 28);
        assert.deepEqual([...got], [...raw.train.images.pixels.subarray(index * 784 + y * 28, index * 784 + y * 28 + 28)], `class ${c} image ${k} row ${y}`);
      }
    }
  }
});

test('samples (SVG, the default format): the ten class names in label order beside an embedded PNG', () => {
  const out = join(tmp, 'samples.svg');
  const r = runCli(['samples', '--out', out, '--data-dir', data, '--no-verify']);
  assert.equal(r.status, 0, r.stderr);
  const svg = readFileSync(out, 'utf8');
  const names = [...svg.matchAll(/<text class="class-name" data-class="(\d)"[^>]*>([^<]*)<\/text>/g)];
  assert.deepEqual(names.map((m) => Number(m[1])), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(names.map((m) => m[2]), FASHION_MNIST.classNames.map((n) => n));
  const href = svg.match(/<image href="data:image\/png;base64,([^"]+)"/);
  assert.ok(href, 'an embedded PNG');
  const png = decodePng(Buffer.from(href[1], 'base64'));
  assert.equal(png.height, 10 * 28 + 11 * 2);
});

test('samples refuses an --out that is neither .svg nor .png', () => {
  const r = runCli(['samples', '--out', join(tmp, 'x.jpg'), '--data-dir', data, '--no-verify']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^wasmfit: error: --out: expected a file name ending in \.svg or \.png/);
});

test('inspect --json: every image counted once per class and split; normalised images have mean 0 and std 1', () => {
  const r = runCli(['inspect', '--json', '--data-dir', data, '--no-verify']);
  assert.equal(r.status, 0, r.stderr);
  const { splits } = JSON.parse(r.stdout);
  assert.deepEqual(splits.map((s: { split: string; images: number }) => [s.split, s.images]), [['train', 480], ['validation', 120], ['test', 200]]);
  for (let c = 0; c < 10; c++) {
    assert.equal(splits[0].perClass[c] + splits[1].perClass[c], raw.train.labels.filter((l) => l === c).length);
    assert.equal(splits[2].perClass[c], raw.test.labels.filter((l) => l === c).length);
  }
  for (const s of splits) {
    assert.ok(s.before.mean > 10 && s.before.std > 10);
    assert.ok(Math.abs(s.after.mean) < 1e-5 && Math.abs(s.after.std - 1) < 1e-4, JSON.stringify(s.after));
  }
});

test('inspect on the real data: 7,000 images per class, 1,000 of them test, as a table', () => {
  const r = runCli(['inspect']);
  assert.equal(r.status, 0, r.stderr);
  for (const [c, name] of FASHION_MNIST.classNames.entries()) assert.match(r.stdout, new RegExp(`^${c} ${name.replace('/', '\\/')} +\\d+ +\\d+ +1000 +7000$`, 'm'));
  assert.match(r.stdout, /^all +48000 +12000 +10000 +70000$/m);
  assert.match(r.stdout, /^train +\d+\.\d\d +\d+\.\d\d +0\.\.255 +-?0\.0000\d\d +1\.0000\d\d /m);
});
