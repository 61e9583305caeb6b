// The browser's data adapter: the four Fashion-MNIST files arrive as Files the user picked or dropped, or
// as URLs on the page's own origin; .gz files are decompressed with DecompressionStream, no further than
// their headers declare (read-idx.ts, as in the CLI), checked with SHA-256 (crypto.subtle, where the page is
// a secure context) and parsed by the platform-neutral IDX code.

import { DataError } from '../core/errors.js';
import { checkPair, parseImages, parseLabels } from '../data/idx.js';
import type { RawData } from '../data/dataset.js';
import { MAX_IDX_BYTES, readIdx } from '../data/read-idx.js';
import { FILES, FILE_KEYS, type FileKey } from '../data/fashion-mnist.js';

/** One file: a Blob (a picked or dropped File), bytes, or a URL to fetch. */
export type DataSource = Blob | ArrayBuffer | Uint8Array | URL | string;
export type DataSources = Record<FileKey, DataSource>;

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
    else unknown.push(file.name);
  }
  return { sources, unknown };
}

const normalise = (name: string) => name.toLowerCase().replace(/\.gz$/, '').replace(/[._]/g, '-');

export function missingFiles(sources: Partial<DataSources>): string[] {
  return FILE_KEYS.filter((k) => !sources[k]).map((k) => `${FILES[k].name}.gz`);
}

export async function decodeFashionMnist(sources: DataSources, verify = true): Promise<DecodedData> {
  const bytes = {} as Record<FileKey, Uint8Array>;
  const names = {} as Record<FileKey, string>;
  await Promise.all(FILE_KEYS.map(async (k) => {
    names[k] = nameOf(sources[k], k);
    bytes[k] = await readSource(sources[k], names[k]);
  }));
  let verified = false, note: string | undefined;
  if (!verify) note = 'checksums not checked';
  else if (typeof crypto === 'undefined' || !crypto.subtle) note = 'checksums not checked (crypto.subtle needs a secure context: https or localhost)';
  else {
    const digests = await Promise.all(FILE_KEYS.map(async (k) => hex(await crypto.subtle.digest('SHA-256', bytes[k] as Uint8Array<ArrayBuffer>))));
    const bad = FILE_KEYS.filter((k, i) => digests[i] !== FILES[k].sha256);
    verified = bad.length === 0;
    if (!verified) note = `not the official files (SHA-256 differs for ${bad.map((k) => names[k]).join(', ')})`;
  }
  const trainImages = parseImages(bytes.trainImages, names.trainImages);
  const trainLabels = parseLabels(bytes.trainLabels, names.trainLabels);
  const testImages = parseImages(bytes.testImages, names.testImages);
  const testLabels = parseLabels(bytes.testLabels, names.testLabels);
  checkPair(trainImages, trainLabels, names.trainImages, names.trainLabels);
  checkPair(testImages, testLabels, names.testImages, names.testLabels);
  return { raw: { train: { images: trainImages, labels: trainLabels }, test: { images: testImages, labels: testLabels } }, verified, ...(note ? { note } : {}) };
}

function nameOf(source: DataSource, key: FileKey): string {
  if (typeof File !== 'undefined' && source instanceof File) return source.name;
  if (typeof source === 'string' || source instanceof URL) return String(source);
  return `${FILES[key].name}.gz`;
}

/**
 * One file's stored bytes as a Blob, refused past MAX_IDX_BYTES before more is read. A response that states
 * its length is taken whole (Chromium reports a no-store response read as a stream as aborted); one that
 * does not, or that the browser decodes on the way, is counted as it arrives.
 */
async function blobOf(source: DataSource, name: string): Promise<Blob> {
  const tooLarge = (size: number | string) => new DataError(`${name}: ${size} bytes, more than the ${MAX_IDX_BYTES} an IDX file may be`);
  let blob: Blob;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) blob = new Blob([source as Uint8Array<ArrayBuffer>]);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) blob = source;
  else {
    let response: Response;
    try {
      response = await fetch(String(source), { credentials: 'same-origin' });
    } catch (e) {
      throw new DataError(`${name}: fetch failed (${(e as Error).message})`);
    }
    if (!response.ok) throw new DataError(`${name}: HTTP ${response.status} (${response.headers.get('content-type') ?? 'no content type'}), expected the IDX file`);
    const stated = Number(response.headers.get('content-length') ?? NaN);
    if (stated > MAX_IDX_BYTES) {
      await response.body?.cancel();
      throw tooLarge(stated);
    }
    blob = stated >= 0 && !response.headers.get('content-encoding') ? await response.blob() : await countedBody(response, () => tooLarge(`more than ${MAX_IDX_BYTES}`));
  }
  if (blob.size > MAX_IDX_BYTES) throw tooLarge(blob.size);
  return blob;
}

/** A response body read chunk by chunk, given up past MAX_IDX_BYTES. */
async function countedBody(response: Response, tooLarge: () => Error): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  while (reader) {
    const next = await reader.read();
    if (next.done) break;
    size += next.value.byteLength;
    if (size > MAX_IDX_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    parts.push(next.value);
  }
  return new Blob(parts);
}

/** Files starting with the gzip magic (1f 8b) are decompressed, anything else is taken as plain IDX; either is read no further than its header declares. */
async function readSource(source: DataSource, name: string): Promise<Uint8Array> {
  const blob = await blobOf(source, name);
  const magic = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  return readIdx(blob.stream(), name, magic[0] === 0x1f && magic[1] === 0x8b);
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}
