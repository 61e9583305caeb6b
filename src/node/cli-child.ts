// The CLI run as a child process, for the commands that orchestrate others (`wasmfit experiments`): each child
// gets a process group of its own, so that a Ctrl-C reaches it once, sent on by the parent.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall seconds from the spawn to the exit. */
  seconds: number;
}

/**
 * The CLI in a child process of its own process group, so that a Ctrl-C reaches the children once (sent
 * on by this process) rather than twice (a second signal makes train quit without saving).
 */
export function runChild(args: string[], children: Set<ChildProcess>): Promise<ChildResult> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let stdout = '', stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => {
      children.delete(child);
      done({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}
