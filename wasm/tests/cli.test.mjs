// `npx certbind` end to end: the bin script run as a child process on the fixtures. Expected
// values come from vectors.json (openssl) and from the openssl CLI itself; when the Rust
// `certbind` binary is built (target/debug or target/release, or $CERTBIND_RUST_CLI), the two
// CLIs are run with the same arguments and must print the same bytes and exit with the same code.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FIXTURES, ROOT, VECTORS, WASM_DIR, fixture, loadBuild } from './builds.mjs';

const BIN = join(WASM_DIR, 'bin', 'certbind.mjs');
const vector = (file) => VECTORS.inputs.find((i) => i.file === file && !i.error);
const CLIENT = vector('basic.client.ee.pem').certificates[0];

/** Runs `npx certbind ARGS` (the bin script) in the fixtures folder. */
function cli(args, { input, env } = {}) {
  const childEnv = { ...process.env, ...env };
  if (!env?.CERTBIND_PASSWORD) delete childEnv.CERTBIND_PASSWORD;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: FIXTURES, input, encoding: 'utf8', env: childEnv });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx certbind', () => {
  test('thumbprint --json: one object per certificate with the four forms, as openssl computes them', () => {
    const r = cli(['thumbprint', '--json', 'basic.chain.pem']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    const want = vector('basic.chain.pem').certificates;
    assert.equal(rows.length, want.length);
    rows.forEach((row, i) => {
      assert.equal(row.file, 'basic.chain.pem');
      assert.equal(row.index, i);
      for (const key of ['sha1', 'sha256', 'x5t', 'x5t#S256']) assert.equal(row[key], want[i][key]);
      assert.equal(row.has_private_key, false);
    });
  });

  test('thumbprint --format openssl prints exactly what openssl x509 -fingerprint prints', () => {
    const r = cli(['thumbprint', '--format', 'openssl', 'basic.client.ee.der']);
    assert.equal(r.code, 0, r.stderr);
    const sha1 = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(FIXTURES, 'basic.client.ee.der'), '-noout', '-fingerprint', '-sha1'], { encoding: 'utf8' });
    const sha256 = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(FIXTURES, 'basic.client.ee.der'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
    assert.equal(r.stdout, sha1.replace('sha1 Fingerprint', 'SHA1 Fingerprint') + sha256.replace('sha256 Fingerprint', 'SHA256 Fingerprint'));
  });

  test('thumbprint --format idserver and x5t, several files, standard input', () => {
    let r = cli(['thumbprint', '--format', 'idserver', 'basic.client.ee.pem']);
    assert.equal(r.stdout, `${CLIENT.sha1}\n`);
    r = cli(['thumbprint', '--format', 'x5t', 'basic.client.ee.pem', 'basic.root.ca.der']);
    assert.equal(r.stdout, `basic.client.ee.pem: ${CLIENT['x5t#S256']}\nbasic.root.ca.der: ${vector('basic.root.ca.der').certificates[0]['x5t#S256']}\n`);
    r = cli(['thumbprint', '--format', 'idserver', '-'], { input: execFileSync('cat', [join(FIXTURES, 'basic.client.ee.pem')]) });
    assert.equal(r.stdout, `${CLIENT.sha1}\n`);
  });

  test('a PKCS#12 needs its password, from --password or CERTBIND_PASSWORD', () => {
    const p12 = vector('client.modern.p12');
    let r = cli(['thumbprint', 'client.modern.p12']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^certbind: client\.modern\.p12: PKCS#12: .*password/);
    r = cli(['thumbprint', '--json', '--password', p12.password, 'client.modern.p12']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    assert.deepEqual(rows.map((x) => x.sha1), p12.certificates.map((c) => c.sha1));
    assert.deepEqual(rows.map((x) => x.has_private_key), p12.certificates.map((_, i) => i === p12.key_certificate));
    r = cli(['thumbprint', '--format', 'idserver', 'client.modern.p12'], { env: { CERTBIND_PASSWORD: p12.password } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], p12.certificates[0].sha1);
  });

  test('inspect --json has the documented snake_case keys and the thumbprints', () => {
    const r = cli(['inspect', '--json', 'basic.client.ee.pem']);
    assert.equal(r.code, 0, r.stderr);
    const [row] = JSON.parse(r.stdout);
    for (const key of ['file', 'subject', 'issuer', 'serial', 'not_before', 'not_after', 'san', 'key_algorithm', 'sha1', 'sha256', 'x5t', 'x5t#S256']) {
      assert.ok(key in row, `key ${key}`);
    }
    assert.equal(row.subject, CLIENT.subject);
    const serial = execFileSync('openssl', ['x509', '-in', join(FIXTURES, 'basic.client.ee.pem'), '-noout', '-serial'], { encoding: 'utf8' }).trim().replace('serial=', '');
    assert.equal(row.serial, serial);
  });

  test('inspect prints a readable view', () => {
    const r = cli(['inspect', 'basic.client.ee.pem']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^basic\.client\.ee\.pem #1\n  Subject {14}CN=certclient/);
    assert.ok(r.stdout.includes(`  SHA-1 (IdentityServer) ${CLIENT.sha1}\n`));
  });

  test('normalize: the cleaned value on stdout, what was removed on stderr; --json details', () => {
    const pasted = `\u200E${CLIENT.sha1.match(/../g).join(':').toLowerCase()}`;
    let r = cli(['normalize', pasted]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${CLIENT.sha1}\n`);
    assert.match(r.stderr, /removed invisible U\+200E LEFT-TO-RIGHT MARK at position 0/);
    r = cli(['normalize', '--json'], { input: `${pasted}\n` });
    const n = JSON.parse(r.stdout);
    assert.equal(n.value, CLIENT.sha1);
    assert.equal(n.form, 'sha1');
    assert.equal(n.changes[0].code_point, 'U+200E');
  });

  test('errors: exit code 2 and a one-line message; --json prints {error: {code, message}}', () => {
    let r = cli(['normalize', 'not a thumbprint']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^certbind: .+\n$/);
    r = cli(['normalize', '--json', `${CLIENT.sha1.slice(0, 12)}O${CLIENT.sha1.slice(13)}`]);
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).error.code, 'ThumbprintInvalidCharacter');
    r = cli(['thumbprint', 'no-such-file.pem']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'certbind: no-such-file.pem: No such file or directory (os error 2)\n');
    r = cli(['thumbprint', '--json', 'bad.garbage.bin']);
    assert.equal(r.code, 2);
    assert.match(JSON.parse(r.stdout).error.message, /^bad\.garbage\.bin: /);
    assert.equal(cli(['frobnicate']).code, 2);
    assert.equal(cli(['thumbprint', '--bogus', 'x']).code, 2);
    assert.equal(cli(['thumbprint']).code, 2);
  });

  test('explain: exit 0 when accepted, 1 when rejected, with a reason per secret', () => {
    const registry = join(FIXTURES, '..', '..', 'target', 'cli-test-registry.toml');
    const toml = `[[clients]]\nclient_id = "certclient"\nscopes = ["read"]\n\n[[clients.secrets]]\ntype = "x509_thumbprint"\nvalue = "${CLIENT.sha1}"\n`;
    execFileSync('sh', ['-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', registry], { input: toml });
    let r = cli(['explain', '--config', registry, '--at', '2030-01-01T00:00:00Z', 'basic.client.ee.pem']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(r.stdout.includes('client "certclient" (self_signed_tls_client_auth): ACCEPTED by secret #1 (x509_thumbprint)\n'), r.stdout);
    r = cli(['explain', '--json', '--config', registry, '--client', 'certclient', '--at', '2030-01-01T00:00:00Z', 'basic.root.ca.pem']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.accepted, false);
    assert.equal(report.clients[0].secrets[0].reason.code, 'thumbprint_differs');
    r = cli(['explain', '--config', registry, '--client', 'nobody', 'basic.client.ee.pem']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no client has client_id "nobody"/);
  });
});

/** The Rust CLI, when it has been built (in $CARGO_TARGET_DIR when that is set). */
function rustCli() {
  const target = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
  const candidates = [process.env.CERTBIND_RUST_CLI, join(target, 'debug', 'certbind'), join(target, 'release', 'certbind')];
  return candidates.find((c) => c && existsSync(c));
}

const RUST = rustCli();

/** A certbind.toml (with a [server] table, as the server's file has) holding the decision
 *  vectors' registry, its trust anchor next to it; removed after the tests. */
const CONFIG_DIR = mkdtempSync(join(tmpdir(), 'certbind-explain-parity-'));
after(() => rmSync(CONFIG_DIR, { recursive: true, force: true }));
copyFileSync(join(FIXTURES, VECTORS.decisions.anchors[0]), join(CONFIG_DIR, 'ca.pem'));
const CONFIG = join(CONFIG_DIR, 'certbind.toml');
writeFileSync(CONFIG, `trust_anchors = ["ca.pem"]\n\n[server]\nissuer = "https://localhost:8443"\n\n${VECTORS.decisions.registry}`);
/** The `certbind explain` arguments of a decision vector. */
function explainArgs(c, json) {
  const args = ['explain', '--config', CONFIG, '--client', c.client_id, '--at', c.at ?? VECTORS.decisions.at];
  for (const extra of c.chain ?? []) args.push('--chain', extra);
  if (json) args.push('--json');
  args.push(c.certificate);
  return args;
}
const DECISION_CASES = VECTORS.decisions.cases.filter((c) => c.certificate);

describe('npx certbind prints what the Rust certbind prints', { skip: !RUST && 'the Rust certbind binary is not built (cargo build -p certbind-host)' }, () => {
  const cases = [
    ['thumbprint', '--json', 'basic.chain.pem', 'basic.client.ee.der'],
    ['thumbprint', 'basic.chain.pem'],
    ['thumbprint', '--format', 'openssl', 'basic.chain.pem'],
    ['thumbprint', '--format', 'idserver', 'basic.client.ee.pem', 'basic.root.ca.der'],
    ['thumbprint', '--format', 'x5t', 'basic.client.ee.b64'],
    ['thumbprint', '--json', '--password', 'certbind-test', 'client.modern.p12'],
    ['thumbprint', '--password', 'certbind-test', 'client.legacy-rc2.p12'],
    ['thumbprint', 'pem.key-and-cert.pem'],
    ['inspect', '--json', 'basic.chain.pem'],
    ['inspect', '--json', '--password', 'certbind-test', 'client.modern.p12'],
    ['inspect', 'basic.client.ee.pem'],
    // Dated before 1970 and until 9999-12-31; attribute types by OpenSSL's names.
    ['inspect', 'time.utc-1950.ee.pem', 'time.utc-1969.ee.der', 'time.generalized-1900.ee.pem'],
    ['inspect', '--json', 'time.generalized-1969.ee.pem', 'names.eidas.ee.pem'],
    ['thumbprint', 'time.utc-1950.ee.der', 'names.attribute-types.ee.pem'],
    ['normalize', '--json', `\u200E${CLIENT.sha1.match(/../g).join(':').toLowerCase()}`],
    ['normalize', `SHA1 Fingerprint=${CLIENT.sha1.match(/../g).join(':')}`],
    ['normalize', `\u200E\u00A0${CLIENT.sha256.match(/../g).join(' ').toLowerCase()} `],
    ['normalize', `0x${CLIENT.sha1}`],
    ['normalize', `Thumbprint: \u201C${CLIENT.sha1.toLowerCase()}\u201D`],
    ['normalize', `Cert Hash(sha1): ${CLIENT.sha1.match(/../g).join(' ').toLowerCase()}`],
    ['normalize', `${CLIENT['x5t#S256'].replaceAll('-', '+').replaceAll('_', '/')}=`],
    ['normalize', '--json', `${CLIENT.sha1.slice(0, 12)}O${CLIENT.sha1.slice(13)}`],
    ['thumbprint', '--json', 'bad.garbage.bin'],
    ['thumbprint', 'no-such-file.pem'],
    // explain: every decision vector, as data and in words; the index and every-client
    // selections; the PKCS#12 key's certificate; input errors.
    ...DECISION_CASES.flatMap((c) => [explainArgs(c, true), explainArgs(c, false)]),
    ['explain', '--config', CONFIG, '--at', '2030-01-01T00:00:00Z', '--chain', 'basic.intermediate.ca.pem', 'basic.client.ee.pem'],
    ['explain', '--json', '--config', CONFIG, '--at', '2030-01-01T00:00:00Z', 'basic.client.ee.pem'],
    ['explain', '--config', CONFIG, '--at', '2030-01-01T00:00:00Z', 'basic.root.ca.pem'],
    ['explain', '--json', '--config', CONFIG, '--at', '2030-01-01T00:00:00Z', 'basic.root.ca.pem'],
    ['explain', '--json', '--config', CONFIG, '--password', 'certbind-test', '--at', '2030-01-01T00:00:00Z', 'client.modern.p12'],
    ['explain', '--json', '--config', CONFIG, '--client', 'nobody', 'basic.client.ee.pem'],
    ['explain', '--config', CONFIG, '--at', 'yesterday', 'basic.client.ee.pem'],
    ['explain', '--json', '--config', CONFIG, 'bad.garbage.bin'],
    ['explain', '--config', join(CONFIG_DIR, 'missing.toml'), 'basic.client.ee.pem'],
  ];
  for (const args of cases) {
    test(args.join(' '), () => {
      const js = cli(args);
      const env = { ...process.env };
      delete env.CERTBIND_PASSWORD;
      const rust = spawnSync(RUST, args, { cwd: FIXTURES, encoding: 'utf8', env });
      assert.equal(js.stdout, rust.stdout, 'stdout');
      assert.equal(js.code, rust.status, `exit code (stderr js: ${js.stderr} rust: ${rust.stderr})`);
      if (args[0] === 'normalize' || args[0] === 'explain') assert.equal(js.stderr, rust.stderr, 'stderr');
    });
  }

  test('certbind explain --json prints what the package\'s explainJson returns, for every decision vector', async () => {
    const { api } = await loadBuild('node');
    const registry = readFileSync(CONFIG, 'utf8');
    for (const c of DECISION_CASES) {
      const env = { ...process.env };
      delete env.CERTBIND_PASSWORD;
      const rust = spawnSync(RUST, explainArgs(c, true), { cwd: FIXTURES, encoding: 'utf8', env });
      assert.equal(rust.status, c.expected.outcome === 'accepted' ? 0 : 1, `${c.name}: ${rust.stderr}`);
      const json = api.explainJson(registry, fixture(c.certificate), {
        clientId: c.client_id,
        now: c.at ?? VECTORS.decisions.at,
        chain: (c.chain ?? []).map(fixture),
        embedded: true,
        readFile: (path) => readFileSync(join(CONFIG_DIR, path)),
      });
      assert.equal(rust.stdout, `${json}\n`, c.name);
      assert.equal(JSON.parse(json).clients[0].decision.outcome, c.expected.outcome, c.name);
    }
  });
});
