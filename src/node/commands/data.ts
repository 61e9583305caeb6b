// `wasmfit data`: says which data set was found and where, whether it verified, and what the split holds.

import { locateData } from '../data-files.js';
import { splitIndices } from '../../data/dataset.js';
import { describeShape } from '../../data/description.js';
import { describeChecksums } from '../session.js';

export interface DataCommandOptions {
  dataDir?: string;
  verify: boolean;
  seed: number;
}

export async function dataCommand(options: DataCommandOptions): Promise<void> {
  const located = await locateData({ dataDir: options.dataDir, verify: options.verify });
  const { train, test, description } = located.raw;
  const split = splitIndices(train.images.count, options.seed);
  console.log(`found: ${description.name} in ${located.dir} (${located.source})`);
  console.log(describeChecksums(located));
  console.log(`train file: ${train.images.count} images of ${describeShape(description.shape)}; test file: ${test.images.count} images`);
  console.log(`classes: ${description.classes.length} (${description.classes.join(', ')})`);
  console.log(`split: ${split.train.length} train / ${split.validation.length} validation / ${test.images.count} test`);
}
