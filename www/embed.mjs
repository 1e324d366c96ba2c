#!/usr/bin/env node
// The checker page compiled into the `certbind` binary (host-actix/assets/checker-page/), so
// that `cargo run -p certbind-host -- serve` on a fresh clone serves it with nothing but Rust:
//   certbind-checker.html.gz  www/dist/certbind-checker.html, gzipped (what browsers are sent)
//   csp.txt                   www/dist/csp.txt (the page's policy, also sent as a header)
//   built-with.json           the page's SHA-256 and size, and the tools that made its bytes
//
//   node embed.mjs           copy www/dist (made by `npm run build`) into that folder
//   node embed.mjs --check   fail when that folder differs from www/dist (CI: www/ci.sh, after
//                            building the page from wasm/ and www/ sources)
//
// The page is reproducible: the same sources and tools give the same bytes in any checkout
// folder and target folder (wasm/scripts/build.mjs remaps source paths), so CI compares bytes.
// The gzip file is compared by its content, so a different zlib never makes it "stale"; it is
// rewritten only when the page changed.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const WWW = dirname(fileURLToPath(import.meta.url));
const ROOT = join(WWW, '..');
const BUILT = { page: join(WWW, 'dist', 'certbind-checker.html'), csp: join(WWW, 'dist', 'csp.txt') };
const ASSETS = join(ROOT, 'host-actix', 'assets', 'checker-page');
const EMBEDDED = {
  gzip: join(ASSETS, 'certbind-checker.html.gz'),
  csp: join(ASSETS, 'csp.txt'),
  builtWith: join(ASSETS, 'built-with.json'),
};
const UPDATE = '(cd wasm && npm run build) && (cd www && npm run build && npm run embed)';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const rel = (path) => relative(ROOT, path);
const readIf = (path) => (existsSync(path) ? readFileSync(path) : null);
const packageVersion = (dir, name) => JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;

/** The tools whose versions decide the page's bytes. */
function toolchain() {
  const lock = readFileSync(join(ROOT, 'Cargo.lock'), 'utf8');
  return {
    rustc: execFileSync('rustc', ['-V'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    'wasm-bindgen': lock.match(/\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/)?.[1] ?? null,
    binaryen: packageVersion(join(ROOT, 'wasm'), 'binaryen'),
    esbuild: packageVersion(WWW, 'esbuild'),
  };
}

/** Where two byte strings first differ, with a little text around it. */
function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  const around = (bytes) => JSON.stringify(bytes.subarray(Math.max(0, i - 40), i + 40).toString('latin1'));
  return `first difference at byte ${i}:\n    built:     ${around(a)}\n    committed: ${around(b)}`;
}

function readBuilt() {
  const page = readIf(BUILT.page);
  const csp = readIf(BUILT.csp);
  if (page === null || csp === null) throw new Error(`${rel(BUILT.page)} is missing: run \`npm run build\` in www/ first`);
  return { page, csp };
}

function readEmbedded() {
  const gzip = readIf(EMBEDDED.gzip);
  let page = null;
  if (gzip !== null) {
    try {
      page = gunzipSync(gzip);
    } catch (e) {
      throw new Error(`${rel(EMBEDDED.gzip)}: not gzip (${e.message})`);
    }
  }
  const builtWith = readIf(EMBEDDED.builtWith);
  return { page, csp: readIf(EMBEDDED.csp), builtWith: builtWith && JSON.parse(builtWith.toString('utf8')) };
}

function check() {
  const built = readBuilt();
  const embedded = readEmbedded();
  const problems = [];
  if (embedded.page === null) problems.push(`${rel(EMBEDDED.gzip)} is missing`);
  else if (!built.page.equals(embedded.page)) {
    problems.push(
      `the page differs: built ${built.page.length} bytes (SHA-256 ${sha256(built.page)}), ` +
        `committed ${embedded.page.length} bytes (SHA-256 ${sha256(embedded.page)}); ${firstDifference(built.page, embedded.page)}`,
    );
  }
  if (embedded.csp === null || !built.csp.equals(embedded.csp)) problems.push(`${rel(EMBEDDED.csp)} differs from ${rel(BUILT.csp)}`);
  if (embedded.page !== null && embedded.builtWith?.page_sha256 !== sha256(embedded.page)) {
    problems.push(`${rel(EMBEDDED.builtWith)} does not describe the committed page`);
  }
  if (problems.length === 0) {
    console.log(`www: the page compiled into certbind (${rel(ASSETS)}/) is the page built from wasm/ and www/ (SHA-256 ${sha256(built.page)})`);
    return 0;
  }
  const now = toolchain();
  const then = embedded.builtWith?.toolchain ?? {};
  const toolLines = Object.entries(now)
    .filter(([tool, version]) => then[tool] !== version)
    .map(([tool, version]) => `  ${tool}: committed page built with ${then[tool] ?? '(unknown)'}; this build used ${version}`);
  console.error(
    [
      `www: the checker page compiled into certbind is STALE: ${rel(ASSETS)}/ is not what wasm/ and www/ build now.`,
      ...problems.map((p) => `  - ${p}`),
      ...(toolLines.length
        ? ['The page\'s bytes depend on these tools, which differ from the ones that built the committed copy:', ...toolLines]
        : []),
      `Update it with \`${UPDATE}\` and commit ${rel(ASSETS)}/.`,
    ].join('\n'),
  );
  return 1;
}

function update() {
  const built = readBuilt();
  const embedded = readEmbedded();
  mkdirSync(ASSETS, { recursive: true });
  const changed = embedded.page === null || !built.page.equals(embedded.page);
  if (changed) writeFileSync(EMBEDDED.gzip, gzipSync(built.page, { level: 9 }));
  if (embedded.csp === null || !built.csp.equals(embedded.csp)) writeFileSync(EMBEDDED.csp, built.csp);
  const builtWith = { page_sha256: sha256(built.page), page_bytes: built.page.length, toolchain: toolchain() };
  if (changed || embedded.builtWith?.page_sha256 !== builtWith.page_sha256) {
    writeFileSync(EMBEDDED.builtWith, `${JSON.stringify(builtWith, null, 2)}\n`);
  }
  const gz = readFileSync(EMBEDDED.gzip).length;
  console.log(
    changed
      ? `www: ${rel(ASSETS)}/ updated: the page is ${built.page.length} bytes, ${gz} gzipped; rebuild certbind and commit the folder`
      : `www: ${rel(ASSETS)}/ already holds this page (${built.page.length} bytes, ${gz} gzipped)`,
  );
  return 0;
}

/** Whether the committed copy is the page in www/dist (for build.mjs's hint). */
export function embeddedIsCurrent() {
  const built = readBuilt();
  const embedded = readEmbedded();
  return embedded.page !== null && built.page.equals(embedded.page) && embedded.csp !== null && built.csp.equals(embedded.csp);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = process.argv.includes('--check') ? check() : update();
  } catch (e) {
    console.error(`www embed: ${e.message}`);
    process.exitCode = 2;
  }
}
