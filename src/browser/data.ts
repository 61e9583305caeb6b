// The browser's data adapter: the four IDX files (Fashion-MNIST's, or a set of one's own with its dataset.yaml)
// arrive as Files the user picked or dropped, or as URLs on the page's own origin; .gz files are decompressed
// with DecompressionStream, no further than their headers declare (read-idx.ts, as in the CLI), hashed with
// SHA-256 (crypto.subtle, where the page is a secure context) and parsed by the platform-neutral IDX code.

import type { RawData } from '../data/dataset.js';
import { MAX_IDX_BYTES, readIdx } from '../data/read-idx.js';
import { DEFAULT_SET, FILE_KEYS, type FileKey } from '../data/known-sets.js';
import { FILES } from '../data/fashion-mnist.js';
import { assembleData, parseFile, type ParsedSet, type SetIdentity } from '../data/raw.js';
import { sha256Hex } from '../core/digest.js';
import { readBlob, sourceName } from '../core/byte-source.js';
import { DATASET_YAML, parseDatasetYaml } from '../data/dataset-yaml.js';

/** One file: a Blob (a picked or dropped File), bytes, or a URL to fetch. */
export type DataSource = Blob | ArrayBuffer | Uint8Array | URL | string;
/** The four IDX files by role, and for a set of one's own its dataset.yaml (name and class names). */
export type DataSources = Record<FileKey, DataSource> & { datasetYaml?: DataSource };

/** What a dataset.yaml without a name calls the set in the page (the CLI uses the directory's name). */
export const OWN_SET_NAME = 'own';

export interface DecodedData {
  raw: RawData;
  /** True when every file matched the official SHA-256; false when it could not be checked or differs. */
  verified: boolean;
  /** Why the files are not marked verified, if they are not. */
  note?: string;
}

/** Sorts picked or dropped files into the four roles by name (train-images-idx3-ubyte.gz and the like). */
export function matchFiles(files: ArrayLike<File>): { sources: Partial<DataSources>; unknown: string[] } {
  const sources: Partial<DataSources> = {}, unknown: string[] = [];
  for (const file of Array.from(files)) {
    const key = FILE_KEYS.find((k) => normalise(file.name).startsWith(normalise(FILES[k].name)));
    if (key) sources[key] = file;
    else if (file.name.toLowerCase() === DATASET_YAML) sources.datasetYaml = file;
    else unknown.push(file.name);
  }
  return { sources, unknown };
}

const normalise = (name: string) => name.toLowerCase().replace(/\.gz$/, '').replace(/[._]/g, '-');

export function missingFiles(sources: Partial<DataSources>): string[] {
  return FILE_KEYS.filter((k) => !sources[k]).map((k) => `${FILES[k].name}.gz`);
}

/**
 * Reads the four files: Fashion-MNIST, checked against its published SHA-256 sums, or with sources.datasetYaml a
 * set of one's own, named and described by it as in the CLI (any image shape up to 65,536 pixels, 2 to 256 classes).
 */
export async function decodeFashionMnist(sources: DataSources, verify = true): Promise<DecodedData> {
  const bytes = {} as Record<FileKey, Uint8Array>;
  const names = {} as Record<FileKey, string>;
  const own = sources.datasetYaml === undefined ? undefined : await readDatasetYaml(sources.datasetYaml);
  await Promise.all(FILE_KEYS.map(async (k) => {
    names[k] = sourceName(sources[k], `${FILES[k].name}.gz`);
    bytes[k] = await readSource(sources[k], names[k]);
  }));
  let verified = false, note: string | undefined, sha256: Record<string, string> | undefined;
  const canHash = typeof crypto !== 'undefined' && !!crypto.subtle;
  // A set of one's own has no checksums to hold it to, but its digests still go into model files, as in the CLI.
  if (canHash && (verify || own)) {
    const digests = await Promise.all(FILE_KEYS.map((k) => sha256Hex(bytes[k])));
    sha256 = Object.fromEntries(FILE_KEYS.map((k, i) => [FILES[k].name, digests[i]!]));
    if (!own && verify) {
      const bad = FILE_KEYS.filter((k, i) => digests[i] !== FILES[k].sha256);
      verified = bad.length === 0;
      if (!verified) note = `not the official files (SHA-256 differs for ${bad.map((k) => names[k]).join(', ')})`;
    }
  }
  if (own) note = `checksums not checked: a set of your own, described by ${own.source}`;
  else if (!verify) note = 'checksums not checked';
  else if (!canHash) note = 'checksums not checked (crypto.subtle needs a secure context: https or localhost)';
  const parsed = Object.fromEntries(FILE_KEYS.map((k) => [k, parseFile(k, bytes[k], names[k])]));
  const identity = own ? own.identity : DEFAULT_SET;
  const raw = assembleData(parsed as unknown as ParsedSet, names, identity, sha256);
  return { raw, verified, ...(note ? { note } : {}) };
}

/** Most bytes of a dataset.yaml (as in the CLI). */
const MAX_DATASET_YAML_BYTES = 2 ** 20;

/** A set of one's own as its dataset.yaml names it, without a directory name to fall back on. */
async function readDatasetYaml(source: DataSource): Promise<{ identity: SetIdentity; source: string }> {
  const name = sourceName(source, DATASET_YAML);
  const blob = await readBlob(source, name, 'a dataset.yaml', MAX_DATASET_YAML_BYTES);
  const yaml = parseDatasetYaml(await blob.text(), name);
  const identity: SetIdentity = { name: yaml.name ?? OWN_SET_NAME, ...(yaml.classes ? { classes: yaml.classes, classesHint: `${name} names ${yaml.classes.length} classes` } : {}) };
  return { identity, source: name };
}

/** Files starting with the gzip magic (1f 8b) are decompressed, anything else is taken as plain IDX; either is read no further than its header declares. */
async function readSource(source: DataSource, name: string): Promise<Uint8Array> {
  const blob = await readBlob(source, name, 'an IDX file', MAX_IDX_BYTES);
  const magic = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  return readIdx(blob.stream(), name, magic[0] === 0x1f && magic[1] === 0x8b);
}
