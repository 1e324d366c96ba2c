// The `decisions` section of tests/fixtures/vectors.json (shared with the Rust tests,
// tests/tests/decide_vectors.rs) through `explain()` of every full build: the same cases, the
// same expected decisions, through certbind-core's explain report. Cases that present only a
// shared secret are decided by the Rust tests alone (`explain` takes a certificate).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { VECTORS, fixture, loadBuilds } from './builds.mjs';

const builds = (await loadBuilds()).filter((b) => b.full);
const DECISIONS = VECTORS.decisions;
const CERTIFICATE_CASES = DECISIONS.cases.filter((c) => c.certificate);

/** The openssl-made thumbprints of the first certificate of an input file. */
function vectorOf(file) {
  return VECTORS.inputs.find((i) => i.file === file && !i.error).certificates[0];
}

/** The options `explain()` gets for a case: anchors as data, the case's chain, time and client. */
export function caseOptions(c) {
  return {
    clientId: c.client_id,
    now: c.at ?? DECISIONS.at,
    chain: (c.chain ?? []).map(fixture),
    anchors: DECISIONS.anchors.map(fixture),
  };
}

/** A decision (camelCase keys, as `explain()` returns it) against the case's `expected`. */
function checkDecision(name, d, expected) {
  assert.equal(d.outcome, expected.outcome, `${name}: ${JSON.stringify(d)}`);
  if (d.outcome === 'accepted') {
    assert.equal(d.secretIndex, expected.secret_index, `${name}: secret_index`);
    assert.equal(d.secretType, expected.secret_type, `${name}: secret_type`);
    assert.equal(d.method, expected.method, `${name}: method`);
    assert.equal(d['x5t#S256'], expected['x5t#S256'], `${name}: x5t#S256`);
    return;
  }
  assert.deepEqual(d.secrets.map((s) => s.reason.code), expected.reasons, `${name}: reasons`);
  if (expected.hints) {
    assert.deepEqual(d.secrets.map((s) => s.reason.hint?.kind ?? 'none'), expected.hints, `${name}: hints`);
  }
  assert.deepEqual(d.clientReasons.map((r) => r.code), expected.client_reasons ?? [], `${name}: client_reasons`);
  for (const r of d.clientReasons) assert.ok(r.message.length > 0, `${name}: client reason in words`);
}

test('the decisions section has certificate cases', () => {
  assert.ok(CERTIFICATE_CASES.length >= 10, `${CERTIFICATE_CASES.length} cases`);
});

for (const { name, api } of builds) {
  describe(`decision vectors: ${name} build`, () => {
    for (const c of CERTIFICATE_CASES) {
      test(c.name, () => {
        const report = api.explain(DECISIONS.registry, fixture(c.certificate), caseOptions(c));
        assert.equal(report.selectedBy, 'client_id');
        assert.equal(report.unknownClient, null);
        assert.equal(report.clients.length, 1);
        assert.equal(report.clients[0].clientId, c.client_id);
        assert.equal(report.accepted, c.expected.outcome === 'accepted');
        // The report's certificate is the one openssl thumbprinted.
        const want = vectorOf(c.certificate);
        for (const key of ['sha1', 'sha256', 'x5t#S256']) assert.equal(report.certificate[key], want[key], key);
        assert.equal(report.certificate.chain, caseOptions(c).chain.length);
        checkDecision(c.name, report.clients[0].decision, c.expected);
        // explainJson is the same report with the core's snake_case keys.
        const json = JSON.parse(api.explainJson(DECISIONS.registry, fixture(c.certificate), caseOptions(c)));
        assert.equal(json.clients[0].decision.outcome, c.expected.outcome);
        assert.deepEqual(Object.keys(json), ['certificate', 'at', 'accepted', 'selected_by', 'truncated', 'unknown_client', 'clients', 'warnings']);
      });
    }

    test('without clientId: the clients the certificate could belong to (the index)', () => {
      const at = DECISIONS.at;
      const anchors = DECISIONS.anchors.map(fixture);
      const chain = [fixture('basic.intermediate.ca.pem')];
      const r = api.explain(DECISIONS.registry, fixture('basic.client.ee.pem'), { now: at, anchors, chain });
      assert.equal(r.selectedBy, 'index');
      assert.equal(r.accepted, true);
      // First the clients that registered its SHA-1 (certclient) or its SHA-256 (sha256-as-sha1,
      // under the wrong type), then those whose tls_client_auth secret names its subject DN
      // (pkiclient) or its URI SAN (uriclient; openssl shows urn:certbind:client:certclient).
      const client = vectorOf('basic.client.ee.pem');
      assert.ok(DECISIONS.registry.includes(`value = "${client.sha256}"`), 'sha256-as-sha1 holds the SHA-256');
      assert.deepEqual(r.clients.map((e) => [e.clientId, e.decision.outcome]), [
        ['certclient', 'accepted'],
        ['sha256-as-sha1', 'rejected'],
        ['pkiclient', 'accepted'],
        ['uriclient', 'accepted'],
      ]);
      const text = api.explainText(DECISIONS.registry, fixture('basic.client.ee.pem'), { now: at, anchors, chain });
      assert.ok(text.includes('client "certclient" (self_signed_tls_client_auth): ACCEPTED by secret #1 (x509_thumbprint)'), text);
      assert.ok(text.includes(`  SHA-1 ${vectorOf('basic.client.ee.pem').sha1}  x5t#S256 ${vectorOf('basic.client.ee.pem')['x5t#S256']}`), text);
    });

    test('without clientId and with no client naming the certificate: every client, rejected', () => {
      const r = api.explain(DECISIONS.registry, fixture('basic.root.ca.pem'), { now: DECISIONS.at });
      assert.equal(r.selectedBy, 'all');
      assert.equal(r.truncated, false);
      assert.equal(r.accepted, false);
      const ids = [...DECISIONS.registry.matchAll(/^client_id = "([^"]+)"$/gm)].map((m) => m[1]);
      assert.deepEqual(r.clients.map((e) => e.clientId), ids);
      const text = api.explainText(DECISIONS.registry, fixture('basic.root.ca.pem'), { now: DECISIONS.at });
      assert.match(text, /^no client registered this certificate .*; every client, and why:$/m);
    });
  });
}
