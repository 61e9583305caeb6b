// The arena: one WebAssembly.Memory that holds every tensor (data set, weights, gradients, velocities,
// activations). The host hands kernels byte offsets into it. Allocation happens while a run is set up;
// once training starts nothing allocates and the memory never grows, so views stay valid.

import { WasmfitError } from './errors.js';

const PAGE = 65536;
/** Every tensor starts on a 64-byte boundary: SIMD loads from aligned rows are measurably cheaper. */
export const ALIGN = 64;
/** WebAssembly 32-bit memories stop at 4 GiB; engines may allow less. */
const MAX_PAGES = 65536;

/** Memory the engine cannot give: a runtime failure with the size in its message. */
export class ArenaError extends WasmfitError {}

export class Arena {
  private top: number;

  /** base is the first free byte: the WASM module's heap base (static data lives below it). */
  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = alignUp(Math.max(base, ALIGN), ALIGN);
  }

  /** Reserves bytes (zeroed) and returns their byte offset; grows the memory when needed. */
  alloc(bytes: number, what = 'tensor'): number {
    const ptr = this.top;
    const end = alignUp(ptr + Math.max(bytes, 0), ALIGN);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      const total = have / PAGE + pages;
      if (total > MAX_PAGES) throw new ArenaError(`cannot allocate ${what} (${bytes} bytes): the arena would need ${(total * PAGE / 2 ** 20).toFixed(0)} MiB, beyond WebAssembly's 4 GiB`);
      try {
        this.memory.grow(pages);
      } catch {
        throw new ArenaError(`cannot allocate ${what} (${bytes} bytes): the engine refused to grow WebAssembly memory to ${(total * PAGE / 2 ** 20).toFixed(0)} MiB`);
      }
    }
    this.top = end;
    return ptr;
  }

  allocF32(count: number, what?: string): number {
    return this.alloc(count * 4, what);
  }

  /** Bytes in use, from offset 0 (static data included). */
  get used(): number {
    return this.top;
  }

  // Views are made fresh on every call: a grown memory detaches old ones.
  f32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }
  u8(ptr: number, count: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, count);
  }
  i32(ptr: number, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, count);
  }
}

export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/** shared: a memory over a SharedArrayBuffer, which worker threads can run kernels over (it needs a maximum). */
export function createMemory(initialPages = 1, shared = false): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared });
}
