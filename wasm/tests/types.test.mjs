// Runtime half of the type check (see keys.mjs): every returned object has exactly the keys
// its TypeScript interface declares. Also the explain/verifyChain API of the full builds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import * as KEYS from './keys.mjs';
import { VECTORS, fixture, loadBuilds, thrown } from './builds.mjs';

const builds = await loadBuilds();
const sorted = (o) => Object.keys(o).sort();
const CLIENT = VECTORS.inputs.find((i) => i.file === 'basic.client.ee.pem').certificates[0];
const ROOT_CA = VECTORS.inputs.find((i) => i.file === 'basic.root.ca.pem').certificates[0];

for (const { name, api, full } of builds) {
  describe(`types and decisions: ${name} build`, () => {
    test('returned objects have exactly the declared keys', () => {
      const pem = fixture('basic.chain.pem');
      assert.deepEqual(sorted(api.inspect(pem)[0]), sorted(KEYS.CERTIFICATE_REPORT));
      assert.deepEqual(sorted(api.thumbprints(pem)[0]), sorted(KEYS.THUMBPRINT_REPORT));
      const n = api.normalizeThumbprint(`\u200E${CLIENT.sha1}`);
      assert.deepEqual(sorted(n), sorted(KEYS.NORMALIZED));
      assert.deepEqual(sorted(n.changes[0]), sorted(KEYS.CHANGE));
      assert.deepEqual(sorted(api.compare(pem, CLIENT.sha1)), sorted(KEYS.COMPARISON));
      assert.deepEqual(sorted(api.readCertificates(pem)), sorted(KEYS.INPUT_REPORT));
    });

    test('explain and verifyChain exist exactly in the full builds', () => {
      assert.equal(typeof api.explain, full ? 'function' : 'undefined');
      assert.equal(typeof api.verifyChain, full ? 'function' : 'undefined');
    });

    if (!full) return;
    const registry = (value) => `[[clients]]\nclient_id = "certclient"\nscopes = ["read", "write"]\n\n[[clients.secrets]]\ntype = "x509_thumbprint"\nvalue = "${value}"\n`;
    const at = '2030-01-01T00:00:00Z';

    test('explain: the seed client registered by SHA-1 accepts its certificate (TOML and object)', () => {
      const r = api.explain(registry(`\u200E${CLIENT.sha1.toLowerCase()}`), fixture('basic.client.ee.pem'), { now: at });
      assert.deepEqual(sorted(r), sorted(KEYS.EXPLAIN_REPORT));
      assert.deepEqual(sorted(r.certificate), sorted(KEYS.EXPLAINED_CERTIFICATE));
      assert.deepEqual(sorted(r.clients[0]), sorted(KEYS.CLIENT_EXPLANATION));
      assert.equal(r.accepted, true);
      assert.equal(r.at, at);
      assert.equal(r.selectedBy, 'index');
      assert.equal(r.certificate.sha1, CLIENT.sha1);
      assert.equal(r.certificate['x5t#S256'], CLIENT['x5t#S256']);
      assert.equal(r.clients[0].decision.outcome, 'accepted');
      assert.equal(r.clients[0].decision['x5t#S256'], CLIENT['x5t#S256']);
      assert.ok(r.warnings.some((w) => /LEFT-TO-RIGHT MARK/.test(w.message)), 'the cleaned value is a warning');
      const asObject = api.explain({ clients: [{ client_id: 'certclient', scopes: ['read'], secrets: [{ type: 'x509_thumbprint', value: CLIENT.sha1 }] }] }, fixture('basic.client.ee.der'), { now: new Date(at) });
      assert.equal(asObject.accepted, true);
    });

    test('explain: another certificate is rejected with one reason per secret', () => {
      const r = api.explain(registry(CLIENT.sha1), fixture('basic.root.ca.pem'), { now: Date.parse(at), clientId: 'certclient' });
      assert.equal(r.accepted, false);
      const [secret] = r.clients[0].secrets;
      assert.equal(secret.matched, false);
      assert.equal(secret.reason.code, 'thumbprint_differs');
      assert.ok(secret.message.includes(ROOT_CA.sha1), secret.message);
      assert.equal(api.explain(registry(CLIENT.sha1), fixture('basic.client.ee.pem'), { clientId: 'nobody', now: at }).unknownClient, 'nobody');
    });

    test('explain: a broken registry throws Registry with every problem and its line', () => {
      const err = thrown(() => api.explain('[[clients]]\nclient_id = "a"\nscopes = []\nbogus = 1\n', fixture('basic.client.ee.pem'), { now: at }));
      assert.equal(err.code, 'Registry');
      assert.ok(Array.isArray(err.problems) && err.problems.length >= 1);
      assert.ok(err.problems.every((p) => 'field' in p && 'message' in p && 'line' in p));
      assert.equal(thrown(() => api.explain(registry(CLIENT.sha1), fixture('basic.client.ee.pem'), { now: 'yesterday' })).code, 'InvalidTime');
    });

    test('verifyChain: the basic chain validates for client use; without the intermediate it does not', () => {
      const ok = api.verifyChain(fixture('basic.client.ee.pem'), { anchors: fixture('basic.root.ca.pem'), intermediates: [fixture('basic.intermediate.ca.der')], now: at });
      assert.deepEqual(sorted(ok), sorted(KEYS.CHAIN_REPORT));
      assert.equal(ok.valid, true);
      assert.deepEqual(ok.path, [0]);
      const bad = api.verifyChain(fixture('basic.client.ee.pem'), { anchors: [fixture('basic.root.ca.pem')], now: at });
      assert.equal(bad.valid, false);
      assert.equal(bad.error.code, 'unknown_issuer');
      assert.match(bad.reason, /trust anchor/);
      const chainInLeaf = api.verifyChain(fixture('basic.chain.pem'), { anchors: fixture('basic.root.ca.pem'), now: at });
      assert.equal(chainInLeaf.valid, true);
      assert.equal(thrown(() => api.verifyChain(fixture('basic.client.ee.pem'), { anchors: [], usage: 'email' })).code, 'InvalidArgument');
    });
  });
}
