// certbind/api: protecting a Node API (node:http/https, Express, Fastify) with
// certificate-bound access tokens (RFC 8705 §3, RFC 9068, RFC 6750).
//
// A request passes when its `Authorization: Bearer` token is a JWT signed by a key of the
// issuer's JWKS, with typ at+jwt, the issuer, the audience and a valid exp/nbf (all by `jose`,
// the maintained JOSE library: an optional peer dependency of this entry point only), and is
// bound (cnf.x5t#S256) to the client certificate of the request: the one on the TLS socket, or
// the one a trusted reverse proxy forwarded in a header (trusted by the TCP peer address only,
// as certbind's Rust server does). The binding check and its explanation come from certbind-core
// (the package's WebAssembly build: checkBinding), the same answer as the Rust extractor, the
// CLI and the checker page. Rejections follow RFC 6750 with empty bodies; the reason goes to
// `options.log`.

import { BlockList, isIP } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const certbind = require('../dist/node/certbind_wasm.js');

let jose;
try {
  jose = await import('jose');
} catch {
  throw new Error("certbind/api needs the 'jose' package to verify token signatures: npm install jose");
}

/** Asymmetric JWS algorithms only: never `none` or HMAC (RFC 8725 §2.1). */
export const DEFAULT_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];
/** Largest token read, as the Rust verifier. */
const MAX_TOKEN_BYTES = 16 * 1024;
/** Largest JWKS document read. */
const MAX_JWKS_BYTES = 256 * 1024;
/** Largest forwarded certificate header read (as certbind's Rust proxy readers). */
const MAX_HEADER_BYTES = 32 * 1024;
/** Addresses warned about for an untrusted certificate header, at most. */
const MAX_WARNED = 1000;
/**
 * Forwarded certificates kept read, at most (about 4 KB each). Behind a proxy every request
 * carries its client's certificate in a header again; reading it costs ~100 µs, a look-up ~1 µs.
 */
const MAX_FORWARDED_KEPT = 1024;

/** The forwarded-certificate formats this helper reads, with their default header. */
export const HEADER_FORMATS = {
  rfc9440: 'client-cert',
  'nginx-escaped': 'x-ssl-client-cert',
  'haproxy-base64': 'x-ssl-client-cert',
  azure: 'x-arr-clientcert',
  'aws-alb': 'x-amzn-mtls-clientcert',
};

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** A `fetch` for jose that trusts `ca` (PEM) besides Node's roots and bounds the body. */
function fetchTrusting(ca) {
  return (url, { headers, signal }) =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method: 'GET', headers, signal, ca }, (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (chunk) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES) req.destroy(new Error(`the JWKS is larger than ${MAX_JWKS_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: { 'content-type': String(res.headers['content-type'] ?? '') } })));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
}

/** The peers trusted to forward a certificate: addresses and CIDR blocks, by TCP peer address. */
function trustList(entries) {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = String(entry).split('/');
    const family = isIP(address) === 6 ? 'ipv6' : isIP(address) === 4 ? 'ipv4' : null;
    if (!family) throw new TypeError(`trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR block`);
    if (prefix === undefined) list.addAddress(address, family);
    else {
      const bits = Number(prefix);
      if (!Number.isInteger(bits) || bits < 1 || bits > (family === 'ipv4' ? 32 : 128)) {
        throw new TypeError(`trustedProxies: ${JSON.stringify(entry)}: the prefix length must be 1 to ${family === 'ipv4' ? 32 : 128}`);
      }
      list.addSubnet(address, bits, family);
    }
  }
  return list;
}

/** `::ffff:10.1.2.3` (an IPv4 peer on a dual-stack socket) as the IPv4 address it is. */
function canonicalPeer(address) {
  if (typeof address !== 'string') return null;
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** The DER of the leaf and of the chain after it, from a detailed peer certificate. */
function chainOf(detailed) {
  const chain = [];
  let cert = detailed?.issuerCertificate;
  let previous = detailed;
  while (cert && cert !== previous && cert.raw && chain.length < 8) {
    chain.push(cert.raw);
    previous = cert;
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** The header value's certificates for `format`, as certbind-core reads them. */
function forwardedCertificate(format, value) {
  let text = value.trim();
  if (format === 'rfc9440') {
    // RFC 8941 Byte Sequence: ':' base64 ':'.
    if (!/^:[A-Za-z0-9+/]+=*:$/.test(text)) throw new Error('not an RFC 8941 Byte Sequence (:base64:)');
    text = text.slice(1, -1);
  }
  const read = certbind.readCertificates(text);
  if (read.hasPrivateKey) throw new Error('the header holds a private key');
  if (format !== 'aws-alb' && read.certificates.length !== 1) {
    throw new Error(`the header holds ${read.certificates.length} certificates; one is expected`);
  }
  return text;
}

function challenge(realm, error, scope) {
  const params = [];
  const quoted = (s) => String(s).replace(/[\u0000-\u001f\u007f]/g, '').replace(/["\\]/g, '\\$&');
  if (realm) params.push(`realm="${quoted(realm)}"`);
  if (error) params.push(`error="${error}"`);
  if (scope) params.push(`scope="${quoted(scope)}"`);
  return params.length ? `Bearer ${params.join(', ')}` : 'Bearer';
}

/**
 * A verifier of certificate-bound access tokens for one API.
 * @param {import('./index.d.ts').VerifierOptions} options
 */
export function createVerifier(options) {
  const {
    issuer,
    audience,
    jwksUri,
    jwks,
    ca,
    algorithms = DEFAULT_ALGORITHMS,
    leeway = 60,
    requireBinding = true,
    trustedProxies = [],
    certificateHeader,
    realm,
    log = (event) => console.warn(`certbind/api: ${event.message}`),
    cooldown = 30_000,
    cacheMaxAge = 3_600_000,
    timeout = 5_000,
  } = options ?? {};
  if (typeof issuer !== 'string' || typeof audience !== 'string') throw new TypeError('createVerifier: issuer and audience are required strings');
  const accepted = algorithms.filter((a) => a !== 'none' && !a.startsWith('HS'));
  let keys;
  if (jwks) {
    keys = jose.createLocalJWKSet(jwks);
  } else if (jwksUri) {
    const url = new URL(jwksUri);
    if (url.protocol !== 'https:') throw new TypeError(`createVerifier: the JWKS URL ${jwksUri} is not https://`);
    keys = jose.createRemoteJWKSet(url, {
      cooldownDuration: cooldown,
      cacheMaxAge,
      timeoutDuration: timeout,
      ...(ca ? { [jose.customFetch]: fetchTrusting(ca) } : {}),
    });
  } else {
    throw new TypeError('createVerifier: give jwksUri (the issuer\'s JWKS URL) or jwks (a JWK Set)');
  }
  const trusted = trustList(trustedProxies);
  let header = null;
  if (certificateHeader) {
    const format = typeof certificateHeader === 'string' ? certificateHeader : certificateHeader.format;
    if (!Object.hasOwn(HEADER_FORMATS, format)) {
      throw new TypeError(`createVerifier: certificateHeader format ${JSON.stringify(format)} is not read by the Node helper (use one of ${Object.keys(HEADER_FORMATS).join(', ')})`);
    }
    header = { format, name: (certificateHeader.name ?? HEADER_FORMATS[format]).toLowerCase() };
  }
  const warned = new Set();
  /** TLS socket -> its client certificate, wrapped by the core. */
  const wrapped = new WeakMap();

  const fail = (status, error, reason, extra = {}) => ({ ok: false, status, error, challenge: error === 'keys_unavailable' ? null : challenge(realm, error === 'missing' ? null : error, extra.scope), reason, ...extra });

  /** Header value -> its certificate wrapped by the core; Map order is least recently used first. */
  const forwardedKept = new Map();

  /**
   * The certificate a trusted proxy forwarded, read by the core once per distinct header value
   * (a client sends the same certificate with each request). Only headers that read well are
   * kept; an evicted one is freed by the wasm glue's FinalizationRegistry once unused.
   */
  function forwardedOf(value) {
    let kept = forwardedKept.get(value);
    if (kept) {
      forwardedKept.delete(value);
    } else {
      const text = forwardedCertificate(header.format, value);
      kept = { der: text, presented: new certbind.PresentedCertificate(text), chain: [], forwarded: true };
      if (forwardedKept.size >= MAX_FORWARDED_KEPT) forwardedKept.delete(forwardedKept.keys().next().value);
    }
    forwardedKept.set(value, kept);
    return kept;
  }

  /** The certificate of the request: `{der, chain, forwarded}` or null; throws for a bad header. */
  function certificateOf(req) {
    const socket = req.socket;
    const peer = canonicalPeer(socket?.remoteAddress);
    // A proxy's header counts only on a plain-HTTP connection (a listener behind a
    // TLS-terminating proxy) from a trusted address; on a TLS connection the client presented
    // its own certificate, and that is the one used.
    const plain = !socket?.encrypted;
    const fromProxy = header && plain && peer !== null && trusted.check(peer, isIP(peer) === 6 ? 'ipv6' : 'ipv4');
    if (header && !fromProxy && req.headers[header.name] !== undefined && peer !== null && !warned.has(peer)) {
      if (warned.size < MAX_WARNED) warned.add(peer);
      const why = plain ? 'which is not a trusted proxy' : 'on a TLS connection (its own certificate counts)';
      log({ level: 'warn', peer, message: `a certificate header (${header.name}) came from ${peer}, ${why}: ignored` });
    }
    if (fromProxy) {
      // The proxy's header wins; a certificate on the proxy's own connection is the proxy's.
      const values = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i].toLowerCase() === header.name) values.push(req.rawHeaders[i + 1]);
      }
      if (values.length === 0 || values[0].trim() === '') return null;
      if (values.length > 1) throw new Error(`the ${header.name} header is repeated`);
      if (values[0].length > MAX_HEADER_BYTES) throw new Error(`the ${header.name} header is larger than ${MAX_HEADER_BYTES} bytes`);
      return forwardedOf(values[0]);
    }
    if (!socket?.encrypted || typeof socket.getPeerX509Certificate !== 'function') return null;
    const leaf = socket.getPeerX509Certificate();
    if (!leaf) return null;
    // The certificate is wrapped by the core once per connection (keep-alive clients send many
    // requests over one handshake); the bytes are compared each time, so a renegotiated
    // certificate is never mistaken for the first.
    const raw = leaf.raw;
    let cached = wrapped.get(socket);
    if (!cached || !cached.der.equals(raw)) {
      cached = { der: raw, presented: new certbind.PresentedCertificate(raw), chain: null, forwarded: false, socket };
      wrapped.set(socket, cached);
    }
    return cached;
  }

  /**
   * Verifies the request's bearer token and its binding.
   * @returns {Promise<import('./index.d.ts').VerifyResult>}
   */
  async function verify(req) {
    const authorization = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() === 'authorization') authorization.push(req.rawHeaders[i + 1]);
    }
    if (authorization.length === 0) return fail(401, 'missing', 'no Authorization header');
    if (authorization.length > 1) return fail(400, 'invalid_request', 'the Authorization header is repeated');
    const [scheme, ...rest] = authorization[0].split(' ');
    if (scheme.toLowerCase() !== 'bearer') return fail(401, 'missing', `Authorization scheme ${scheme}, not Bearer`);
    const token = rest.join(' ').trim();
    if (!B64TOKEN.test(token)) return fail(400, 'invalid_request', 'the Bearer value is not one token (RFC 6750 §2.1)');
    if (token.length > MAX_TOKEN_BYTES) return fail(401, 'invalid_token', `the token is ${token.length} bytes; the limit is ${MAX_TOKEN_BYTES}`);

    let certificate;
    try {
      certificate = certificateOf(req);
    } catch (e) {
      return fail(401, 'invalid_token', `the forwarded certificate header is malformed: ${e.message}`);
    }

    let verified;
    try {
      verified = await jose.jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms: accepted,
        clockTolerance: leeway,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iss', 'aud'],
      });
    } catch (e) {
      if (e instanceof jose.errors.JOSEError && e.code !== 'ERR_JWKS_TIMEOUT') {
        return fail(401, 'invalid_token', `${e.code}: ${e.message}`);
      }
      return fail(503, 'keys_unavailable', `the issuer's keys cannot be had: ${e.message}`);
    }
    const { payload, protectedHeader } = verified;
    const cnf = payload.cnf ?? null;
    // The decision is certbind-core's; on a TLS connection the certificate was wrapped once,
    // and the explanation (a JavaScript object) is built only when the token is not bound.
    if (certificate?.presented?.isBound(cnf)) {
      const { presented } = certificate;
      let binding;
      return {
        ok: true, claims: payload, header: protectedHeader, forwarded: certificate.forwarded,
        get binding() { return (binding ??= presented.checkBinding(cnf)); },
      };
    }
    let binding = certificate?.presented
      ? certificate.presented.checkBinding(cnf)
      : certbind.checkBinding(cnf, certificate?.der ?? null);
    if (!binding.bound && certificate?.socket) {
      // Only on a mismatch: the chain the client sent, for the issuer-certificate hint.
      const chain = chainOf(certificate.socket.getPeerCertificate(true));
      if (chain.length) binding = certbind.checkBinding(cnf, certificate.der, { chain });
    }
    if (!binding.bound && (requireBinding || binding.outcome !== 'no_confirmation')) {
      const hints = binding.hints.map((h) => `; ${h.message}`).join('');
      return fail(401, 'invalid_token', `binding: ${binding.message}${hints}`, { binding });
    }
    return { ok: true, claims: payload, header: protectedHeader, binding, forwarded: certificate?.forwarded ?? false };
  }

  /** Sends the RFC 6750 answer of a failed verification (empty body) and logs the reason. */
  function reject(res, result, req) {
    log({ level: result.status >= 500 ? 'error' : 'warn', peer: req?.socket?.remoteAddress, status: result.status, error: result.error, message: `token rejected (${result.error}): ${result.reason}` });
    const headers = { 'cache-control': 'no-store' };
    if (result.challenge) headers['www-authenticate'] = result.challenge;
    if (result.status === 503) headers['retry-after'] = '30';
    res.writeHead(result.status, headers);
    res.end();
  }

  /** Requires a scope of a verified token: a 403 insufficient_scope result, or null. */
  function requireScope(result, scope) {
    const scopes = String(result.claims?.scope ?? '').split(' ');
    return scopes.includes(scope) ? null : fail(403, 'insufficient_scope', `the token lacks the scope ${scope}`, { scope });
  }

  return {
    verify,
    reject,
    requireScope,
    /** Express (and Connect) middleware: `req.certbind` holds the verified token. */
    express() {
      return (req, res, next) => {
        verify(req).then((result) => {
          if (!result.ok) return reject(res, result, req);
          req.certbind = result;
          return next();
        }, next);
      };
    },
    /** A Fastify `onRequest`/`preHandler` hook: `request.certbind` holds the verified token. */
    fastify() {
      return async (request, reply) => {
        const result = await verify(request.raw);
        if (!result.ok) {
          log({ level: result.status >= 500 ? 'error' : 'warn', peer: request.raw.socket?.remoteAddress, status: result.status, error: result.error, message: `token rejected (${result.error}): ${result.reason}` });
          reply.code(result.status).header('cache-control', 'no-store');
          if (result.challenge) reply.header('www-authenticate', result.challenge);
          if (result.status === 503) reply.header('retry-after', '30');
          return reply.send();
        }
        request.certbind = result;
        return undefined;
      };
    },
  };
}
