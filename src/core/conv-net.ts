// A network built from a layer list (layers.ts): convolutions, max-pooling, flatten, dense and dropout layers
// over the arena, forward and backward as kernel calls. Images move through it channels last, (rows, h, w, c), the
// layout the convolution kernels take; model files hold PyTorch's layouts (conv [out, in, kh, kw], a dense layer
// after flatten reading (c, h, w) order), converted at the edges as the MLP converts its panels. ConvForward holds
// what a forward pass needs (parameters, the batch, each layer's outputs and patches), which is all inference
// allocates; ConvNet adds the gradients, the optimiser's moments and the best copy for training. Parameters,
// gradients, velocities and the best copy share one layout (all weights, then all biases).

import { ACT, conv2dWeightGradScratch, denseProductScratch, dropoutThreshold, winogradWeightGradScratch, type Kernels } from './kernels/kernels.js';
import { alignUp, ALIGN, type Arena } from './memory.js';
import { padOf, planLayers, sizeOf, tensorShapes, type LayerSpec, type PlannedLayer } from './layer-list.js';
import { activateInPlace, activationBackwardInPlace } from './activation.js';
import { argmaxRows, copyBest, evaluateSplit, initialiseWeights, predictSplit, updateParameters, type Metrics, type NamedTensor, type Trainable, type ParameterGroup } from './network.js';
import type { BatchNoise, ExampleRange, StoredExamples, UpdateRule } from './model.js';

/** The image shape a network takes and how many classes it tells apart. */
export interface ImageTask {
  h: number;
  w: number;
  c: number;
  classes: number;
}

export interface ConvSpec {
  layers: LayerSpec[];
}

interface Placed extends PlannedLayer {
  /**
   * Output and its gradient (rows, output size): a flatten shares its input's. The gradient is ConvNet's (0 in
   * ConvForward); a pooled ReLU convolution's is its output's buffer (see reluPooled). A dropout's gradient is its
   * input's (its mask applies in place), and its output is a buffer of ConvNet's that holds the output only while the
   * layer drops (see outputs).
   */
  a: number;
  d: number;
  /** dropout: its index among the list's dropout layers, which keys its mask (BatchNoise.dropout). */
  drop: number;
  /** conv2d: the patches of the batch (conv2dForward's col), reused as scratch for the input gradient. */
  col: number;
  /** conv2d: conv2dWeightGrad's scratch, its chunks' products, at least the weights' size (ConvNet's; 0 in ConvForward). */
  scratch: number;
  /** A conv2d run by Winograd F(2x2, 3x3) (see usesWinograd): its buffers, else absent. */
  winograd?: WinogradBuffers;
  /** Layers with parameters: the index in file names (layers.{i}) and byte offsets of weights and biases in a parameter buffer. */
  param: number;
  weightAt: number;
  biasAt: number;
  /** A dense layer reading a flattened image: that image's shape (its rows are permuted in model files). */
  flatOf?: { h: number; w: number; c: number };
}

/** Whether dropout layer p drops units in a pass with this noise (none: evaluation and inference). */
const dropping = (p: Placed, noise: BatchNoise | undefined): boolean => p.spec.type === 'dropout' && (noise?.dropout[p.drop]?.rate ?? 0) > 0;

/**
 * The buffers of a Winograd layer: v (16, tiles, c) and m (16, tiles, oc) for a batch, scratch for the backward
 * pass once spent; the transformed filters u (16, c, oc) and ut (16, oc, c); ConvNet's weight-gradient du and scratch.
 */
interface WinogradBuffers {
  /** Rows of each position's plane in v and m: one more than a full batch's tiles, since planes a multiple of 4 KB
   * apart (3136 tiles of 32 or 64 channels) put a tile's 16 values in one L1 set and the transforms thrash it. */
  planeTiles: number;
  v: number;
  m: number;
  u: number;
  ut: number;
  du: number;
  scratch: number;
}

/** Input channels from which a 3x3 convolution runs by Winograd: with fewer, the transforms outweigh the 2.25x fewer multiplies. */
export const WINOGRAD_MIN_CHANNELS = 4;
/** Whether a conv2d layer runs by Winograd F(2x2, 3x3): a 3x3 kernel over at least WINOGRAD_MIN_CHANNELS channels. */
export const usesWinograd = (kernel: number, channels: number): boolean => kernel === 3 && channels >= WINOGRAD_MIN_CHANNELS;

/** A layer-list network's forward pass over the arena: its parameters and the buffers of a batch of up to maxRows. */
export class ConvForward {
  readonly plan: Placed[];
  readonly params: number;
  readonly paramBytes: number;
  protected readonly weightBytes: number;
  protected readonly x: number;
  protected readonly y: number;
  protected readonly classes: number;
  /** Where each layer's output is in the current pass: an idle dropout's and a flatten's are their input's. */
  protected readonly outputs: number[];
  /** Scratch for the dense layers' products (their B in panels: k * n floats of the largest, 2 k n for gemmTN). */
  protected readonly panels: number;

  constructor(readonly spec: ConvSpec, readonly task: ImageTask, protected readonly kernels: Kernels, protected readonly arena: Arena, readonly maxRows: number) {
    const planned = planLayers(spec.layers, task, task.classes);
    this.classes = task.classes;
    // Parameter layout first (all weights, then all biases), then the batch buffers.
    let at = 0, param = 0;
    const weightAt = planned.map((p) => (p.weights ? ((at = alignUp(at, ALIGN)), (at += p.weights * 4) - p.weights * 4) : -1));
    this.weightBytes = at = alignUp(at, ALIGN);
    const biasAt = planned.map((p) => (p.biases ? ((at = alignUp(at, ALIGN)), (at += p.biases * 4) - p.biases * 4) : -1));
    this.paramBytes = alignUp(at, ALIGN);
    this.params = arena.alloc(this.paramBytes, 'parameters');
    this.x = arena.allocF32(maxRows * task.h * task.w * task.c, 'input batch');
    this.y = arena.alloc(maxRows, 'input labels');
    let flat: { h: number; w: number; c: number } | undefined;
    let drops = 0;
    this.plan = [];
    planned.forEach((p, l) => {
      const prev = this.plan[l - 1];
      const alias = p.spec.type === 'flatten' || p.spec.type === 'dropout';
      const size = maxRows * sizeOf(p.output);
      const placed: Placed = {
        ...p,
        a: alias ? (prev?.a ?? this.x) : arena.allocF32(size, `layer ${l} outputs`),
        d: 0, drop: p.spec.type === 'dropout' ? drops++ : -1, col: 0, scratch: 0, param: -1, weightAt: weightAt[l], biasAt: biasAt[l],
      };
      if (p.spec.type === 'conv2d') {
        const out = p.output as { h: number; w: number }, c = (p.input as { c: number }).c, oc = p.spec.filters;
        if (usesWinograd(p.spec.kernel, c)) {
          const planeTiles = maxRows * Math.ceil(out.h / 2) * Math.ceil(out.w / 2) + 1;
          placed.winograd = {
            planeTiles, du: 0, scratch: 0,
            v: arena.allocF32(16 * planeTiles * c, `layer ${l} transformed inputs`),
            m: arena.allocF32(16 * planeTiles * oc, `layer ${l} transformed outputs`),
            u: arena.allocF32(16 * c * oc, `layer ${l} transformed filters`),
            ut: arena.allocF32(16 * c * oc, `layer ${l} transformed filters, transposed`),
          };
        } else {
          placed.col = arena.allocF32(maxRows * out.h * out.w * taps(p), `layer ${l} patches`);
        }
      }
      if (p.spec.type === 'flatten') flat = p.input as { h: number; w: number; c: number };
      if (p.spec.type === 'dense') {
        placed.flatOf = flat;
        flat = undefined;
      }
      if (p.weights) placed.param = param++;
      this.plan.push(placed);
    });
    this.outputs = this.plan.map((p) => p.a);
    const denseFloats = this.plan.map((p) => (p.spec.type === 'dense' ? denseProductScratch(sizeOf(p.input), p.spec.units, maxRows) : 0));
    this.panels = arena.allocF32(Math.max(0, ...denseFloats), 'product panels');
  }

  get layers(): number {
    return this.plan.length;
  }

  get inputSize(): number {
    return this.task.h * this.task.w * this.task.c;
  }

  /** The model-file index of the weight stored at internal index i of layer p. */
  protected fileIndex(p: Placed, i: number): number {
    const s = p.spec;
    if (s.type === 'conv2d') {
      const k = s.kernel, c = (p.input as { c: number }).c, oc = s.filters;
      const o = i % oc, t = (i - o) / oc, ch = t % c, kx = ((t - ch) / c) % k, ky = Math.floor(t / (c * k));
      return ((o * c + ch) * k + ky) * k + kx;
    }
    if (s.type === 'dense' && p.flatOf) {
      const { h, w, c } = p.flatOf, units = s.units;
      const o = i % units, row = (i - o) / units, ch = row % c, pixel = (row - ch) / c;
      return (ch * h * w + pixel) * units + o;
    }
    return i;
  }

  /** Gathers `rows` images by index (idx: i32 positions into images, labels and stats) into the input batch. */
  gatherRows(images: number, labels: number, stats: number, idx: number, rows: number): void {
    this.kernels.gatherImages(this.x, this.y, images, labels, stats, idx, rows, this.inputSize);
  }

  /** Puts rows normalised images (f32, row-major, channels last, at byte offset x of the arena) into the input batch. */
  setInputRows(x: number, rows: number): void {
    this.arena.f32(this.x, rows * this.inputSize).set(this.arena.f32(x, rows * this.inputSize));
  }

  /** Forward pass of the gathered batch up to the logits (see logits); dropout layers drop only with a training batch's noise. */
  forwardLogits(rows: number, noise?: BatchNoise): void {
    const k = this.kernels;
    this.plan.forEach((p, l) => {
      const inp = l === 0 ? this.x : this.outputs[l - 1], s = p.spec;
      this.outputs[l] = s.type === 'flatten' || (s.type === 'dropout' && !dropping(p, noise)) ? inp : p.a;
      const w = this.params + p.weightAt, b = this.params + p.biasAt;
      if (s.type === 'conv2d') {
        const i = p.input as { h: number; w: number; c: number }, wg = p.winograd;
        if (wg) {
          k.winogradFilter(wg.u, wg.ut, w, i.c, s.filters);
          k.winogradForward(p.a, wg.v, wg.m, inp, wg.u, b, rows, i.h, i.w, i.c, s.filters, padOf(s), ACT[s.activation], wg.planeTiles);
        } else {
          k.conv2dForward(p.a, p.col, inp, w, b, rows, i.h, i.w, i.c, s.filters, s.kernel, padOf(s), ACT[s.activation]);
        }
      } else if (s.type === 'maxpool') {
        const i = p.input as { h: number; w: number; c: number };
        k.maxPoolForward(p.a, inp, rows, i.h, i.w, i.c);
      } else if (s.type === 'dense') {
        const n = sizeOf(p.input);
        k.gemmNN(p.a, inp, w, rows, n, s.units, this.panels);
        k.biasAdd(p.a, b, rows, s.units);
        activateInPlace(k, s.activation, p.a, rows * s.units);
      } else if (s.type === 'dropout' && dropping(p, noise)) {
        this.drop(p, noise!, p.a, inp, rows);
      }
    });
  }

  /** Dropout layer p's mask, keyed by the batch, applied to from (rows, its size) into out; out may be from. */
  protected drop(p: Placed, noise: BatchNoise, out: number, from: number, rows: number): void {
    const { rate, key } = noise.dropout[p.drop];
    this.kernels.dropout(out, from, rows * sizeOf(p.output), key, dropoutThreshold(rate), 1 / (1 - rate));
  }

  logits(rows: number): Float32Array {
    return this.arena.f32(this.plan[this.plan.length - 1].a, rows * this.classes);
  }

  exportTensors(): NamedTensor[] {
    const shapes = tensorShapes(this.plan);
    return this.plan.filter((p) => p.weights).flatMap((p, i) => {
      const stored = this.arena.f32(this.params + p.weightAt, p.weights), file = new Float32Array(p.weights);
      for (let j = 0; j < p.weights; j++) file[this.fileIndex(p, j)] = stored[j];
      return [{ ...shapes[2 * i], data: file }, { ...shapes[2 * i + 1], data: this.arena.f32(this.params + p.biasAt, p.biases).slice() }];
    });
  }

  importTensors(tensors: Map<string, Float32Array>): void {
    for (const p of this.plan) {
      if (!p.weights) continue;
      const file = tensors.get(`layers.${p.param}.weight`)!;
      this.arena.f32(this.params + p.weightAt, p.weights).set(new Float32Array(p.weights).map((_, j) => file[this.fileIndex(p, j)]));
      this.arena.f32(this.params + p.biasAt, p.biases).set(tensors.get(`layers.${p.param}.bias`)!);
    }
  }
}

/** A layer-list network for training: the forward pass's buffers, and the gradients, moments and best copy. */
export class ConvNet extends ConvForward implements Trainable {
  readonly grads: number;
  /** SGD's velocity, or Adam's first moment. */
  readonly velocity: number;
  /** Adam's second moment (unused by SGD). */
  readonly secondMoment: number;
  readonly best: number;
  /** The last forward pass's noise, whose dropout masks the backward pass applies (undefined: an evaluation pass). */
  private noise: BatchNoise | undefined;

  constructor(spec: ConvSpec, task: ImageTask, kernels: Kernels, arena: Arena, maxRows: number) {
    super(spec, task, kernels, arena, maxRows);
    this.grads = arena.alloc(this.paramBytes, 'gradients');
    this.velocity = arena.alloc(this.paramBytes, 'velocities');
    this.secondMoment = arena.alloc(this.paramBytes, 'second moments');
    this.best = arena.alloc(this.paramBytes, 'best parameters');
    this.plan.forEach((p, l) => {
      const alias = p.spec.type === 'flatten' || p.spec.type === 'dropout';
      // A pooled ReLU layer's gradient is written over its outputs (maxPoolReluBackward in place), which nothing
      // reads after the pooling's backward pass: a smaller working set, and no fetch of the gradient's lines to write them.
      if (this.reluPooled(l)) p.d = p.a;
      else p.d = alias ? (this.plan[l - 1]?.d ?? 0) : arena.allocF32(maxRows * sizeOf(p.output), `layer ${l} gradients`);
      // The layers after a dropout read its dropped outputs, while the layer before keeps its own for its backward pass.
      if (p.spec.type === 'dropout') p.a = this.outputs[l] = arena.allocF32(maxRows * sizeOf(p.output), `layer ${l} outputs after dropout`);
      if (p.spec.type !== 'conv2d') return;
      const wg = p.winograd, c = (p.input as { c: number }).c, oc = p.spec.filters;
      if (!wg) {
        // A (taps, oc) product per chunk of 256 pixels after the first, kept apart on threads until summed in chunk
        // order: 195 slots, 225 KB, in best_cnn's 1 -> 32 layer at 64 rows.
        const o = p.output as { h: number; w: number };
        p.scratch = arena.allocF32(conv2dWeightGradScratch(maxRows * o.h * o.w, taps(p), oc), `layer ${l} weight-gradient chunk products`);
      } else {
        wg.du = arena.allocF32(16 * c * oc, `layer ${l} transformed weight gradient`);
        // A (16, c, oc) product per chunk of 128 tiles after the first, kept apart on threads until summed in chunk
        // order: 24 slots, 3 MB, in best_cnn's 32 -> 64 layer at 64 rows.
        wg.scratch = arena.allocF32(winogradWeightGradScratch(wg.planeTiles - 1, c, oc), `layer ${l} weight-gradient chunk products`);
      }
    });
  }

  /** He-normal weights into ReLU, uniform in +-1/sqrt(fan_in) elsewhere (PyTorch's default), drawn in model-file order; zero biases. */
  initialise(seed: number): void {
    initialiseWeights(this, this.arena, seed, this.plan.filter((p) => p.weights).map((p) => ({
      count: p.weights, fanIn: p.weights / p.biases, relu: 'activation' in p.spec && p.spec.activation === 'ReLU',
      store: (w: Float32Array) => this.arena.f32(this.params + p.weightAt, p.weights).set(w.map((_, i) => w[this.fileIndex(p, i)])),
    })));
  }

  /** Gathers rows examples of a split, starting at example `first`, into the input batch; a training batch may augment them. */
  gather(data: StoredExamples, split: ExampleRange, first: number, rows: number, noise?: BatchNoise): void {
    const a = noise?.augment, { h, w, c } = this.task;
    if (!a) return this.gatherRows(data.images, data.labels, data.stats, split.ptr + first * 4, rows);
    // Data sets load one channel (imageTask); the augmented gather moves one-channel images.
    if (c !== 1) throw new Error(`augmentation moves one-channel images, and these have ${c} channels`);
    this.kernels.gatherImagesAugmented(this.x, this.y, data.images, data.labels, data.stats, split.ptr + first * 4, rows, h, w, a.key, a.shift, a.flip ? 1 : 0);
  }

  /**
   * Forward pass of the gathered batch; returns the summed loss and writes the loss gradient (mean over rows).
   * A training batch passes its noise (dropout, label smoothing); evaluation passes none.
   */
  forward(rows: number, noise?: BatchNoise): number {
    this.noise = noise;
    this.forwardLogits(rows, noise);
    const last = this.plan[this.plan.length - 1];
    return this.kernels.softmaxCrossEntropy(last.d, last.a, this.y, rows, this.classes, 1 / rows, noise?.labelSmoothing ?? 0);
  }

  correct(rows: number): number {
    return this.kernels.countCorrect(this.plan[this.plan.length - 1].a, this.y, rows, this.classes);
  }

  /** Backward pass after forward(rows): fills the gradient of every weight and bias. */
  backward(rows: number): void {
    const k = this.kernels;
    const firstParam = this.plan.findIndex((p) => p.weights > 0);
    for (let l = this.plan.length - 1; l >= firstParam; l--) {
      const p = this.plan[l], s = p.spec, inp = l === 0 ? this.x : this.outputs[l - 1];
      const below = l > firstParam ? this.plan[l - 1].d : 0;
      if ('activation' in s && !this.reluPooled(l)) activationBackwardInPlace(k, s.activation, p.d, p.a, rows * sizeOf(p.output));
      const gw = this.grads + p.weightAt, gb = this.grads + p.biasAt, w = this.params + p.weightAt;
      if (s.type === 'conv2d') {
        const i = p.input as { h: number; w: number; c: number }, o = p.output as { h: number; w: number };
        const pixels = rows * o.h * o.w, taps = s.kernel * s.kernel * i.c, wg = p.winograd;
        if (wg) {
          // m is scratch after the forward pass, and v too once the weight gradient has read it.
          k.winogradWeightGrad(gw, wg.du, wg.scratch, wg.v, wg.m, p.d, rows, o.h, o.w, i.c, s.filters, wg.planeTiles);
          k.colSum(gb, p.d, pixels, s.filters);
          if (below) k.winogradInputGrad(below, wg.v, wg.m, p.d, wg.ut, rows, i.h, i.w, i.c, s.filters, padOf(s), wg.planeTiles);
          continue;
        }
        k.conv2dWeightGrad(gw, gb, p.scratch, p.col, p.d, pixels, taps, s.filters);
        // The patches and the weight gradient's scratch are spent: scratch for the input gradient and W transposed.
        if (below) {
          k.transpose(p.scratch, w, taps, s.filters);
          k.conv2dInputGrad(below, p.col, p.d, p.scratch, rows, i.h, i.w, i.c, s.filters, s.kernel, padOf(s));
        }
      } else if (s.type === 'maxpool') {
        const i = p.input as { h: number; w: number; c: number };
        if (below && this.reluPooled(l - 1)) k.maxPoolReluBackward(below, p.d, inp, p.a, rows, i.h, i.w, i.c);
        else if (below) k.maxPoolBackward(below, p.d, inp, p.a, rows, i.h, i.w, i.c);
      } else if (s.type === 'dense') {
        const n = sizeOf(p.input);
        k.gemmTN(gw, inp, p.d, n, rows, s.units, this.panels);
        k.colSum(gb, p.d, rows, s.units);
        if (below) k.gemmNT(below, p.d, w, rows, s.units, n, this.panels);
      } else if (s.type === 'dropout' && below && dropping(p, this.noise)) {
        // Its gradient buffer is its input's: the same mask, in place.
        this.drop(p, this.noise!, below, p.d, rows);
      }
    }
  }

  /**
   * Whether layer l is a ReLU convolution pooled right after: the pooling's backward pass then applies the ReLU's
   * too (maxPoolReluBackward), so its gradient, the size of the layer's output, takes one pass instead of two, and
   * is written over that output in place.
   */
  private reluPooled(l: number): boolean {
    const s = this.plan[l]?.spec, next = this.plan[l + 1]?.spec;
    return s?.type === 'conv2d' && s.activation === 'ReLU' && next?.type === 'maxpool';
  }

  /** One optimiser step by the rule's kernel: weights carry L1/L2 (and AdamW's decay), biases do not. */
  update(rule: UpdateRule): void {
    updateParameters(this.kernels, this, rule, this.weightBytes);
  }

  evaluate(data: StoredExamples, split: ExampleRange): Metrics {
    return evaluateSplit(this, data, split);
  }

  predict(data: StoredExamples, split: ExampleRange): { predicted: Uint8Array; labels: Uint8Array } {
    return predictSplit(this, data, split);
  }

  predicted(rows: number): Uint8Array {
    return argmaxRows(this.logits(rows), rows, this.classes);
  }

  batchLabels(rows: number): Uint8Array {
    return this.arena.u8(this.y, rows);
  }

  saveBest(): void {
    copyBest(this, this.arena, true);
  }
  restoreBest(): void {
    copyBest(this, this.arena, false);
  }

  /** Weights and biases of each layer with parameters, addressed by model-file index (gradient check). */
  parameterGroups(): ParameterGroup[] {
    return this.plan.filter((p) => p.weights).flatMap((p) => {
      const byFile = new Int32Array(p.weights);
      for (let j = 0; j < p.weights; j++) byFile[this.fileIndex(p, j)] = j;
      return [
        { layer: p.param, kind: 'weight' as const, count: p.weights, offset: (i: number, base = this.params) => base + p.weightAt + 4 * byFile[i] },
        { layer: p.param, kind: 'bias' as const, count: p.biases, offset: (i: number, base = this.params) => base + p.biasAt + 4 * i },
      ];
    });
  }
}

/** Multiply-adds per output pixel and filter of a conv2d layer: kernel * kernel * input channels. */
function taps(p: PlannedLayer): number {
  return p.spec.type === 'conv2d' ? p.spec.kernel * p.spec.kernel * (p.input as { c: number }).c : 0;
}
