// `npm pack` yields a tarball that installs into an empty folder offline and works there: ESM
// import and CommonJS require in Node (the "node" export), the lite and inline exports, and the
// `certbind` bin through npx.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FIXTURES, VECTORS, WASM_DIR } from './builds.mjs';

const CLIENT = VECTORS.inputs.find((i) => i.file === 'basic.client.ee.pem').certificates[0];
let dir;
let tarball;
let files;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'certbind-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: WASM_DIR, encoding: 'utf8' });
  const [info] = JSON.parse(out);
  tarball = join(dir, info.filename);
  files = info.files.map((f) => f.path);
  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // --offline: the package has no dependencies, so nothing may come from a registry.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
    cwd: app,
    env: { ...process.env, npm_config_cache: join(dir, 'cache') },
  });
  cpSync(join(FIXTURES, 'basic.client.ee.pem'), join(app, 'client.pem'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const app = () => join(dir, 'app');
const node = (code, type = 'module') =>
  execFileSync(process.execPath, [type === 'module' ? '--input-type=module' : '--input-type=commonjs', '-e', code], { cwd: app(), encoding: 'utf8' });

test('the tarball holds the builds, the bin and the README, and no sources or tests', () => {
  for (const f of ['package.json', 'README.md', 'bin/certbind.mjs', 'dist/node/certbind_wasm.js', 'dist/node/certbind_wasm_bg.wasm', 'dist/web/certbind_wasm.js', 'dist/web/certbind_wasm.d.ts', 'dist/lite-node/certbind_wasm.js', 'dist/lite-web/certbind_wasm_bg.wasm', 'dist/inline/certbind.js', 'api/index.mjs', 'api/index.d.ts']) {
    assert.ok(files.includes(f), `${f} in the tarball`);
  }
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('tests/') || f.startsWith('scripts/') || f === 'Cargo.toml'), files.join(' '));
  assert.deepEqual(readdirSync(join(app(), 'node_modules')).filter((d) => !d.startsWith('.')), ['certbind']);
});

test('import and require work in the empty folder', () => {
  const esm = node("import { thumbprints } from 'certbind'; import { readFileSync } from 'node:fs'; console.log(thumbprints(readFileSync('client.pem'))[0].sha1)");
  assert.equal(esm.trim(), CLIENT.sha1);
  const cjs = node("const { thumbprints } = require('certbind'); console.log(thumbprints(require('fs').readFileSync('client.pem', 'utf8'))[0]['x5t#S256'])", 'commonjs');
  assert.equal(cjs.trim(), CLIENT['x5t#S256']);
  const lite = node("import { normalizeThumbprint } from 'certbind/lite'; console.log(normalizeThumbprint('\\u200E' + process.argv.at(-1)).value)".replace('process.argv.at(-1)', JSON.stringify(CLIENT.sha1.toLowerCase())));
  assert.equal(lite.trim(), CLIENT.sha1);
  const inline = node("import { thumbprints } from 'certbind/inline'; import { readFileSync } from 'node:fs'; console.log(thumbprints(readFileSync('client.pem'))[0].sha256)");
  assert.equal(inline.trim(), CLIENT.sha256);
});

test('npx certbind runs offline', () => {
  const out = execFileSync('npx', ['--offline', 'certbind', 'thumbprint', '--format', 'idserver', 'client.pem'], {
    cwd: app(),
    encoding: 'utf8',
    env: { ...process.env, npm_config_cache: join(dir, 'cache') },
  });
  assert.equal(out, `${CLIENT.sha1}\n`);
});

test('certbind/api says it needs jose, and loads once jose is installed (an optional peer dependency)', () => {
  const load = "import('certbind/api').then((m) => console.log(typeof m.createVerifier), (e) => console.log(e.message))";
  assert.match(node(load), /certbind\/api needs the 'jose' package/);
  cpSync(join(WASM_DIR, 'node_modules', 'jose'), join(app(), 'node_modules', 'jose'), { recursive: true });
  assert.equal(node(load).trim(), 'function');
});
