// File helpers for the Node adapters, the one place where the file system is touched for a user's files:
// atomic writes (temporary name in the same directory, every byte written, flushed, renamed), so a reader
// never sees half a file; reads of regular files only, bounded in size; directory creation that cannot
// loop; and system errors (ENOSPC, EACCES, ...) turned into one line naming the file and the cause.

import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { WasmfitError, EXIT_RUNTIME, EXIT_USAGE } from '../core/errors.js';

/** The SHA-256 of bytes (a string as UTF-8), in hex: the data files' and checkpoints' checksum. */
export const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  ENXIO: 'no such device',
};

export type SystemError = NodeJS.ErrnoException & { code: string };

export const isSystemError = (e: unknown): e is SystemError =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';

/** "no space left on device (ENOSPC)": the cause of a system error in words, with its code for searching. */
export function describeCause(e: SystemError): string {
  return `${CAUSES[e.code] ?? e.message.replace(/^\w+: /, '').split(',')[0]} (${e.code})`;
}

/** A system error as a one-line WasmfitError: "PATH: cannot ACTION: CAUSE". Anything else is passed on. */
export function fileError(e: unknown, path: string, action: string, exitCode = EXIT_RUNTIME): unknown {
  if (e instanceof WasmfitError || !isSystemError(e)) return e;
  return new WasmfitError(`${path}: cannot ${action}: ${describeCause(e)}`, exitCode);
}

/** Temporary files being written right now: removed if the process is made to exit mid-write. */
const inFlight = new Set<string>();

export function removeTemporaryFiles(): void {
  for (const temp of inFlight) rmSync(temp, { force: true });
  inFlight.clear();
}

/**
 * Writes a file so that its name only ever holds complete content: a full disk or any other failure leaves
 * the previous file (if any) untouched, removes the temporary one and says which file could not be written.
 */
export function writeAtomic(path: string, content: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  inFlight.add(temp);
  try {
    const fd = openSync(temp, 'w');
    try {
      // writeSync may write fewer bytes than asked (a disk filling up does); only a complete file is renamed.
      for (let at = 0; at < bytes.length;) {
        const written = writeSync(fd, bytes, at, bytes.length - at);
        if (written <= 0) throw new WasmfitError(`${path}: cannot write: the file system took ${at} of ${bytes.length} bytes`);
        at += written;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    syncDirectory(dirname(path));
  } catch (e) {
    rmSync(temp, { force: true });
    throw fileError(e, path, 'write');
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

/** What a file is when it is not a regular file; undefined when it is one. */
function irregular(s: Stats): string | undefined {
  if (s.isFile()) return undefined;
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

const mib = (n: number) => `${+(n / 2 ** 20).toFixed(1)} MiB`;

/**
 * Opens a file the user named, only if it is a regular file (a FIFO would block forever, /dev/zero never
 * ends) of at most maxBytes; what names its role ("config", "model") in messages.
 */
export function openRegularFile(path: string, what: string, maxBytes: number, exitCode = EXIT_USAGE): { fd: number; size: number } {
  let fd: number;
  try {
    // Checked before opening: opening a device can have effects of its own.
    const kind = irregular(statSync(path));
    if (kind) throw new WasmfitError(`${path}: expected a ${what} file, found ${kind}`, exitCode);
    // Non-blocking, so that a FIFO swapped in after the check cannot hang the open.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (isSystemError(e) && e.code === 'ENOENT') throw new WasmfitError(`${path}: ${what} file not found`, exitCode);
    throw fileError(e, path, `read the ${what} file`, exitCode);
  }
  const stats = fstatSync(fd);
  const kind = irregular(stats);
  const problem = kind ? `expected a ${what} file, found ${kind}`
    : stats.size > maxBytes ? `${stats.size} bytes, more than the ${mib(maxBytes)} a ${what} file can be` : undefined;
  if (problem) {
    closeSync(fd);
    throw new WasmfitError(`${path}: ${problem}`, exitCode);
  }
  return { fd, size: stats.size };
}

/** Chunks of an open file (each its own buffer), read one at a time, so that the reader decides how far to go. */
export function* fileChunks(fd: number, path: string, chunkBytes = 2 ** 20): Generator<Uint8Array> {
  for (;;) {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    let n: number;
    try {
      n = readSync(fd, buffer, 0, chunkBytes, null);
    } catch (e) {
      throw fileError(e, path, 'read');
    }
    if (n === 0) return;
    yield buffer.subarray(0, n);
  }
}

/** Reads a regular file the user named, refusing one larger than maxBytes before reading a byte of it. */
export function readUserFile(path: string, what: string, maxBytes: number, exitCode = EXIT_USAGE): Buffer {
  const { fd, size } = openRegularFile(path, what, maxBytes, exitCode);
  try {
    // Never beyond the size checked: the file may grow meanwhile.
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, null);
      if (n === 0) break;
      at += n;
    }
    return out.subarray(0, at);
  } catch (e) {
    throw fileError(e, path, `read the ${what} file`, exitCode);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates a directory and its missing parents, one level at a time: Node's recursive mkdir loops forever
 * where a file system refuses with ENOENT (/proc). Returns the directories it created, outermost first.
 */
export function makeDirectory(path: string, what = 'directory', exitCode = EXIT_RUNTIME): string[] {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) throw new WasmfitError(`${at}: exists and is not a directory, so ${path} cannot be a ${what}`, exitCode);
      break;
    } catch (e) {
      if (!(isSystemError(e) && e.code === 'ENOENT')) throw fileError(e, at, `create the ${what}`, exitCode);
    }
    missing.unshift(at);
    at = dirname(at);
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (e) {
      // The parent exists (it was just checked or made), so ENOENT means the file system allows no directory here.
      if (isSystemError(e) && e.code === 'ENOENT') throw new WasmfitError(`${dir}: cannot create the ${what}: the file system at ${dirname(dir)} does not allow it (ENOENT)`, exitCode);
      throw fileError(e, dir, `create the ${what}`, exitCode);
    }
  }
  return missing;
}

/** Checks before any work that a file can be written at path: its directory exists and takes files, and path is no directory. */
export function checkWritableFile(path: string, flag: string): void {
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new WasmfitError(`${flag} ${path}: ${dir} is not a directory`, EXIT_USAGE);
    accessSync(dir, constants.W_OK);
    if (existsSync(path) && statSync(path).isDirectory()) throw new WasmfitError(`${flag} ${path}: is a directory, expected a file name`, EXIT_USAGE);
  } catch (e) {
    throw fileError(e, dir, `write ${basename(path)} there`, EXIT_USAGE);
  }
}
