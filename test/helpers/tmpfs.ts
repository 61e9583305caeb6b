// Small real file systems for tests of a full disk or a read-only one: a tmpfs mounted for one test and
// unmounted after it. Mounting needs root (CI runs as root); where it is refused, the caller skips.

import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { TestContext } from 'node:test';

/** Mounts a tmpfs of the given size (such as "300k") at dir for the rest of test t; false if not permitted. */
export function mountTmpfs(t: TestContext, dir: string, size: string, options: { readOnly?: boolean } = {}): boolean {
  mkdirSync(dir, { recursive: true });
  const flags = `size=${size}${options.readOnly ? ',ro' : ''}`;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', flags, 'tmpfs', dir], { stdio: 'ignore' });
  if (r.status !== 0) return false;
  t.after(() => {
    spawnSync('umount', [dir], { stdio: 'ignore' });
  });
  return true;
}
