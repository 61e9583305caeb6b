// The IDX reader on generated files: good ones parse, and each kind of damage is refused with a message
// naming the file and what was wrong. The directory reader is tested through gzip too, and the page's
// loader (run here in Node, which has the same Blob, fetch and DecompressionStream) against a gzip bomb and
// an oversized download.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkLabels, encodeIdx, parseImages, parseLabels, IMAGE_MAGIC, LABEL_MAGIC } from '../src/data/idx.js';
import { readDataDir, FILES } from '../src/node/data-files.js';
import { DataError } from '../src/core/errors.js';
import { decodeFashionMnist } from '../src/browser/data.js';

const images = (n: number) => encodeIdx(IMAGE_MAGIC, [n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, i) => i % 256));
const labels = (n: number) => encodeIdx(LABEL_MAGIC, [n], Uint8Array.from({ length: n }, (_, i) => i % 10));

test('good files parse', () => {
  const im = parseImages(images(3), 'im');
  assert.equal(im.count, 3);
  assert.equal(im.pixels.length, 3 * 784);
  assert.equal(im.pixels[785], 785 % 256);
  assert.deepEqual(Array.from(parseLabels(labels(12), 'lb')), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
});

const BAD: [string, () => unknown, RegExp][] = [
  ['wrong image magic', () => parseImages(encodeIdx(0x00000804, [1, 28, 28, 1], new Uint8Array(784)), 'f'), /f: magic number is 0x00000804, expected 0x00000803/],
  ['label magic on an image file', () => parseImages(labels(20), 'f'), /magic number is 0x00000801, expected 0x00000803/],
  ['empty dimensions', () => parseImages(encodeIdx(IMAGE_MAGIC, [1, 0, 28], new Uint8Array(0)), 'f'), /images are 0x28, expected at least 1x1/],
  ['truncated images', () => parseImages(images(3).subarray(0, 16 + 2 * 784), 'f'), /f: 1584 bytes, expected exactly 2368/],
  ['trailing bytes', () => parseImages(new Uint8Array([...images(1), 0]), 'f'), /801 bytes, expected exactly 800/],
  ['shorter than a header', () => parseImages(new Uint8Array(7), 'f'), /shorter than its 16-byte IDX header/],
  ['wrong label magic', () => parseLabels(images(1), 'f'), /expected 0x00000801/],
  ['label out of range', () => checkLabels(parseLabels(encodeIdx(LABEL_MAGIC, [3], Uint8Array.of(1, 10, 2)), 'f'), 10, 'f'), /label 10 at index 1 \(byte offset 9\), expected 0-9/],
  ['truncated labels', () => parseLabels(labels(10).subarray(0, 12), 'f'), /12 bytes, expected exactly 18/],
];
for (const [name, fn, message] of BAD) {
  test(`refuses ${name}`, () => {
    assert.throws(fn, (e: unknown) => e instanceof DataError && message.test(e.message));
  });
}

function writeDir(files: Partial<Record<keyof typeof FILES, Uint8Array>>, gzip = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmfit-idx-'));
  for (const [key, bytes] of Object.entries(files)) {
    const name = FILES[key as keyof typeof FILES].name;
    writeFileSync(join(dir, gzip ? name + '.gz' : name), gzip ? gzipSync(bytes) : bytes);
  }
  return dir;
}

test('a directory of gzipped files reads without verification, and fails the checksum with it', async () => {
  const dir = writeDir({ trainImages: images(20), trainLabels: labels(20), testImages: images(5), testLabels: labels(5) });
  const { raw } = await readDataDir(dir, false);
  assert.equal(raw.train.images.count, 20);
  assert.equal(raw.test.labels.length, 5);
  await assert.rejects(readDataDir(dir, true), /train-images-idx3-ubyte\.gz: SHA-256 of the decompressed bytes is [0-9a-f]{64}, expected c59f468a/);
});

test('uncompressed files are read too', async () => {
  const dir = writeDir({ trainImages: images(4), trainLabels: labels(4), testImages: images(2), testLabels: labels(2) }, false);
  assert.equal((await readDataDir(dir, false)).raw.train.images.count, 4);
});

test('image and label counts must match', async () => {
  const dir = writeDir({ trainImages: images(20), trainLabels: labels(19), testImages: images(5), testLabels: labels(5) });
  await assert.rejects(readDataDir(dir, false), /holds 20 images but .*train-labels-idx1-ubyte\.gz holds 19 labels/);
});

test('corrupt gzip is named', async () => {
  const dir = writeDir({ trainImages: images(2), trainLabels: labels(2), testImages: images(2), testLabels: labels(2) });
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
  await assert.rejects(readDataDir(dir, false), /train-images-idx3-ubyte\.gz: not a valid gzip file/);
});

test('a missing file is named, with how to get the data', async () => {
  const dir = writeDir({ trainImages: images(2), trainLabels: labels(2), testImages: images(2) });
  await assert.rejects(readDataDir(dir, false), (e: unknown) => e instanceof DataError && /t10k-labels-idx1-ubyte\.gz: file not found/.test(e.message) && /dataset-fashion-mnist/.test(e.hint ?? ''));
});

/** gzip of an IDX header for n images followed by far more pixels than that: zeros, built a MiB at a time. */
async function gzipBomb(n: number, mebibytes: number): Promise<Uint8Array> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise((resolve) => gzip.on('end', resolve));
  gzip.write(encodeIdx(IMAGE_MAGIC, [n, 28, 28], new Uint8Array(0)));
  const zeros = Buffer.alloc(2 ** 20);
  for (let i = 0; i < mebibytes; i++) if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  gzip.end();
  await ended;
  return Buffer.concat(parts);
}

test('the page\'s loader stops a 256 MiB gzip bomb at the size its header declares', async () => {
  const bomb = await gzipBomb(200, 256);
  const sources = { trainImages: bomb, trainLabels: gzipSync(labels(200)), testImages: gzipSync(images(5)), testLabels: gzipSync(labels(5)) };
  await assert.rejects(decodeFashionMnist(sources, false), (e: unknown) =>
    e instanceof DataError && /train-images-idx3-ubyte\.gz: decompresses to more than 156816 bytes, expected exactly 156816 as its header declares/.test(e.message));
});

test('the page\'s loader stops reading a served file past 64 MiB, whether or not the server states its length', async () => {
  const big = Buffer.alloc(65 * 2 ** 20);
  const server = createServer((req, res) => {
    if (req.url === '/stated') res.setHeader('Content-Length', big.length);
    res.end(big);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const path of ['/stated', '/chunked']) {
      const sources = { trainImages: `${base}${path}`, trainLabels: gzipSync(labels(5)), testImages: gzipSync(images(5)), testLabels: gzipSync(labels(5)) };
      await assert.rejects(decodeFashionMnist(sources, false), (e: unknown) => e instanceof DataError && new RegExp(`${path}: (68157440|more than 67108864) bytes, more than the 67108864 an IDX file may be`).test(e.message));
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
