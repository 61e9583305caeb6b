// Fashion-MNIST as wasmfit knows it: the images' shape, the classes and their names, and the four official
// files with the SHA-256 of their decompressed bytes. The one place these are written: the config schema, the
// data set, the parsers, the reports and the page read them from here. Platform-neutral, so the Node adapter
// (which finds the files on disk) and the browser (which is handed them) name and verify them the same way.

const IMAGE_SHAPE = [28, 28] as const;
const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** The data set's shape: grey u8 images of imageShape (rows, columns), labels 0 to classes - 1 named by classNames. */
export const FASHION_MNIST = {
  imageShape: IMAGE_SHAPE,
  /** Pixels per image, rows times columns: the network's input size. */
  pixels: IMAGE_SHAPE[0] * IMAGE_SHAPE[1],
  classes: CLASS_NAMES.length,
  /** The classes' names in label order. */
  classNames: CLASS_NAMES,
} as const;

/** The images as a network built from a layer list reads them: height, width, one (grey) channel; and the classes. */
export const IMAGE_TASK = { h: IMAGE_SHAPE[0], w: IMAGE_SHAPE[1], c: 1, classes: CLASS_NAMES.length } as const;

export const FILES = {
  trainImages: { name: 'train-images-idx3-ubyte', sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' },
  trainLabels: { name: 'train-labels-idx1-ubyte', sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' },
  testImages: { name: 't10k-images-idx3-ubyte', sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' },
  testLabels: { name: 't10k-labels-idx1-ubyte', sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' },
} as const;
export type FileKey = keyof typeof FILES;
export const FILE_KEYS = Object.keys(FILES) as FileKey[];
