// Parses decompressed IDX files (the format of the MNIST family) and checks them strictly: magic,
// dimensions and exact byte length. Which shapes and labels a set may have is raw.ts's concern.
// Platform-neutral: decompression and file reading belong to the adapters.

import { DataError } from '../core/errors.js';

export const IMAGE_MAGIC = 0x00000803;
export const LABEL_MAGIC = 0x00000801;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols pixels, row-major, one byte each. */
  pixels: Uint8Array;
}

function header(bytes: Uint8Array, file: string, words: number): DataView {
  if (bytes.byteLength < 4 * words) {
    throw new DataError(`${file}: file is ${bytes.byteLength} bytes, shorter than its ${4 * words}-byte IDX header`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

export function parseImages(bytes: Uint8Array, file: string): IdxImages {
  const view = header(bytes, file, 4);
  const magic = view.getUint32(0);
  if (magic !== IMAGE_MAGIC) {
    throw new DataError(`${file}: magic number is ${hex(magic)}, expected ${hex(IMAGE_MAGIC)} (IDX unsigned-byte images)`);
  }
  const count = view.getUint32(4), rows = view.getUint32(8), cols = view.getUint32(12);
  if (rows === 0 || cols === 0) throw new DataError(`${file}: images are ${rows}x${cols}, expected at least 1x1`);
  const expected = 16 + count * rows * cols;
  if (bytes.byteLength !== expected) {
    throw new DataError(`${file}: ${bytes.byteLength} bytes, expected exactly ${expected} (16-byte header + ${count} images of ${rows}x${cols})`);
  }
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

export function parseLabels(bytes: Uint8Array, file: string): Uint8Array {
  const view = header(bytes, file, 2);
  const magic = view.getUint32(0);
  if (magic !== LABEL_MAGIC) {
    throw new DataError(`${file}: magic number is ${hex(magic)}, expected ${hex(LABEL_MAGIC)} (IDX unsigned-byte labels)`);
  }
  const count = view.getUint32(4);
  const expected = 8 + count;
  if (bytes.byteLength !== expected) {
    throw new DataError(`${file}: ${bytes.byteLength} bytes, expected exactly ${expected} (8-byte header + ${count} labels)`);
  }
  return bytes.subarray(8);
}

/** Every label must name one of `classes` classes; hint says where the class count came from. */
export function checkLabels(labels: Uint8Array, classes: number, file: string, hint?: string): void {
  const bad = labels.findIndex((l) => l >= classes);
  if (bad >= 0) throw new DataError(`${file}: label ${labels[bad]} at index ${bad} (byte offset ${8 + bad}), expected 0-${classes - 1}`, hint);
}

/** Checks that an image file and its label file describe the same examples. */
export function checkPair(images: IdxImages, labels: Uint8Array, imageFile: string, labelFile: string): void {
  if (images.count !== labels.length) {
    throw new DataError(`${imageFile} holds ${images.count} images but ${labelFile} holds ${labels.length} labels`);
  }
}

/** Encodes an IDX file: used by tests and tools that generate small data sets. */
export function encodeIdx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
