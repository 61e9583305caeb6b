// `wasmfit samples`: the report's Figure 1, a grid of training images with one row per class and the
// class names beside the rows. SVG (the names as text, the images as an embedded PNG) or, for an --out
// ending in .png, the bare PNG grid (rows in label order, named on stdout).

import { extname, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { base64, encodePng, imageGrid, samplesSvg, sampleIndices } from '../../report/samples.js';
import { locateData } from '../data-files.js';
import { checkWritableFile, writeAtomic } from '../files.js';

export interface SamplesOptions {
  out: string;
  perClass: number;
  dataDir?: string;
  verify: boolean;
}

export async function samplesCommand(options: SamplesOptions): Promise<void> {
  const perClass = options.perClass;
  const format = extname(options.out).toLowerCase();
  if (format !== '.svg' && format !== '.png') throw new ConfigError(`--out: expected a file name ending in .svg or .png, found ${JSON.stringify(options.out)}`);
  const out = resolve(options.out);
  checkWritableFile(out, '--out');
  const located = await locateData({ dataDir: options.dataDir, verify: options.verify });
  const { images, labels } = located.raw.train, { classes, shape, name } = located.raw.description;
  const rows = sampleIndices(labels, perClass, classes.length);
  const grid = imageGrid(images.pixels, rows, shape);
  const png = encodePng(grid);
  writeAtomic(out, format === '.png' ? png : samplesSvg(grid, `data:image/png;base64,${base64(png)}`, classes, name));
  console.log(`samples: ${out} (${grid.width}x${grid.height} pixels; the first ${perClass} training images of each class, from ${located.dir})`);
  rows.forEach((r, c) => console.log(`row ${c}: ${classes[c]} (${r.length} images)`));
}
