// The safetensors format: 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then raw little-endian data. F32 (weights) and I32 (a checkpoint's train
// order) are written and read. Decoding checks everything a damaged or hostile file could get wrong before
// trusting a single offset: like the reference loader it refuses data the tensors do not cover exactly
// (gaps, overlaps, trailing bytes), and it refuses a key named twice.

import { WasmfitError } from './errors.js';

export interface Tensor {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

const dtypeOf = (data: Tensor['data']) => (data instanceof Int32Array ? 'I32' : 'F32');

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** A header longer than this is not a model of ours (and would be a way to exhaust memory). */
const MAX_HEADER = 16 * 2 ** 20;

export function encodeSafetensors(tensors: Tensor[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    const put = t.data instanceof Int32Array ? view.setInt32.bind(view) : view.setFloat32.bind(view);
    for (let i = 0; i < t.data.length; i++, at += 4) put(at, t.data[i], true);
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const fail = (what: string): never => {
    throw new WasmfitError(`${source}: ${what}`);
  };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte safetensors header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.byteLength) {
    fail(`header length ${headerLength} does not fit a ${bytes.byteLength}-byte file (not a safetensors file?)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const duplicate = duplicateKey(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  if (duplicate !== undefined) fail(`header names ${JSON.stringify(duplicate)} twice`);
  const dataStart = 8 + headerLength, dataLength = bytes.byteLength - dataStart;
  const entries = Object.entries(header as Record<string, unknown>);
  const metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of entries) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as object)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`tensor ${name}: entry is not an object`);
    if (e.dtype !== 'F32' && e.dtype !== 'I32') fail(`tensor ${name}: dtype ${JSON.stringify(e.dtype)}, expected "F32" or "I32"`);
    const shape = e.shape, offsets = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name}: shape ${JSON.stringify(shape)} is not a list of sizes`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) fail(`tensor ${name}: data_offsets ${JSON.stringify(offsets)} is not a [begin, end] pair`);
    const [begin, end] = offsets as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength) fail(`tensor ${name}: data_offsets [${begin}, ${end}] outside the ${dataLength} data bytes`);
    if (end - begin !== count * 4) fail(`tensor ${name}: ${end - begin} bytes for shape [${shape}], expected ${count * 4}`);
    ranges.push([begin, end, name]);
    const isInt = e.dtype === 'I32';
    const data = isInt ? new Int32Array(count) : new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = isInt ? view.getInt32(dataStart + begin + 4 * i, true) : view.getFloat32(dataStart + begin + 4 * i, true);
    const bad = isInt ? -1 : data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`tensor ${name}: value ${data[bad]} at index ${bad}, expected finite numbers`);
    tensors.set(name, { name, shape: shape as number[], data });
  }
  // As the reference loader: the tensors tile the data exactly, from its first byte to its last.
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let end = 0;
  for (const [i, [begin, stop, name]] of ranges.entries()) {
    if (begin < end) fail(`tensors ${ranges[i - 1][2]} and ${name} overlap`);
    if (begin > end) fail(`tensor ${name} starts at byte ${begin} of the data, expected ${end} (the data would have a gap)`);
    end = stop;
  }
  if (end !== dataLength) fail(`${dataLength - end} bytes after the last tensor (the tensors end at byte ${end} of ${dataLength} data bytes)`);
  return { tensors, metadata };
}

/**
 * The first key that appears twice in one object of a JSON text, if any: JSON.parse keeps the last one
 * silently, so a file could show one reader a tensor and another reader a different one.
 */
function duplicateKey(json: string): string | undefined {
  const keys: (Set<string> | null)[] = [];
  // Strings that are keys: after "{" or "," inside an object; arrays push null.
  const token = /"(?:[^"\\]|\\.)*"|[{}[\],]/g;
  let expectKey = false;
  for (let m = token.exec(json); m; m = token.exec(json)) {
    const t = m[0];
    if (t === '{') {
      keys.push(new Set());
      expectKey = true;
    } else if (t === '[') {
      keys.push(null);
      expectKey = false;
    } else if (t === '}' || t === ']') {
      keys.pop();
      expectKey = false;
    } else if (t === ',') {
      expectKey = keys.at(-1) instanceof Set;
    } else if (expectKey) {
      const key = JSON.parse(t) as string, set = keys.at(-1)!;
      if (set.has(key)) return key;
      set.add(key);
      expectKey = false;
    }
  }
  return undefined;
}
