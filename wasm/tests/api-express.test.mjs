// certbind/api end to end: the Express API of examples/express-api.mjs (the file itself), with
// real tokens from `certbind serve` (the Rust binary, dev mode) and from node-oidc-provider
// (tests/peers/oidc-provider), over real mTLS and behind nginx forwarding the certificate
// (docs/proxy/nginx.conf, the template the Rust proxy tests fill in too). The bound token is
// accepted with the right certificate and rejected with another certificate, with none,
// expired, for another audience, with a forged signature, and with a certificate header from an
// address that is not a trusted proxy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SignJWT, importPKCS8 } from 'jose';

import { ROOT, WASM_DIR } from './builds.mjs';
import { startApi } from '../examples/express-api.mjs';

const RUST = [process.env.CERTBIND_RUST_CLI, join(ROOT, 'target', 'debug', 'certbind'), join(ROOT, 'target', 'release', 'certbind')].find((c) => c && existsSync(c));
const PEER = join(ROOT, 'tests', 'peers', 'oidc-provider');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync);
const skip = (!RUST && 'the Rust certbind binary is not built (cargo build -p certbind-host)')
  || (!existsSync(join(PEER, 'node_modules', 'oidc-provider')) && 'tests/peers/oidc-provider is not installed (npm ci there)')
  || (!NGINX && 'nginx is not installed');

const children = [];
let dir;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, what) {
  for (let i = 0; i < 500; i += 1) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const open = await new Promise((resolve) => {
      const c = createConnection({ port, host: '127.0.0.1' }, () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} does not listen on ${port}`);
}

function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.push(child);
  return child;
}

/** One HTTPS (or HTTP) request; `identity` is `{cert, key}` or null. A fresh connection each time. */
function send(url, { identity = null, headers = {}, method = 'GET', body, localAddress } = {}) {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, {
      method, headers, agent: false, localAddress,
      ca: readFileSync(join(dir, 'pki', 'ca.pem')),
      ...(identity ?? {}),
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const identity = (name) => ({ cert: readFileSync(join(dir, name === 'client' ? 'pki' : '.', `${name}.pem`)), key: readFileSync(join(dir, name === 'client' ? 'pki' : '.', `${name}.key`)) });
const form = { 'content-type': 'application/x-www-form-urlencoded' };

function forged(token) {
  const [h, p, s] = token.split('.');
  const claims = Buffer.from(p, 'base64url').toString();
  const changed = claims.replace('"scope":"read"', '"scope":"read write"');
  assert.notEqual(changed, claims);
  return `${h}.${Buffer.from(changed).toString('base64url')}.${s}`;
}

function assertInvalidToken(r, what) {
  assert.equal(r.status, 401, `${what}: ${r.text}`);
  assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_token"', what);
  assert.equal(r.text, '', `${what}: no details in the body`);
}

let x5t;
let nginxConf;

async function nginxInFront(api) {
  const port = await freePort();
  const nginxDir = mkdtempSync(join(dir, 'nginx-'));
  let config = readFileSync(join(ROOT, 'docs', 'proxy', 'nginx.conf'), 'utf8');
  const values = { DIR: nginxDir, LISTEN_PORT: port, SERVER_CERT: join(dir, 'pki', 'server.pem'), SERVER_KEY: join(dir, 'pki', 'server.key'), CERTBIND_PORT: api.behindNginx.address().port };
  for (const [k, v] of Object.entries(values)) {
    assert.ok(config.includes(`{{${k}}}`));
    config = config.replaceAll(`{{${k}}}`, String(v));
  }
  nginxConf = join(nginxDir, 'nginx.conf');
  writeFileSync(nginxConf, config);
  const nginx = start(NGINX, ['-p', nginxDir, '-c', nginxConf, '-e', join(nginxDir, 'error.log')]);
  await waitForPort(port, nginx, 'nginx');
  return { port, nginx };
}

/** Each rejection was for its own reason (the log has them; the responses do not). */
function assertReasons(reasons) {
  for (const want of ['bound to another certificate', 'the request presented none', 'ERR_JWT_EXPIRED', 'unexpected "aud"', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'not a trusted proxy: ignored']) {
    assert.ok(reasons.some((r) => r.includes(want)), `a rejection logged ${JSON.stringify(want)}:\n${reasons.join('\n')}`);
  }
}

/** Every case against one issuer's tokens. */
async function checkApi(api, tokens) {
  const rejected = [];
  const url = `https://localhost:${api.mtls.address().port}/orders`;
  const auth = (t) => ({ authorization: `Bearer ${t}` });
  let r = await send(url, { identity: identity('client'), headers: auth(tokens.good) });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { client_id: 'certclient', bound_to: x5t });

  assertInvalidToken(await send(url, { identity: identity('wrong'), headers: auth(tokens.good) }), 'another certificate');
  assertInvalidToken(await send(url, { headers: auth(tokens.good) }), 'no certificate');
  assertInvalidToken(await send(url, { identity: identity('client'), headers: auth(tokens.expired) }), 'expired');
  assertInvalidToken(await send(url, { identity: identity('client'), headers: auth(tokens.otherAudience) }), 'another audience');
  assertInvalidToken(await send(url, { identity: identity('client'), headers: auth(forged(tokens.good)) }), 'forged signature');
  r = await send(url, { identity: identity('client') });
  assert.equal(r.status, 401);
  assert.equal(r.headers['www-authenticate'], 'Bearer');
  r = await send(url, { identity: identity('client'), headers: { authorization: 'Bearer two words' } });
  assert.equal(r.status, 400);
  assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_request"');

  const { port } = await nginxInFront(api);
  const via = `https://localhost:${port}/orders`;
  r = await send(via, { identity: identity('client'), headers: auth(tokens.good) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.bound_to, x5t);
  assertInvalidToken(await send(via, { identity: identity('wrong'), headers: auth(tokens.good) }), 'another certificate through nginx');
  assertInvalidToken(await send(via, { headers: auth(tokens.good) }), 'no certificate through nginx');

  // The header nginx would send, written by the client itself, straight to the plain listener.
  const der = execFileSync('openssl', ['x509', '-in', join(dir, 'pki', 'client.pem'), '-outform', 'DER']);
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
  const header = encodeURIComponent(pem);
  const plain = `http://127.0.0.1:${api.behindNginx.address().port}/orders`;
  r = await send(plain, { localAddress: '127.0.0.2', headers: { ...auth(tokens.good), 'x-ssl-client-cert': header } });
  assertInvalidToken(r, 'certificate header from 127.0.0.2, not a trusted proxy');
  r = await send(plain, { localAddress: '127.0.0.1', headers: { ...auth(tokens.good), 'x-ssl-client-cert': header } });
  assert.equal(r.status, 200, `the same header from the trusted address: ${r.text}`);
  return rejected;
}

describe('certbind/api with Express', { skip }, () => {
  let certbind;
  let certbindPort;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certbind-api-express-'));
    certbindPort = await freePort();
    certbind = start(RUST, ['serve', '--dir', join(dir, 'pki'), '--listen', `127.0.0.1:${certbindPort}`, '--log', 'warn']);
    await waitForPort(certbindPort, certbind, 'certbind serve');
    // Another certificate with the same subject as the client's.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=certclient', '-days', '2', '-keyout', join(dir, 'wrong.key'), '-out', join(dir, 'wrong.pem')], { stdio: 'ignore' });
    x5t = execFileSync('sh', ['-c', 'openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | base64 | tr "+/" "-_" | tr -d "="', 'sh', join(dir, 'pki', 'client.pem')], { encoding: 'utf8' }).trim();
  });

  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  test('tokens from certbind serve are accepted only with their certificate', async () => {
    const issuer = `https://localhost:${certbindPort}`;
    const audience = `${issuer}/resources`;
    const r = await send(`${issuer}/connect/token`, { method: 'POST', identity: identity('client'), headers: form, body: 'grant_type=client_credentials&client_id=certclient&scope=read' });
    assert.equal(r.status, 200, r.text);
    const good = r.json.access_token;
    // Expired and other-audience tokens signed with the server's own key (its dev key file).
    const header = JSON.parse(Buffer.from(good.split('.')[0], 'base64url'));
    const keyFile = execFileSync('sh', ['-c', 'ls "$1"/*.pem | tail -n 1', 'sh', join(dir, 'pki', 'keys')], { encoding: 'utf8' }).trim();
    const key = await importPKCS8(readFileSync(keyFile, 'utf8'), header.alg);
    const now = Math.floor(Date.now() / 1000);
    const sign = (aud, iat) => new SignJWT({ client_id: 'certclient', scope: 'read', cnf: { 'x5t#S256': x5t } })
      .setProtectedHeader({ alg: header.alg, kid: header.kid, typ: 'at+jwt' })
      .setIssuer(issuer).setAudience(aud).setSubject('certclient').setIssuedAt(iat).setExpirationTime(iat + 600).sign(key);
    const tokens = { good, expired: await sign(audience, now - 7200), otherAudience: await sign('https://other-api.example/', now) };
    const reasons = [];
    const api = await startApi({ issuer, audience, jwksUri: `${issuer}/jwks`, ca: readFileSync(join(dir, 'pki', 'ca.pem')), cert: readFileSync(join(dir, 'pki', 'server.pem')), key: readFileSync(join(dir, 'pki', 'server.key')), log: (e) => reasons.push(e.message) });
    try {
      await checkApi(api, tokens);
      assertReasons(reasons);
    } finally {
      api.mtls.close(); api.behindNginx.close();
      api.mtls.closeAllConnections?.(); api.behindNginx.closeAllConnections?.();
    }
  });

  test('tokens from node-oidc-provider are accepted only with their certificate', async () => {
    const audience = 'https://orders-api.example/';
    const provider = start(process.execPath, [join(PEER, 'server.mjs')], {
      env: { ...process.env, PKI_DIR: join(dir, 'pki'), CLIENT_CERT: join(dir, 'pki', 'client.pem'), AUDIENCE: audience, PORT: '0' },
    });
    const [line] = await Promise.race([
      new Promise((resolve) => createInterface({ input: provider.stdout }).once('line', (l) => resolve([l]))),
      new Promise((_, reject) => provider.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}`)))),
    ]);
    const { issuer, jwks_uri: jwksUri, token_endpoint: tokenEndpoint } = JSON.parse(line);
    const token = async (resource) => {
      const r = await send(tokenEndpoint, { method: 'POST', identity: identity('client'), headers: form, body: `grant_type=client_credentials&client_id=certclient&scope=read${resource ? `&resource=${encodeURIComponent(resource)}` : ''}` });
      assert.equal(r.status, 200, r.text);
      return r.json.access_token;
    };
    const tokens = { good: await token(), otherAudience: await token('https://other-api.example/'), expired: await token('urn:certbind:test:short-lived') };
    await new Promise((r) => setTimeout(r, 2100)); // the short-lived token lives 1 s; leeway 0 below
    const reasons = [];
    const api = await startApi({ issuer, audience, jwksUri, leeway: 0, ca: readFileSync(join(dir, 'pki', 'ca.pem')), cert: readFileSync(join(dir, 'pki', 'server.pem')), key: readFileSync(join(dir, 'pki', 'server.key')), log: (e) => reasons.push(e.message) });
    try {
      await checkApi(api, tokens);
      assertReasons(reasons);
    } finally {
      api.mtls.close(); api.behindNginx.close();
      api.mtls.closeAllConnections?.(); api.behindNginx.closeAllConnections?.();
    }
  });
});

void WASM_DIR;
