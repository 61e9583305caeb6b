// The messages between the page (main.ts) and its training worker (worker.ts), in one place.
// The page never waits on the worker synchronously: it posts a request and reacts to what comes back.

import type { EpochRecord, StopReason, TrainResult } from '../../train/train.js';
import type { RunMode } from '../../core/features.js';
import type { SimdBuild } from '../../core/kernels/wasm.js';
import type { DataSources } from '../data.js';
import type { Config } from '../../config/schema.js';
import type { Ranked } from './try-it.js';

export type ToWorker =
  | { type: 'init'; threads?: number | boolean; simd?: SimdBuild }
  | { type: 'data'; sources: DataSources }
  | { type: 'train'; config: Config }
  | { type: 'stop' }
  | { type: 'load-model'; bytes: Uint8Array; name: string }
  /** One image of the Try it panel, of the input shape of the model in use there. */
  | { type: 'classify'; pixels: Uint8Array };

export interface Samples {
  /** count images of the data's shape. */
  pixels: Uint8Array;
  predicted: Uint8Array;
  labels: Uint8Array;
}

export interface Finished {
  /** What produced the weights: a training run or a loaded file. */
  origin: 'trained' | 'loaded';
  name: string;
  /** The network: layer sizes from input to classes, and the hidden layers' activation; or a layer list, described. */
  architecture: { layerSpecs: number[]; activation: string; layers?: string };
  test: { loss: number; accuracy: number };
  /** The model file, exactly what `wasmfit train` writes. */
  file: Uint8Array;
  samples: Samples;
  /** counts[t][p] over the whole test set: examples of true class t predicted as p (report/charts.ts). */
  confusion: number[][];
  /** Which weights a trained model holds (TrainResult.weights), and the epoch they are from (0: the initial ones). */
  weights?: TrainResult['weights'];
  bestEpoch?: number;
  stopReason?: StopReason;
  epochsRun?: number;
  seconds?: number;
  /** Where a run stopped in the middle of an epoch: that epoch, and how many of its batches were done. */
  stoppedIn?: { epoch: number; batch: number; batches: number };
}

export type FromWorker =
  | { type: 'ready'; mode: RunMode; threads: number; reason: string }
  | { type: 'data'; description: DataSummary; train: number; validation: number; test: number; verified: boolean; note?: string; seconds: number; samples: TestImages }
  /** The model the Try it panel now uses: the one shipped with the page, the last run's, or a loaded one. */
  | { type: 'classifier'; name: string; layerSpecs: number[]; layers?: string; inputShape: [number, number]; classes: string[]; accuracy?: number }
  | { type: 'classified'; top: Ranked[] }
  | { type: 'progress'; epoch: number; batch: number; batches: number; imagesPerSecond: number }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'done'; result: Finished }
  /** hasData: whether the worker still holds a data set (a failed load keeps the one before). */
  | { type: 'error'; message: string; during: 'init' | 'data' | 'train' | 'load-model' | 'classify'; hasData: boolean };

/** The data set in the worker: its name, image shape [height, width] and class names in label order. */
export interface DataSummary {
  name: string;
  shape: [number, number];
  classes: string[];
}

/** The first test images, for the Try it panel's strip: count images of the data's shape and each one's true class name. */
export interface TestImages {
  pixels: Uint8Array;
  names: string[];
}

/** Test images shown in the grid: the first ones of the test file, so every run shows the same. */
export const SAMPLE_COUNT = 24;
/**
 * Seconds between the worker's progress messages, at least: ten a second keep the bar live, as the CLI's. Each
 * message makes the page restyle and repaint on the cores the training threads use, so more would slow training.
 */
export const PROGRESS_INTERVAL_SECONDS = 0.1;
