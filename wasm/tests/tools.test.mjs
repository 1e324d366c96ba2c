// How `npm run build` finds or installs the wasm-bindgen CLI (scripts/wasm-bindgen.mjs). The real
// install (`cargo install`, ~1 min) runs on every fresh CI machine through `npm run build`; here
// the decisions around it are checked with stand-in executables in a scratch folder: which
// candidates are tried, that a wrong version is never used, and the exact install command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { ROOT, ensureWasmBindgen, findWasmBindgen, installCommand, pinnedVersion } from '../scripts/wasm-bindgen.mjs';

const VERSION = pinnedVersion();

/** An executable shell script at `dir/name`. */
function script(dir, name, body) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function scratch(t) {
  const dir = mkdtempSync(join(tmpdir(), 'certbind-tools-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** PATH with `dir` first and the system folders (sh, sed) after, but no real wasm-bindgen. */
const pathWith = (dir) => [dir, '/usr/bin', '/bin'].join(delimiter);

test('the pinned version is the crate pin of the root Cargo.toml', () => {
  const pin = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8').match(/^wasm-bindgen = \{ version = "=([^"]+)"/m)?.[1];
  assert.equal(VERSION, pin);
  assert.match(VERSION, /^\d+\.\d+\.\d+$/);
});

test('a wasm-bindgen of another version on PATH is not used; the tools folder is tried last', (t) => {
  const dir = scratch(t);
  const bin = join(dir, 'path');
  script(bin, 'wasm-bindgen', 'echo "wasm-bindgen 0.2.100"');
  const tools = join(dir, 'tools');
  const r = findWasmBindgen(VERSION, { env: { PATH: pathWith(bin) }, tools });
  assert.equal(r.found, null);
  assert.deepEqual(r.tried, ['wasm-bindgen', join(tools, 'bin', 'wasm-bindgen')]);
  // The pinned version in the tools folder is found.
  const pinned = script(join(tools, 'bin'), 'wasm-bindgen', `echo "wasm-bindgen ${VERSION}"`);
  assert.equal(findWasmBindgen(VERSION, { env: { PATH: pathWith(bin) }, tools }).found, pinned);
  // $WASM_BINDGEN comes first.
  const chosen = script(join(dir, 'chosen'), 'wb', `echo "wasm-bindgen ${VERSION}"`);
  assert.equal(findWasmBindgen(VERSION, { env: { PATH: pathWith(bin), WASM_BINDGEN: chosen }, tools }).found, chosen);
});

test('the install command: the pinned version, a debug build, into the tools folder, not --locked', () => {
  const [cmd, argv] = installCommand(VERSION, '/x/tools');
  assert.equal(cmd, 'cargo');
  assert.deepEqual(argv, ['install', 'wasm-bindgen-cli', '--version', VERSION, '--debug', '--root', '/x/tools']);
});

test('when it is missing, it is installed with that command (progress on stderr) and then used', (t) => {
  const dir = scratch(t);
  const tools = join(dir, 'tools');
  // A stand-in for cargo that records its arguments and "installs" the CLI where --root says.
  const log = join(dir, 'cargo-args');
  const bin = join(dir, 'path');
  script(bin, 'cargo', [
    `echo "$@" > '${log}'`,
    'root=$(echo "$@" | sed -n "s/.*--root \\([^ ]*\\).*/\\1/p")',
    'mkdir -p "$root/bin"',
    `printf '#!/bin/sh\\necho "wasm-bindgen ${VERSION}"\\n' > "$root/bin/wasm-bindgen"`,
    'chmod +x "$root/bin/wasm-bindgen"',
  ].join('\n'));
  const messages = [];
  const found = ensureWasmBindgen({ env: { PATH: pathWith(bin), CERTBIND_TOOLS: tools }, log: (m) => messages.push(m) });
  assert.equal(found, join(tools, 'bin', 'wasm-bindgen'));
  assert.equal(readFileSync(log, 'utf8').trim(), `install wasm-bindgen-cli --version ${VERSION} --debug --root ${tools}`);
  assert.match(messages.join('\n'), new RegExp(`wasm-bindgen ${VERSION.replaceAll('.', '\\.')} not found`));
  assert.match(messages.join('\n'), /Installing it into .*tools/);
  assert.match(messages.at(-1), /installed in \d+ s/);
});

test('an install that fails is an error that names the command', (t) => {
  const dir = scratch(t);
  const bin = join(dir, 'path');
  script(bin, 'cargo', 'echo "error: could not find wasm-bindgen-cli in registry" >&2; exit 101');
  assert.throws(
    () => ensureWasmBindgen({ env: { PATH: pathWith(bin), CERTBIND_TOOLS: join(dir, 'tools') }, log: () => {} }),
    /cargo install wasm-bindgen-cli .* exited with 101/,
  );
});
