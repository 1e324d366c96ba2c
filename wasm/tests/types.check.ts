// Compiled by `npm run check` (tsc, no emit): the generated .d.ts files of every build must
// type-check, and typical use must compile against them.
import * as node from 'certbind';
import * as lite from 'certbind/lite';
import * as inline from 'certbind/inline';
import init, * as web from '../dist/web/certbind_wasm.js';
import type { Binding, CertbindError, Comparison, ExplainReport } from 'certbind';
import { createVerifier } from 'certbind/api';
import type { VerifyResult } from 'certbind/api';

const pem: string = '-----BEGIN CERTIFICATE-----\n...';
const bytes = new Uint8Array([0x30]);

const reports = node.inspect(bytes, { password: 'x' });
const first: string = reports[0].sha1 + reports[0]['x5t#S256'] + reports[0].notAfter;
const days: number = reports[0].notAfterUnix - reports[0].notBeforeUnix;
const prints = lite.thumbprints(pem);
const spki: string | null = prints[0].spkiSha256;
const n = inline.normalizeThumbprint('\u200Eab:cd');
const where: number = n.changes[0].index;
const c: Comparison = node.compare(pem, n.value);
const why: string[] = c.nearMisses.map((m) => m.message);
const e: ExplainReport = node.explain('[[clients]]', bytes, { clientId: 'a', now: new Date(), anchors: [pem] });
const chain = node.verifyChain(pem, { anchors: [pem], usage: 'client' });
const ok: boolean = chain.valid && e.accepted;

async function browser(): Promise<void> {
  await init({ module_or_path: new Uint8Array() });
  web.inspect(pem);
}

try {
  node.thumbprints(pem);
} catch (err) {
  const code: string = (err as CertbindError).code;
  void code;
}

// @ts-expect-error the lite build has no explain
lite.explain('', pem);

const binding: Binding = node.checkBinding({ 'x5t#S256': 'abc' }, bytes, { chain: [pem] });
const hint: string | undefined = binding.hints[0]?.message;
const verifier = createVerifier({ issuer: 'https://as', audience: 'https://api', jwksUri: 'https://as/jwks', trustedProxies: ['10.0.0.0/8'], certificateHeader: 'nginx-escaped' });
async function api(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  const result: VerifyResult = await verifier.verify(req);
  if (!result.ok) return verifier.reject(res, result, req);
  const client: string | undefined = result.claims.client_id;
  void [client, result.binding.certificateX5tS256];
}

// @ts-expect-error the lite build has no checkBinding
lite.checkBinding(null, pem);

void [first, days, spki, where, why, ok, browser, hint, api];
