// verifyChain on every signature algorithm family, in WebAssembly: chains made here by the
// openssl CLI and checked with `openssl verify`, then verified by each full build. In the .wasm
// the RSA arithmetic (crypto-bigint) runs on 32-bit limbs, which the native Rust tests do not
// exercise; a tampered leaf signature must be refused.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fixture, loadBuilds } from './builds.mjs';

const builds = (await loadBuilds()).filter((b) => b.full);

/** `[genpkey options, x509 signing options]` per case. */
const CASES = {
  'RSA-2048 PKCS#1 SHA-256': [['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], ['-sha256']],
  // 2049 bits: the PSS encoded message is one octet shorter than the signature.
  'RSA-2049 PSS SHA-256': [
    ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2049'],
    ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'],
  ],
  'RSA-3072 e=3 PKCS#1 SHA-384': [
    ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-pkeyopt', 'rsa_keygen_pubexp:3'],
    ['-sha384'],
  ],
  'RSA-4096 PSS SHA-512': [
    ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
    ['-sha512', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'],
  ],
  'ECDSA P-256 SHA-256': [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['-sha256']],
  'ECDSA P-384 SHA-384': [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], ['-sha384']],
  'ECDSA P-521 SHA-512': [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], ['-sha512']],
  Ed25519: [['-algorithm', 'ED25519'], []],
};

let dir;
const chains = {};

function openssl(args) {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** root (the algorithm under test, self-signed CA) → leaf (P-256, signed by the root). */
function makeChain(id, [keyOptions, signOptions]) {
  openssl(['genpkey', ...keyOptions, '-out', `${id}-root.key`]);
  openssl([
    'req', '-x509', '-new', '-key', `${id}-root.key`, '-subj', `/CN=${id} root`, '-days', '30',
    ...signOptions,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign',
    '-out', `${id}-root.pem`,
  ]);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${id}-leaf.key`]);
  openssl(['req', '-new', '-key', `${id}-leaf.key`, '-subj', `/CN=${id} leaf`, '-out', `${id}-leaf.csr`]);
  writeFileSync(
    join(dir, `${id}-leaf.ext`),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
  );
  openssl([
    'x509', '-req', '-in', `${id}-leaf.csr`, '-CA', `${id}-root.pem`, '-CAkey', `${id}-root.key`,
    '-set_serial', '7', '-days', '30', ...signOptions, '-extfile', `${id}-leaf.ext`,
    '-outform', 'DER', '-out', `${id}-leaf.der`,
  ]);
  // The independent check: openssl accepts the chain for client use.
  openssl(['x509', '-inform', 'DER', '-in', `${id}-leaf.der`, '-out', `${id}-leaf.pem`]);
  openssl(['verify', '-purpose', 'sslclient', '-CAfile', `${id}-root.pem`, `${id}-leaf.pem`]);
  return {
    root: readFileSync(join(dir, `${id}-root.pem`)),
    leaf: new Uint8Array(readFileSync(join(dir, `${id}-leaf.der`))),
  };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'certbind-wasm-chain-'));
  Object.entries(CASES).forEach(([name, spec], i) => {
    chains[name] = makeChain(`c${i}`, spec);
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

for (const { name, api } of builds) {
  describe(`verifyChain on every algorithm: ${name} build`, () => {
    for (const algorithm of Object.keys(CASES)) {
      test(`${algorithm}: openssl's chain verifies; a flipped signature bit does not`, () => {
        const { root, leaf } = chains[algorithm];
        const now = new Date();
        const ok = api.verifyChain(leaf, { anchors: root, now });
        assert.equal(ok.valid, true, JSON.stringify(ok));
        const tampered = leaf.slice();
        tampered[tampered.length - 1] ^= 0x01;
        const bad = api.verifyChain(tampered, { anchors: root, now });
        assert.equal(bad.valid, false);
        assert.equal(bad.error.code, 'bad_signature', JSON.stringify(bad));
      });
    }
  });
}

for (const { name, api } of builds) {
  test(`a chain dated before 1970: webpki's refusal in words (${name} build)`, () => {
    // time.utc-1950.ee.pem: notBefore UTCTime 500101000000Z, issued by the fixtures' intermediate.
    const report = api.verifyChain(fixture('time.utc-1950.ee.pem'), {
      anchors: fixture('basic.root.ca.pem'),
      intermediates: fixture('basic.intermediate.ca.pem'),
      now: '2030-01-01T00:00:00Z',
    });
    assert.equal(report.valid, false);
    assert.deepEqual(report.error, {
      code: 'dated_before_1970',
      subject: 'CN=certclient-1950,OU=Clients,O=certbind Tests\\, Inc.,C=US',
      time: '1950-01-01T00:00:00Z',
    });
    assert.match(report.reason, /is dated 1950-01-01T00:00:00Z, before 1970: rustls-webpki, which validates chains, cannot represent times before 1970/);
  });
}
