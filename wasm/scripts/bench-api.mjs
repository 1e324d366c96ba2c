#!/usr/bin/env node
// `npm run bench:api` (not a test): one access-token verification with the keys cached, in the
// same run: jose alone (jwtVerify: ES256 signature, typ, iss, aud, exp) against jose plus
// certbind-core's binding check (checkBinding, the WebAssembly build: the certificate's
// x5t#S256 against cnf), as certbind/api runs them per request. Prints µs per verification and
// the binding's added cost.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { createVerifier } from '../api/index.mjs';

const require = createRequire(import.meta.url);
const certbind = require('../dist/node/certbind_wasm.js');
const FIXTURES = join(import.meta.dirname, '..', '..', 'tests', 'fixtures');
const der = readFileSync(join(FIXTURES, 'basic.client.ee.der'));
const x5t = certbind.thumbprints(der)[0]['x5t#S256'];

const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
const keys = createLocalJWKSet(jwks);
const token = await new SignJWT({ client_id: 'certclient', scope: 'read', cnf: { 'x5t#S256': x5t } })
  .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
  .setIssuer('https://as.example').setAudience('https://api.example').setIssuedAt().setExpirationTime('1h')
  .sign(privateKey);
const options = { issuer: 'https://as.example', audience: 'https://api.example', typ: 'at+jwt', algorithms: ['ES256'] };

async function joseAlone() {
  return (await jwtVerify(token, keys, options)).payload;
}
// certbind/api wraps a connection's certificate once (new PresentedCertificate) and checks
// each request's token against it.
const presented = new certbind.PresentedCertificate(der);
async function withBinding() {
  const { payload } = await jwtVerify(token, keys, options);
  if (!presented.isBound(payload.cnf)) throw new Error(presented.checkBinding(payload.cnf).message);
  return payload;
}
function bindingAlone(cnf) {
  return presented.isBound(cnf);
}
/** The whole answer as a JavaScript object (what a rejected request logs). */
function explanation(cnf) {
  return presented.checkBinding(cnf).bound;
}
/** The binding with the certificate read anew (a forwarded header is, per request). */
function bindingFromBytes(cnf) {
  return certbind.checkBinding(cnf, der).bound;
}

// certbind/api's whole verify() behind a TLS-terminating proxy (HAProxy's base64 DER header):
// the certificate kept from an earlier request with the same header value, and first seen
// (each value differs by trailing spaces, more of them than the verifier keeps).
const verifier = createVerifier({ ...options, jwks, log: () => {}, trustedProxies: ['127.0.0.1'], certificateHeader: 'haproxy-base64' });
const forwardedRequest = (value) => ({
  rawHeaders: ['Authorization', `Bearer ${token}`, 'X-SSL-Client-Cert', value],
  headers: { 'x-ssl-client-cert': value },
  socket: { remoteAddress: '127.0.0.1', encrypted: false },
});
const header = der.toString('base64');
const kept = forwardedRequest(header);
const firstSeen = Array.from({ length: 2048 }, (_, i) => forwardedRequest(`${header}${' '.repeat(i)}`));
let nextFirstSeen = 0;
async function verifyForwarded(req) {
  const result = await verifier.verify(req);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

async function measure(fn, rounds) {
  for (let i = 0; i < 500; i += 1) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i += 1) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / rounds;
}

const ROUNDS = Number(process.env.ROUNDS ?? 5000);
const results = { jose: [], joseAndBinding: [], bindingAlone: [], explanation: [], bindingFromBytes: [], verifyKept: [], verifyFirstSeen: [] };
const cnf = { 'x5t#S256': x5t };
// Interleaved runs so that both see the same machine state.
for (let run = 0; run < 5; run += 1) {
  results.jose.push(await measure(joseAlone, ROUNDS));
  results.joseAndBinding.push(await measure(withBinding, ROUNDS));
  results.bindingAlone.push(await measure(async () => bindingAlone(cnf), ROUNDS));
  results.explanation.push(await measure(async () => explanation(cnf), ROUNDS));
  results.bindingFromBytes.push(await measure(async () => bindingFromBytes(cnf), ROUNDS));
  results.verifyKept.push(await measure(() => verifyForwarded(kept), ROUNDS));
  results.verifyFirstSeen.push(await measure(() => verifyForwarded(firstSeen[(nextFirstSeen += 1) % firstSeen.length]), ROUNDS));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const jose = median(results.jose);
const both = median(results.joseAndBinding);
const alone = median(results.bindingAlone);
console.log(`jose jwtVerify alone:            ${jose.toFixed(1)} µs`);
console.log(`jose + certbind checkBinding:    ${both.toFixed(1)} µs  (${(both / jose).toFixed(3)}x jose; +${(both - jose).toFixed(1)} µs)`);
console.log(`isBound alone (wrapped):         ${alone.toFixed(1)} µs  (${(100 * alone / jose).toFixed(1)}% of jose)`);
console.log(`checkBinding object (wrapped):   ${median(results.explanation).toFixed(1)} µs  (only for a rejection or when read)`);
const bytes = median(results.bindingFromBytes);
console.log(`checkBinding from DER bytes:     ${bytes.toFixed(1)} µs  (the certificate read per request)`);
const verifyKept = median(results.verifyKept);
const verifyFirst = median(results.verifyFirstSeen);
console.log(`verify(), forwarded header kept: ${verifyKept.toFixed(1)} µs  (${(verifyKept / jose).toFixed(3)}x jose; +${(verifyKept - jose).toFixed(1)} µs)`);
console.log(`verify(), forwarded first seen:  ${verifyFirst.toFixed(1)} µs  (${(verifyFirst / jose).toFixed(3)}x jose; +${(verifyFirst - jose).toFixed(1)} µs)`);
