// An Express API that accepts only certificate-bound access tokens (RFC 8705 §3): GET /orders
// answers a request whose bearer token is signed by the issuer, meant for this API, unexpired,
// carries the `read` scope and is bound to the client certificate of the request — the one on
// the mTLS connection, or the one nginx forwards on the plain listener behind it.
//
//   npm install express jose certbind
//   ISSUER=https://localhost:8443 AUDIENCE=https://localhost:8443/resources \
//   JWKS=https://localhost:8443/jwks PKI=certbind-dev node express-api.mjs
//
// wasm/tests/api-express.test.mjs runs this file's startApi with tokens from `certbind serve`
// and node-oidc-provider, over mTLS and behind nginx; docs/api.md shows the part between the
// snippet markers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// --- snippet: express-api ---
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import express from 'express';
import { createVerifier } from 'certbind/api';

export async function startApi({ issuer, audience, jwksUri, ca, cert, key, leeway = 60, log }) {
  const verifier = createVerifier({
    issuer,
    audience,
    jwksUri,
    ca, // the issuer's CA, when it is not a public one
    leeway,
    trustedProxies: ['127.0.0.1'], // nginx: its X-SSL-Client-Cert header counts, nobody else's
    certificateHeader: 'nginx-escaped',
    log,
  });
  const app = express();
  app.use(verifier.express()); // 400/401 with WWW-Authenticate: Bearer …, empty body
  app.get('/orders', (req, res) => {
    const missing = verifier.requireScope(req.certbind, 'read');
    if (missing) return verifier.reject(res, missing, req); // 403 insufficient_scope
    res.json({ client_id: req.certbind.claims.client_id, bound_to: req.certbind.binding.certificateX5tS256 });
  });
  // mTLS: ask every client for a certificate, accept any; the token's binding decides.
  const mtls = createHttpsServer({ cert, key, requestCert: true, rejectUnauthorized: false }, app);
  const behindNginx = createHttpServer(app); // plain HTTP from nginx on this machine
  await Promise.all([
    new Promise((resolve) => mtls.listen(0, '127.0.0.1', resolve)),
    new Promise((resolve) => behindNginx.listen(0, '127.0.0.1', resolve)),
  ]);
  return { mtls, behindNginx };
}
// --- end snippet ---

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const pki = process.env.PKI ?? 'certbind-dev';
  const { mtls, behindNginx } = await startApi({
    issuer: process.env.ISSUER,
    audience: process.env.AUDIENCE,
    jwksUri: process.env.JWKS,
    ca: readFileSync(join(pki, 'ca.pem')),
    cert: readFileSync(join(pki, 'server.pem')),
    key: readFileSync(join(pki, 'server.key')),
  });
  console.log(`protected API: https://127.0.0.1:${mtls.address().port}/orders (mTLS), http://127.0.0.1:${behindNginx.address().port}/orders (behind nginx)`);
}
