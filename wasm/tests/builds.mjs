// The builds one test suite runs against. CERTBIND_BUILD selects them (comma-separated):
//   node       dist/node       (wasm-bindgen --target nodejs, what `import "certbind"` gives in Node)
//   web        dist/web        (--target web, initialised with init({ module_or_path: bytes }))
//   inline     dist/inline     (the web build with the wasm embedded; what the checker page uses)
//   lite-node  dist/lite-node  (no PKCS#12, chain or TOML: inspection, thumbprints, compare)
//   lite-web   dist/lite-web
// Default: all five.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const WASM_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(WASM_DIR, '..');
export const DIST = join(WASM_DIR, 'dist');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');

const ALL = ['node', 'web', 'inline', 'lite-node', 'lite-web'];

export const BUILD_NAMES = (process.env.CERTBIND_BUILD ?? ALL.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

for (const name of BUILD_NAMES) {
  if (!ALL.includes(name)) throw new Error(`CERTBIND_BUILD: unknown build ${name} (known: ${ALL.join(', ')})`);
}

/** Loads one build; `full` says whether it has PKCS#12, chain validation and TOML. */
export async function loadBuild(name) {
  const full = !name.startsWith('lite');
  const dir = join(DIST, name);
  if (name === 'inline') {
    return { name, full, api: await import(pathToFileURL(join(dir, 'certbind.js')).href) };
  }
  const module = await import(pathToFileURL(join(dir, 'certbind_wasm.js')).href);
  if (name.endsWith('web')) {
    await module.default({ module_or_path: readFileSync(join(dir, 'certbind_wasm_bg.wasm')) });
    return { name, full, api: module };
  }
  // The nodejs target is CommonJS: the namespace's named exports are the API.
  return { name, full, api: module };
}

/** Every selected build, loaded. */
export async function loadBuilds() {
  return Promise.all(BUILD_NAMES.map(loadBuild));
}

/** tests/fixtures/vectors.json, shared with the Rust tests and the checker page. */
export const VECTORS = JSON.parse(readFileSync(join(FIXTURES, 'vectors.json'), 'utf8'));

export function fixture(file) {
  return readFileSync(join(FIXTURES, file));
}

/** The password a vector input is decoded with (absent = none). */
export function passwordOf(input) {
  return input.password;
}

/** Runs `fn` expecting a thrown certbind error; returns it. */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}
