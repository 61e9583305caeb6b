// Running a kernel case on a back end: its buffers placed in the back end's arena (fresh outputs filled with a
// sentinel, optionally between guard bytes), the call, the buffers read back, and the comparison of two runs
// within the case's tolerances. The parity test and the bench's verification both go through here.

import type { Arena } from '../../memory.js';
import type { KernelCalls, Kernels } from '../kernels.js';
import type { CaseArray, KernelCase, Tolerance } from './case.js';

/** Fills fresh f32 outputs (and marks blanked elements): an element left unwritten cannot pass by accident. */
export const SENTINEL = -7.77e37;
/** Fills fresh u8 outputs. */
const SENTINEL_BYTE = 0xee;
/** Fills the guard bytes around each buffer when placed with guards. */
export const GUARD_BYTE = 0xa5;

/** A case's buffers in an arena: each one's byte offset and the bytes it was given (inputs, then fresh outputs). */
export interface PlacedCase {
  ptr: Record<string, number>;
  initial: Record<string, CaseArray>;
  guard: number;
}

/** Copies a case's inputs into the arena and allocates its outputs, each `guard` bytes (a multiple of 64) clear of the next. */
export function placeCase(arena: Arena, c: KernelCase, guard = 0): PlacedCase {
  const initial: Record<string, CaseArray> = { ...c.inputs };
  for (const [name, arr] of Object.entries(c.outputs ?? {})) {
    initial[name] = arr instanceof Float32Array ? new Float32Array(arr.length).fill(SENTINEL) : new Uint8Array(arr.length).fill(SENTINEL_BYTE);
  }
  const ptr: Record<string, number> = {};
  for (const [name, arr] of Object.entries(initial)) {
    const base = arena.alloc(guard + arr.byteLength + guard);
    const bytes = new Uint8Array(arena.memory.buffer, base, guard + arr.byteLength + guard);
    bytes.fill(GUARD_BYTE);
    bytes.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), guard);
    ptr[name] = base + guard;
  }
  return { ptr, initial, guard };
}

/** Copies every buffer of a placed case out of memory, typed as given. */
export function readCase(memory: WebAssembly.Memory, placed: PlacedCase): Record<string, CaseArray> {
  const out: Record<string, CaseArray> = {};
  for (const [name, like] of Object.entries(placed.initial)) {
    const ctor = like.constructor as new (b: ArrayBufferLike, o: number, n: number) => CaseArray;
    out[name] = new ctor(memory.buffer, placed.ptr[name], like.length).slice();
  }
  return out;
}

/** The buffers whose guard bytes a call overwrote (a placed case with guards only). */
export function strayWrites(memory: WebAssembly.Memory, placed: PlacedCase): string[] {
  if (placed.guard === 0) return [];
  return Object.entries(placed.initial).filter(([name, arr]) => {
    const before = new Uint8Array(memory.buffer, placed.ptr[name] - placed.guard, placed.guard);
    const after = new Uint8Array(memory.buffer, placed.ptr[name] + arr.byteLength, placed.guard);
    return [...before, ...after].some((b) => b !== GUARD_BYTE);
  }).map(([name]) => name);
}

/** Calls the case on kernels over its placed buffers; returns what the kernel returned and every buffer after. */
export function runCase(kernels: KernelCalls, memory: WebAssembly.Memory, c: KernelCase, placed: PlacedCase): CaseRun {
  const ret = c.call(kernels, placed.ptr);
  return { ret, arrays: readCase(memory, placed) };
}

export interface CaseRun {
  ret: number | void;
  arrays: Record<string, CaseArray>;
}

/** The closest a comparison came to failing: the largest differences and the worst fraction of the allowed one. */
export interface Closeness {
  abs: number;
  rel: number;
  ofAllowed: number;
  where: string;
}

export const newCloseness = (): Closeness => ({ abs: 0, rel: 0, ofAllowed: 0, where: '' });

/**
 * Compares a run (got) with a reference run of the same case, buffer by buffer within the case's tolerances (after
 * blanking what the contract leaves unspecified); returns the first mismatch as one line naming the buffer, the
 * index and both values, or null. closeness, when given, records how near the passing elements came.
 */
export function compareRuns(c: KernelCase, ref: CaseRun, got: CaseRun, closeness: Closeness = newCloseness()): string | null {
  const r = blanked(c, ref.arrays), g = blanked(c, got.arrays);
  for (const [name, tol] of Object.entries(c.compare)) {
    const a = r[name], b = g[name];
    for (let i = 0; i < a.length; i++) {
      const res = within(a[i], b[i], tol, closeness, `${c.shape} ${name}[${i}]`);
      if (!res.ok) return `${name}[${i}] ${b[i]} vs reference ${a[i]} (|diff| ${res.diff} > allowed ${res.allowed} = ${tol.atol} + ${tol.rtol}*|reference|)`;
    }
  }
  if (c.returns) {
    const res = within(ref.ret as number, got.ret as number, c.returns, closeness, `${c.shape} return`);
    if (!res.ok) return `returned ${got.ret} vs reference ${ref.ret} (|diff| ${res.diff} > allowed ${res.allowed})`;
  }
  return null;
}

function blanked(c: KernelCase, arrays: Record<string, CaseArray>): Record<string, CaseArray> {
  if (!c.unspecified) return arrays;
  const copy = Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, v.slice()]));
  c.unspecified(copy);
  return copy;
}

function within(ref: number, got: number, tol: Tolerance, closeness: Closeness, where: string): { ok: boolean; diff: number; allowed: number } {
  if (ref === got) return { ok: true, diff: 0, allowed: 0 }; // same value, infinities and +-0 included
  const diff = Math.abs(got - ref), allowed = tol.atol + tol.rtol * Math.abs(ref);
  const ok = diff <= allowed; // NaN on either side fails here
  if (ok) {
    closeness.abs = Math.max(closeness.abs, diff);
    if (ref !== 0) closeness.rel = Math.max(closeness.rel, diff / Math.abs(ref));
    if (diff / allowed > closeness.ofAllowed) { closeness.ofAllowed = diff / allowed; closeness.where = where; }
  }
  return { ok, diff, allowed };
}

/**
 * As a Model does for its batch: on a back end that keeps a private copy of the gathered batch per worker thread,
 * registers the case's batch (if it has one) with copies holding the same bytes, so the call runs as in training.
 */
export function registerBatchCopies(kernels: Kernels, arena: Arena, c: KernelCase, placed: PlacedCase): void {
  const copies = kernels.batchCopies ?? 0;
  if (copies === 0 || !kernels.useBatchCopies || !c.batch) return;
  const names = { nz: c.batch.nz, val: c.batch.val, c: c.batch.c, y: c.batch.y };
  const copy = (name: string | undefined, bytes: number): number => {
    const to = arena.alloc(bytes);
    if (name !== undefined) new Uint8Array(arena.memory.buffer, to, bytes).set(new Uint8Array(arena.memory.buffer, placed.ptr[name], bytes));
    return to;
  };
  const size = (name: string | undefined) => (name === undefined ? 0 : placed.initial[name].byteLength);
  const rows = size(names.c) / 4;
  const primary = { nz: placed.ptr[names.nz], val: placed.ptr[names.val], c: placed.ptr[names.c], y: names.y ? placed.ptr[names.y] : arena.alloc(rows) };
  kernels.useBatchCopies(primary, Array.from({ length: copies }, () => ({
    nz: copy(names.nz, size(names.nz)), val: copy(names.val, size(names.val)), c: copy(names.c, size(names.c)), y: copy(names.y, Math.max(size(names.y), rows)),
  })));
}
