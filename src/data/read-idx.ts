// Reads one IDX file's bytes from a stream (as stored, or through a gzip decompressor) no further than its
// header declares, so a gzip bomb, an endless device or a file with gigabytes appended costs at most that
// many bytes. Platform-neutral (web streams, in Node and the page alike): the adapters turn their files into
// streams; parsing and checking the bytes is idx.ts's.

import { DataError, WasmfitError } from '../core/errors.js';
import { IMAGE_MAGIC, LABEL_MAGIC } from './idx.js';

/** The most an IDX file may hold unless its set says more (known-sets.ts): the largest Fashion-MNIST file is 47 MB. */
export const MAX_IDX_BYTES = 64 * 2 ** 20;
/** The longest header that declares a length: images (magic, count, rows, cols). */
const HEADER_BYTES = 16;

/** The exact length the header at the start of bytes declares, or undefined if it is not an IDX header of ours. */
export function declaredLength(head: Uint8Array): number | undefined {
  if (head.byteLength < 8) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = view.getUint32(0), count = view.getUint32(4);
  if (magic === LABEL_MAGIC) return 8 + count;
  if (magic === IMAGE_MAGIC && head.byteLength >= 16) return 16 + count * view.getUint32(8) * view.getUint32(12);
  return undefined;
}

/**
 * The bytes of one IDX file, gathered from chunks until its declared length. A file whose header is not
 * ours stops at the header (the parser names what is wrong with it); one longer than declared, or
 * declaring more than max, is refused as soon as that is known.
 */
async function collectIdx(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, file: string, decompressed: boolean, max: number): Promise<Uint8Array> {
  const head = new Uint8Array(HEADER_BYTES);
  let out: Uint8Array | undefined, length = 0;
  const tooLong = (declared: number): never => {
    throw new DataError(`${file}: ${decompressed ? 'decompresses to' : 'holds'} more than ${declared} bytes, expected exactly ${declared} as its header declares`);
  };
  for await (const chunk of chunks) {
    let from = 0;
    if (!out) {
      from = Math.min(chunk.byteLength, HEADER_BYTES - length);
      head.set(chunk.subarray(0, from), length);
      length += from;
      if (length < HEADER_BYTES) continue;
      const declared = declaredLength(head);
      if (declared === undefined) return head;
      if (declared > max) throw new DataError(`${file}: its header declares ${declared} bytes, more than the ${max} an IDX file may hold here`);
      out = new Uint8Array(declared);
      if (length > declared) tooLong(declared);
      out.set(head);
    }
    const rest = chunk.byteLength - from;
    if (length + rest > out.byteLength) tooLong(out.byteLength);
    out.set(chunk.subarray(from), length);
    length += rest;
  }
  // Shorter than declared, or shorter than a header: the parser says which.
  return out ? out.subarray(0, length) : head.subarray(0, length);
}

/** The chunks of a stream; leaving the loop early cancels the stream (and the decompression feeding it). */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/** The bytes of one IDX file from a stream of its stored bytes, gunzipped on the way when gzip is set. */
export async function readIdx(stream: ReadableStream<Uint8Array>, file: string, gzip: boolean, max = MAX_IDX_BYTES): Promise<Uint8Array> {
  try {
    // (DecompressionStream's writable side is typed for any BufferSource; bytes are one.)
    const gunzip = new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
    return await collectIdx(chunksOf(gzip ? stream.pipeThrough(gunzip) : stream), file, gzip, max);
  } catch (e) {
    if (e instanceof WasmfitError || !gzip) throw e;
    throw new DataError(`${file}: not a valid gzip file, truncated or damaged (${(e as Error).message})`);
  }
}
