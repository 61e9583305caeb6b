// The machine a bench ran on, stamped into its report: ratios mean little without it.

import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { BenchEnvironment } from './report.js';

export function benchEnvironment(threads: number): BenchEnvironment {
  const vector = widestVectorIsa();
  return {
    node: process.version, v8: process.versions.v8, cpu: cpuModel(), ...(vector ? { vector_isa: vector } : {}), cores: cpus().length, threads,
    load_average: loadavg().map((x) => Number(x.toFixed(2))), date: new Date().toISOString(),
  };
}

/** The CPU's model name: /proc/cpuinfo's on Linux (os.cpus() can be empty in a container), else os.cpus()'. */
export function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    const model = line?.slice(line.indexOf(':') + 1).trim();
    if (model) return model;
  } catch {
    // not Linux
  }
  return cpus()[0]?.model?.trim() || 'unknown CPU';
}

/**
 * The widest x86 vector extension the CPU reports (Linux): the native peers' BLAS kernels use it, while WASM SIMD
 * is 128 bits wide whatever the CPU, which explains much of a ratio against NumPy. Null elsewhere.
 */
export function widestVectorIsa(): string | null {
  try {
    const flags = new Set(readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'))?.split(/\s+/) ?? []);
    return ['avx512f', 'avx2', 'avx', 'sse4_2'].find((f) => flags.has(f))?.toUpperCase().replace('AVX512F', 'AVX-512').replace('SSE4_2', 'SSE4.2') ?? null;
  } catch {
    return null;
  }
}
