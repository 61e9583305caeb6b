// Turns whatever the caller has (a URL, bytes, a fetch Response or an already compiled module) into the
// compiled kernel module, and checks what came back before compiling: the HTTP status, the content type
// and the "\0asm" magic bytes. Every error names the URL and what the server actually sent (the classic
// failure is an HTML 404 page served for a missing .wasm). Platform-neutral: it needs only fetch.

import { WasmfitError } from './errors.js';

export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response | URL | string;

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const SERVE_HINT = 'serve the .wasm file that ships with wasmfit (wasmfit/wasmfit.wasm) as application/wasm at that URL, or pass init({ wasm }) its bytes or another URL';

export class WasmLoadError extends WasmfitError {
  constructor(message: string, hint = SERVE_HINT) {
    super(message, undefined, hint);
    this.name = 'WasmLoadError';
  }
}

/** Compiles the kernel module from any of the accepted sources. */
export async function compileWasm(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return compileChecked(bytes, 'the bytes passed to init({ wasm })', 'the caller');
  }
  if (typeof Response !== 'undefined' && source instanceof Response) return fromResponse(source, source.url || 'the Response passed to init({ wasm })');
  const url = String(source);
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    throw new WasmLoadError(`${url}: fetching the wasm kernels failed (${(e as Error).message})`);
  }
  return fromResponse(response, url);
}

async function fromResponse(response: Response, url: string): Promise<WebAssembly.Module> {
  const type = response.headers.get('content-type') ?? 'no content type';
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    throw new WasmLoadError(`${url}: HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''} (${type}, ${describeBody(bytes)}), expected the wasm kernels`);
  }
  return compileChecked(bytes, url, `HTTP ${response.status} (${type})`, type);
}

/**
 * A wrong content type alone is tolerated (the bytes are compiled, not streamed, so it does not matter);
 * it is named in the error when the bytes are not WebAssembly either.
 */
async function compileChecked(bytes: Uint8Array, where: string, what: string, type?: string): Promise<WebAssembly.Module> {
  if (!MAGIC.every((b, i) => bytes[i] === b)) {
    const typeNote = type !== undefined && !/^application\/wasm\b/i.test(type) ? ` (content type ${type}, expected application/wasm)` : '';
    throw new WasmLoadError(`${where}: not a WebAssembly module${typeNote}: ${what} sent ${describeBody(bytes)}; a .wasm file starts with the bytes 00 61 73 6d`);
  }
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new WasmLoadError(`${where}: WebAssembly.compile refused the ${bytes.byteLength} bytes (${(e as Error).message})`, 'rebuild the kernels with npm run build:wasm, or serve an unmodified wasmfit.wasm');
  }
}

/** "1234 bytes starting <!DOCTYPE html><title>404..." or "... starting 3c 21 44 4f": what a person needs to recognise it. */
function describeBody(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) return 'an empty body';
  const head = bytes.subarray(0, 60);
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  const start = printable
    ? JSON.stringify(new TextDecoder().decode(head).replace(/\s+/g, ' ').trim())
    : Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${bytes.byteLength} bytes starting ${start}`;
}
