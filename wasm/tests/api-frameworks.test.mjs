// certbind/api with Fastify and plain node:http, in process: a local JWK Set (jose-made key),
// the client certificate forwarded by a "proxy" on 127.0.0.1 in each header format the helper
// reads. (The Express example runs against real issuers over real mTLS and nginx in
// api-express.test.mjs.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import Fastify from 'fastify';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createVerifier } from 'certbind/api';

import { VECTORS, fixture } from './builds.mjs';

const CLIENT = VECTORS.inputs.find((i) => i.file === 'basic.client.ee.pem').certificates[0];
const OTHER = VECTORS.inputs.find((i) => i.file === 'basic.client-rsa.ee.pem').certificates[0];
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://api.example';
const der = (file) => Buffer.from(fixture(file).toString().replace(/-----[^-]+-----|\s/g, ''), 'base64');
const pemOf = (file) => fixture(file).toString();

let privateKey;
let jwks;
before(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
});

const token = (x5t, claims = {}) => new SignJWT({ client_id: 'certclient', scope: 'read', cnf: { 'x5t#S256': x5t }, ...claims })
  .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
  .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(privateKey);

function get(port, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/orders', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const FORMATS = {
  'nginx-escaped': (file) => encodeURIComponent(pemOf(file)),
  'haproxy-base64': (file) => der(file).toString('base64'),
  rfc9440: (file) => `:${der(file).toString('base64')}:`,
};

describe('certbind/api with Fastify', () => {
  let app;
  let port;
  const reasons = [];
  before(async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, trustedProxies: ['127.0.0.1'], certificateHeader: 'nginx-escaped', log: (e) => reasons.push(e.message) });
    app = Fastify();
    app.addHook('onRequest', verifier.fastify());
    app.get('/orders', async (request) => ({ client_id: request.certbind.claims.client_id, bound_to: request.certbind.binding.certificateX5tS256 }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = app.server.address().port;
  });
  after(() => app.close());

  test('the bound token with the forwarded certificate passes; another certificate or none does not', async () => {
    const t = await token(CLIENT['x5t#S256']);
    let r = await get(port, { authorization: `Bearer ${t}`, 'x-ssl-client-cert': FORMATS['nginx-escaped']('basic.client.ee.pem') });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { client_id: 'certclient', bound_to: CLIENT['x5t#S256'] });
    r = await get(port, { authorization: `Bearer ${t}`, 'x-ssl-client-cert': FORMATS['nginx-escaped']('basic.client-rsa.ee.pem') });
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_token"');
    r = await get(port, { authorization: `Bearer ${t}` });
    assert.equal(r.status, 401);
    r = await get(port, { authorization: `Bearer ${t}`, 'x-ssl-client-cert': 'garbage%' });
    assert.equal(r.status, 401);
    assert.ok(reasons.some((m) => m.includes('the forwarded certificate header is malformed')), reasons.join('\n'));
    assert.ok(reasons.some((m) => m.includes(OTHER['x5t#S256'])), 'the log names the other certificate');
  });

  test('a near miss in the token is explained in the log, from certbind-core', async () => {
    const t = await token(`${CLIENT['x5t#S256']}=`);
    const r = await get(port, { authorization: `Bearer ${t}`, 'x-ssl-client-cert': FORMATS['nginx-escaped']('basic.client.ee.pem') });
    assert.equal(r.status, 401);
    const padding = VECTORS.bindings.cases.find((c) => c.expected.hints[0] === 'padding');
    assert.ok(reasons.some((m) => m.includes(padding.expected.hint_messages[0])), reasons.at(-1));
  });
});

describe('certbind/api with node:http, every forwarded header format', () => {
  for (const [format, encode] of Object.entries(FORMATS)) {
    test(format, async () => {
      const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, trustedProxies: ['127.0.0.0/8'], certificateHeader: format, log: () => {} });
      const server = createServer(async (req, res) => {
        const result = await verifier.verify(req);
        if (!result.ok) return verifier.reject(res, result, req);
        res.end(result.binding.certificateX5tS256);
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      try {
        const name = { rfc9440: 'client-cert' }[format] ?? 'x-ssl-client-cert';
        const t = await token(CLIENT['x5t#S256']);
        const r = await get(server.address().port, { authorization: `Bearer ${t}`, [name]: encode('basic.client.ee.pem') });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.text, CLIENT['x5t#S256']);
      } finally {
        server.close();
      }
    });
  }
});

describe('certbind/api keeps forwarded certificates it has read, per header value', () => {
  test('alternating clients behind one proxy each get their own answer, also after eviction', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, trustedProxies: ['127.0.0.1'], certificateHeader: 'haproxy-base64', log: () => {} });
    const server = createServer(async (req, res) => {
      const result = await verifier.verify(req);
      if (!result.ok) return verifier.reject(res, result, req);
      res.end(JSON.stringify({ bound_to: result.binding.certificateX5tS256, forwarded: result.forwarded }));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = server.address().port;
      const forClient = await token(CLIENT['x5t#S256']);
      const forOther = await token(OTHER['x5t#S256']);
      const client = FORMATS['haproxy-base64']('basic.client.ee.pem');
      const other = FORMATS['haproxy-base64']('basic.client-rsa.ee.pem');
      const expect = async (t, cert, status, boundTo) => {
        const r = await get(port, { authorization: `Bearer ${t}`, 'x-ssl-client-cert': cert });
        assert.equal(r.status, status, r.text);
        if (boundTo) assert.deepEqual(JSON.parse(r.text), { bound_to: boundTo, forwarded: true });
      };
      for (let round = 0; round < 3; round += 1) {
        await expect(forClient, client, 200, CLIENT['x5t#S256']);
        await expect(forOther, other, 200, OTHER['x5t#S256']);
        await expect(forClient, other, 401);
        await expect(forOther, client, 401);
      }
      // More distinct header values than are kept (the same certificate with trailing spaces,
      // which the reader trims): the first ones are evicted and read again when they return.
      for (let i = 0; i < 1100; i += 1) {
        const r = await verifier.verify({ rawHeaders: ['Authorization', `Bearer ${forOther}`, 'X-SSL-Client-Cert', `${other}${' '.repeat(i)}`], headers: { 'x-ssl-client-cert': other }, socket: { remoteAddress: '127.0.0.1', encrypted: false } });
        assert.equal(r.ok, true, r.reason);
      }
      await expect(forClient, client, 200, CLIENT['x5t#S256']);
      await expect(forClient, other, 401);
    } finally {
      server.close();
    }
  });
});
