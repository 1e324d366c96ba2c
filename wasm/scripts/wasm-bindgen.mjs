#!/usr/bin/env node
// The wasm-bindgen CLI the package build needs: exactly the version of the wasm-bindgen crate in
// Cargo.lock (the CLI refuses a module made by another version). Found in $WASM_BINDGEN, on PATH
// or in <repo>/tools/bin; when none of them is that version, installed into <repo>/tools with
// `cargo install` (one to a few minutes, once per checkout), so that `npm ci && npm run
// build` is the whole build from source.
//
// `node scripts/wasm-bindgen.mjs` prints the CLI's path, installing it when missing.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The wasm-bindgen crate version in Cargo.lock (pinned with `=` in the root Cargo.toml). */
export function pinnedVersion(lockfile = join(ROOT, 'Cargo.lock')) {
  const lock = readFileSync(lockfile, 'utf8');
  const version = lock.match(/\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/)?.[1];
  if (!version) throw new Error(`${lockfile}: no wasm-bindgen package`);
  return version;
}

/** The folder `cargo install --root` puts the CLI in (its binaries go to <tools>/bin). */
export function toolsDir(env = process.env) {
  return env.CERTBIND_TOOLS ? resolve(env.CERTBIND_TOOLS) : join(ROOT, 'tools');
}

/** The candidates, in order, and the first whose `--version` is `wasm-bindgen <version>`. */
export function findWasmBindgen(version, { env = process.env, tools = toolsDir(env) } = {}) {
  const tried = [env.WASM_BINDGEN, 'wasm-bindgen', join(tools, 'bin', 'wasm-bindgen')].filter(Boolean);
  for (const candidate of tried) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8', env });
    if (r.status === 0 && r.stdout.trim() === `wasm-bindgen ${version}`) return { found: candidate, tried };
  }
  return { found: null, tried };
}

/**
 * The install command. Not `--locked`: the CLI's own lockfile pins a webpki-roots version some
 * registries do not serve. `--debug`: the CLI builds in about a minute instead of seven, and its
 * output is byte-for-byte the same (binding the module takes under a second either way).
 */
export function installCommand(version, tools) {
  return ['cargo', ['install', 'wasm-bindgen-cli', '--version', version, '--debug', '--root', tools]];
}

/** The CLI's path; installs it first when no candidate is the pinned version. */
export function ensureWasmBindgen({ env = process.env, log = console.error } = {}) {
  const version = pinnedVersion();
  const tools = toolsDir(env);
  const { found, tried } = findWasmBindgen(version, { env, tools });
  if (found) return found;
  const [cmd, argv] = installCommand(version, tools);
  log(`wasm-bindgen ${version} not found (tried ${tried.join(', ')}).`);
  log(`Installing it into ${tools} (once; a few minutes, cargo builds it from source): ${cmd} ${argv.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.status}`);
  const installed = join(tools, 'bin', 'wasm-bindgen');
  const check = findWasmBindgen(version, { env: { ...env, WASM_BINDGEN: installed }, tools });
  if (check.found !== installed) throw new Error(`${installed} is not wasm-bindgen ${version} after the install`);
  log(`wasm-bindgen ${version} installed in ${((Date.now() - started) / 1000).toFixed(0)} s: ${installed} (the build finds it there; no PATH change needed)`);
  return installed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureWasmBindgen());
  } catch (e) {
    console.error(`wasm-bindgen: ${e.message}`);
    process.exit(1);
  }
}
