// The machine a bench ran on, stamped into its report: ratios mean little without it.

import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { BenchEnvironment } from './report.js';

export function benchEnvironment(threads: number): BenchEnvironment {
  return {
    node: process.version, v8: process.versions.v8, cpu: cpuModel(), cores: cpus().length, threads,
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
