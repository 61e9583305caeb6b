// A run directory belongs to one run. A new run takes a new or empty directory, or with --overwrite one that
// holds an earlier run (cleared once the new run's data has loaded); a resumed run takes its own. While a
// run writes, a lock file names its process: a second run into the same directory is refused, and a lock
// left by a process that no longer runs is said to be stale and taken over. What a run writes is train's.

import { hostname } from 'node:os';
import { join } from 'node:path';
import { readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { ConfigError, WasmfitError, EXIT_USAGE } from '../core/errors.js';
import { fileError, makeDirectory, readUserFile } from './files.js';

export const LOCK_FILE = 'wasmfit.lock';
/** Names only a wasmfit run leaves: --overwrite clears a directory holding one of them, and no other. */
const RUN_FILES = ['config.yaml', 'history.json', 'summary.json', 'model.safetensors', 'checkpoints'];

export interface RunDirectory {
  dir: string;
  /** Clears the earlier run that --overwrite replaces; called once the new run is ready to write. */
  clearEarlierRun(): void;
  /** Removes the lock, and the directories the claim created if the run left them empty. */
  release(): void;
}

interface Holder { pid: number; host: string; started: string }

/** Takes dir for a run: new (its own, or an earlier run's with overwrite) or resumed. */
export function claimRunDirectory(dir: string, options: { resume: boolean; overwrite: boolean; warn: (line: string) => void }): RunDirectory {
  const created = options.resume ? [] : makeDirectory(dir, 'run directory');
  const lock = join(dir, LOCK_FILE);
  const removeCreated = () => {
    for (const d of [...created].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        break; // not empty: the run wrote something, which stays
      }
    }
  };
  try {
    acquireLock(dir, lock, options.warn);
  } catch (e) {
    removeCreated();
    throw e;
  }
  const release = () => {
    process.off('exit', release);
    if (readHolder(lock)?.pid === process.pid) rmSync(lock, { force: true });
    removeCreated();
  };
  // A process.exit (a second Ctrl-C) still lets go of the lock; only a kill leaves it, stale.
  process.on('exit', release);

  const earlier = options.resume ? [] : readdirSync(dir).filter((name) => name !== LOCK_FILE);
  if (earlier.length) {
    const runFiles = earlier.filter((name) => RUN_FILES.includes(name));
    let refusal: ConfigError | undefined;
    if (!runFiles.length) {
      const listed = earlier.slice(0, 3).join(', ') + (earlier.length > 3 ? ` and ${earlier.length - 3} more` : '');
      refusal = new ConfigError(`--out ${dir}: not empty and not a wasmfit run directory (it holds ${listed})`, 'choose a new or empty directory');
    } else if (!options.overwrite) {
      refusal = new ConfigError(`--out ${dir}: already holds another run (${runFiles.join(', ')})`, `pass --overwrite to replace it, resume it with --resume ${dir}, or choose another --out`);
    }
    if (refusal) {
      release();
      throw refusal;
    }
  }
  return {
    dir,
    release,
    clearEarlierRun() {
      for (const name of earlier) {
        try {
          rmSync(join(dir, name), { recursive: true, force: true });
        } catch (e) {
          throw fileError(e, join(dir, name), 'remove the earlier run\'s file (--overwrite)');
        }
      }
    },
  };
}

function acquireLock(dir: string, lock: string, warn: (line: string) => void): void {
  const mine: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  // A second attempt follows the removal of a stale lock; a third would mean another run is racing for it.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, JSON.stringify(mine) + '\n', { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        // Created but not written (a full disk): an empty lock would stop the next run for nothing.
        if (readHolder(lock) === undefined) rmSync(lock, { force: true });
        throw fileError(e, lock, 'create the lock file');
      }
    }
    const holder = readHolder(lock);
    if (!holder) throw new WasmfitError(`${dir}: ${LOCK_FILE} is there but names no process`, EXIT_USAGE, `if no run is writing to ${dir}, delete ${lock}`);
    if (holder.host !== mine.host || (holder.pid !== process.pid && isRunning(holder.pid))) {
      const who = `process ${holder.pid}${holder.host !== mine.host ? ` on ${holder.host}` : ''}`;
      throw new WasmfitError(`${dir}: in use by another run (${who}, since ${holder.started})`, EXIT_USAGE, `wait for it to end, or choose another directory; if no run is writing there, delete ${lock}`);
    }
    warn(`wasmfit: warning: ${lock}: stale lock of process ${holder.pid} (no longer running, started ${holder.started}); taking the run directory over`);
    // A kill mid-write leaves that process's temporary file (writeAtomic's name.<pid>.tmp): half a file, never read.
    for (const f of readdirSync(dir, { recursive: true }).map(String)) if (f.endsWith(`.${holder.pid}.tmp`)) rmSync(join(dir, f), { force: true });
    rmSync(lock, { force: true });
  }
  throw new WasmfitError(`${dir}: another run took ${LOCK_FILE} at the same moment`, EXIT_USAGE);
}

function readHolder(lock: string): Holder | undefined {
  try {
    const holder = JSON.parse(readUserFile(lock, 'lock', 4096).toString('utf8'));
    return Number.isInteger(holder?.pid) && typeof holder.host === 'string' ? holder : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
