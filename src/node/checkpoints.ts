// Checkpoint files (Node adapter): each checkpoint is a folder checkpoints/e<epoch>-b<batch>/ holding
// tensors.safetensors and state.json, each written atomically, then manifest.json with their SHA-256 sums,
// written last. A folder without a manifest, or whose files do not match it, is not a checkpoint: the
// loader warns and falls back to the one before. The newest few are kept.

import { existsSync, readdirSync, rmSync } from 'node:fs';
import { constants } from 'node:buffer';
import { join } from 'node:path';
import { ConfigError, WasmfitError, EXIT_RUNTIME } from '../core/errors.js';
import { makeDirectory, readUserFile, sha256, writeAtomic } from './files.js';

export const CHECKPOINT_DIR = 'checkpoints';
/** Checkpoints kept per run: the newest and two to fall back on. */
export const KEEP = 3;
const FILES = ['tensors.safetensors', 'state.json'] as const;

const pad = (n: number) => String(n).padStart(5, '0');

export function checkpointName(epoch: number, batch: number): string {
  return `e${pad(epoch)}-b${pad(batch)}`;
}

export function writeCheckpoint(runDir: string, name: string, content: { tensors: Uint8Array; state: string }): string {
  const dir = join(runDir, CHECKPOINT_DIR, name);
  makeDirectory(dir, 'checkpoint directory');
  // A folder left by an earlier, interrupted write of the same checkpoint loses its manifest first.
  rmSync(join(dir, 'manifest.json'), { force: true });
  writeAtomic(join(dir, 'tensors.safetensors'), content.tensors);
  writeAtomic(join(dir, 'state.json'), content.state);
  const manifest = { files: { 'tensors.safetensors': sha256(content.tensors), 'state.json': sha256(content.state) } };
  writeAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  prune(runDir);
  return dir;
}

function listNewestFirst(runDir: string): string[] {
  const root = join(runDir, CHECKPOINT_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((n) => /^e\d+-b\d+$/.test(n)).sort().reverse();
}

/** Keeps the newest KEEP complete checkpoints; folders without a manifest are leftovers of killed writes. */
function prune(runDir: string): void {
  const all = listNewestFirst(runDir);
  const keep = new Set(all.filter((n) => existsSync(join(runDir, CHECKPOINT_DIR, n, 'manifest.json'))).slice(0, KEEP));
  for (const name of all) if (!keep.has(name)) rmSync(join(runDir, CHECKPOINT_DIR, name), { recursive: true, force: true });
}

/** A checkpoint's file: regular, and no larger than a Buffer can be. */
const read = (path: string) => readUserFile(path, 'checkpoint', constants.MAX_LENGTH, EXIT_RUNTIME);

/** Reads one checkpoint folder and checks it against its manifest; throws a WasmfitError saying what is wrong. */
export function readCheckpoint(dir: string): { tensors: Uint8Array; state: string } {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new WasmfitError(`${dir}: no manifest.json (the checkpoint was not finished)`);
  const manifestText = read(manifestPath).toString('utf8');
  let manifest: { files?: Record<string, string> };
  try {
    manifest = JSON.parse(manifestText);
  } catch (e) {
    throw new WasmfitError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  const files: Record<string, Buffer> = {};
  for (const file of FILES) {
    const path = join(dir, file);
    const expected = manifest.files?.[file];
    if (!expected) throw new WasmfitError(`${manifestPath}: no checksum for ${file}`);
    if (!existsSync(path)) throw new WasmfitError(`${path}: missing`);
    files[file] = read(path);
    const actual = sha256(files[file]);
    if (actual !== expected) throw new WasmfitError(`${path}: SHA-256 is ${actual}, the manifest says ${expected}`);
  }
  return { tensors: files['tensors.safetensors'], state: files['state.json'].toString('utf8') };
}

/**
 * The newest checkpoint that verifies and that accept() takes (it parses and checks the content);
 * each one passed over is reported through warn.
 */
export function loadLatestCheckpoint<T>(runDir: string, accept: (files: { tensors: Uint8Array; state: string }, dir: string) => T, warn: (line: string) => void): { dir: string; value: T } {
  const names = listNewestFirst(runDir);
  if (names.length === 0) throw new WasmfitError(`${runDir}: no checkpoints to resume from`, undefined, 'train with --checkpoint-every N to write them');
  for (const name of names) {
    const dir = join(runDir, CHECKPOINT_DIR, name);
    try {
      return { dir, value: accept(readCheckpoint(dir), dir) };
    } catch (e) {
      // A damaged checkpoint is passed over; a refusal (another config or data) is the user's to settle.
      if (!(e instanceof WasmfitError) || e instanceof ConfigError) throw e;
      warn(`wasmfit: warning: skipping checkpoint ${name}: ${e.message}`);
    }
  }
  throw new WasmfitError(`${runDir}: none of the ${names.length} checkpoints verifies`);
}
