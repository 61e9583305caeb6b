// The report's Figure 1 (a grid of training images, one row per class, with the class names) and its PNG.
// Platform-neutral: fast-png encodes in Node and in a page alike; the SVG is handed the PNG as a data URI.

import { encode } from 'fast-png';
import { el, esc, svgDocument } from './svg.js';

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major 8-bit gray levels. */
  pixels: Uint8Array;
}

/** The first `perClass` examples of every class, in file order: rows[c] holds indices of class c. */
export function sampleIndices(labels: Uint8Array, perClass: number, classes: number): number[][] {
  const rows: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) if (labels[i] < classes && rows[labels[i]].length < perClass) rows[labels[i]].push(i);
  return rows;
}

/** The chosen images (h x w each) tiled, one row per class, `gap` white pixels between them. */
export function imageGrid(pixels: Uint8Array, rows: number[][], [h, w]: readonly [number, number], gap = 2): GrayImage {
  const cols = Math.max(1, ...rows.map((r) => r.length));
  const width = cols * w + (cols + 1) * gap, height = rows.length * h + (rows.length + 1) * gap;
  const out = new Uint8Array(width * height).fill(255);
  rows.forEach((indices, r) => indices.forEach((index, c) => {
    const x0 = gap + c * (w + gap), y0 = gap + r * (h + gap);
    for (let y = 0; y < h; y++) out.set(pixels.subarray(index * h * w + y * w, index * h * w + (y + 1) * w), (y0 + y) * width + x0);
  }));
  return { width, height, pixels: out };
}

/** An 8-bit grayscale PNG of the image. */
export function encodePng(image: GrayImage): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.pixels, depth: 8, channels: 1 });
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
export function samplesSvg(grid: GrayImage, pngHref: string, classNames: readonly string[], title: string, scale = 2): string {
  const rows = classNames.length;
  const left = 100, top = 34;
  const width = left + grid.width * scale + 10, height = top + grid.height * scale + 10;
  const rowHeight = (grid.height * scale) / rows;
  const body = [
    el('text', { x: width / 2, y: 22, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 600 }, esc(`${title} training images by class`)),
    ...Array.from({ length: rows }, (_, c) =>
      el('text', { class: 'class-name', 'data-class': c, x: left - 8, y: top + (c + 0.5) * rowHeight + 4, 'text-anchor': 'end' }, esc(classNames[c]))),
    el('image', { href: pngHref, x: left, y: top, width: grid.width * scale, height: grid.height * scale, style: 'image-rendering: pixelated', preserveAspectRatio: 'none' }),
  ];
  return svgDocument(width, height, `${title} training images by class`, body);
}
