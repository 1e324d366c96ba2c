// tests/fixtures/vectors.json (expected values produced by the openssl CLI, shared with the Rust
// tests and the checker page) against every selected build.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { VECTORS, fixture, loadBuilds, passwordOf, thrown } from './builds.mjs';

const builds = await loadBuilds();

/** Whether the build can read this input (the lite builds have no PKCS#12). */
function readable(build, input) {
  return build.full || input.format !== 'pkcs12';
}

for (const build of builds) {
  describe(`vectors: ${build.name} build`, () => {
    const { api } = build;
    for (const input of VECTORS.inputs) {
      const password = passwordOf(input);
      const options = password === undefined ? undefined : { password };
      const label = `${input.file}${password === undefined ? '' : ` (password ${JSON.stringify(password)})`}`;

      if (input.error) {
        test(`${label} is rejected with ${input.error}`, () => {
          const err = thrown(() => api.thumbprints(fixture(input.file), options));
          assert.ok(err instanceof Error, 'an Error object');
          if (!build.full && input.error.startsWith('Pkcs12')) {
            // The lite build cannot read PKCS#12 at all; any clear core error will do.
            assert.equal(typeof err.code, 'string');
            assert.notEqual(err.code, 'Internal');
            return;
          }
          assert.equal(err.code, input.error, err.message);
          assert.ok(err.message.length > 0);
          for (const key of ['line', 'column', 'offset']) {
            if (input[key] !== undefined) assert.equal(err[key], input[key], `error.${key}`);
          }
        });
        continue;
      }

      if (!readable(build, input)) {
        test(`${label} is refused by the lite build with a clear error`, () => {
          const err = thrown(() => api.thumbprints(fixture(input.file), options));
          assert.equal(typeof err.code, 'string');
          assert.notEqual(err.code, 'Internal');
        });
        continue;
      }

      test(`${label}: thumbprints() equal openssl's`, () => {
        const got = api.thumbprints(fixture(input.file), options);
        assert.equal(got.length, input.certificates.length);
        input.certificates.forEach((want, i) => {
          assert.equal(got[i].index, i);
          for (const key of ['sha1', 'sha256', 'x5t', 'x5t#S256', 'subject']) {
            assert.equal(got[i][key], want[key], `certificate #${i + 1} ${key}`);
          }
          if (input.key_certificate !== undefined) {
            assert.equal(got[i].hasPrivateKey, input.key_certificate === i, `certificate #${i + 1} hasPrivateKey`);
          }
        });
      });

      if (input.certificates.length === 1) {
        test(`${label}: compare() matches openssl's SHA-1 as pasted with colons`, () => {
          const pasted = input.certificates[0].sha1.match(/../g).join(':').toLowerCase();
          const c = api.compare(fixture(input.file), pasted, options);
          assert.equal(c.matched, true, JSON.stringify(c));
        });
      }

      test(`${label}: inspect() agrees with thumbprints() and the vector`, () => {
        const reports = api.inspect(fixture(input.file), options);
        const prints = api.thumbprints(fixture(input.file), options);
        assert.equal(reports.length, input.certificates.length);
        reports.forEach((r, i) => {
          const want = input.certificates[i];
          // Names as openssl -nameopt RFC2253 prints them; dates as openssl prints them, with
          // GNU date's seconds (negative before 1970, 253402300799 for 9999-12-31T23:59:59Z).
          assert.equal(r.subject, want.subject);
          assert.equal(r.issuer, want.issuer);
          assert.equal(r.sha256, want.sha256);
          assert.equal(r.spkiSha256, prints[i].spkiSha256);
          assert.equal(r.hasPrivateKey, prints[i].hasPrivateKey);
          assert.equal(r.notBefore, want.not_before);
          assert.equal(r.notAfter, want.not_after);
          assert.equal(r.notBeforeUnix, want.not_before_unix);
          assert.equal(r.notAfterUnix, want.not_after_unix);
          assert.equal(Date.parse(r.notBefore) / 1000, r.notBeforeUnix);
          assert.equal(Date.parse(r.notAfter) / 1000, r.notAfterUnix);
        });
      });

      if (input.format !== 'pkcs12') {
        test(`${label}: the same input as a string gives the same answer`, () => {
          const bytes = fixture(input.file);
          const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
          // Only inputs that are text survive the round trip through a JS string.
          if (Buffer.compare(Buffer.from(text, 'utf8'), bytes) !== 0) return;
          assert.deepEqual(api.thumbprints(text, options), api.thumbprints(bytes, options));
        });
      }
    }
  });
}
