// File helpers for the Node adapters: atomic writes (temporary name in the same directory, flush, rename),
// so a reader never sees half a file, and checked reads that turn "missing" or "a directory" into one line.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { WasmfitError, EXIT_USAGE } from '../core/errors.js';

export function writeAtomic(path: string, content: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

/** Reads a file the user named; what names the role ("config", "model") for the message. */
export function readUserFile(path: string, what: string, exitCode = EXIT_USAGE): Buffer {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new WasmfitError(`${path}: ${what} file not found`, exitCode);
  }
  if (!isFile) throw new WasmfitError(`${path}: expected a ${what} file, found a directory or special file`, exitCode);
  return readFileSync(path);
}
