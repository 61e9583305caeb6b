// `wasmfit predict`: classifies images with a model file, through the same loadModel as the package's
// wasmfit/infer. Inputs: PNG images (one image each), IDX image files (every image, gzipped or not) and raw
// pixels on stdin (-), told apart by their first bytes. Prints a table, or with --json one object per image.
// Images go to the model in batches of up to CHUNK, and stdin is read as it arrives, so memory stays bounded.

import { closeSync } from 'node:fs';
import { ConfigError, DataError, EXIT_RUNTIME } from '../../core/errors.js';
import { CHUNK, loadModel, type Classifier } from '../infer.js';
import { topClasses } from '../../infer/classifier.js';
import { decodeGreyPng, invert, isPng, resizeArea, type GreyImage } from '../../infer/images.js';
import { IMAGE_MAGIC, parseImages } from '../../data/idx.js';
import { describeShape } from '../../data/description.js';
import { readIdx } from '../../data/read-idx.js';
import { MAX_KNOWN_FILE_BYTES } from '../../data/known-sets.js';
import { openRegularFile, readUserFile } from '../files.js';

export interface PredictOptions {
  model: string;
  top: number;
  json?: boolean;
  invert?: boolean;
  resize?: boolean;
}

/** Images of one input, already at the model's size: images [first, first + count) of it. */
interface Group {
  input: string;
  first: number;
  count: number;
  pixels: Uint8Array;
}

export const RESIZE_FILTER = 'area-averaging';

export async function predictCommand(inputs: string[], options: PredictOptions): Promise<void> {
  const top = options.top;
  if (inputs.filter((i) => i === '-').length > 1) throw new ConfigError('predict: - (stdin) is given twice, expected it once');
  // Every file is there before the model loads, so a mistyped name costs no output.
  for (const input of inputs) if (input !== '-') checkFile(input);
  const model = await loadModel(options.model);
  const format = formatter(model, inputs, Math.min(top, model.classes.length), options.json === true);
  // The header comes with the first results, so an input refused first leaves stdout empty.
  let header = format.header;
  const size = model.inputSize;
  const batch = new Uint8Array(CHUNK * size);
  let queued: Group[] = [], rows = 0;
  const flush = () => {
    const probabilities = model.predict(batch, rows), classes = model.classes.length, lines: string[] = [];
    let at = 0;
    for (const g of queued) {
      for (let i = 0; i < g.count; i++, at++) lines.push(format.line(g.input, g.first + i, probabilities.subarray(at * classes, (at + 1) * classes)));
    }
    if (header !== undefined) lines.unshift(header);
    header = undefined;
    process.stdout.write(lines.join('\n') + '\n');
    queued = [];
    rows = 0;
  };
  // A reader that stops early (| head) ends the run; nothing else is being written.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  try {
    for (const input of inputs) {
      for await (const group of readInput(input, model, options)) {
        // Groups never exceed CHUNK images, so one always fits once the batch is flushed.
        if (rows + group.count > CHUNK) flush();
        batch.set(group.pixels.subarray(0, group.count * size), rows * size);
        queued.push(group);
        rows += group.count;
      }
    }
  } finally {
    // The images read before a bad input are reported before its error.
    if (rows > 0) flush();
  }
}

/** Inputs are regular files of at most the largest known set's file; what messages call them. */
const INPUT = { what: 'PNG or IDX', max: MAX_KNOWN_FILE_BYTES };

function checkFile(path: string): void {
  closeSync(openRegularFile(path, INPUT.what, INPUT.max, EXIT_RUNTIME).fd);
}

async function* readInput(input: string, model: Classifier, options: PredictOptions): AsyncGenerator<Group> {
  if (input === '-') {
    yield* readStdin(model, options.invert === true);
    return;
  }
  const stored = readUserFile(input, INPUT.what, INPUT.max, EXIT_RUNTIME);
  if (isPng(stored)) {
    yield { input, first: 0, count: 1, pixels: fit(decodeGreyPng(stored, input), model, input, options) };
    return;
  }
  const gzip = stored[0] === 0x1f && stored[1] === 0x8b;
  const bytes = await readIdx(new Blob([stored as Uint8Array<ArrayBuffer>]).stream(), input, gzip, INPUT.max);
  if (bytes.byteLength < 4 || new DataView(bytes.buffer, bytes.byteOffset).getUint32(0) !== IMAGE_MAGIC) {
    throw new DataError(`${input}: neither a PNG image nor an IDX image file (gzipped or not)`, 'for raw pixels, pipe them to wasmfit predict -');
  }
  const images = parseImages(bytes, input), size = images.rows * images.cols;
  for (let first = 0; first < images.count; first += CHUNK) {
    const count = Math.min(CHUNK, images.count - first), pixels = new Uint8Array(count * model.inputSize);
    for (let i = 0; i < count; i++) {
      const at = (first + i) * size, image = { width: images.cols, height: images.rows, pixels: images.pixels.slice(at, at + size) };
      pixels.set(fit(image, model, input, options), i * model.inputSize);
    }
    yield { input, first, count, pixels };
  }
}

/** An image at the model's size, inverted if asked: a different size is refused unless --resize. */
function fit(image: GreyImage, model: Classifier, name: string, options: PredictOptions): Uint8Array {
  const [h, w] = model.inputShape;
  if (image.width !== w || image.height !== h) {
    if (!options.resize) {
      throw new DataError(`${name}: the image is ${describeShape([image.height, image.width])}, the model takes ${describeShape(model.inputShape)}`,
        `pass --resize to scale it (${RESIZE_FILTER}, aspect ratio not kept)`);
    }
    image = resizeArea(image, w, h);
  }
  if (options.invert) invert(image.pixels);
  return image.pixels;
}

/** Raw pixels on stdin, row-major, one image of the model's size after another, in groups as they arrive. */
async function* readStdin(model: Classifier, inverted: boolean): AsyncGenerator<Group> {
  const size = model.inputSize, whole = CHUNK * size;
  const pending = new Uint8Array(whole);
  let filled = 0, first = 0;
  const take = (count: number): Group => {
    const pixels = pending.slice(0, count * size);
    if (inverted) invert(pixels);
    pending.copyWithin(0, count * size, filled);
    filled -= count * size;
    first += count;
    return { input: '-', first: first - count, count, pixels };
  };
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    for (let at = 0; at < chunk.length;) {
      const n = Math.min(chunk.length - at, whole - filled);
      pending.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === whole) yield take(CHUNK);
    }
  }
  if (filled >= size) yield take(Math.floor(filled / size));
  if (filled > 0) {
    throw new DataError(`stdin: ${filled} bytes after ${first} images, expected whole images of ${size} bytes (${describeShape(model.inputShape)} pixels, one byte each)`);
  }
}

/** One image's result as a line: a table row (format's header first), or a JSON object. */
function formatter(model: Classifier, inputs: string[], top: number, json: boolean): { header?: string; line(input: string, index: number, p: Float32Array): string } {
  if (json) {
    return {
      line: (input, index, p) => {
        const best = topClasses(p, 1)[0];
        return JSON.stringify({ input, index, class: best, name: model.classes[best], probabilities: Array.from(p, (v) => Number(v.toPrecision(6))) });
      },
    };
  }
  const width = Math.max('input'.length, ...inputs.map((i) => i.length));
  return {
    header: `${'input'.padEnd(width)}  ${'index'.padStart(6)}  top ${top === 1 ? 'class' : `${top} classes`}`,
    line: (input, index, p) => `${input.padEnd(width)}  ${String(index).padStart(6)}  ${topClasses(p, top).map((c) => `${model.classes[c]} ${(100 * p[c]).toFixed(2)}%`).join('  ')}`,
  };
}
