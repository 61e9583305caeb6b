// A trained model ready to classify images, with no data set and no training state: the parameters and batch
// buffers of a forward pass (Network, or ConvForward for a layer list) in a small memory of its own, the same
// forward code and WASM kernels as training, without gradients or optimiser state. Images go through in chunks of
// at most chunkRows rows, so memory grows with the largest chunk seen and no further, whatever the batch. Threads are
// not used. Platform-neutral: the entries (src/browser/infer.ts, src/node/infer.ts) find the model's bytes and the
// kernels.

import { Network } from '../core/model.js';
import { ConvForward } from '../core/conv-net.js';
import type { LayerSpec } from '../core/layer-list.js';
import type { NetworkSpec } from '../core/networks.js';
import { Arena, createMemory } from '../core/memory.js';
import { instantiateWasmKernels } from '../core/kernels/wasm.js';
import type { Kernels } from '../core/kernels/kernels.js';
import type { Activation } from '../core/activation.js';
import { MAX_MODEL_BYTES, modelFromBytes } from '../api/model-file.js';
import { WasmfitError } from '../core/errors.js';
import { imageStats } from '../data/dataset.js';
import { notNormalised } from './normalise.js';
import { describeShape } from '../data/description.js';
import { describeValue, readBytes, sourceName, type ByteSource } from '../core/byte-source.js';

/** Rows per pass: the forward buffers of 500 images of 784 pixels take about 4 MB. */
export const CHUNK = 500;
/** Pixels per pass: larger images go through in fewer rows (a 256x256 image takes 8 bytes a pixel in the batch). */
const CHUNK_PIXELS = CHUNK * 784;

export interface Prediction {
  /** The class's index, its label. */
  class: number;
  name: string;
  probability: number;
}

/**
 * Images, row-major, one after another: grey levels 0-255 (Uint8Array, Uint8ClampedArray), which the model
 * normalises itself, or values already normalised as normalise.ts (and docs/model-file.md) says (Float32Array).
 */
export type Pixels = Uint8Array | Uint8ClampedArray | Float32Array;

/** What classifying needs of a network, dense or built from a layer list. */
interface ForwardNetwork {
  importTensors(tensors: Map<string, Float32Array>): void;
  gatherRows(images: number, labels: number, stats: number, idx: number, rows: number): void;
  setInputRows(x: number, rows: number): void;
  forwardLogits(rows: number): void;
  logits(rows: number): Float32Array;
}

export class Classifier {
  /** A dense network's layer sizes and activation; for a network built from a layer list, [] and undefined (see layers). */
  readonly layerSpecs: readonly number[];
  readonly activation: Activation | undefined;
  /** A network built from a layer list: the list. */
  readonly layers: readonly LayerSpec[] | undefined;
  /** Pixels of one image: inputShape[0] * inputShape[1]. */
  readonly inputSize: number;
  /** Images per pass: CHUNK, or fewer for images above 784 pixels, so a pass's memory stays at a few MB. */
  readonly chunkRows: number;
  private network!: ForwardNetwork;
  private arena!: Arena;
  /** Where a chunk's pixels, per-image statistics, row indices, (unused) labels and normalised images sit in the arena. */
  private staging!: { pixels: number; stats: number; idx: number; labels: number; x: number };
  private capacity = 0;

  constructor(
    /** [height, width] of the images the model takes. */
    readonly inputShape: readonly [number, number],
    /** One name per class, in label order. */
    readonly classes: readonly string[],
    /** The model file's __metadata__, as written. */
    readonly metadata: Readonly<Record<string, string>>,
    private readonly tensors: Map<string, Float32Array>,
    private readonly spec: NetworkSpec,
    private readonly kernels: Kernels,
    private readonly memory: WebAssembly.Memory,
    private readonly heapBase: number,
  ) {
    this.layerSpecs = 'layers' in spec ? [] : spec.layerSpecs;
    this.activation = 'layers' in spec ? undefined : spec.activation;
    this.layers = 'layers' in spec ? spec.layers : undefined;
    this.inputSize = inputShape[0] * inputShape[1];
    this.chunkRows = Math.max(1, Math.min(CHUNK, Math.floor(CHUNK_PIXELS / this.inputSize)));
  }

  /**
   * Class probabilities (count, classes), row-major, of `count` images in `pixels` (default: all it holds, which
   * must then be whole images); each row sums to 1.
   */
  predict(pixels: Pixels, count?: number): Float32Array {
    const n = this.imageCount(pixels, count), classes = this.classes.length, size = this.inputSize;
    if (pixels instanceof Float32Array) {
      const why = notNormalised(pixels, n, size);
      if (why) throw new WasmfitError(`predict: ${why}: pass grey levels 0-255 as a Uint8Array, or normalise as docs/model-file.md says`);
    }
    const out = new Float32Array(n * classes);
    for (let first = 0; first < n; first += this.chunkRows) {
      const rows = Math.min(this.chunkRows, n - first);
      this.reserve(rows);
      const arena = this.arena, s = this.staging, images = pixels.subarray(first * size, (first + rows) * size);
      if (images instanceof Float32Array) {
        arena.f32(s.x, rows * size).set(images);
        this.network.setInputRows(s.x, rows);
      } else {
        const chunk = arena.u8(s.pixels, rows * size);
        chunk.set(images);
        imageStats(chunk, rows, size, arena.f32(s.stats, 2 * rows));
        if (this.layers) this.network.gatherRows(s.pixels, s.labels, s.stats, s.idx, rows);
        else {
          // A dense network's grey levels are normalised first and take the float path, so both give the same bits
          // (training's gather splits the pixels before normalising: the same values up to float rounding).
          this.kernels.gatherImages(s.x, s.labels, s.pixels, s.labels, s.stats, s.idx, rows, size);
          this.network.setInputRows(s.x, rows);
        }
      }
      this.network.forwardLogits(rows);
      softmaxRows(this.network.logits(rows), out.subarray(first * classes, (first + rows) * classes), classes);
    }
    return out;
  }

  /** Bytes of WebAssembly memory this model holds: its parameters and the buffers of the largest chunk so far. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** The `top` most probable classes of each image (default 3), most probable first; ties go to the lower label. */
  classify(pixels: Pixels, options: { top?: number; count?: number } = {}): Prediction[][] {
    const classes = this.classes.length, top = options.top ?? 3;
    if (!Number.isInteger(top) || top < 1) throw new WasmfitError(`classify: top is ${top}, expected a whole number of classes from 1`);
    const p = this.predict(pixels, options.count);
    return Array.from({ length: p.length / classes }, (_, i) => {
      const row = p.subarray(i * classes, (i + 1) * classes);
      return topClasses(row, top).map((c) => ({ class: c, name: this.classes[c], probability: row[c] }));
    });
  }

  private imageCount(pixels: Pixels, count: number | undefined): number {
    if (!(pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray || pixels instanceof Float32Array)) {
      throw new WasmfitError(`predict: pixels are ${describeValue(pixels)}, expected a Uint8Array of grey levels 0-255 (${describeShape(this.inputShape)} per image, row-major), ` +
        'which the model normalises itself, or a Float32Array of normalised values (docs/model-file.md)');
    }
    const size = this.inputSize, unit = pixels instanceof Float32Array ? 'values' : 'pixels';
    if (count === undefined) {
      if (pixels.length % size !== 0) throw new WasmfitError(`predict: ${pixels.length} ${unit} are not a whole number of ${describeShape(this.inputShape)} images (${size} ${unit} each)`);
      return pixels.length / size;
    }
    if (!Number.isInteger(count) || count < 0 || count * size > pixels.length) {
      throw new WasmfitError(`predict: count is ${count}, expected a whole number of images up to the ${Math.floor(pixels.length / size)} that ${pixels.length} ${unit} hold`);
    }
    return count;
  }

  /** Makes room for a chunk of `rows` images: the arena starts afresh, a little larger, and the parameters go back in. */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.min(this.chunkRows, Math.max(rows, 2 * this.capacity));
    const arena = new Arena(this.memory, this.heapBase);
    const spec = this.spec;
    this.network = 'layers' in spec
      ? new ConvForward(spec, { h: this.inputShape[0], w: this.inputShape[1], c: 1, classes: this.classes.length }, this.kernels, arena, capacity)
      : new Network(spec, this.kernels, arena, capacity);
    this.network.importTensors(this.tensors);
    this.staging = {
      pixels: arena.alloc(capacity * this.inputSize, 'image pixels'),
      stats: arena.allocF32(2 * capacity, 'image statistics'),
      idx: arena.alloc(4 * capacity, 'row indices'),
      labels: arena.alloc(capacity, 'labels'),
      x: arena.allocF32(capacity * this.inputSize, 'normalised images'),
    };
    arena.i32(this.staging.idx, capacity).set(Int32Array.from({ length: capacity }, (_, i) => i));
    this.arena = arena;
    this.capacity = capacity;
  }
}

/** The labels of the k highest probabilities of one image, highest first; ties go to the lower label. */
export function topClasses(probabilities: Float32Array, k: number): number[] {
  return Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a] || a - b).slice(0, k);
}

/** Reads a model file and sets up its classifier over a fresh memory with the kernels compiled in `module`. */
export async function classifierFromBytes(bytes: Uint8Array, name: string, module: WebAssembly.Module): Promise<Classifier> {
  const file = modelFromBytes(bytes, name);
  const memory = createMemory(1, false);
  const { kernels, heapBase } = await instantiateWasmKernels(module, memory);
  return new Classifier(file.inputShape, file.classes, file.metadata, file.tensors, file.spec, kernels, memory, heapBase);
}

/** Row-wise softmax of logits into out, in double precision, the largest logit subtracted first. */
function softmaxRows(logits: Float32Array, out: Float32Array, classes: number): void {
  for (let at = 0; at < logits.length; at += classes) {
    let max = -Infinity, sum = 0;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[at + c]);
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[at + c] - max);
    for (let c = 0; c < classes; c++) out[at + c] = Math.exp(logits[at + c] - max) / sum;
  }
}

/** What loadModel takes: the model file's bytes, a Blob or File, a fetch Response or a URL (and, in Node, a path). */
export type ModelSource = ByteSource;

/** Reads a model from any source and sets it up over the kernels `compile` gives; name overrides how messages call the source. */
export async function loadModelFrom(source: ModelSource, compile: () => Promise<WebAssembly.Module>, name = sourceName(source, 'the model bytes')): Promise<Classifier> {
  const bytes = await readBytes(source, name, 'a wasmfit model file (.safetensors)', MAX_MODEL_BYTES);
  return classifierFromBytes(bytes, name, await compile());
}

/** Compiles the kernels once per entry and shares the module; a failure is not kept, so a later call tries again. */
export function compileOnce(compile: () => Promise<WebAssembly.Module>): () => Promise<WebAssembly.Module> {
  let module: Promise<WebAssembly.Module> | undefined;
  return () => (module ??= compile().catch((e: unknown) => {
    module = undefined;
    throw e;
  }));
}
