#!/usr/bin/env node
// A small static file server for the checker page (tests and local use; any static host works).
// `node serve.mjs [PORT]` serves www/ on 127.0.0.1; the single-file build is also served at
// /tools/thumbprint, as `certbind serve` does. It sends the same Content-Security-Policy header as
// the page's meta element, so a mistake in either shows up in the tests.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const WWW = fileURLToPath(new URL('.', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
};

/** Starts a server on 127.0.0.1 (port 0 = any free port); resolves to { url, close }. */
export function start(root = WWW, port = 0) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    let file;
    if (path === '/tools/thumbprint') file = join(root, 'dist', 'certbind-checker.html');
    else file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || file.includes(`${sep}node_modules${sep}`)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      const headers = {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      };
      if (extname(file) === '.html') {
        const csp = body.toString('utf8').match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1];
        if (csp) headers['content-security-policy'] = csp;
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}/`;
      resolve({ url, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await start(WWW, Number(process.argv[2] ?? 8080));
  console.log(`checker page: ${url}  (single file: ${url}tools/thumbprint)`);
}
