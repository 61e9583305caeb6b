// The kernel loader and the mode choice of the package entries: what init() does with a URL that serves an
// HTML 404 page, the wrong content type or the wrong bytes (every error names the URL and what came back),
// the sources it accepts, and which back end each combination of features gets, with its reason.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { compileWasm } from '../src/core/wasm-loader.js';
import { chooseMode, type Features } from '../src/core/features.js';
import { init } from '../src/node/index.js';
import { startWebServer, type WebServer } from '../src/node/web-server.js';
import { ROOT } from './helpers/cli.js';

const wasm = readFileSync(join(ROOT, 'build', 'wasmfit.wasm'));
let page: WebServer, odd: Server, oddUrl: string;

before(async () => {
  page = await startWebServer({ dataDir: null });
  // Serves the real .wasm with a wrong content type, and HTML with a 200.
  odd = createServer((req, res) => {
    if (req.url === '/octet.wasm') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wasm);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>My SPA</title>');
  });
  await new Promise<void>((ok) => odd.listen(0, '127.0.0.1', ok));
  oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
});
after(async () => {
  await page.close();
  odd.closeAllConnections();
  await new Promise((ok) => odd.close(ok));
});

test('an HTML 404 page for a missing .wasm is refused with the URL, the status, the content type and the start of the page', async () => {
  const url = `${page.url}missing/wasmfit.wasm`;
  await assert.rejects(compileWasm(url), (e: Error) => {
    assert.match(e.message, new RegExp(`^${url.replace(/[.]/g, '\\.')}: HTTP 404 Not Found \\(text/html; charset=utf-8, \\d+ bytes starting "<!doctype html><title>404 Not Found`));
    return true;
  });
});

test('HTML served with 200 (a single-page app fallback) is refused as not WebAssembly, naming the content type', async () => {
  await assert.rejects(compileWasm(`${oddUrl}/app/wasmfit.wasm`), /app\/wasmfit\.wasm: not a WebAssembly module \(content type text\/html, expected application\/wasm\): HTTP 200 \(text\/html\) sent 36 bytes starting "<!doctype html><title>My SPA<\/title>"; a \.wasm file starts with the bytes 00 61 73 6d/);
});

test('the real module loads from the dev server (application/wasm), from a wrong content type, from bytes and as a module', async () => {
  const served = await fetch(`${page.url}wasmfit.wasm`);
  assert.equal(served.headers.get('content-type'), 'application/wasm');
  assert.equal(served.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.equal(served.headers.get('cross-origin-opener-policy'), 'same-origin');
  const module = await compileWasm(`${page.url}wasmfit.wasm`);
  assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === 'gemmNN'));
  assert.ok(await compileWasm(`${oddUrl}/octet.wasm`));
  assert.ok(await compileWasm(new Uint8Array(wasm)));
  assert.equal(await compileWasm(module), module);
  await assert.rejects(compileWasm(new Uint8Array([1, 2, 3, 4, 5])), /the bytes passed to init\(\{ wasm \}\): not a WebAssembly module: the caller sent 5 bytes starting 01 02 03 04 05/);
});

test('the dev server serves only the page and the four data files', async () => {
  const data = await startWebServer();
  try {
    const index = await (await fetch(`${data.url}data/index.json`)).json();
    assert.deepEqual(Object.keys(index.files).sort(), ['testImages', 'testLabels', 'trainImages', 'trainLabels']);
    const gz = await fetch(`${data.url}data/${index.files.trainLabels}`);
    assert.equal(gz.status, 200);
    assert.equal(gz.headers.get('content-type'), 'application/gzip');
    for (const path of ['data/../../../etc/passwd', 'data/%2e%2e/%2e%2e/etc/passwd', '%2e%2e/%2e%2e/package.json', '..%2f..%2fpackage.json', 'data/README.md']) {
      assert.equal((await fetch(`${data.url}${path}`)).status, 404, path);
    }
    assert.equal((await fetch(data.url, { method: 'POST' })).status, 405);
  } finally {
    await data.close();
  }
});

const browser = (over: Partial<Features> = {}): Features => ({ simd: true, sharedArrayBuffer: true, crossOriginIsolated: true, cores: 2, ...over });

test('the mode: threads only with isolation, SharedArrayBuffer and threaded kernels; else single-threaded SIMD; else JS, each with its reason', () => {
  assert.deepEqual(chooseMode(browser(), undefined, true), { mode: 'wasm-threads', threads: 2, reason: 'WebAssembly SIMD on 2 threads: cross-origin isolated, SharedArrayBuffer present' });
  assert.match(chooseMode(browser(), undefined, false).reason, /^single-threaded WebAssembly SIMD: threads are available .* no way to start kernel threads \(InitOptions\.threadedBackend\)$/);
  const notIsolated = chooseMode(browser({ crossOriginIsolated: false, sharedArrayBuffer: false }), undefined, true);
  assert.equal(notIsolated.mode, 'wasm-simd');
  assert.match(notIsolated.reason, /not cross-origin isolated \(the server sent no Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp headers\)/);
  assert.match(chooseMode(browser({ sharedArrayBuffer: false }), undefined, true).reason, /no SharedArrayBuffer/);
  assert.match(chooseMode(browser(), false, true).reason, /one thread was requested/);
  assert.equal(chooseMode(browser(), 4, true).threads, 4);
  const noSimd = chooseMode(browser({ simd: false }), undefined, true);
  assert.equal(noSimd.mode, 'js');
  assert.match(noSimd.reason, /lacks WebAssembly SIMD/);
});

test('the Node entry trains through the same API as the browser entry', async () => {
  const { locateData, parseConfig } = await import('../src/node/index.js');
  const wasmfit = await init({ threads: false });
  assert.equal(wasmfit.mode, 'wasm-simd');
  const js = await init({ backend: 'js' });
  assert.equal(js.mode, 'js');
  const session = await wasmfit.open((await locateData()).raw);
  const config = parseConfig('layer_specs: [784, 10]\nlearning_rate: 0.001\nbatch_size: 128\nepochs: 1\nmomentum: true\n', 'inline');
  const { test: metrics, result } = await session.train(config);
  assert.equal(result.epochs_run, 1);
  assert.equal(result.weights, 'best');
  assert.equal(result.best_epoch, 1);
  assert.ok(metrics.accuracy > 0.75, String(metrics.accuracy));
});
