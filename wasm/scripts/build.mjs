#!/usr/bin/env node
// Builds the npm package from source into wasm/dist/:
//   cargo (wasm32-unknown-unknown, profile wasm-release) -> wasm-bindgen (nodejs + web)
//   -> wasm-opt from npm `binaryen` (never Debian's: it corrupts wasm-bindgen's externref table)
//   -> dist/inline (the web build with the wasm embedded as base64, for CSP-strict pages and file://)
//   -> size report (gzip -9, as `gzip -9 -c file.wasm | wc -c`) in dist/size-report.json.
//
// Options:
//   --dev                 debug cargo profile, no wasm-opt (fast iteration)
//   --variants=shipped    (default) the two shipped builds: full and lite
//   --variants=all        also measure the feature sets in between (+pkcs12: PKCS#12 input,
//                         +chain: verifyChain, +toml: explain, +chain+toml, +pkcs12+chain);
//                         those are measured only, not written to dist/
//   --size-only           with --variants=all: only measure, do not rewrite dist/
//
// wasm-bindgen must be the version of the wasm-bindgen crate in Cargo.lock: it is looked up in
// $WASM_BINDGEN, then PATH, then <repo>/tools/bin, and installed there with cargo when none of
// them is that version (scripts/wasm-bindgen.mjs), so a fresh clone needs no manual step.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { measure, sizeTable } from './size.mjs';
import { ensureWasmBindgen } from './wasm-bindgen.mjs';

const WASM_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(WASM_DIR, '..');
const DIST = join(WASM_DIR, 'dist');
const CRATE = 'certbind_wasm';

const args = new Set(process.argv.slice(2));
const dev = args.has('--dev');
const sizeOnly = args.has('--size-only');
const allVariants = args.has('--variants=all');

/** Feature sets. `ship` ones are written to dist/; the others are measured only. */
const VARIANTS = [
  { name: 'full', features: ['full'], ship: ['node', 'web'], inline: true },
  { name: 'lite', features: [], ship: ['lite-node', 'lite-web'] },
  ...(allVariants
    ? [
        { name: 'lite+pkcs12', features: ['pkcs12'], ship: [] },
        { name: 'lite+chain', features: ['chain'], ship: [] },
        { name: 'lite+toml', features: ['toml'], ship: [] },
        { name: 'lite+chain+toml', features: ['chain', 'toml'], ship: [] },
        // Everything but `explain` (measured to show what each capability costs).
        { name: 'lite+pkcs12+chain', features: ['pkcs12', 'chain'], ship: [] },
      ]
    : []),
];

function run(cmd, argv, opts = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.status}`);
  return Date.now() - started;
}

/**
 * rustc flags for the package build (passed with `cargo --config`, so they apply to this build
 * only and leave every other build's cache alone):
 * - sha2's compact SHA-256/-512 (a loop instead of unrolled rounds: 7 KB less, and the digests
 *   are of certificates, a few kilobytes);
 * - aes's compact soft backend (semi-fixslicing: 0.6 KB less gzipped; PKCS#12 decrypts a few
 *   kilobytes with it);
 * - source paths of the crates made relative: panic locations (never shown: the package aborts
 *   without formatting a panic) keep only `der-0.8.3/src/…` instead of the build machine's
 *   registry path, which also makes the .wasm independent of where it was built.
 */
function rustflags() {
  const flags = ['--cfg', 'sha2_backend_soft="compact"', '--cfg', 'aes_backend_soft="compact"'];
  const cargoHome = process.env.CARGO_HOME ?? join(process.env.HOME ?? '/root', '.cargo');
  const registry = join(cargoHome, 'registry', 'src');
  if (existsSync(registry)) {
    for (const index of readdirSync(registry)) flags.push(`--remap-path-prefix=${join(registry, index)}=`);
  }
  flags.push(`--remap-path-prefix=${ROOT}=`);
  return `target.wasm32-unknown-unknown.rustflags=${JSON.stringify(flags)}`;
}

function cargoBuild(variant) {
  const profile = dev ? 'dev' : 'wasm-release';
  const argv = ['build', '-p', 'certbind-wasm', '--target', 'wasm32-unknown-unknown', '--profile', profile, '--no-default-features']
  if (!dev) argv.push('--config', rustflags());
  if (process.env.CI) argv.push('--locked');
  if (variant.features.length) argv.push('--features', variant.features.join(','));
  const ms = run('cargo', argv, { cwd: ROOT });
  const dir = dev ? 'debug' : 'wasm-release';
  const target = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
  return { file: join(target, 'wasm32-unknown-unknown', dir, `${CRATE}.wasm`), ms };
}

function wasmOpt(file) {
  if (dev) return 0;
  const bin = join(WASM_DIR, 'node_modules', '.bin', 'wasm-opt');
  if (!existsSync(bin)) throw new Error('npm binaryen is missing: run `npm ci` in wasm/ first');
  // The features Rust enables by default for wasm32-unknown-unknown and wasm-bindgen relies on.
  // --converge repeats -Oz while it still shrinks the module (~0.3 KB gzipped).
  return run(bin, [
    '-Oz', '--converge', '--strip-debug', '--strip-producers', '--enable-bulk-memory', '--enable-reference-types', '--enable-nontrapping-float-to-int',
    '--enable-sign-ext', '--enable-mutable-globals', '--enable-multivalue',
    file, '-o', file,
  ]);
}

/** Runs wasm-bindgen for one JS target into dist/<dir> and optimises the .wasm. */
function bind(bindgen, wasm, target, dir) {
  const out = join(DIST, dir);
  rmSync(out, { recursive: true, force: true });
  run(bindgen, [wasm, '--target', target, '--out-dir', out, '--out-name', CRATE]);
  const bg = join(out, `${CRATE}_bg.wasm`);
  wasmOpt(bg);
  // The package is "type": "module"; the nodejs target is CommonJS, the web target ESM.
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: target === 'nodejs' ? 'commonjs' : 'module' }) + '\n');
  return bg;
}

/** dist/inline: the web build with its .wasm embedded, initialised on import (no fetch). */
function writeInline(webWasm) {
  const out = join(DIST, 'inline');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const base64 = readFileSync(webWasm).toString('base64');
  writeFileSync(
    join(out, 'wasm-base64.js'),
    '// Generated by wasm/scripts/build.mjs: dist/web/certbind_wasm_bg.wasm as base64.\n' +
      `export const WASM_BASE64 = ${JSON.stringify(base64)};\n`,
  );
  writeFileSync(
    join(out, 'certbind.js'),
    `// Generated by wasm/scripts/build.mjs. The web build, initialised synchronously on import
// from an embedded copy of the .wasm, so it needs no fetch: it works under a
// Content-Security-Policy with connect-src 'none' (script-src must allow 'wasm-unsafe-eval'),
// from file:// once bundled into a page, and in Node.
import { initSync } from '../web/${CRATE}.js';
import { WASM_BASE64 } from './wasm-base64.js';

function decodeBase64(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

initSync({ module: decodeBase64(WASM_BASE64) });

export * from '../web/${CRATE}.js';
`,
  );
  writeFileSync(
    join(out, 'certbind.d.ts'),
    `// The web build's API, already initialised.\nexport * from '../web/${CRATE}.js';\n`,
  );
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }) + '\n');
}

function main() {
  const started = Date.now();
  const bindgen = ensureWasmBindgen();
  const report = { profile: dev ? 'dev' : 'wasm-release', wasmOpt: dev ? null : '-Oz --converge (npm binaryen 132)', variants: {} };
  if (!sizeOnly) mkdirSync(DIST, { recursive: true });
  for (const variant of VARIANTS) {
    const built = cargoBuild(variant);
    const entry = { features: variant.features, cargoMs: built.ms };
    if (variant.ship.length && !sizeOnly) {
      const [nodeDir, webDir] = variant.ship;
      bind(bindgen, built.file, 'nodejs', nodeDir);
      const webWasm = bind(bindgen, built.file, 'web', webDir);
      if (variant.inline) writeInline(webWasm);
      entry.file = `dist/${webDir}/${CRATE}_bg.wasm`;
      Object.assign(entry, measure(webWasm));
    } else {
      // Measure only: bind and optimise in a scratch folder.
      const scratch = join(ROOT, 'target', 'certbind-wasm-size', variant.name);
      rmSync(scratch, { recursive: true, force: true });
      run(bindgen, [built.file, '--target', 'web', '--out-dir', scratch, '--out-name', CRATE]);
      const wasm = join(scratch, `${CRATE}_bg.wasm`);
      wasmOpt(wasm);
      Object.assign(entry, measure(wasm));
    }
    report.variants[variant.name] = entry;
  }
  report.totalMs = Date.now() - started;
  const rows = Object.entries(report.variants).map(([name, v]) => ({ name, ...v }));
  console.log(`certbind wasm sizes in bytes (${report.profile}${dev ? '' : ', wasm-opt -Oz'}):\n${sizeTable(rows)}`);
  const reportFile = sizeOnly ? join(ROOT, 'target', 'certbind-wasm-size', 'size-report.json') : join(DIST, 'size-report.json');
  mkdirSync(dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
  console.log(`size report: ${reportFile}`);
}

try {
  main();
} catch (e) {
  console.error(`build failed: ${e.message}`);
  process.exit(1);
}
