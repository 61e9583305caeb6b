// A kernel that traps (here, handed an offset past the end of memory) is reported by name with the
// arguments that led there, as the project's own error, instead of a bare RuntimeError; a kernel module from
// another version (other constants, missing exports) is refused before it runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createBackend } from '../src/core/backend.js';
import { WasmfitError } from '../src/core/errors.js';
import { checkModule, instantiateWasmKernels } from '../src/core/kernels/wasm.js';
import { createMemory } from '../src/core/memory.js';

test('a kernel trap names the kernel and its shapes', async () => {
  const b = await createBackend('wasm', () => readFile(new URL('../../build/wasmfit.wasm', import.meta.url)));
  const a = b.arena.allocF32(16);
  const beyond = b.arena.memory.buffer.byteLength + 4096;
  assert.throws(() => b.kernels.gemmNN(beyond, a, a, 4, 4, 4, a), (e: unknown) =>
    e instanceof WasmfitError && new RegExp(`^wasm kernel gemmNN\\(${beyond}, ${a}, ${a}, 4, 4, 4, ${a}\\) trapped: .*out of bounds`).test(e.message));
});

test('a kernel module whose constants disagree with this host\'s is refused, naming the constant', async () => {
  const bytes = await readFile(new URL('../../build/wasmfit.wasm', import.meta.url));
  const { exports } = await instantiateWasmKernels(bytes, createMemory());
  assert.doesNotThrow(() => checkModule(exports));
  // As a module from another version would be: its tanh code, or its lists' block size, not this host's.
  const stale = (name: string, value: number) => ({ ...exports, [name]: new WebAssembly.Global({ value: 'i32' }, value) });
  assert.throws(() => checkModule(stale('ACT_TANH', 2)), (e: unknown) => e instanceof WasmfitError
    && /^the wasm kernel module's ACT_TANH is 2, this host's is 1: .*rebuild it with npm run build:wasm$/.test(e.message));
  assert.throws(() => checkModule(stale('NZ_BLOCK_COLUMNS', 96)), /NZ_BLOCK_COLUMNS is 96, this host's is 192/);
  const { PANEL_COLUMNS: _dropped, ...missing } = exports;
  assert.throws(() => checkModule(missing), /lacks the constant PANEL_COLUMNS/);
  const { sparseForwardCols: _gone, ...noCols } = exports;
  assert.throws(() => checkModule(noCols), /lacks exports sparseForwardCols/);
});
