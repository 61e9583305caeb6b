// Images as a classifier takes them: 8-bit grey, row-major. Decodes a PNG (grey, grey + alpha, RGB, RGBA or
// palette, any bit depth) with fast-png into grey levels, turns colours grey by their luma (ITU-R BT.601, as
// PIL's "L" mode), lays transparent pixels over white, and resizes by area-averaging. Platform-neutral.

import { convertIndexedToRgb, decode, hasPngSignature } from 'fast-png';
import { DataError } from '../core/errors.js';

export interface GreyImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A PNG larger than this (4096 x 4096) is refused before it is decompressed, so no input can exhaust memory. */
export const MAX_PNG_PIXELS = 4096 * 4096;

export const isPng = (bytes: Uint8Array): boolean => hasPngSignature(bytes);

export function decodeGreyPng(bytes: Uint8Array, name: string): GreyImage {
  // IHDR is the first chunk: width and height at bytes 16 and 20.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 24) throw new DataError(`${name}: a PNG of ${bytes.byteLength} bytes, too short for its header`);
  const width = view.getUint32(16), height = view.getUint32(20);
  if (width * height > MAX_PNG_PIXELS) throw new DataError(`${name}: a PNG of ${width}x${height} pixels, expected at most ${MAX_PNG_PIXELS} pixels`);
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (e) {
    throw new DataError(`${name}: not a readable PNG (${(e as Error).message})`);
  }
  const count = png.width * png.height;
  let data: ArrayLike<number> = png.data, max = 2 ** png.depth - 1, channels = png.channels;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = data.length / count;
    max = 255;
  } else if (png.depth < 8) {
    data = unpack(png.data as Uint8Array, png.width, png.height, png.depth);
  }
  const pixels = new Uint8Array(count);
  const level = (v: number) => v / max;
  for (let i = 0; i < count; i++) {
    const at = i * channels;
    const grey = channels >= 3 ? 0.299 * level(data[at]) + 0.587 * level(data[at + 1]) + 0.114 * level(data[at + 2]) : level(data[at]);
    const alpha = channels === 2 || channels === 4 ? level(data[at + channels - 1]) : 1;
    pixels[i] = Math.round(255 * (grey * alpha + (1 - alpha)));
  }
  return { width: png.width, height: png.height, pixels };
}

/** Grey samples of fewer than 8 bits, packed big-end first, each row starting on a byte. */
function unpack(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height), stride = Math.ceil((width * depth) / 8), mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * width + x] = (packed[y * stride + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** 255 - level: drawings dark on light become light on dark, as the MNIST family's images are. */
export function invert(pixels: Uint8Array): void {
  for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i];
}

/**
 * The image scaled to width x height by area-averaging: each new pixel is the mean of the source area it covers,
 * partly covered pixels weighted by their share (a box filter; rows, then columns). The aspect ratio is not kept.
 */
export function resizeArea(image: GreyImage, width: number, height: number): GreyImage {
  const wide = new Float64Array(image.height * width);
  for (let y = 0; y < image.height; y++) resample(image.pixels, y * image.width, 1, image.width, wide, y * width, 1, width);
  const out = new Float64Array(width * height);
  for (let x = 0; x < width; x++) resample(wide, x, width, image.height, out, x, width, height);
  return { width, height, pixels: Uint8Array.from(out, (v) => Math.round(v)) };
}

/** One line of n samples (from `from`, `step` apart) averaged into m samples over the same span. */
function resample(src: ArrayLike<number>, from: number, step: number, n: number, dst: Float64Array, to: number, dstStep: number, m: number): void {
  const scale = n / m;
  for (let j = 0; j < m; j++) {
    const start = j * scale, end = start + scale;
    let sum = 0;
    for (let i = Math.floor(start); i < Math.min(n, Math.ceil(end)); i++) sum += src[from + i * step] * (Math.min(end, i + 1) - Math.max(start, i));
    dst[to + j * dstStep] = sum / scale;
  }
}
