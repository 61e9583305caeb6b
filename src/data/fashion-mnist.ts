// Fashion-MNIST, the set wasmfit trains on unless told otherwise, as the page and the package name it: its image
// shape, classes and four files with the SHA-256 of their decompressed bytes. Derived from its row of the known
// sets' table (known-sets.ts), the one place these are written.

import { DEFAULT_SET, FILE_KEYS, type FileKey } from './known-sets.js';

const [rows, cols] = DEFAULT_SET.shape;

/** The data set's shape: grey u8 images of imageShape (rows, columns), labels 0 to classes - 1 named by classNames. */
export const FASHION_MNIST = {
  imageShape: [rows, cols] as const,
  /** Pixels per image, rows times columns: the network's input size. */
  pixels: rows * cols,
  classes: DEFAULT_SET.classes.length,
  /** The classes' names in label order. */
  classNames: DEFAULT_SET.classes,
} as const;

export const FILES = Object.fromEntries(FILE_KEYS.map((k) => [k, { name: DEFAULT_SET.files[k], sha256: DEFAULT_SET.checksums!.values[k] }])) as Record<FileKey, { name: string; sha256: string }>;
export { FILE_KEYS, type FileKey };
