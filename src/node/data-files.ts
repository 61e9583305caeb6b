// Finds, reads and verifies a data set's files on disk (Node adapter). Which set: a known one by name
// (src/data/known-sets.ts), else the directory's own set when a dataset.yaml lies beside the files, else
// Fashion-MNIST. Where: --data-dir or the config's data.dir; for Fashion-MNIST then FASHION_MNIST_DIR,
// data/fashion-mnist/, Debian's /usr/share/datasets/fashion-mnist/, a download from the official mirror and
// (as root with apt-get) the Debian package; for the other known sets data/<name>/. Only regular files are read,
// no further than their headers declare (read-idx.ts); each is parsed, then checked by the checksums the table
// holds, and hashed for the model files' record of the data.

import { closeSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { ConfigError, DataError, EXIT_RUNTIME } from '../core/errors.js';
import type { RawData } from '../data/dataset.js';
import { DEFAULT_SET, FILE_KEYS, KNOWN_SET_NAMES, KNOWN_SETS, type FileKey, type KnownSet } from '../data/known-sets.js';
import { FILES } from '../data/fashion-mnist.js';
import { assembleData, parseFile, type ParsedSet, type SetIdentity } from '../data/raw.js';
import { DATASET_YAML, parseDatasetYaml } from '../data/dataset-yaml.js';
import { MAX_IDX_BYTES, readIdx } from '../data/read-idx.js';
import { fileChunks, makeDirectory, openRegularFile, readUserFile, sha256 } from './files.js';

export { FILES };

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const LOCAL_DIR = join(PACKAGE_ROOT, 'data', 'fashion-mnist');
export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const MIRROR = DEFAULT_SET.source;
const DOWNLOAD_TIMEOUT_MS = 30_000;
const HOW_TO_GET =
  'install the Debian package (apt-get update && apt-get install -y dataset-fashion-mnist), ' +
  `or put the four .gz files from ${MIRROR} into data/fashion-mnist/, or pass --data-dir DIR`;

export interface DataOptions {
  dataDir?: string;
  /** Where dataDir came from, for messages (default --data-dir). */
  dataDirSource?: string;
  /** A known set's name; without it the directory decides (its dataset.yaml, else Fashion-MNIST). */
  name?: string;
  /** Skip the checksum check (the files are still hashed for the model files and checkpoints). */
  verify?: boolean;
  /** Allow the download and the Debian package install when no directory holds Fashion-MNIST. */
  fetch?: boolean;
  log?: (line: string) => void;
}

export interface LocatedData {
  dir: string;
  /** Why this directory: the flag, the config, the variable, the default place. */
  source: string;
  verified: boolean;
  /** Why the checksums were not checked, when they were not. */
  note?: string;
  raw: RawData;
  /** The SHA-256 of each file's (decompressed) bytes, by file name: what checkpoints and model files record of the data. */
  digests: Record<string, string>;
}

/** The path of a file of dir (.gz preferred), if present. */
export function dataFilePath(dir: string, key: FileKey, set: Pick<KnownSet, 'files'> = DEFAULT_SET): string | undefined {
  const base = join(dir, set.files[key]);
  if (existsSync(base + '.gz')) return base + '.gz';
  if (existsSync(base)) return base;
  return undefined;
}

function hasAll(dir: string, set: KnownSet = DEFAULT_SET): boolean {
  return FILE_KEYS.every((k) => dataFilePath(dir, k, set));
}

/** A data file as a stream of its stored bytes, read a chunk at a time on demand (each also fed to hash); only regular files open. */
function fileStream(file: string, max: number, hash?: Hash): ReadableStream<Uint8Array> {
  const { fd } = openRegularFile(file, 'data', max, EXIT_RUNTIME);
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
        } else {
          hash?.update(next.value);
          controller.enqueue(next.value);
        }
      } catch (e) {
        close();
        controller.error(e);
      }
    },
    cancel: close,
  });
}

/** The set a directory holds: the named known set, else its dataset.yaml's own set, else Fashion-MNIST. */
function identify(dir: string, name: string | undefined): { set: KnownSet; identity: SetIdentity; own: boolean } {
  if (name !== undefined) {
    const set = KNOWN_SETS[name];
    if (!set) throw new ConfigError(`data set "${name}" is not known; expected one of ${KNOWN_SET_NAMES.join(', ')}`);
    return { set, identity: { ...set, classesHint: `${set.title} has ${set.classes.length} classes` }, own: false };
  }
  const yamlPath = join(dir, DATASET_YAML);
  if (!existsSync(yamlPath)) {
    return { set: DEFAULT_SET, own: false, identity: { ...DEFAULT_SET, classesHint: `Fashion-MNIST has 10 classes; for a set of your own, put a ${DATASET_YAML} beside the files` } };
  }
  const yaml = parseDatasetYaml(readUserFile(yamlPath, 'data set description', 2 ** 20, EXIT_RUNTIME).toString('utf8'), yamlPath);
  const set: KnownSet = { ...DEFAULT_SET, name: yaml.name ?? basename(dir), title: yaml.name ?? basename(dir), checksums: undefined };
  const identity: SetIdentity = { name: set.name, ...(yaml.classes ? { classes: yaml.classes, classesHint: `${yamlPath} names ${yaml.classes.length} classes` } : {}) };
  return { set, identity, own: true };
}

/** Reads, parses and checks a set's four files in dir; verify compares them with the set's published checksums. */
async function readSet(dir: string, name: string | undefined, verify: boolean): Promise<Omit<LocatedData, 'dir' | 'source'>> {
  const { set, identity, own } = identify(dir, name);
  const max = Math.max(MAX_IDX_BYTES, set.maxFileBytes ?? 0);
  const parsed = {} as Record<FileKey, unknown>, names = {} as Record<FileKey, string>, digests: Record<string, string> = {};
  const unchecked: string[] = [];
  for (const key of FILE_KEYS) {
    const file = dataFilePath(dir, key, set);
    if (!file) throw new DataError(`${join(dir, set.files[key])}.gz: file not found`, set === DEFAULT_SET && !own ? HOW_TO_GET : `put the file (or its .gz) into ${dir}${own ? '' : `; ${set.title} comes from ${set.source}`}`);
    const stored = createHash('sha256'), gzip = file.endsWith('.gz');
    const bytes = await readIdx(fileStream(file, max, stored), file, gzip, max);
    // Parsed before its checksum is taken, so a file that is not IDX says what is wrong with it.
    parsed[key] = parseFile(key, bytes, file);
    names[key] = file;
    digests[set.files[key]] = sha256(bytes);
    const sums = set.checksums;
    if (!verify || !sums) continue;
    if (sums.of === 'gzip' && !gzip) {
      unchecked.push(file);
      continue;
    }
    const digest = sums.of === 'gzip' ? stored.digest('hex') : digests[set.files[key]];
    if (digest !== sums.values[key]) {
      throw new DataError(`${file}: SHA-256 of the ${sums.of === 'gzip' ? '.gz file' : 'decompressed bytes'} is ${digest}, expected ${sums.values[key]} (damaged or not the official ${set.title} file)`,
        own || name ? 'delete it and fetch it again' : `delete it and fetch it again; for a set of your own, put a ${DATASET_YAML} beside the files, or pass --no-verify`);
    }
  }
  const raw = assembleData(parsed as unknown as ParsedSet, names, identity, digests);
  const unverified = (note: string) => ({ raw, digests, verified: false, note });
  if (!verify) return unverified('--no-verify');
  if (!set.checksums) return unverified(own ? `a set of your own, described by ${DATASET_YAML}` : `none is published for ${set.title}'s files`);
  if (unchecked.length) return unverified(`${set.title}'s published checksums are of the .gz files, and ${unchecked.map((p) => basename(p)).join(', ')} ${unchecked.length > 1 ? 'are' : 'is'} not compressed`);
  return { raw, digests, verified: true };
}

/** Reads and checks the four files of a directory (a named known set, a dataset.yaml's set, else Fashion-MNIST). */
export async function readDataDir(dir: string, verify = true, name?: string): Promise<{ raw: RawData; digests: Record<string, string> }> {
  const { raw, digests } = await readSet(dir, name, verify);
  return { raw, digests };
}

/** Candidate directories in search order, each with the reason it is searched. */
function candidates(options: DataOptions): { dir: string; source: string; explicit: boolean }[] {
  if (options.dataDir) return [{ dir: resolve(options.dataDir), source: options.dataDirSource ?? '--data-dir', explicit: true }];
  if (options.name !== undefined && options.name !== DEFAULT_SET.name) {
    return [{ dir: join(PACKAGE_ROOT, 'data', options.name), source: `data/${options.name}`, explicit: true }];
  }
  const env = process.env.FASHION_MNIST_DIR;
  if (env) return [{ dir: resolve(env), source: 'FASHION_MNIST_DIR', explicit: true }];
  return [
    { dir: LOCAL_DIR, source: 'data/fashion-mnist', explicit: false },
    { dir: DEBIAN_DIR, source: 'Debian package dataset-fashion-mnist', explicit: false },
  ];
}

/** The directory the data would be read from (without reading it), or undefined when none holds all four files. */
export function findDataDir(options: Pick<DataOptions, 'dataDir' | 'name'> = {}): { dir: string; source: string } | undefined {
  const set = options.name ? KNOWN_SETS[options.name] ?? DEFAULT_SET : DEFAULT_SET;
  const found = candidates(options).find((c) => hasAll(c.dir, set));
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

/** Finds the data set (fetching Fashion-MNIST if allowed and needed), reads it and checks it. */
export async function locateData(options: DataOptions = {}): Promise<LocatedData> {
  const verify = options.verify ?? true;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const tried = candidates(options);
  for (const c of tried) {
    if (hasAll(c.dir) || c.explicit) return { dir: c.dir, source: c.source, ...(await readSet(c.dir, options.name, verify)) };
  }
  if (options.fetch === false) throw new DataError(`Fashion-MNIST not found in ${tried.map((c) => c.dir).join(' or ')}`, HOW_TO_GET);
  let downloadError: string;
  try {
    await download(log);
    return { dir: LOCAL_DIR, source: 'download', ...(await readSet(LOCAL_DIR, options.name, true)) };
  } catch (e) {
    downloadError = (e as Error).message;
    log(`wasmfit: download failed (${downloadError})`);
  }
  if (installDebianPackage(log)) return { dir: DEBIAN_DIR, source: 'Debian package dataset-fashion-mnist (installed now)', ...(await readSet(DEBIAN_DIR, options.name, verify)) };
  throw new DataError(`Fashion-MNIST not found in ${tried.map((c) => c.dir).join(' or ')} and the download failed (${downloadError})`, HOW_TO_GET);
}
