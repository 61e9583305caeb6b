// The network: dense layers over the arena, forward and backward as kernel calls. Parameters, gradients,
// velocities and the best-so-far copy share one layout (all weights, then all biases), so the optimiser
// and the early-stopping snapshot are flat passes. The first layer's weights are stored in column panels
// (panels.ts); init, model files and the gradient check convert at the edges. Batch buffers are sized once
// for the largest batch.

import { ACT, NZ_HEADER, type BatchBuffers, type Kernels } from './kernels/kernels.js';
import { alignUp, ALIGN, type Arena } from './memory.js';
import { Rng } from './rng.js';
import { fromPanels, panelIndex, toPanels } from './panels.js';
import type { Activation } from './activation.js';
import { argmaxRows, evaluateSplit, predictSplit, type Metrics, type NamedTensor, type Network, type ParameterGroup } from './network.js';

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

export type { Metrics } from './network.js';

export class Model implements Network {
  readonly sizes: number[];
  readonly layers: number;
  private readonly layout: Layout;
  readonly params: number;
  readonly grads: number;
  readonly velocity: number;
  readonly best: number;
  /**
   * Batch buffers: the input as X = c 1^T + S (c per row, S's nonzeros as row lists nz / val: see gatherSparse),
   * wsum = colsum(W0) for the first layer's constant part, y (rows) u8, and per layer its output a[l] and gradient d[l].
   */
  private readonly nz: number;
  private readonly val: number;
  private readonly c: number;
  private readonly wsum: number;
  private readonly y: number;
  private readonly a: number[];
  private readonly d: number[];

  constructor(readonly spec: ModelSpec, private readonly kernels: Kernels, private readonly arena: Arena, readonly maxRows: number) {
    this.sizes = spec.layerSpecs;
    this.layers = this.sizes.length - 1;
    this.layout = layout(this.sizes);
    this.params = arena.alloc(this.layout.bytes, 'parameters');
    this.grads = arena.alloc(this.layout.bytes, 'gradients');
    this.velocity = arena.alloc(this.layout.bytes, 'velocities');
    this.best = arena.alloc(this.layout.bytes, 'best parameters');
    const batch = (what: string): BatchBuffers => ({
      nz: arena.alloc(maxRows * (this.sizes[0] + NZ_HEADER) * 4, `${what} nonzero lists`),
      val: arena.allocF32(maxRows * this.sizes[0], `${what} nonzero values`),
      c: arena.allocF32(maxRows, `${what} constants`),
      y: arena.alloc(maxRows, `${what} labels`),
    });
    ({ nz: this.nz, val: this.val, c: this.c, y: this.y } = batch('input batch'));
    // A threaded back end gathers a private copy of each batch per worker thread (see threaded.ts).
    const copies = kernels.batchCopies ?? 0;
    if (copies > 0) kernels.useBatchCopies!({ nz: this.nz, val: this.val, c: this.c, y: this.y }, Array.from({ length: copies }, (_, w) => batch(`worker ${w + 1}'s input batch`)));
    this.wsum = arena.allocF32(this.sizes[1], 'first-layer weight column sums');
    this.a = this.sizes.slice(1).map((n, l) => arena.allocF32(maxRows * n, `layer ${l} activations`));
    this.d = this.sizes.slice(1).map((n, l) => arena.allocF32(maxRows * n, `layer ${l} gradients`));
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

  /**
   * He-normal weights into ReLU, uniform in +-1/sqrt(fan_in) elsewhere (PyTorch's nn.Linear default);
   * zero biases and velocities. The smaller tanh init keeps units out of saturation early, and it trains
   * config_7 a little better than Glorot-uniform.
   */
  initialise(seed: number): void {
    const rng = new Rng(seed, 'init');
    this.arena.u8(this.params, this.layout.bytes).fill(0);
    this.arena.u8(this.velocity, this.layout.bytes).fill(0);
    for (let l = 0; l < this.layers; l++) {
      const fanIn = this.sizes[l];
      // Drawn in row-major order, whatever the storage layout, so a seed gives the same network.
      const w = new Float32Array(fanIn * this.sizes[l + 1]);
      if (this.spec.activation === 'ReLU' && l + 1 < this.layers) {
        const std = Math.sqrt(2 / fanIn);
        for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
      } else {
        const limit = 1 / Math.sqrt(fanIn);
        for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * limit;
      }
      this.setWeights(l, w);
    }
  }

  /** Layer l's weights (in, out) in row-major order, copied out of the arena (layer 0's are stored in column panels). */
  private getWeights(l: number): Float32Array {
    const rows = this.sizes[l], cols = this.sizes[l + 1];
    const stored = this.arena.f32(this.weight(l), rows * cols);
    return l === 0 ? fromPanels(stored, rows, cols) : stored.slice();
  }

  /** Writes layer l's weights given in row-major order. */
  private setWeights(l: number, rowMajor: Float32Array): void {
    const rows = this.sizes[l], cols = this.sizes[l + 1];
    this.arena.f32(this.weight(l), rows * cols).set(l === 0 ? toPanels(rowMajor, rows, cols) : rowMajor);
  }

  /** Byte offset of weight `index` (row-major: in * out_size + out) of layer l in a parameter-shaped buffer. */
  weightAt(l: number, index: number, base = this.params): number {
    const cols = this.sizes[l + 1];
    const stored = l === 0 ? panelIndex(Math.floor(index / cols), index % cols, this.sizes[0], cols) : index;
    return this.weight(l, base) + 4 * stored;
  }

  /** Gathers rows examples of a split, starting at example `first`, into the input batch. */
  gather(data: StoredExamples, split: ExampleRange, first: number, rows: number): void {
    this.kernels.gatherSparse(this.nz, this.val, this.c, this.y, data.images, data.labels, data.stats, split.ptr + first * 4, rows, this.sizes[0]);
  }

  /** Forward pass of the gathered batch; returns the summed loss and writes the loss gradient (mean over rows). */
  forward(rows: number): number {
    const k = this.kernels;
    // The first layer works on the sparse input with bias and activation fused; the others are dense.
    const n0 = this.sizes[1];
    k.sparseForward(this.a[0], this.nz, this.val, this.c, this.weight(0), this.wsum, this.bias(0), rows, this.sizes[0], n0,
      this.layers > 1 ? ACT[this.spec.activation] : ACT.none);
    for (let l = 1; l < this.layers; l++) {
      const n = this.sizes[l + 1];
      k.gemmNN(this.a[l], this.a[l - 1], this.weight(l), rows, this.sizes[l], n);
      k.biasAdd(this.a[l], this.bias(l), rows, n);
      if (l + 1 < this.layers) this.activate(this.a[l], rows * n);
    }
    const last = this.layers - 1;
    return k.softmaxCrossEntropy(this.d[last], this.a[last], this.y, rows, this.sizes[this.layers], 1 / rows);
  }

  /** How many of the gathered batch the last forward pass classified correctly. */
  correct(rows: number): number {
    const last = this.layers - 1;
    return this.kernels.countCorrect(this.a[last], this.y, rows, this.sizes[this.layers]);
  }

  /** The logits (rows, classes) of the last forward pass, as a fresh view into the arena. */
  logits(rows: number): Float32Array {
    return this.arena.f32(this.a[this.layers - 1], rows * this.sizes[this.layers]);
  }

  /** Backward pass after forward(rows): fills the gradients of every weight and bias. */
  backward(rows: number): void {
    const k = this.kernels;
    for (let l = this.layers - 1; l >= 2; l--) {
      const inSize = this.sizes[l], outSize = this.sizes[l + 1];
      k.gemmTN(this.weight(l, this.grads), this.a[l - 1], this.d[l], inSize, rows, outSize);
      k.colSum(this.bias(l, this.grads), this.d[l], rows, outSize);
      k.gemmNT(this.d[l - 1], this.d[l], this.weight(l), rows, outSize, inSize);
      this.activateBackward(this.d[l - 1], this.a[l - 1], rows * inSize);
    }
    // The second layer's weight gradient and everything below it run unit by unit of the first layer (see
    // firstLayerBackward), which threads split the way they split the first layer's other kernels.
    const next = this.layers > 1;
    if (next) k.colSum(this.bias(1, this.grads), this.d[1], rows, this.sizes[2]);
    k.firstLayerBackward({
      dw0: this.weight(0, this.grads), db0: this.bias(0, this.grads), dw1: next ? this.weight(1, this.grads) : 0, dz0: this.d[0],
      nz: this.nz, val: this.val, c: this.c, h: this.a[0], dz1: next ? this.d[1] : 0, w1: next ? this.weight(1) : 0,
      rows, k: this.sizes[0], n: this.sizes[1], n2: next ? this.sizes[2] : 0, act: next ? ACT[this.spec.activation] : ACT.none,
    });
  }

  /** One optimiser step: weights carry L1/L2, biases do not. Without momentum gamma is 0, so v = lr * g. */
  update(lr: number, gamma: number, l2: number, l1: number): void {
    const biasCount = (this.layout.bytes - this.layout.weightBytes) / 4;
    const wb = this.layout.weightBytes;
    // Per weight matrix, so that threads split the first layer's by the columns its other kernels split by.
    for (let l = 0; l < this.layers; l++) {
      this.kernels.sgdUpdateMatrix(this.weight(l), this.weight(l, this.grads), this.weight(l, this.velocity), this.sizes[l], this.sizes[l + 1], lr, gamma, l2, l1);
    }
    this.kernels.sgdUpdate(this.params + wb, this.grads + wb, this.velocity + wb, biasCount, lr, gamma, 0, 0);
  }

  evaluate(data: StoredExamples, split: ExampleRange): Metrics {
    return evaluateSplit(this, data, split);
  }

  predict(data: StoredExamples, split: ExampleRange): { predicted: Uint8Array; labels: Uint8Array } {
    return predictSplit(this, data, split);
  }

  /** The predicted class of each row of the last forward pass: the first maximum of its logits, as countCorrect counts. */
  predicted(rows: number): Uint8Array {
    return argmaxRows(this.logits(rows), rows, this.sizes[this.layers]);
  }

  batchLabels(rows: number): Uint8Array {
    return this.arena.u8(this.y, rows);
  }

  saveBest(): void {
    this.copy(this.params, this.best);
  }
  restoreBest(): void {
    this.copy(this.best, this.params);
  }
  private copy(from: number, to: number): void {
    this.arena.u8(to, this.layout.bytes).set(this.arena.u8(from, this.layout.bytes));
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

  /** Each layer's weights (row-major [in, out] index) and biases, for the gradient check. */
  parameterGroups(): ParameterGroup[] {
    return Array.from({ length: this.layers }, (_, l) => [
      { layer: l, kind: 'weight' as const, count: this.sizes[l] * this.sizes[l + 1], offset: (i: number, base = this.params) => this.weightAt(l, i, base) },
      { layer: l, kind: 'bias' as const, count: this.sizes[l + 1], offset: (i: number, base = this.params) => this.bias(l, base) + 4 * i },
    ]).flat();
  }

  private activate(z: number, n: number): void {
    const k = this.kernels;
    if (this.spec.activation === 'tanh') k.tanhForward(z, z, n);
    else if (this.spec.activation === 'sigmoid') k.sigmoidForward(z, z, n);
    else k.reluForward(z, z, n);
  }

  private activateBackward(d: number, y: number, n: number): void {
    const k = this.kernels;
    if (this.spec.activation === 'tanh') k.tanhBackward(d, d, y, n);
    else if (this.spec.activation === 'sigmoid') k.sigmoidBackward(d, d, y, n);
    else k.reluBackward(d, d, y, n);
  }
}
