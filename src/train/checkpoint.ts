// What a checkpoint holds and how it becomes bytes: the live weights, the optimiser's moments, best weights and
// the current train order as tensors, and the loop state (epoch, batch, optimiser step, generator and
// early-stopping state, history) with the config as JSON. Platform-neutral: files, hashes and the manifest are the adapter's.

import type { Config } from '../config/schema.js';
import type { Trainable } from '../core/network.js';
import type { Arena } from '../core/memory.js';
import type { Dataset } from '../data/dataset.js';
import { arrangeSplits } from '../data/arrange.js';
import { decodeSafetensors, encodeSafetensors } from '../core/safetensors.js';
import { WasmfitError } from '../core/errors.js';
import type { LoopState } from './train.js';

// 2: the first layer's weights, gradients and velocities are stored in column panels (src/core/panels.ts), as the
// raw buffers a checkpoint holds are; a version-1 checkpoint's row-major layer would load scrambled, so it is refused.
// 3: the state records the SHA-256 of the config and of each data file, which a resumed run checks.
// 4: Adam's second moment and the optimiser step, without which an Adam run or a schedule could not resume.
export const CHECKPOINT_FORMAT = 'wasmfit-checkpoint-4';

/** What a checkpoint was made from: the SHA-256 of its config (as config.yaml holds it) and of each data file's bytes. */
export interface Provenance {
  config_sha256: string;
  data_sha256: Record<string, string>;
}

export interface CheckpointState extends Provenance {
  format: typeof CHECKPOINT_FORMAT;
  config: Config;
  loop: LoopState;
}

const REGIONS = ['params', 'velocity', 'secondMoment', 'best'] as const;

export function encodeCheckpoint(model: Trainable, arena: Arena, data: Dataset, config: Config, loop: LoopState, provenance: Provenance): { tensors: Uint8Array; state: string } {
  const floats = model.paramBytes / 4;
  const tensors = encodeSafetensors([
    ...REGIONS.map((r) => ({ name: r, shape: [floats], data: arena.f32(model[r], floats).slice() })),
    { name: 'train_order', shape: [data.train.count], data: data.train.ids.slice() },
  ], { format: CHECKPOINT_FORMAT });
  const state: CheckpointState = { format: CHECKPOINT_FORMAT, config, ...provenance, loop };
  return { tensors, state: JSON.stringify(state) };
}

/** Parses a checkpoint's two files and checks them against each other; the arena is not touched. */
export function decodeCheckpoint(tensorBytes: Uint8Array, stateText: string, source: string): { state: CheckpointState; tensors: Map<string, Float32Array | Int32Array> } {
  let state: CheckpointState;
  try {
    state = JSON.parse(stateText);
  } catch (e) {
    throw new WasmfitError(`${source}: state.json is not valid JSON (${(e as Error).message})`);
  }
  if (state?.format !== CHECKPOINT_FORMAT) throw new WasmfitError(`${source}: not a ${CHECKPOINT_FORMAT} checkpoint${typeof state?.format === 'string' ? ` (it is ${state.format}, from an older wasmfit; train afresh)` : ''}`);
  if (typeof state.config_sha256 !== 'string' || typeof state.data_sha256 !== 'object' || state.data_sha256 === null) throw new WasmfitError(`${source}: state.json lacks the config and data digests`);
  const file = decodeSafetensors(tensorBytes, `${source}/tensors.safetensors`);
  const tensors = new Map<string, Float32Array | Int32Array>();
  const names = [...REGIONS, 'train_order'];
  for (const name of names) {
    const t = file.tensors.get(name);
    if (!t) throw new WasmfitError(`${source}: tensor ${name} is missing`);
    tensors.set(name, t.data);
  }
  const unknown = [...file.tensors.keys()].find((name) => !names.includes(name));
  if (unknown) throw new WasmfitError(`${source}: unknown tensor ${unknown}, expected only ${names.join(', ')}`);
  return { state, tensors };
}

/** Puts a decoded checkpoint's tensors into the arena of a session opened with the same config. */
export function restoreCheckpoint(model: Trainable, arena: Arena, data: Dataset, tensors: Map<string, Float32Array | Int32Array>, source: string): void {
  const floats = model.paramBytes / 4;
  for (const r of REGIONS) {
    const t = tensors.get(r)!;
    if (!(t instanceof Float32Array) || t.length !== floats) throw new WasmfitError(`${source}: tensor ${r} holds ${t.length} values, expected ${floats} F32 for this network`);
    arena.f32(model[r], floats).set(t);
  }
  const order = tensors.get('train_order')!;
  if (!(order instanceof Int32Array) || order.length !== data.train.count) throw new WasmfitError(`${source}: train_order holds ${order.length} indices, expected ${data.train.count} I32`);
  // The order must be a permutation of this split's training examples, or a resumed run would train on other data.
  const expected = new Set(data.train.ids);
  if (!order.every((i) => expected.has(i)) || new Set(order).size !== order.length) throw new WasmfitError(`${source}: train_order is not a permutation of this run's training examples`);
  arrangeSplits(data, [data.train], order);
}
