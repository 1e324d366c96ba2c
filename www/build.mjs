#!/usr/bin/env node
// Builds the checker page from the npm package's build (wasm/dist, made by `npm run build` in
// wasm/):
//
// 1. www/vendor/certbind/{inline,web}/ and www/vendor/jose/ — the package files the source
//    page's import map points at, so www/ (index.html + app.mjs + style.css + vendor/) works from any static host.
// 2. www/dist/certbind-checker.html — ONE self-contained file: the CSS, the page module and the
//    package (with the .wasm as base64) inlined, and a Content-Security-Policy whose script and
//    style hashes match what is inlined. It works from file:// (Chromium refuses ES module
//    scripts and fetch() there, so nothing may be loaded from a second file) and is what
//    `certbind serve` serves at /tools/thumbprint: `npm run embed` (embed.mjs) copies it into
//    host-actix/assets/checker-page/, which is compiled into the binary.
//
// It also checks that the import map hash in index.html's CSP matches the import map.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

import { embeddedIsCurrent } from './embed.mjs';

const WWW = dirname(fileURLToPath(import.meta.url));
const PACKAGE_DIST = join(WWW, '..', 'wasm', 'dist');
const VENDOR = join(WWW, 'vendor', 'certbind');
const SINGLE_FILE = join(WWW, 'dist', 'certbind-checker.html');

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Replaces exactly one occurrence of `from`, or fails: the page's markup changed. */
function replaceOnce(text, from, to) {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`index.html: expected exactly one ${JSON.stringify(from.slice(0, 60))}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

function checkImportMapHash(html) {
  const map = html.match(/<script type="importmap">([^<]*)<\/script>/)?.[1];
  if (map === undefined) throw new Error('index.html: no import map');
  const hash = sha256(map);
  if (!html.includes(hash)) throw new Error(`index.html: the CSP must allow the import map with ${hash}`);
  return map;
}

async function main() {
  if (!existsSync(join(PACKAGE_DIST, 'inline', 'certbind.js'))) {
    throw new Error('wasm/dist/inline is missing: run `npm run build` in wasm/ first');
  }
  rmSync(join(WWW, 'vendor'), { recursive: true, force: true });
  for (const part of ['inline', 'web']) cpSync(join(PACKAGE_DIST, part), join(VENDOR, part), { recursive: true });
  // jose's WebCrypto build, for the token box's signature check (token.mjs).
  cpSync(join(WWW, 'node_modules', 'jose', 'dist', 'webapi'), join(WWW, 'vendor', 'jose'), { recursive: true });
  const version = JSON.parse(readFileSync(join(WWW, '..', 'wasm', 'package.json'), 'utf8')).version;

  const html = readFileSync(join(WWW, 'index.html'), 'utf8');
  const importMap = checkImportMapHash(html);
  const css = readFileSync(join(WWW, 'style.css'), 'utf8');
  const bundle = await build({
    entryPoints: [join(WWW, 'app.mjs')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    alias: { certbind: join(VENDOR, 'inline', 'certbind.js') },
    logLevel: 'warning',
    // The web glue's default wasm URL uses import.meta.url; the page never takes that path
    // (the inline module passes the bytes), so its absence in the IIFE is harmless.
    logOverride: { 'empty-import-meta': 'silent' },
  });
  // A classic inline script ends at the first "</script"; the bundle has none, but make sure.
  const script = bundle.outputFiles[0].text.replaceAll('</script', '<\\/script');
  const style = `\n${css}`;

  let page = html;
  const oldCsp = page.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/)?.[1];
  if (!oldCsp) throw new Error('index.html: no CSP meta element');
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)} 'wasm-unsafe-eval'`,
    `style-src ${sha256(style)}`,
    'img-src data:',
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  page = replaceOnce(page, oldCsp, csp);
  page = replaceOnce(page, '<link rel="stylesheet" href="style.css">', `<style>${style}</style>`);
  page = replaceOnce(page, `<script type="importmap">${importMap}</script>\n`, '');
  page = replaceOnce(page, '<script type="module" src="app.mjs"></script>', '');
  // The script goes last in <body> (a classic script runs where it stands).
  page = replaceOnce(page, '</body>', `<script>${script}</script>\n</body>`);
  page = replaceOnce(page, '<span id="version"></span>', `<span id="version"> ${version}, single-file build</span>`);
  mkdirSync(dirname(SINGLE_FILE), { recursive: true });
  writeFileSync(SINGLE_FILE, page);
  writeFileSync(join(WWW, 'dist', 'csp.txt'), `${csp}\n`);
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`www: vendor/certbind/ copied; ${SINGLE_FILE} written (${kb(Buffer.byteLength(page))})`);
  if (!embeddedIsCurrent()) {
    console.log('www: this page is not the one compiled into certbind yet: `npm run embed` updates host-actix/assets/checker-page/ (commit it; CI fails until then)');
  }
}

main().catch((e) => {
  console.error(`www build failed: ${e.message}`);
  process.exit(1);
});
