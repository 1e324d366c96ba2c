// The package's API beyond the vectors: argument handling, error objects, normalisation and
// compare(). Expected values come from the vectors (openssl), node:crypto or the openssl CLI,
// never from certbind itself.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FIXTURES, VECTORS, fixture, loadBuilds, thrown } from './builds.mjs';

const builds = await loadBuilds();
const vector = (file) => VECTORS.inputs.find((i) => i.file === file && !i.error);
const CLIENT = vector('basic.client.ee.pem').certificates[0];
const CHAIN = vector('basic.chain.pem').certificates; // client, intermediate, root
const LRM = '\u200E';

/** `AABB…` as OpenSSL prints it: `aa:bb:…` (lowercase here, as some tools do). */
const colons = (hex) => hex.match(/../g).join(':').toLowerCase();

/** `openssl x509 -ext …` value as bare uppercase hex. */
function opensslExtHex(file, ext) {
  const out = execFileSync('openssl', ['x509', '-in', file, '-noout', '-ext', ext], { encoding: 'utf8' });
  return out.split('\n')[1].replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
}

for (const { name, api, full } of builds) {
  describe(`api: ${name} build`, () => {
    describe('arguments', () => {
      test('Uint8Array, Buffer, ArrayBuffer and string inputs give the same answer', () => {
        const bytes = fixture('basic.client.ee.pem');
        const u8 = new Uint8Array(bytes);
        const want = api.thumbprints(u8);
        assert.deepEqual(api.thumbprints(bytes), want);
        assert.deepEqual(api.thumbprints(u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength)), want);
        assert.deepEqual(api.thumbprints(bytes.toString('utf8')), want);
        assert.equal(want[0].sha1, CLIENT.sha1);
      });

      test('a wrong input type is a TypeError with code InvalidArgument', () => {
        for (const bad of [42, null, undefined, {}, [1, 2], true]) {
          const err = thrown(() => api.inspect(bad));
          assert.ok(err instanceof TypeError, `TypeError for ${String(bad)}`);
          assert.equal(err.code, 'InvalidArgument');
          assert.match(err.message, /must be a Uint8Array, an ArrayBuffer or a string/);
        }
      });

      test('a wrong option type is InvalidArgument and names the option', () => {
        const pem = fixture('basic.client.ee.pem');
        let err = thrown(() => api.thumbprints(pem, { password: 5 }));
        assert.equal(err.code, 'InvalidArgument');
        assert.match(err.message, /options\.password must be a string, not number/);
        err = thrown(() => api.thumbprints(pem, 'secret'));
        assert.equal(err.code, 'InvalidArgument');
        assert.match(err.message, /options must be an object/);
        assert.deepEqual(api.thumbprints(pem, null), api.thumbprints(pem));
        assert.deepEqual(api.thumbprints(pem, {}), api.thumbprints(pem));
      });

      test('an input over the limit is refused before it is copied', () => {
        const big = new Uint8Array(4 * 1024 * 1024 + 1);
        let err = thrown(() => api.thumbprints(big));
        assert.equal(err.code, 'InputTooLarge');
        assert.match(err.message, /4194305 bytes/);
        err = thrown(() => api.thumbprints('A'.repeat(4 * 1024 * 1024 + 1)));
        assert.equal(err.code, 'InputTooLarge');
      });

      test('answers are plain values, not promises (synchronous after init)', () => {
        const r = api.thumbprints(fixture('basic.client.ee.der'));
        assert.ok(Array.isArray(r));
        assert.equal(typeof r.then, 'undefined');
      });
    });

    describe('normalizeThumbprint', () => {
      test('a Windows copy (leading U+200E) with colons and lowercase cleans to the SHA-1', () => {
        const pasted = LRM + colons(CLIENT.sha1);
        const n = api.normalizeThumbprint(pasted);
        assert.equal(n.value, CLIENT.sha1);
        assert.equal(n.form, 'sha1');
        assert.equal(n.algorithm, 'sha1');
        const lrm = n.changes.find((c) => c.index === 0);
        assert.deepEqual(
          { char: lrm.char, codePoint: lrm.codePoint, name: lrm.name, kind: lrm.kind },
          { char: LRM, codePoint: 'U+200E', name: 'LEFT-TO-RIGHT MARK', kind: 'invisible' },
        );
        const chars = Array.from(pasted);
        const separators = n.changes.filter((c) => c.kind === 'separator');
        assert.equal(separators.length, 19);
        for (const c of separators) assert.equal(chars[c.index], ':');
        for (const c of n.changes) assert.equal(chars[c.index].toUpperCase(), c.char.toUpperCase(), `index ${c.index}`);
      });

      test('the summary is the Rust CLI\'s: one line per kind, not one per character', () => {
        const n = api.normalizeThumbprint(`${LRM}${CLIENT.sha1.toLowerCase().match(/../g).join(' ')}`);
        assert.equal(n.value, CLIENT.sha1);
        assert.equal(n.changes.length, 1 + 19 + CLIENT.sha1.replace(/[^A-F]/g, '').length);
        assert.deepEqual(n.summary, [
          'removed invisible U+200E LEFT-TO-RIGHT MARK at position 0',
          'removed 19 whitespace character(s) (U+0020 SPACE), first at position 3',
          `made ${CLIENT.sha1.replace(/[^A-F]/g, '').length} lowercase hex digit(s) uppercase`,
        ]);
        assert.deepEqual(api.normalizeThumbprint(CLIENT.sha1).summary, []);
      });

      test('each form is recognised from openssl-made values', () => {
        assert.equal(api.normalizeThumbprint(CLIENT.sha256).form, 'sha256');
        assert.equal(api.normalizeThumbprint(CLIENT.x5t).form, 'x5t');
        assert.equal(api.normalizeThumbprint(CLIENT['x5t#S256']).form, 'x5t#S256');
        assert.equal(api.normalizeThumbprint(CLIENT['x5t#S256']).algorithm, 'sha256');
        assert.equal(api.normalizeThumbprint(CLIENT['x5t#S256']).value, CLIENT['x5t#S256']);
      });

      test('a letter O in a hex thumbprint is an error with its position and character', () => {
        const bad = CLIENT.sha1.slice(0, 12) + 'O' + CLIENT.sha1.slice(13);
        const err = thrown(() => api.normalizeThumbprint(bad));
        assert.equal(err.code, 'ThumbprintInvalidCharacter');
        assert.equal(err.index, 12);
        assert.equal(err.char, 'O');
        assert.match(err.message, /12/);
      });

      test('a short value and an empty value are errors', () => {
        assert.equal(thrown(() => api.normalizeThumbprint(CLIENT.sha1.slice(1))).code, 'ThumbprintLength');
        assert.equal(thrown(() => api.normalizeThumbprint(` ${LRM} `)).code, 'ThumbprintEmpty');
        assert.equal(thrown(() => api.normalizeThumbprint(42)).code, 'InvalidArgument');
      });
    });

    describe('compare', () => {
      test('a pasted Windows value matches, names the certificate and form, lists what was cleaned', () => {
        const pasted = LRM + colons(CLIENT.sha1);
        const c = api.compare(fixture('basic.client.ee.pem'), pasted);
        assert.equal(c.matched, true);
        assert.equal(c.certificateCount, 1);
        assert.deepEqual(c.matches.map((m) => [m.index, m.form, m.subject]), [[0, 'sha1', CLIENT.subject]]);
        assert.equal(c.expected.value, CLIENT.sha1);
        assert.ok(c.expected.changes.some((ch) => ch.codePoint === 'U+200E' && ch.index === 0));
        assert.deepEqual(c.nearMisses, []);
      });

      test('every form of the thumbprint matches, in that form', () => {
        for (const form of ['sha1', 'sha256', 'x5t', 'x5t#S256']) {
          const c = api.compare(fixture('basic.client.ee.der'), CLIENT[form]);
          assert.equal(c.matched, true, form);
          assert.equal(c.matches[0].form, form);
        }
      });

      test('another certificate\'s thumbprint is a mismatch', () => {
        const c = api.compare(fixture('basic.client.ee.pem'), CHAIN[2].sha1);
        assert.equal(c.matched, false);
        assert.deepEqual(c.matches, []);
      });

      test('the issuer\'s SHA-256 in a chain is a mismatch with an issuer_certificate near miss', () => {
        const c = api.compare(fixture('basic.chain.pem'), CHAIN[1].sha256);
        assert.equal(c.matched, false);
        assert.deepEqual(c.clientCertificates, [0]);
        const miss = c.nearMisses.find((m) => m.kind === 'issuer_certificate');
        assert.ok(miss, JSON.stringify(c.nearMisses));
        assert.equal(miss.index, 1);
        assert.equal(miss.issued, 0);
        assert.match(miss.message, /SHA-256 thumbprint of certificate #2/);
      });

      test('the public-key hash is named as such (computed by node:crypto)', () => {
        const der = fixture('basic.client.ee.der');
        const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
        const hash = createHash('sha256').update(spki).digest('hex').toUpperCase();
        const c = api.compare(der, hash);
        assert.equal(c.matched, false);
        assert.deepEqual(c.nearMisses.map((m) => m.kind), ['public_key_hash']);
        assert.equal(api.thumbprints(der)[0].spkiSha256, hash);
      });

      test('the Subject and Authority Key Identifiers are named (values from openssl)', () => {
        const file = join(FIXTURES, 'basic.client.ee.pem');
        const ski = opensslExtHex(file, 'subjectKeyIdentifier');
        const aki = opensslExtHex(file, 'authorityKeyIdentifier');
        assert.equal(ski.length, 40);
        const pem = fixture('basic.client.ee.pem');
        assert.deepEqual(api.compare(pem, ski).nearMisses.map((m) => m.kind), ['subject_key_identifier']);
        assert.deepEqual(api.compare(pem, aki).nearMisses.map((m) => m.kind), ['authority_key_identifier']);
      });

      test('sha256sum of a PEM file is named as the hash of the file as text', () => {
        const pem = fixture('basic.client.ee.pem');
        const fileHash = createHash('sha256').update(pem).digest('hex');
        const c = api.compare(pem, fileHash);
        assert.equal(c.matched, false);
        assert.deepEqual(c.nearMisses.map((m) => m.kind), ['file_hash']);
        assert.match(c.nearMisses[0].message, /sha256sum/);
      });

      test('a 20-byte serial number pasted as a thumbprint is named (certificate made by openssl)', () => {
        const dir = mkdtempSync(join(tmpdir(), 'certbind-serial-'));
        try {
          const serial = '5A' + 'C3'.repeat(19);
          execFileSync('openssl', [
            'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
            '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=serial test',
            '-days', '2', '-set_serial', `0x${serial}`,
          ], { stdio: 'ignore' });
          const c = api.compare(readFileSync(join(dir, 'c.pem')), serial.toLowerCase());
          assert.deepEqual(c.nearMisses.map((m) => m.kind), ['serial_number']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      test('a typo is a mismatch that lists each wrong character at its pasted position', () => {
        const good = colons(CLIENT.sha1); // "76:62:…" 59 characters
        const pos = 3; // the first digit of the second byte
        const wrong = good[pos] === '0' ? '1' : '0';
        const pasted = LRM + good.slice(0, pos) + wrong + good.slice(pos + 1);
        const c = api.compare(fixture('basic.client.ee.pem'), pasted);
        assert.equal(c.matched, false);
        const miss = c.nearMisses.find((m) => m.kind === 'characters_differ');
        assert.ok(miss, JSON.stringify(c.nearMisses));
        assert.deepEqual(miss.differences, [
          { index: pos + 1, pasted: wrong.toUpperCase(), certificate: good[pos].toUpperCase() },
        ]);
        assert.equal(Array.from(pasted)[miss.differences[0].index], wrong);
      });

      test('a PKCS#12 whose CA thumbprint is pasted points at the certificate with the key', { skip: !full && 'no PKCS#12 in the lite build' }, () => {
        const p12 = vector('client.modern.p12');
        const c = api.compare(fixture('client.modern.p12'), p12.certificates[2].sha1, { password: p12.password });
        assert.equal(c.matched, false);
        assert.deepEqual(c.clientCertificates, [p12.key_certificate]);
        assert.ok(c.nearMisses.some((m) => m.index === 2 && ['issuer_certificate', 'other_certificate'].includes(m.kind)));
        const ok = api.compare(fixture('client.modern.p12'), LRM + colons(p12.certificates[p12.key_certificate].sha1), { password: p12.password });
        assert.equal(ok.matched, true);
        assert.equal(ok.matches[0].hasPrivateKey, true);
      });

      test('the pasted value is checked before the input is decoded', () => {
        assert.equal(thrown(() => api.compare(new Uint8Array([1, 2, 3]), `Z${CLIENT.sha1.slice(1)}`)).code, 'ThumbprintInvalidCharacter');
      });
    });
  });
}
