// Finds, reads and verifies the Fashion-MNIST files on disk (Node adapter). Search order: --data-dir,
// FASHION_MNIST_DIR, data/fashion-mnist/, Debian's /usr/share/datasets/fashion-mnist/, then a download
// from the official mirror, then (as root with apt-get) the Debian package. Every file is checked by the
// SHA-256 of its decompressed bytes, since Debian recompresses the .gz files. Only regular files are read,
// and no further than their headers declare (read-idx.ts).

import { closeSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { DataError, EXIT_RUNTIME } from '../core/errors.js';
import { checkPair, parseImages, parseLabels } from '../data/idx.js';
import type { RawData } from '../data/dataset.js';
import { FILE_KEYS, FILES, type FileKey } from '../data/fashion-mnist.js';
import { MAX_IDX_BYTES, readIdx } from '../data/read-idx.js';
import { fileChunks, makeDirectory, openRegularFile, sha256 } from './files.js';

export { FILES };

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const LOCAL_DIR = join(PACKAGE_ROOT, 'data', 'fashion-mnist');
export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const MIRROR = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const DOWNLOAD_TIMEOUT_MS = 30_000;
const HOW_TO_GET =
  'install the Debian package (apt-get update && apt-get install -y dataset-fashion-mnist), ' +
  `or put the four .gz files from ${MIRROR} into data/fashion-mnist/, or pass --data-dir DIR`;

export interface DataOptions {
  dataDir?: string;
  /** Skip the checksum check, for other IDX data sets in the same format. */
  verify?: boolean;
  /** Allow the download and the Debian package install when no directory holds the files. */
  fetch?: boolean;
  log?: (line: string) => void;
}

export interface LocatedData {
  dir: string;
  source: string;
  verified: boolean;
  raw: RawData;
  /** The SHA-256 of each file's (decompressed) bytes, by file name: what a checkpoint records of its data. */
  digests: Record<string, string>;
}

/** The path of one of the four files in dir (.gz preferred), if present. */
export function dataFilePath(dir: string, key: FileKey): string | undefined {
  const base = join(dir, FILES[key].name);
  if (existsSync(base + '.gz')) return base + '.gz';
  if (existsSync(base)) return base;
  return undefined;
}

function hasAll(dir: string): boolean {
  return FILE_KEYS.every((k) => dataFilePath(dir, k));
}

/** A data file as a stream of its stored bytes, read a chunk at a time on demand; only regular files open. */
function fileStream(file: string): ReadableStream<Uint8Array> {
  const { fd } = openRegularFile(file, 'data', MAX_IDX_BYTES, EXIT_RUNTIME);
  const chunks = fileChunks(fd, file);
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        const next = chunks.next();
        if (next.done) {
          close();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (e) {
        close();
        controller.error(e);
      }
    },
    cancel: close,
  });
}

/** Reads one data file (bounded by its header), parses it, then checks its SHA-256, which it returns. */
async function readVerified<T>(dir: string, key: FileKey, verify: boolean, parse: (bytes: Uint8Array, file: string) => T): Promise<{ value: T; sha256: string }> {
  const file = dataFilePath(dir, key);
  if (!file) throw new DataError(`${join(dir, FILES[key].name)}.gz: file not found`, HOW_TO_GET);
  const bytes = await readIdx(fileStream(file), file, file.endsWith('.gz'));
  const value = parse(bytes, file);
  const digest = sha256(bytes);
  if (verify && digest !== FILES[key].sha256) {
    throw new DataError(`${file}: SHA-256 of the decompressed bytes is ${digest}, expected ${FILES[key].sha256} (damaged or not the official file)`, 'delete it and fetch it again, or pass --no-verify for other IDX data');
  }
  return { value, sha256: digest };
}

/** Reads and checks the four files of a directory; digests holds each file's SHA-256 by its name. */
export async function readDataDir(dir: string, verify = true): Promise<{ raw: RawData; digests: Record<string, string> }> {
  const trainImages = await readVerified(dir, 'trainImages', verify, parseImages);
  const trainLabels = await readVerified(dir, 'trainLabels', verify, parseLabels);
  const testImages = await readVerified(dir, 'testImages', verify, parseImages);
  const testLabels = await readVerified(dir, 'testLabels', verify, parseLabels);
  const file = (k: FileKey) => dataFilePath(dir, k)!;
  checkPair(trainImages.value, trainLabels.value, file('trainImages'), file('trainLabels'));
  checkPair(testImages.value, testLabels.value, file('testImages'), file('testLabels'));
  const files = { trainImages, trainLabels, testImages, testLabels };
  return {
    raw: { train: { images: trainImages.value, labels: trainLabels.value }, test: { images: testImages.value, labels: testLabels.value } },
    digests: Object.fromEntries(FILE_KEYS.map((k) => [FILES[k].name, files[k].sha256])),
  };
}

/** Candidate directories in search order, each with the reason it is searched. */
function candidates(options: DataOptions): { dir: string; source: string; explicit: boolean }[] {
  if (options.dataDir) return [{ dir: resolve(options.dataDir), source: '--data-dir', explicit: true }];
  const env = process.env.FASHION_MNIST_DIR;
  if (env) return [{ dir: resolve(env), source: 'FASHION_MNIST_DIR', explicit: true }];
  return [
    { dir: LOCAL_DIR, source: 'data/fashion-mnist', explicit: false },
    { dir: DEBIAN_DIR, source: 'Debian package dataset-fashion-mnist', explicit: false },
  ];
}

/** The directory the data would be read from (without reading it), or undefined when none holds all four files. */
export function findDataDir(options: Pick<DataOptions, 'dataDir'> = {}): { dir: string; source: string } | undefined {
  const found = candidates(options).find((c) => hasAll(c.dir));
  return found && { dir: found.dir, source: found.source };
}

async function download(log: (line: string) => void): Promise<void> {
  makeDirectory(LOCAL_DIR, 'data directory');
  for (const key of FILE_KEYS) {
    const name = FILES[key].name + '.gz', target = join(LOCAL_DIR, name);
    if (existsSync(target)) continue;
    log(`wasmfit: downloading ${MIRROR}${name}`);
    const response = await fetch(MIRROR + name, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`${MIRROR}${name}: HTTP ${response.status}`);
    const length = Number(response.headers.get('content-length'));
    if (!(length <= MAX_IDX_BYTES)) throw new Error(`${MIRROR}${name}: ${response.headers.get('content-length') ?? 'no'} Content-Length, expected at most ${MAX_IDX_BYTES} bytes`);
    const bytes = Buffer.from(await response.arrayBuffer());
    // Verify before the file gets its real name, so a failed download never looks like data.
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, bytes);
    try {
      const digest = sha256(await readIdx(new Blob([bytes]).stream(), name, true));
      if (digest !== FILES[key].sha256) throw new Error(`${name}: downloaded file fails its checksum`);
      renameSync(temp, target);
    } finally {
      rmSync(temp, { force: true });
    }
  }
}

function installDebianPackage(log: (line: string) => void): boolean {
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) return false;
  log('wasmfit: installing the Debian package dataset-fashion-mnist (apt-get update && apt-get install -y dataset-fashion-mnist)');
  const update = spawnSync('apt-get', ['update'], { stdio: ['ignore', 2, 2] });
  const install = spawnSync('apt-get', ['install', '-y', 'dataset-fashion-mnist'], { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return update.status === 0 && install.status === 0 && hasAll(DEBIAN_DIR);
}

/** Finds the data set (fetching it if allowed and needed), reads it and checks it. */
export async function locateData(options: DataOptions = {}): Promise<LocatedData> {
  const verify = options.verify ?? true;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const tried = candidates(options);
  for (const c of tried) {
    if (hasAll(c.dir) || c.explicit) return { dir: c.dir, source: c.source, verified: verify, ...(await readDataDir(c.dir, verify)) };
  }
  if (options.fetch === false) throw new DataError(`Fashion-MNIST not found in ${tried.map((c) => c.dir).join(' or ')}`, HOW_TO_GET);
  let downloadError: string;
  try {
    await download(log);
    return { dir: LOCAL_DIR, source: 'download', verified: true, ...(await readDataDir(LOCAL_DIR, true)) };
  } catch (e) {
    downloadError = (e as Error).message;
    log(`wasmfit: download failed (${downloadError})`);
  }
  if (installDebianPackage(log)) return { dir: DEBIAN_DIR, source: 'Debian package dataset-fashion-mnist (installed now)', verified: verify, ...(await readDataDir(DEBIAN_DIR, verify)) };
  throw new DataError(`Fashion-MNIST not found in ${tried.map((c) => c.dir).join(' or ')} and the download failed (${downloadError})`, HOW_TO_GET);
}
