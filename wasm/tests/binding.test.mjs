// The `bindings` section of tests/fixtures/vectors.json (shared with the Rust core's
// tests/tests/binding_vectors.rs and the checker page) against checkBinding of every full
// build: the same outcome, hint kinds and words, byte for byte.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { VECTORS, fixture, loadBuilds } from './builds.mjs';

const builds = await loadBuilds();

for (const { name, api, full } of builds) {
  describe(`token bindings: ${name} build`, () => {
    test('checkBinding exists exactly in the full builds', () => {
      assert.equal(typeof api.checkBinding, full ? 'function' : 'undefined');
    });
    if (!full) return;
    for (const c of VECTORS.bindings.cases) {
      test(c.name, () => {
        const certificate = c.certificate === null ? null : fixture(c.certificate);
        const b = api.checkBinding(c.cnf, certificate, { chain: c.chain.map(fixture) });
        assert.equal(b.outcome, c.expected.outcome);
        assert.equal(b.bound, c.expected.outcome === 'bound');
        assert.deepEqual(b.hints.map((h) => h.kind), c.expected.hints);
        if (c.expected.matches_certificate) assert.deepEqual(b.hints.map((h) => h.matchesCertificate), c.expected.matches_certificate);
        assert.equal(b.message, c.expected.message);
        assert.deepEqual(b.hints.map((h) => h.message), c.expected.hint_messages);
        const json = JSON.parse(api.checkBindingJson(c.cnf, certificate, { chain: c.chain.map(fixture) }));
        assert.equal(json.message, c.expected.message);
        assert.equal(json.token_x5t_s256, b.tokenX5tS256);
      });
    }
  });
}
