// node-oidc-provider as a second, independent issuer of certificate-bound access tokens, for
// certbind's API tests (the actix-web extractor and the Node helper must accept tokens of an
// issuer that is not certbind). A minimal configuration: one client, `certclient`, authenticated
// by `tls_client_auth` (its certificate's subject DN) over mutual TLS, client_credentials only,
// RFC 9068 JWT access tokens (ES256, typ at+jwt) bound to the certificate (cnf.x5t#S256).
//
// Usage: node server.mjs   (environment, all required but PORT/HOST)
//   PKI_DIR      folder with server.pem, server.key (the TLS identity) and ca.pem
//   CLIENT_CERT  the client's certificate (PEM); its subject DN is registered
//   AUDIENCE     the API the tokens are for (the default resource, RFC 8707)
//   HOST, PORT   where to listen (default 127.0.0.1, 0 = any free port)
// Prints one JSON line on stdout when listening: {"issuer", "jwks_uri", "token_endpoint", "pid"}.
// Resources (the `resource` parameter): AUDIENCE (3600 s tokens), `https://other-api.example/`
// (tokens for another audience) and `urn:certbind:test:short-lived` (AUDIENCE, 1 s tokens).
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

import Provider, { errors } from 'oidc-provider';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const PKI_DIR = need('PKI_DIR');
const AUDIENCE = need('AUDIENCE');
const CLIENT_CERT = readFileSync(need('CLIENT_CERT'));
const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 0);
const OTHER_AUDIENCE = 'https://other-api.example/';
const SHORT_LIVED = 'urn:certbind:test:short-lived';

/** RFC 4514 order (most specific first), as node prints the subject the other way round. */
const dn = (pem) => new X509Certificate(pem).subject.split('\n').reverse().join(',');

// A fresh P-256 signing key per start, published at /jwks.
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'peer-es256', use: 'sig', alg: 'ES256' };

const server = createServer({
  key: readFileSync(join(PKI_DIR, 'server.key')),
  cert: readFileSync(join(PKI_DIR, 'server.pem')),
  ca: readFileSync(join(PKI_DIR, 'ca.pem')),
  requestCert: true,
  rejectUnauthorized: false,
});

server.listen(PORT, HOST, () => {
  const issuer = `https://localhost:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'certclient',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: dn(CLIENT_CERT),
        tls_client_certificate_bound_access_tokens: true,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'read write',
      },
    ],
    jwks: { keys: [signingKey] },
    clientAuthMethods: ['tls_client_auth'],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    scopes: ['read', 'write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        certificateBoundAccessTokens: true,
        getCertificate: (ctx) => {
          const raw = ctx.socket.getPeerCertificate?.()?.raw;
          return raw ? new X509Certificate(raw) : undefined;
        },
        certificateAuthorized: (ctx) => ctx.socket.authorized === true,
        certificateSubjectMatches: (ctx, property, expected) =>
          property === 'tls_client_auth_subject_dn' && dn(ctx.socket.getPeerCertificate().raw) === expected,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          const ttl = resource === SHORT_LIVED ? 1 : 3600;
          const audience = { [AUDIENCE]: AUDIENCE, [OTHER_AUDIENCE]: OTHER_AUDIENCE, [SHORT_LIVED]: AUDIENCE }[resource];
          if (!audience) throw new errors.InvalidTarget();
          return { scope: 'read write', audience, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  const metadata = { issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token`, pid: process.pid };
  process.stdout.write(`${JSON.stringify(metadata)}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.closeAllConnections?.();
    server.close(() => process.exit(0));
  });
}
