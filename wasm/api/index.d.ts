// Types of certbind/api (checked by `npm run check` with tests/types.check.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWTPayload, JWSHeaderParameters, JSONWebKeySet } from 'jose';
import type { Binding } from '../dist/node/certbind_wasm.js';

/** Asymmetric JWS algorithms accepted by default. */
export declare const DEFAULT_ALGORITHMS: string[];
/** The forwarded-certificate formats read, with their default header names. */
export declare const HEADER_FORMATS: Record<'rfc9440' | 'nginx-escaped' | 'haproxy-base64' | 'azure' | 'aws-alb', string>;

export interface VerifierOptions {
  /** The token issuer, compared with `iss`. */
  issuer: string;
  /** This API's identifier, required among `aud`. */
  audience: string;
  /** The issuer's JWKS URL (https://), fetched by jose, cached, refetched on an unknown kid. */
  jwksUri?: string;
  /** A JWK Set given directly instead of `jwksUri`. */
  jwks?: JSONWebKeySet;
  /** CA certificate(s), PEM, to trust for the JWKS fetch besides Node's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** JWS algorithms accepted (never `none` or HS*). */
  algorithms?: string[];
  /** Seconds of clock difference tolerated for exp/nbf (default 60). */
  leeway?: number;
  /** Reject tokens without `cnf` (default true). */
  requireBinding?: boolean;
  /** Addresses or CIDR blocks of the reverse proxies whose certificate header counts, by TCP peer address. */
  trustedProxies?: string[];
  /** The header a trusted proxy forwards the client certificate in: a format name, or {format, name}. */
  certificateHeader?: keyof typeof HEADER_FORMATS | { format: keyof typeof HEADER_FORMATS; name?: string };
  /** The realm of the WWW-Authenticate challenge. */
  realm?: string;
  /** Where rejection reasons go (default: console.warn). */
  log?: (event: { level: string; message: string; peer?: string; status?: number; error?: string }) => void;
  /** Milliseconds between two JWKS fetches at most (default 30000). */
  cooldown?: number;
  /** Milliseconds a fetched JWKS is used before it is fetched again (default 3600000). */
  cacheMaxAge?: number;
  /** JWKS fetch timeout in milliseconds (default 5000). */
  timeout?: number;
}

export interface Verified {
  ok: true;
  claims: JWTPayload & { cnf?: Record<string, unknown>; client_id?: string; scope?: string };
  header: JWSHeaderParameters;
  /** certbind-core's binding check. */
  binding: Binding;
  /** Whether the certificate came from a trusted proxy's header. */
  forwarded: boolean;
}

export interface Rejected {
  ok: false;
  /** 400, 401, 403 or 503. */
  status: number;
  /** "missing", "invalid_request", "invalid_token", "insufficient_scope" or "keys_unavailable". */
  error: string;
  /** The WWW-Authenticate value, if any. */
  challenge: string | null;
  /** Why, for the log (never for the response). */
  reason: string;
  binding?: Binding;
  scope?: string;
}

export type VerifyResult = Verified | Rejected;

export interface Verifier {
  verify(req: IncomingMessage): Promise<VerifyResult>;
  reject(res: ServerResponse, result: Rejected, req?: IncomingMessage): void;
  requireScope(result: Verified, scope: string): Rejected | null;
  express(): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  fastify(): (request: { raw: IncomingMessage }, reply: any) => Promise<unknown>;
}

export declare function createVerifier(options: VerifierOptions): Verifier;
