// The WASM SIMD back end: instantiates build/wasmfit.wasm (assembly/) over the host's memory, checks that it
// exports every kernel of the manifest and agrees with the contract's constants, and exposes the exports as
// Kernels. Platform-neutral: callers pass the compiled module or its bytes (src/node/wasm-file.ts reads them in
// Node; a browser fetches them). It does not own the memory or choose a back end.

import { MODULE_CONSTANTS, type KernelCalls, type Kernels } from './kernels.js';
import { KERNEL_NAMES, MANIFEST, WORKER_OPS } from './manifest.js';
import { WasmfitError } from '../errors.js';

// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt): validates only where SIMD is implemented.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this engine implements WebAssembly fixed-width SIMD (v128), which every wasm kernel uses. */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * The two builds of the kernels from one source (assembly/fused.ts): 'plain' SIMD, the default, whose
 * results every report number comes from, and 'relaxed', which also uses f32x4.relaxed_madd (an FMA where
 * the CPU has one): faster, with results that differ in the last bits, also between engines.
 */
export const SIMD_BUILDS = ['plain', 'relaxed'] as const;
export type SimdBuild = (typeof SIMD_BUILDS)[number];

// (func (result v128) (f32x4.relaxed_madd (i8x16.splat (i32.const 0)) x3)): validates only where relaxed SIMD is enabled.
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

/** Whether this engine accepts relaxed SIMD, which the 'relaxed' build needs (Node 20: only behind a V8 flag). */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** Instantiates the kernels over memory (imported as env.memory); heapBase is where the host's arena may start. */
export async function instantiateWasmKernels(
  source: WebAssembly.Module | BufferSource,
  memory: WebAssembly.Memory,
): Promise<{ kernels: Kernels; heapBase: number; module: WebAssembly.Module; exports: WebAssembly.Exports }> {
  if (!simdSupported()) {
    throw new Error('this JavaScript engine lacks WebAssembly SIMD, which the wasm back end needs; use --backend js');
  }
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
  const imports = { env: { memory, abort: (msg: number, file: number, line: number, col: number) => abort(memory, msg, file, line, col) } };
  const { exports } = await WebAssembly.instantiate(module, imports);
  checkModule(exports);
  const kernels: Record<string, unknown> = { name: 'wasm' };
  for (const name of KERNEL_NAMES) {
    const fn = exports[name] as (...args: number[]) => unknown, positional = MANIFEST[name].wasm as ((...args: unknown[]) => number[]) | undefined;
    kernels[name] = reportingTraps(name, positional ? (...args: unknown[]) => fn(...positional(...args)) : fn);
  }
  return { kernels: kernels as unknown as Kernels & KernelCalls, heapBase: (exports.heapBase as () => number)(), module, exports };
}

/**
 * Throws unless the module exports every function the manifest binds or hands to worker threads, and its constant
 * globals (assembly/abi.ts) equal the contract's MODULE_CONSTANTS: a module from another version of wasmfit would
 * otherwise read the activation codes or the batch's lists differently and train on garbage without a word.
 */
export function checkModule(exports: WebAssembly.Exports): void {
  const rebuild = 'it is stale or not wasmfit\'s; rebuild it with npm run build:wasm';
  const missing = [...new Set([...KERNEL_NAMES, ...WORKER_OPS, 'heapBase'])].filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0) throw new WasmfitError(`the wasm kernel module lacks exports ${missing.join(', ')}: ${rebuild}`);
  for (const [name, want] of Object.entries(MODULE_CONSTANTS)) {
    const global = exports[name];
    if (!(global instanceof WebAssembly.Global)) throw new WasmfitError(`the wasm kernel module lacks the constant ${name} (this host's is ${want}): ${rebuild}`);
    if (global.value !== want) throw new WasmfitError(`the wasm kernel module's ${name} is ${global.value}, this host's is ${want}: ${rebuild}`);
  }
}

/**
 * A trap (an out-of-bounds access, say) surfaces as an error naming the kernel and its arguments, which are
 * the shapes and offsets that led there. The wrapper costs a few nanoseconds on calls that take microseconds.
 */
function reportingTraps(name: string, fn: (...args: never[]) => unknown): (...args: never[]) => unknown {
  return (...args: never[]) => {
    try {
      return fn(...args);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      const shown = args.map((a) => (typeof a === 'object' ? JSON.stringify(a) : String(a))).join(', ');
      throw new WasmfitError(`wasm kernel ${name}(${shown}) trapped: ${e.message}`, undefined,
        'the arguments are byte offsets then sizes, in the order of src/core/kernels/kernels.ts; this is a bug in wasmfit, please report it with the command');
    }
  };
}

// AssemblyScript's abort(message, fileName, line, column): the strings are UTF-16 with their byte length
// in the 4 bytes before the pointer. Kernels abort only on a compiler-inserted check (debug builds).
function abort(memory: WebAssembly.Memory, msg: number, file: number, line: number, col: number): never {
  throw new Error(`wasm kernel aborted: ${readString(memory, msg) ?? 'no message'} at ${readString(memory, file) ?? 'unknown file'}:${line}:${col}`);
}

function readString(memory: WebAssembly.Memory, ptr: number): string | null {
  const buffer = memory.buffer;
  if (ptr < 4 || ptr > buffer.byteLength) return null;
  const bytes = new DataView(buffer).getUint32(ptr - 4, true);
  if (bytes % 2 !== 0 || ptr + bytes > buffer.byteLength) return null;
  // Copied out first: TextDecoder refuses views of a SharedArrayBuffer, and the memory will be shared.
  const units = new Uint16Array(new Uint8Array(buffer, ptr, bytes).slice().buffer);
  let text = '';
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.subarray(i, i + 4096));
  return text;
}
