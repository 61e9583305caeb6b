#!/usr/bin/env node
// `npm run web`: serves the built page (dist/web/) on 127.0.0.1 with the headers it needs: COOP same-origin
// and COEP require-corp (so the page is cross-origin isolated and may use threads), application/wasm, and a
// Content-Security-Policy that keeps the page on its own origin. It also offers the four Fashion-MNIST
// files from the directory the CLI would use (named in a meta tag of the page), and nothing else from the file system.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { dataFilePath, findDataDir, PACKAGE_ROOT } from './data-files.js';
import { FILE_KEYS } from '../data/known-sets.js';
import { parseIntegerOption } from './options.js';

export interface WebServerOptions {
  /** Directory of the page; default dist/web. */
  root?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Send COOP/COEP (default true); without them the page is not cross-origin isolated. */
  isolation?: boolean;
  /** Where the data set is (else the CLI's search order); null offers no data. */
  dataDir?: string | null;
}

export interface WebServer {
  url: string;
  data?: { dir: string; source: string };
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Everything the page loads comes from its own origin; WebAssembly compilation is allowed explicitly. */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'";

export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const root = resolve(options.root ?? join(PACKAGE_ROOT, 'dist', 'web'));
  const isolation = options.isolation ?? true;
  const data = options.dataDir === null ? undefined : findDataDir(options.dataDir ? { dataDir: options.dataDir } : {});
  // The only data paths served: /data/<basename> for each of the four files found.
  const dataFiles = new Map<string, string>();
  const index: Record<string, string> = {};
  if (data) {
    for (const key of FILE_KEYS) {
      const path = dataFilePath(data.dir, key);
      if (path) {
        dataFiles.set(basename(path), path);
        index[key] = basename(path);
      }
    }
  }

  const server = createServer((req, res) => {
    try {
      respond(req, res);
    } catch (e) {
      send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(e as Error).message}\n`);
    }
  });

  function headers(res: ServerResponse, type: string): void {
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (isolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
  }

  function send(res: ServerResponse, status: number, type: string, body: string): void {
    headers(res, type);
    res.writeHead(status);
    res.end(body);
  }

  function notFound(res: ServerResponse, path: string): void {
    send(res, 404, 'text/html; charset=utf-8', `<!doctype html><title>404 Not Found</title><p>${escapeHtml(path)} is not here.</p>\n`);
  }

  function sendFile(req: IncomingMessage, res: ServerResponse, file: string): void {
    headers(res, TYPES[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', statSync(file).size);
    res.writeHead(200);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }

  function respond(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n');
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      send(res, 400, 'text/plain; charset=utf-8', 'bad URL\n');
      return;
    }
    if (path === '/data/index.json') {
      if (!data) {
        send(res, 404, 'application/json', JSON.stringify({ error: 'no Fashion-MNIST directory found on the server' }) + '\n');
        return;
      }
      send(res, 200, 'application/json', JSON.stringify({ dir: data.dir, source: data.source, files: index }) + '\n');
      return;
    }
    if (path.startsWith('/data/')) {
      const file = dataFiles.get(path.slice('/data/'.length));
      if (file) sendFile(req, res, file);
      else notFound(res, path);
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(root, '.' + path);
    if (path.includes('\0') || !file.startsWith(root + sep)) {
      notFound(res, path);
      return;
    }
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      // missing: 404 below
    }
    if (isFile && data && path === '/index.html') sendPage(req, res, file);
    else if (isFile) sendFile(req, res, file);
    else notFound(res, path);
  }

  /** The page with a meta tag naming the data index, so the page asks for it only here, never on a static host. */
  function sendPage(req: IncomingMessage, res: ServerResponse, file: string): void {
    const html = readFileSync(file, 'utf8').replace('</head>', `<meta name="wasmfit-data" content="data/index.json">\n</head>`);
    headers(res, TYPES['.html']);
    res.setHeader('Content-Length', Buffer.byteLength(html));
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => ok());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/`,
    ...(data ? { data } : {}),
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const server = await startWebServer({
    port: parseIntegerOption('--port', option('--port') ?? '8080', 0, 65535),
    host: option('--host') ?? '127.0.0.1',
    isolation: !process.argv.includes('--no-isolation'),
    ...(option('--data-dir') ? { dataDir: option('--data-dir') } : {}),
  });
  console.log(`wasmfit web: serving ${server.url}`);
  console.log(server.data ? `data: ${server.data.dir} (${server.data.source})` : 'data: none found; the page asks for the four files');
  console.log('press Ctrl-C to stop');
}
