// Writes a run's figures into its directory (Node adapter over src/report/charts.ts): loss.svg and
// accuracy.svg after every epoch, confusion.svg once the test set has been predicted. Each file is written
// to a temporary name and renamed, like the history, so a reader never sees half a figure.

import { join } from 'node:path';
import { accuracyChartSvg, confusionMatrix, confusionSvg, lossChartSvg, type CurvePoint, type RunMarks } from '../report/charts.js';
import { writeAtomic } from './files.js';

export function writeCurveFigures(dir: string, history: CurvePoint[], marks: RunMarks): void {
  writeAtomic(join(dir, 'loss.svg'), lossChartSvg(history, marks));
  writeAtomic(join(dir, 'accuracy.svg'), accuracyChartSvg(history, marks));
}

export function writeConfusionFigure(dir: string, predicted: Uint8Array, labels: Uint8Array, classes: readonly string[]): number[][] {
  const counts = confusionMatrix(predicted, labels, classes.length);
  writeAtomic(join(dir, 'confusion.svg'), confusionSvg(counts, classes));
  return counts;
}
