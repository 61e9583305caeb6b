// Parity: every kernel of the manifest, WASM SIMD (both builds) against the TypeScript reference, on the
// manifest's seeded cases for the training problem, in one memory. Each case runs once per back end on fresh
// copies of its inputs (so in-place cases are natural), with guard bytes around every buffer to catch stray
// writes and a check that read-only inputs stay intact. Then every kernel the threaded back end splits must give
// the single-threaded wasm kernels' bytes exactly on its training-step cases, which are big enough to split.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsKernels } from '../src/core/kernels/js.js';
import type { KernelCalls, KernelName } from '../src/core/kernels/kernels.js';
import { KERNEL_NAMES, MANIFEST } from '../src/core/kernels/manifest.js';
import { sweepCases, timedCases } from '../src/core/kernels/manifest-cases.js';
import type { KernelCase, Problem } from '../src/core/kernels/cases/case.js';
import { IN_PLACE } from '../src/core/kernels/cases/conv.js';
import { compareRuns, newCloseness, placeCase, runCase, strayWrites, type CaseRun } from '../src/core/kernels/cases/run.js';
import { instantiateWasmKernels, SIMD_BUILDS } from '../src/core/kernels/wasm.js';
import { createBackend } from '../src/core/backend.js';
import { loadWasmModule } from '../src/node/wasm-file.js';
import { nodeThreadOptions } from '../src/node/threads.js';
import { Arena, createMemory } from '../src/core/memory.js';
import { FASHION_MNIST } from '../src/data/fashion-mnist.js';

/** config_6's network on Fashion-MNIST: the shapes every kernel's sweep includes. */
const PROBLEM: Problem = { batch: 128, inputs: FASHION_MNIST.pixels, hidden: 128, classes: FASHION_MNIST.classes };
/** Bytes before and after every buffer; keeps each buffer 64-byte aligned. */
const GUARD = 64;

const memory = createMemory();
// Both builds over the one memory (their static data is identical bytes at the same addresses): the default
// plain SIMD and the relaxed (FMA) build, which loadWasmModule makes this Node accept.
const builds = await Promise.all(SIMD_BUILDS.map(async (build) => ({ build, ...(await instantiateWasmKernels(await loadWasmModule(build), memory)) })));
const heapBase = Math.max(...builds.map((b) => b.heapBase));
const js = new JsKernels(memory);

/** One case on one back end, in a fresh arena: stray writes and changed read-only inputs fail here. */
function runOn(kernels: KernelCalls & { name: string }, kernel: KernelName, c: KernelCase): CaseRun {
  const placed = placeCase(new Arena(memory, heapBase), c, GUARD);
  const run = runCase(kernels, memory, c, placed);
  assert.deepEqual(strayWrites(memory, placed), [], `${kernels.name} ${kernel} ${c.shape}: wrote outside these buffers`);
  for (const name of Object.keys(c.inputs)) {
    if (!(name in c.compare)) assert.deepEqual(run.arrays[name], c.inputs[name], `${kernels.name} ${kernel} ${c.shape}: modified read-only input ${name}`);
  }
  return run;
}

for (const { build, kernels: wasm } of builds) for (const kernel of KERNEL_NAMES) {
  test(`wasm (${build} SIMD) matches js: ${kernel}`, (t) => {
    const cases = sweepCases(kernel, PROBLEM);
    assert.ok(cases.length > 0, `the manifest gives ${kernel} no cases`);
    const closeness = newCloseness();
    for (const c of cases) {
      const failure = compareRuns(c, runOn(js, kernel, c), runOn(wasm, kernel, c), closeness);
      if (failure) assert.fail(`${kernel} ${c.shape}: wasm ${failure}`);
    }
    t.diagnostic(`${cases.length} cases; max |diff| ${closeness.abs.toExponential(2)}, max rel ${closeness.rel.toExponential(2)}, `
      + `worst ${(100 * closeness.ofAllowed).toFixed(1)}% of allowed${closeness.where ? ` at ${closeness.where}` : ''}`);
  });
}

// The comparisons above take -0 for +0; the network replaces maxPoolBackward then reluBackward by the fused kernel,
// run in place, so its bits, signed zeros included, must be theirs (run apart into a fresh dx: reluBackward reads x).
for (const { build, kernels: wasm } of builds) {
  test(`wasm (${build} SIMD) maxPoolReluBackward, in place too, gives maxPoolBackward then reluBackward's bits`, () => {
    const unfused = { ...wasm, name: 'unfused', maxPoolReluBackward: (dx: number, dy: number, x: number, y: number, n: number, h: number, w: number, c: number) => {
      wasm.maxPoolBackward(dx, dy, x, y, n, h, w, c);
      wasm.reluBackward(dx, dx, x, n * h * w * c);
    } };
    const bits = (k: KernelCalls & { name: string }, c: KernelCase) => {
      const out = runOn(k, 'maxPoolReluBackward', c).arrays[Object.keys(c.compare)[0]] as Float32Array;
      return new Uint32Array(out.buffer, out.byteOffset, out.length);
    };
    const apartBy = new Map<string, Uint32Array>();
    let negativeZeros = 0, inPlace = 0;
    for (const c of sweepCases('maxPoolReluBackward', PROBLEM)) {
      const fused = bits(wasm as typeof wasm & { name: string }, c);
      if (c.shape.endsWith(IN_PLACE)) {
        const apart = apartBy.get(c.shape.slice(0, -IN_PLACE.length));
        assert.ok(apart, `${c.shape}: no case into a fresh dx on the same inputs`);
        assert.deepEqual(fused, apart, `${c.shape}: dx's bits differ from the unfused kernels' into a fresh dx`);
        inPlace++;
        continue;
      }
      const apart = bits(unfused as typeof unfused & { name: string }, c);
      assert.deepEqual(fused, apart, `${c.shape}: dx's bits differ`);
      apartBy.set(c.shape, apart);
      negativeZeros += apart.filter((b) => b === 0x80000000).length;
    }
    assert.ok(negativeZeros > 0, 'the cases route some -0 gradients through');
    assert.ok(inPlace > 0, 'the cases run the kernel in place');
  });
}

test('every kernel the threaded back end splits gives the single-threaded bytes on a training step\'s calls', async () => {
  const one = await createBackend('wasm', loadWasmModule), two = await createBackend('wasm', loadWasmModule, nodeThreadOptions(2));
  try {
    const split = new Set(KERNEL_NAMES.filter((k) => MANIFEST[k].threads.split !== 'none'));
    const cases = timedCases(PROBLEM).filter((c) => split.has(c.kernel));
    assert.ok(cases.length >= 5, `only ${cases.length} timed cases of split kernels`);
    for (const { kernel, case: c } of cases) {
      const [a, b] = [one, two].map((be) => runCase(be.kernels, be.arena.memory, c, placeCase(be.arena, c)));
      for (const name of Object.keys(c.compare)) assert.deepEqual(b.arrays[name], a.arrays[name], `${kernel} ${c.shape}: ${name} differs on two threads`);
    }
  } finally {
    one.close();
    two.close();
  }
});

test('every kernel the threaded back end splits gives the single-threaded bytes on its parity cases (tile and range edges), on 2 and 3 threads', async () => {
  const one = await createBackend('wasm', loadWasmModule);
  const more = [await createBackend('wasm', loadWasmModule, nodeThreadOptions(2)), await createBackend('wasm', loadWasmModule, nodeThreadOptions(3))];
  try {
    for (const kernel of KERNEL_NAMES.filter((k) => MANIFEST[k].threads.split !== 'none')) {
      for (const c of sweepCases(kernel, PROBLEM)) {
        const a = runCase(one.kernels, one.arena.memory, c, placeCase(one.arena, c));
        for (const be of more) {
          const b = runCase(be.kernels, be.arena.memory, c, placeCase(be.arena, c));
          for (const name of Object.keys(c.compare)) assert.deepEqual(b.arrays[name], a.arrays[name], `${kernel} ${c.shape}: ${name} differs on ${be.threads} threads`);
        }
      }
    }
  } finally {
    one.close();
    more.forEach((be) => be.close());
  }
});
