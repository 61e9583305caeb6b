// The report's Figure 1 (a grid of training images, one row per class, with the class names) and a small
// PNG encoder for it. Platform-neutral: the PNG encoder is handed a zlib deflate (node:zlib in the CLI, a
// CompressionStream or a library in a page), and the SVG is handed the PNG as a data URI.

import { el, esc, svgDocument } from './svg.js';
import { FASHION_MNIST } from '../data/fashion-mnist.js';

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major 8-bit gray levels. */
  pixels: Uint8Array;
}

/** The first `perClass` examples of every class, in file order: rows[c] holds indices of class c. */
export function sampleIndices(labels: Uint8Array, perClass: number, classes: number = FASHION_MNIST.classes): number[][] {
  const rows: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) if (labels[i] < classes && rows[labels[i]].length < perClass) rows[labels[i]].push(i);
  return rows;
}

/** The chosen square images (side x side) tiled, one row per class, `gap` white pixels between them. */
export function imageGrid(pixels: Uint8Array, rows: number[][], side: number = FASHION_MNIST.imageShape[0], gap = 2): GrayImage {
  const cols = Math.max(1, ...rows.map((r) => r.length));
  const width = cols * side + (cols + 1) * gap, height = rows.length * side + (rows.length + 1) * gap;
  const out = new Uint8Array(width * height).fill(255);
  rows.forEach((indices, r) => indices.forEach((index, c) => {
    const x0 = gap + c * (side + gap), y0 = gap + r * (side + gap);
    for (let y = 0; y < side; y++) out.set(pixels.subarray(index * side * side + y * side, index * side * side + (y + 1) * side), (y0 + y) * width + x0);
  }));
  return { width, height, pixels: out };
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** An 8-bit grayscale PNG; `deflate` must produce a zlib stream (RFC 1950), as node:zlib's deflateSync does. */
export function encodePng(image: GrayImage, deflate: (raw: Uint8Array) => Uint8Array): Uint8Array {
  const { width, height, pixels } = image;
  // Each scanline starts with filter type 0 (none).
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // 8 bits, grayscale, deflate, adaptive filtering, no interlace
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflate(raw)), chunk('IEND', new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  return png;
}

/** Base64 with btoa, which browsers and Node >= 16 both have. */
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * The grid as SVG: the class names as text beside the rows, the images as one embedded PNG scaled by
 * `scale` with crisp pixels. `pngHref` is the grid's PNG (a data: URI, or a file name next to the SVG).
 */
export function samplesSvg(grid: GrayImage, pngHref: string, rows: number, classNames: readonly string[] = FASHION_MNIST.classNames, scale = 2): string {
  const left = 100, top = 34;
  const width = left + grid.width * scale + 10, height = top + grid.height * scale + 10;
  const rowHeight = (grid.height * scale) / rows;
  const body = [
    el('text', { x: width / 2, y: 22, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 600 }, 'Fashion-MNIST training images by class'),
    ...Array.from({ length: rows }, (_, c) =>
      el('text', { class: 'class-name', 'data-class': c, x: left - 8, y: top + (c + 0.5) * rowHeight + 4, 'text-anchor': 'end' }, esc(classNames[c] ?? String(c)))),
    el('image', { href: pngHref, x: left, y: top, width: grid.width * scale, height: grid.height * scale, style: 'image-rendering: pixelated', preserveAspectRatio: 'none' }),
  ];
  return svgDocument(width, height, 'Fashion-MNIST training images by class', body);
}
