// File helpers for the Node adapters: atomic writes (temporary name in the same directory, flush, rename),
// so a reader never sees half a file, and checked reads that turn "missing" or "a directory" into one line.

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { WasmfitError, EXIT_USAGE } from '../core/errors.js';

/** The SHA-256 of bytes (a string as UTF-8), in hex: the data files' and checkpoints' checksum. */
export const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** Temporary files being written right now: removed if the process is made to exit mid-write. */
const inFlight = new Set<string>();

export function removeTemporaryFiles(): void {
  for (const temp of inFlight) rmSync(temp, { force: true });
  inFlight.clear();
}

export function writeAtomic(path: string, content: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  inFlight.add(temp);
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    syncDirectory(dirname(path));
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  } finally {
    inFlight.delete(temp);
  }
}

/** Makes a rename durable: without it a crash of the machine (not just the process) may undo it. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse to sync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
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
