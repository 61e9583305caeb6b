// The IDX data sets wasmfit knows by name, in one table: their official file names, image shape, class
// names, where to get them and, where the publishers or a major loader publish them, the files' checksums.
// Platform-neutral; finding and reading the files is the adapters' job (src/node/data-files.ts, src/browser/data.ts).

/** The four files of a set: training and test images and labels. */
export const FILE_KEYS = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
export type FileKey = (typeof FILE_KEYS)[number];

export interface Checksums {
  algorithm: 'sha256';
  /** Of the decompressed IDX bytes (survives recompression, as Debian's packages do) or of the .gz files as published. */
  of: 'decompressed' | 'gzip';
  values: Record<FileKey, string>;
}

export interface KnownSet {
  name: string;
  title: string;
  /** File names without .gz. */
  files: Record<FileKey, string>;
  /** Absent where no per-file checksum is published (EMNIST publishes one for its whole zip only). */
  checksums?: Checksums;
  shape: [number, number];
  classes: readonly string[];
  /** EMNIST stores each image transposed; it is turned upright when read, so drawings look as they are drawn. */
  transposed?: boolean;
  /** Where the files come from. */
  source: string;
  /** The largest of its files, when above the usual bound on an IDX file (read-idx.ts MAX_IDX_BYTES). */
  maxFileBytes?: number;
}

/** Checksums given in FILE_KEYS order: training images, training labels, test images, test labels. */
const sha256Of = (of: Checksums['of'], [trainImages, trainLabels, testImages, testLabels]: string[]): Checksums =>
  ({ algorithm: 'sha256', of, values: { trainImages, trainLabels, testImages, testLabels } });

const MNIST_FILES = { trainImages: 'train-images-idx3-ubyte', trainLabels: 'train-labels-idx1-ubyte', testImages: 't10k-images-idx3-ubyte', testLabels: 't10k-labels-idx1-ubyte' };
/** A set published as MNIST is: its four file names, 28x28 images, and the SHA-256 of its .gz files in FILE_KEYS order. */
const mnistLike = (name: string, title: string, classes: readonly string[], source: string, gzipSha256: string[]): KnownSet =>
  ({ name, title, files: MNIST_FILES, shape: [28, 28], classes, checksums: sha256Of('gzip', gzipSha256), source });

const DIGITS = '0123456789'.split('');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const LOWER = 'abcdefghijklmnopqrstuvwxyz'.split('');

/**
 * EMNIST's splits: their classes and training images (the EMNIST paper, Cohen et al. 2017); "letters" labels 1-26,
 * so class 0 is unused.
 */
const EMNIST_SPLITS: Record<string, { classes: readonly string[]; train: number }> = {
  byclass: { classes: [...DIGITS, ...UPPER, ...LOWER], train: 697_932 },
  bymerge: { classes: [...DIGITS, ...UPPER, ...'abdefghnqrt'.split('')], train: 697_932 },
  balanced: { classes: [...DIGITS, ...UPPER, ...'abdefghnqrt'.split('')], train: 112_800 },
  letters: { classes: ['N/A', ...LOWER], train: 124_800 },
  digits: { classes: DIGITS, train: 240_000 },
  mnist: { classes: DIGITS, train: 60_000 },
};

/**
 * Checksums: Fashion-MNIST's are of the decompressed files (checked against Debian's dataset-fashion-mnist); MNIST's
 * and KMNIST's are the SHA-256 of the official .gz files as TensorFlow Datasets records them (url_checksums/).
 */
export const KNOWN_SETS: Record<string, KnownSet> = {
  'fashion-mnist': {
    name: 'fashion-mnist', title: 'Fashion-MNIST', files: MNIST_FILES, shape: [28, 28],
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    checksums: sha256Of('decompressed', [
      'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
      '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b', '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34']),
    source: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  },
  mnist: mnistLike('mnist', 'MNIST', DIGITS, 'https://storage.googleapis.com/cvdf-datasets/mnist/', [
    '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6']),
  kmnist: mnistLike('kmnist', 'Kuzushiji-MNIST', ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'], 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/', [
    '51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4', 'e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17',
    'edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5', '20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c']),
  ...Object.fromEntries(Object.entries(EMNIST_SPLITS).map(([split, { classes, train }]) => [`emnist-${split}`, {
    name: `emnist-${split}`, title: `EMNIST ${split}`, shape: [28, 28], classes, transposed: true, maxFileBytes: 16 + 784 * train,
    files: {
      trainImages: `emnist-${split}-train-images-idx3-ubyte`, trainLabels: `emnist-${split}-train-labels-idx1-ubyte`,
      testImages: `emnist-${split}-test-images-idx3-ubyte`, testLabels: `emnist-${split}-test-labels-idx1-ubyte`,
    },
    source: 'https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/gzip.zip (the .gz files inside it)',
  } satisfies KnownSet])),
};

export const KNOWN_SET_NAMES = Object.keys(KNOWN_SETS);
/** The largest file of any known set (EMNIST ByClass's training images): a bound on reading one IDX file of them. */
export const MAX_KNOWN_FILE_BYTES = Math.max(...Object.values(KNOWN_SETS).map((s) => s.maxFileBytes ?? 0));
/** The set wasmfit trains on when nothing else is said. */
export const DEFAULT_SET = KNOWN_SETS['fashion-mnist'];
