// The network: dense layers over the arena, forward and backward as kernel calls. Network holds what a
// forward pass needs (the parameters and the batch buffers), which is all inference allocates; Model adds the
// gradients, the optimiser's moments and best-so-far copy for training, and dropout. All share one layout (all weights, then all
// biases), so the optimiser and the early-stopping snapshot are flat passes. The first layer's weights are
// stored in column panels (panels.ts); init, model files and the gradient check convert at the edges. Batch
// buffers are sized once for the largest batch.

import { ACT, denseProductScratch, dropoutThreshold, NZ_HEADER, type BatchBuffers, type Kernels } from './kernels/kernels.js';
import { activateInPlace, activationBackwardInPlace, type Activation } from './activation.js';
import { alignUp, ALIGN, type Arena } from './memory.js';
import { fromPanels, panelIndex, toPanels } from './panels.js';
import { argmaxRows, copyBest, evaluateSplit, initialiseWeights, predictSplit, updateParameters, type NamedTensor, type ParameterGroup, type Trainable } from './network.js';

/** From this width on, the second layer's weight gradient is its own gemmTN call rather than firstLayerBackward's part. */
const WIDE_SECOND_LAYER = 32;

export interface ModelSpec {
  layerSpecs: number[];
  activation: Activation;
}

/** Where a data set's examples are stored in the arena, as the model gathers them (src/data/dataset.ts places them). */
export interface StoredExamples {
  /** u8 images, one row of the input size each. */
  images: number;
  /** u8 labels, one per row. */
  labels: number;
  /** f32 pairs (mean, 1/std) per row. */
  stats: number;
}

/** Some of the stored examples: count of them, whose row positions ptr lists as an i32 array in the arena. */
export interface ExampleRange {
  count: number;
  ptr: number;
}

interface Layout {
  weights: number[];
  biases: number[];
  /** Bytes of the weights part (the part that is regularised). */
  weightBytes: number;
  bytes: number;
}

function layout(sizes: number[]): Layout {
  const weights: number[] = [], biases: number[] = [];
  let at = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    weights.push(at);
    at = alignUp(at + sizes[l] * sizes[l + 1] * 4, ALIGN);
  }
  const weightBytes = at;
  for (let l = 0; l + 1 < sizes.length; l++) {
    biases.push(at);
    at = alignUp(at + sizes[l + 1] * 4, ALIGN);
  }
  return { weights, biases, weightBytes, bytes: at };
}

export interface Metrics {
  loss: number;
  accuracy: number;
}

/** What makes a training batch differ from evaluation's: augmented images, dropout and label smoothing. */
export interface BatchNoise {
  /** Images moved by up to shift pixels and mirrored (flip), drawn from key (see Kernels.gatherSparseAugmented). */
  augment?: { key: number; shift: number; flip: boolean };
  /** Per hidden layer: its dropout rate (0: none) and the key its mask is drawn from (see Kernels.dropout). */
  dropout: { rate: number; key: number }[];
  labelSmoothing: number;
}

/** One optimiser step's rule and hyper-parameters, the learning rate and its schedule already applied. */
export type UpdateRule =
  | { kind: 'sgd'; lr: number; gamma: number; nesterov: boolean; l2: number; l1: number }
  /** Adam: step and rs carry the bias corrections, keep the decoupled decay (see Kernels.adamUpdate). */
  | { kind: 'adam'; step: number; beta1: number; beta2: number; epsilon: number; rs: number; keep: number; l2: number; l1: number };

export class Network {
  readonly sizes: number[];
  readonly layers: number;
  protected readonly layout: Layout;
  readonly params: number;
  /**
   * Batch buffers: the input as X = c 1^T + S (c per row, S's nonzeros as row lists nz / val: see gatherSparse),
   * wsum = colsum(W0) for the first layer's constant part, y (rows) u8, and per layer its output a[l].
   */
  protected readonly batch: BatchBuffers;
  private readonly wsum: number;
  protected readonly a: number[];
  /** Scratch for the products after the first layer (their B in panels: k * n floats of the largest, 2 k n for gemmTN). */
  protected readonly panels: number;

  constructor(readonly spec: ModelSpec, protected readonly kernels: Kernels, protected readonly arena: Arena, readonly maxRows: number) {
    this.sizes = spec.layerSpecs;
    this.layers = this.sizes.length - 1;
    this.layout = layout(this.sizes);
    this.params = arena.alloc(this.layout.bytes, 'parameters');
    this.batch = batchBuffers(arena, maxRows, this.sizes[0], 'input batch');
    this.wsum = arena.allocF32(this.sizes[1], 'first-layer weight column sums');
    this.a = this.sizes.slice(1).map((n, l) => arena.allocF32(maxRows * n, `layer ${l} activations`));
    // The products of each layer after the first, and firstLayerBackward's (sizes[1] x sizes[2] of it).
    const panelFloats = Math.max(0, ...this.sizes.slice(1, -1).map((inSize, l) => denseProductScratch(inSize, this.sizes[l + 2], maxRows)));
    this.panels = arena.allocF32(panelFloats, 'product panels');
  }

  weight(l: number, base = this.params): number {
    return base + this.layout.weights[l];
  }
  bias(l: number, base = this.params): number {
    return base + this.layout.biases[l];
  }
  get paramBytes(): number {
    return this.layout.bytes;
  }

  /** Layer l's weights (in, out) in row-major order, copied out of the arena (layer 0's are stored in column panels). */
  private getWeights(l: number): Float32Array {
    const rows = this.sizes[l], cols = this.sizes[l + 1];
    const stored = this.arena.f32(this.weight(l), rows * cols);
    return l === 0 ? fromPanels(stored, rows, cols) : stored.slice();
  }

  /** Writes layer l's weights given in row-major order. */
  protected setWeights(l: number, rowMajor: Float32Array): void {
    const rows = this.sizes[l], cols = this.sizes[l + 1];
    this.arena.f32(this.weight(l), rows * cols).set(l === 0 ? toPanels(rowMajor, rows, cols) : rowMajor);
  }

  /** Gathers `rows` images by index (idx: i32 positions into images, labels and stats) into the input batch. */
  gatherRows(images: number, labels: number, stats: number, idx: number, rows: number): void {
    const b = this.batch;
    this.kernels.gatherSparse(b.nz, b.val, b.c, b.y, images, labels, stats, idx, rows, this.sizes[0]);
  }

  /** Puts rows normalised images (f32, row-major, at byte offset x of the arena) into the input batch (sparsifyRows). */
  setInputRows(x: number, rows: number): void {
    const b = this.batch;
    this.kernels.sparsifyRows(b.nz, b.val, b.c, x, rows, this.sizes[0]);
  }

  /** Gathers rows examples of a split, starting at example `first`, into the input batch. */
  gather(data: StoredExamples, split: ExampleRange, first: number, rows: number): void {
    this.gatherRows(data.images, data.labels, data.stats, split.ptr + first * 4, rows);
  }

  /** Forward pass of the gathered batch up to the logits (logits(rows) reads them). */
  forwardLogits(rows: number): void {
    const k = this.kernels, b = this.batch;
    // The first layer works on the sparse input with bias and activation fused; the others are dense.
    const n0 = this.sizes[1];
    k.sparseForward(this.a[0], b.nz, b.val, b.c, this.weight(0), this.wsum, this.bias(0), rows, this.sizes[0], n0,
      this.layers > 1 ? ACT[this.spec.activation] : ACT.none);
    if (this.layers > 1) this.hiddenOutput(0, rows);
    for (let l = 1; l < this.layers; l++) {
      const n = this.sizes[l + 1];
      k.gemmNN(this.a[l], this.input(l), this.weight(l), rows, this.sizes[l], n, this.panels);
      k.biasAdd(this.a[l], this.bias(l), rows, n);
      if (l + 1 < this.layers) {
        activateInPlace(k, this.spec.activation, this.a[l], rows * n);
        this.hiddenOutput(l, rows);
      }
    }
  }

  /** What layer l (>= 1) reads: the previous layer's output (a training Model's, after dropout). */
  protected input(l: number): number {
    return this.a[l - 1];
  }

  /** Called once hidden layer l's output is computed (a training Model drops units there). */
  protected hiddenOutput(_l: number, _rows: number): void {}

  /** The logits (rows, classes) of the last forward pass, as a fresh view into the arena. */
  logits(rows: number): Float32Array {
    return this.arena.f32(this.a[this.layers - 1], rows * this.sizes[this.layers]);
  }

  /** The predicted class of each row of the last forward pass: the first maximum of its logits, as countCorrect counts. */
  predicted(rows: number): Uint8Array {
    return argmaxRows(this.logits(rows), rows, this.sizes[this.layers]);
  }

  /** The weights and biases as named tensors ([in, out] and [out]), copied out of the arena. */
  exportTensors(): NamedTensor[] {
    const out = [];
    for (let l = 0; l < this.layers; l++) {
      const i = this.sizes[l], o = this.sizes[l + 1];
      out.push({ name: `layers.${l}.weight`, shape: [i, o], data: this.getWeights(l) });
      out.push({ name: `layers.${l}.bias`, shape: [o], data: this.arena.f32(this.bias(l), o).slice() });
    }
    return out;
  }

  /** Loads tensors named and shaped as exportTensors writes them (shapes checked by the caller). */
  importTensors(tensors: Map<string, Float32Array>): void {
    for (let l = 0; l < this.layers; l++) {
      this.setWeights(l, tensors.get(`layers.${l}.weight`)!);
      this.arena.f32(this.bias(l), this.sizes[l + 1]).set(tensors.get(`layers.${l}.bias`)!);
    }
  }
}

function batchBuffers(arena: Arena, rows: number, dim: number, what: string): BatchBuffers {
  return {
    nz: arena.alloc(rows * (dim + NZ_HEADER) * 4, `${what} nonzero lists`),
    val: arena.allocF32(rows * dim, `${what} nonzero values`),
    c: arena.allocF32(rows, `${what} constants`),
    y: arena.alloc(rows, `${what} labels`),
  };
}

export class Model extends Network implements Trainable {
  readonly grads: number;
  /** SGD's velocity, or Adam's first moment. */
  readonly velocity: number;
  /** Adam's second moment (unused by SGD). */
  readonly secondMoment: number;
  readonly best: number;
  /** Per layer the gradient of its output. */
  private readonly d: number[];
  /** Per hidden layer, its output after dropout (a[l] keeps the activation the backward pass needs). */
  private readonly dropped: number[];
  /** The last forward pass's noise, which the backward pass follows (undefined: an evaluation pass). */
  private noise: BatchNoise | undefined;

  constructor(spec: ModelSpec, kernels: Kernels, arena: Arena, maxRows: number) {
    super(spec, kernels, arena, maxRows);
    this.grads = arena.alloc(this.layout.bytes, 'gradients');
    this.velocity = arena.alloc(this.layout.bytes, 'velocities');
    this.secondMoment = arena.alloc(this.layout.bytes, 'second moments');
    this.best = arena.alloc(this.layout.bytes, 'best parameters');
    // A threaded back end gathers a private copy of each batch per worker thread (see threaded.ts).
    const copies = kernels.batchCopies ?? 0;
    if (copies > 0) kernels.useBatchCopies!(this.batch, Array.from({ length: copies }, (_, w) => batchBuffers(arena, maxRows, this.sizes[0], `worker ${w + 1}'s input batch`)), this.sizes[1]);
    this.d = this.sizes.slice(1).map((n, l) => arena.allocF32(maxRows * n, `layer ${l} gradients`));
    this.dropped = this.sizes.slice(1, -1).map((n, l) => arena.allocF32(maxRows * n, `layer ${l} outputs after dropout`));
  }

  /**
   * He-normal weights into ReLU, uniform in +-1/sqrt(fan_in) elsewhere (PyTorch's nn.Linear default);
   * zero biases and moments. The smaller tanh init keeps units out of saturation early, and it trains
   * config_7 a little better than Glorot-uniform.
   */
  initialise(seed: number): void {
    initialiseWeights(this, this.arena, seed, Array.from({ length: this.layers }, (_, l) => ({
      count: this.sizes[l] * this.sizes[l + 1], fanIn: this.sizes[l], relu: this.spec.activation === 'ReLU' && l + 1 < this.layers,
      store: (w: Float32Array) => this.setWeights(l, w),
    })));
  }

  get inputSize(): number {
    return this.sizes[0];
  }

  /** Byte offset of weight `index` (row-major: in * out_size + out) of layer l in a parameter-shaped buffer. */
  weightAt(l: number, index: number, base = this.params): number {
    const cols = this.sizes[l + 1];
    const stored = l === 0 ? panelIndex(Math.floor(index / cols), index % cols, this.sizes[0], cols) : index;
    return this.weight(l, base) + 4 * stored;
  }

  /** Gathers rows examples of a split, starting at example `first`, into the input batch; a training batch may augment them. */
  override gather(data: StoredExamples, split: ExampleRange, first: number, rows: number, noise?: BatchNoise): void {
    const a = noise?.augment, b = this.batch;
    if (!a) return super.gather(data, split, first, rows);
    // The input is a square image (784 = 28 x 28 pixels).
    const width = Math.round(Math.sqrt(this.sizes[0]));
    this.kernels.gatherSparseAugmented(b.nz, b.val, b.c, b.y, data.images, data.labels, data.stats, split.ptr + first * 4, rows, width, a.key, a.shift, a.flip ? 1 : 0);
  }

  /**
   * Forward pass of the gathered batch; returns the summed loss and writes the loss gradient (mean over rows).
   * A training batch passes its noise (dropout, label smoothing); evaluation passes none.
   */
  forward(rows: number, noise?: BatchNoise): number {
    this.noise = noise;
    this.forwardLogits(rows);
    const last = this.layers - 1;
    return this.kernels.softmaxCrossEntropy(this.d[last], this.a[last], this.batch.y, rows, this.sizes[this.layers], 1 / rows, noise?.labelSmoothing ?? 0);
  }

  /** Whether hidden layer l drops units in the current pass. */
  private dropping(l: number): boolean {
    return (this.noise?.dropout[l]?.rate ?? 0) > 0;
  }

  protected override input(l: number): number {
    return this.dropping(l - 1) ? this.dropped[l - 1] : this.a[l - 1];
  }

  protected override hiddenOutput(l: number, rows: number): void {
    this.drop(l, this.a[l], rows);
  }

  /**
   * Applies hidden layer l's dropout mask to from (rows, its width), into dropped[l] (the forward pass) or in
   * place (the backward pass, from its gradient): the same units, as the key is the batch's.
   */
  private drop(l: number, from: number, rows: number, inPlace = false): void {
    if (!this.dropping(l)) return;
    const { rate, key } = this.noise!.dropout[l];
    this.kernels.dropout(inPlace ? from : this.dropped[l], from, rows * this.sizes[l + 1], key, dropoutThreshold(rate), 1 / (1 - rate));
  }

  /** How many of the gathered batch the last forward pass classified correctly. */
  correct(rows: number): number {
    const last = this.layers - 1;
    return this.kernels.countCorrect(this.a[last], this.batch.y, rows, this.sizes[this.layers]);
  }

  /** Backward pass after forward(rows): fills the gradients of every weight and bias. */
  backward(rows: number): void {
    const k = this.kernels;
    // With dropout after the first layer, its backward pass runs unfused down to its output's gradient.
    const stop = this.dropping(0) ? 1 : 2;
    for (let l = this.layers - 1; l >= stop; l--) {
      const inSize = this.sizes[l], outSize = this.sizes[l + 1];
      k.gemmTN(this.weight(l, this.grads), this.input(l), this.d[l], inSize, rows, outSize, this.panels);
      k.colSum(this.bias(l, this.grads), this.d[l], rows, outSize);
      k.gemmNT(this.d[l - 1], this.d[l], this.weight(l), rows, outSize, inSize, this.panels);
      this.drop(l - 1, this.d[l - 1], rows, true);
      activationBackwardInPlace(k, this.spec.activation, this.d[l - 1], this.a[l - 1], rows * inSize);
    }
    // The second layer's weight gradient and everything below it run unit by unit of the first layer (see
    // firstLayerBackward), which threads split the way they split the first layer's other kernels. A wide second
    // layer's weight gradient is a product of its own: gemmTN packs its operands, and threads split it by columns.
    const next = this.layers > 1 && stop === 2, ownProduct = next && this.sizes[2] >= WIDE_SECOND_LAYER;
    if (next) k.colSum(this.bias(1, this.grads), this.d[1], rows, this.sizes[2]);
    if (ownProduct) k.gemmTN(this.weight(1, this.grads), this.a[0], this.d[1], this.sizes[1], rows, this.sizes[2], this.panels);
    k.firstLayerBackward({
      dw0: this.weight(0, this.grads), db0: this.bias(0, this.grads), dw1: next && !ownProduct ? this.weight(1, this.grads) : 0, dz0: this.d[0],
      nz: this.batch.nz, val: this.batch.val, c: this.batch.c, h: this.a[0], dz1: next ? this.d[1] : 0, w1: next ? this.weight(1) : 0, scratch: this.panels,
      rows, k: this.sizes[0], n: this.sizes[1], n2: next ? this.sizes[2] : 0, act: next ? ACT[this.spec.activation] : ACT.none,
    });
  }

  /** One optimiser step: weights carry L1/L2 (and AdamW's decay), biases do not. */
  update(rule: UpdateRule): void {
    // Per weight matrix, so that threads split the first layer's by the columns its other kernels split by.
    const matrices = Array.from({ length: this.layers }, (_, l) => ({ at: this.layout.weights[l], rows: this.sizes[l], cols: this.sizes[l + 1] }));
    updateParameters(this.kernels, this, rule, this.layout.weightBytes, matrices);
  }

  /** Mean loss and accuracy over a split, in batches of maxRows. */
  evaluate(data: StoredExamples, split: ExampleRange): Metrics {
    return evaluateSplit(this, data, split);
  }

  /** The predicted class (argmax of the logits) and the true label of every example of a split, in split order. */
  predict(data: StoredExamples, split: ExampleRange): { predicted: Uint8Array; labels: Uint8Array } {
    return predictSplit(this, data, split);
  }

  batchLabels(rows: number): Uint8Array {
    return this.arena.u8(this.batch.y, rows);
  }

  /** Each layer's weights (row-major [in, out] index) and biases, for the gradient check. */
  parameterGroups(): ParameterGroup[] {
    return Array.from({ length: this.layers }, (_, l) => [
      { layer: l, kind: 'weight' as const, count: this.sizes[l] * this.sizes[l + 1], offset: (i: number, base = this.params) => this.weightAt(l, i, base) },
      { layer: l, kind: 'bias' as const, count: this.sizes[l + 1], offset: (i: number, base = this.params) => this.bias(l, base) + 4 * i },
    ]).flat();
  }

  saveBest(): void {
    copyBest(this, this.arena, true);
  }
  restoreBest(): void {
    copyBest(this, this.arena, false);
  }
}
