// Reads bytes from wherever a caller has them: bytes, a Blob or File, a fetch Response, or a URL to fetch, and
// refuses more than a bound before reading further. Every error names the source and what it sent.
// Platform-neutral: it needs only fetch and Blob.

import { DataError } from './errors.js';

export type ByteSource = ArrayBuffer | ArrayBufferView | Blob | Response | URL | string;

/** How a source is named in messages: a File's name, a URL, a Response's URL, else `fallback`. */
export function sourceName(source: unknown, fallback: string): string {
  if (typeof File !== 'undefined' && source instanceof File) return source.name;
  if (typeof source === 'string' || source instanceof URL) return String(source);
  if (typeof Response !== 'undefined' && source instanceof Response && source.url) return source.url;
  return fallback;
}

/** "a Float32Array", "a plain object", "number 3": what a caller passed, for a message. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'plain object'}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * A source's bytes as a Blob, refused past max bytes before more is read; `what` says what they should be ("an IDX
 * file"). A response that states its length is taken whole (Chromium reports a no-store response read as a stream
 * as aborted); one that does not, or that the browser decodes on the way, is counted as it arrives.
 */
export async function readBlob(source: ByteSource, name: string, what: string, max: number): Promise<Blob> {
  const tooLarge = (size: number | string) => new DataError(`${name}: ${size} bytes, more than the ${max} ${what} may be`);
  let blob: Blob;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) blob = new Blob([source as Uint8Array<ArrayBuffer>]);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) blob = source;
  else {
    let response: Response;
    if (typeof Response !== 'undefined' && source instanceof Response) response = source;
    else if (typeof source === 'string' || source instanceof URL) {
      try {
        response = await fetch(String(source), { credentials: 'same-origin' });
      } catch (e) {
        throw new DataError(`${name}: fetch failed (${(e as Error).message})`);
      }
    } else {
      throw new DataError(`${name}: expected bytes, a Blob or File, a Response or a URL for ${what}, found ${describeValue(source)}`);
    }
    if (!response.ok) throw new DataError(`${name}: HTTP ${response.status} (${response.headers.get('content-type') ?? 'no content type'}), expected ${what}`);
    const stated = Number(response.headers.get('content-length') ?? NaN);
    if (stated > max) {
      await response.body?.cancel();
      throw tooLarge(stated);
    }
    blob = stated >= 0 && !response.headers.get('content-encoding') ? await response.blob() : await countedBody(response, max, () => tooLarge(`more than ${max}`));
  }
  if (blob.size > max) throw tooLarge(blob.size);
  return blob;
}

/** readBlob's bytes. */
export async function readBytes(source: ByteSource, name: string, what: string, max: number): Promise<Uint8Array> {
  return new Uint8Array(await (await readBlob(source, name, what, max)).arrayBuffer());
}

/** A response body read chunk by chunk, given up past max bytes. */
async function countedBody(response: Response, max: number, tooLarge: () => Error): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  while (reader) {
    const next = await reader.read();
    if (next.done) break;
    size += next.value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge();
    }
    parts.push(next.value);
  }
  return new Blob(parts);
}
