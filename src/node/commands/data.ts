// `wasmfit data`: says where the data set was found, whether it verified, and what the split holds.

import { locateData } from '../data-files.js';
import { splitIndices } from '../../data/dataset.js';

export interface DataCommandOptions {
  dataDir?: string;
  verify: boolean;
  seed: number;
}

export async function dataCommand(options: DataCommandOptions): Promise<void> {
  const located = await locateData({ dataDir: options.dataDir, verify: options.verify });
  const { train, test } = located.raw;
  const split = splitIndices(train.images.count, options.seed);
  console.log(`found: ${located.dir} (${located.source})`);
  console.log(`checksums: ${located.verified ? 'verified (SHA-256 of the decompressed files)' : 'not checked (--no-verify)'}`);
  console.log(`train file: ${train.images.count} images of ${train.images.rows}x${train.images.cols}; test file: ${test.images.count} images`);
  console.log(`split: ${split.train.length} train / ${split.validation.length} validation / ${test.images.count} test`);
}
