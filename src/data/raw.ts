// Turns a set's four decompressed IDX files into RawData with its description: both image files must have one
// shape the first layer can take, each label file must match its images, and every label must name a class.
// The class names come from the set (a known set, a dataset.yaml) or are "0".."N-1" for the largest label N - 1.
// Platform-neutral: the adapters find, decompress and hash the files.

import { DataError } from '../core/errors.js';
import { checkLabels, checkPair, parseImages, parseLabels, type IdxImages } from './idx.js';
import { checkImageShape, describeShape, numberedClasses } from './description.js';
import { MAX_CLASSES, MIN_CLASSES } from '../core/layers.js';
import type { FileKey } from './known-sets.js';
import type { RawData } from './dataset.js';

/** What is known of a set before its files are read. */
export interface SetIdentity {
  name: string;
  /** The set's class names, if it has any. */
  classes?: readonly string[];
  /** The shape its images must have (a known set's). */
  shape?: readonly [number, number];
  /** Images stored transposed (EMNIST): turned upright here. */
  transposed?: boolean;
  /** Where the class names come from, for the message about a label beyond them. */
  classesHint?: string;
}

/** A set's four files, parsed. */
export interface ParsedSet {
  trainImages: IdxImages;
  trainLabels: Uint8Array;
  testImages: IdxImages;
  testLabels: Uint8Array;
}

/** One of a set's files parsed by its role: images or labels. */
export function parseFile(key: FileKey, bytes: Uint8Array, name: string): IdxImages | Uint8Array {
  return key.endsWith('Images') ? parseImages(bytes, name) : parseLabels(bytes, name);
}

/** names: each file's name for messages; sha256: each file's digest by file name, recorded in model files. */
export function assembleData(files: ParsedSet, names: Record<FileKey, string>, identity: SetIdentity, sha256?: Record<string, string>): RawData {
  const { trainImages, trainLabels, testImages, testLabels } = files;
  checkPair(trainImages, trainLabels, names.trainImages, names.trainLabels);
  checkPair(testImages, testLabels, names.testImages, names.testLabels);
  const shape: [number, number] = [trainImages.rows, trainImages.cols];
  if (identity.shape && (shape[0] !== identity.shape[0] || shape[1] !== identity.shape[1])) {
    throw new DataError(`${names.trainImages}: images are ${describeShape(shape)}, expected ${describeShape(identity.shape)} (${identity.name})`);
  }
  if (testImages.rows !== shape[0] || testImages.cols !== shape[1]) {
    throw new DataError(`${names.testImages}: images are ${testImages.rows}x${testImages.cols}, but the training images (${names.trainImages}) are ${describeShape(shape)}`);
  }
  checkImageShape(shape, names.trainImages);
  const classes = identity.classes ? [...identity.classes] : numberedClasses(Math.max(maxLabel(trainLabels), maxLabel(testLabels)) + 1);
  if (classes.length < MIN_CLASSES || classes.length > MAX_CLASSES) {
    throw new DataError(`${names.trainLabels}: ${classes.length} classes (${identity.name}), expected ${MIN_CLASSES} to ${MAX_CLASSES}`);
  }
  checkLabels(trainLabels, classes.length, names.trainLabels, identity.classesHint);
  checkLabels(testLabels, classes.length, names.testLabels, identity.classesHint);
  const upright = (images: IdxImages) => (identity.transposed ? transpose(images) : images);
  return {
    train: { images: upright(trainImages), labels: trainLabels },
    test: { images: upright(testImages), labels: testLabels },
    description: { name: identity.name, shape: identity.transposed ? [shape[1], shape[0]] : shape, classes, ...(sha256 ? { sha256 } : {}) },
  };
}

function maxLabel(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return max;
}

function transpose(images: IdxImages): IdxImages {
  const { count, rows, cols, pixels } = images, size = rows * cols;
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[i * size + c * rows + r] = pixels[i * size + r * cols + c];
  }
  return { count, rows: cols, cols: rows, pixels: out };
}
