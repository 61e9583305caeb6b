// A kernel that traps (here, handed an offset past the end of memory) is reported by name with the
// arguments that led there, as the project's own error, instead of a bare RuntimeError.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createBackend } from '../src/core/backend.js';
import { WasmfitError } from '../src/core/errors.js';

test('a kernel trap names the kernel and its shapes', async () => {
  const b = await createBackend('wasm', () => readFile(new URL('../../build/wasmfit.wasm', import.meta.url)));
  const a = b.arena.allocF32(16);
  const beyond = b.arena.memory.buffer.byteLength + 4096;
  assert.throws(() => b.kernels.gemmNN(beyond, a, a, 4, 4, 4), (e: unknown) =>
    e instanceof WasmfitError && new RegExp(`^wasm kernel gemmNN\\(${beyond}, ${a}, ${a}, 4, 4, 4\\) trapped: .*out of bounds`).test(e.message));
});
