// `wasmfit inspect`: the data set statistics of the report's Table 2: images per class in the train,
// validation and test splits, and the per-image pixel mean and std before and after normalisation.

import { datasetStatistics } from '../../report/statistics.js';
import { locateData } from '../data-files.js';
import { jsonNumbers } from '../progress.js';

export interface InspectOptions {
  dataDir?: string;
  verify: boolean;
  seed: number;
  json?: boolean;
}

export async function inspectCommand(options: InspectOptions): Promise<void> {
  const seed = options.seed;
  const located = await locateData({ dataDir: options.dataDir, verify: options.verify });
  const stats = datasetStatistics(located.raw, seed);
  const { classes } = located.raw.description;
  if (options.json) {
    console.log(JSON.stringify({ data_dir: located.dir, seed, classes, splits: stats }, jsonNumbers));
    return;
  }
  console.log(`data: ${located.dir} (${located.source}); split seed ${seed}`);
  console.log('');
  const table = (header: string[], rows: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const line of [header, ...rows]) console.log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  };
  table(['class', ...stats.map((s) => s.split), 'total'], [
    ...classes.map((name, c) => [`${c} ${name}`, ...stats.map((s) => String(s.perClass[c])), String(stats.reduce((a, s) => a + s.perClass[c], 0))]),
    ['all', ...stats.map((s) => String(s.images)), String(stats.reduce((a, s) => a + s.images, 0))],
  ]);
  console.log('');
  console.log('per image (means over the split\'s images), pixels 0-255 before and (x - mean) / std after normalisation:');
  const f = (x: number, d: number) => x.toFixed(d).replace(/^-(0\.0+)$/, '$1');
  table(['split', 'mean before', 'std before', 'range before', 'mean after', 'std after', 'range after'],
    stats.map((s) => [s.split, f(s.before.mean, 2), f(s.before.std, 2), `${s.before.min}..${s.before.max}`, f(s.after.mean, 6), f(s.after.std, 6), `${f(s.after.min, 2)}..${f(s.after.max, 2)}`]));
}
