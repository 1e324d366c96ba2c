#!/usr/bin/env node
// Benchmark (not a test): inspect + thumbprints of every certificate in /etc/ssl/certs in Node,
// certbind (the WebAssembly build, dist/node) against @peculiar/x509 (the most used JS X.509
// library, on WebCrypto for the digests), in the same run. Both results are cross-checked.
//   node scripts/bench.mjs [ROUNDS]
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

const require = createRequire(import.meta.url);
const certbind = require('../dist/node/certbind_wasm.js');
const DIR = process.env.CERTS_DIR ?? '/etc/ssl/certs';
const ROUNDS = Number(process.argv[2] ?? 5);

const seen = new Set();
const files = [];
for (const name of readdirSync(DIR).sort()) {
  if (!name.endsWith('.pem') && !name.endsWith('.crt')) continue;
  const path = realpathSync(join(DIR, name));
  if (seen.has(path) || !statSync(path).isFile() || path.endsWith('ca-certificates.crt')) continue;
  seen.add(path);
  files.push(readFileSync(path));
}
const hex = (buf) => Buffer.from(buf).toString('hex').toUpperCase();

function runCertbind() {
  const out = [];
  for (const bytes of files) {
    for (const r of certbind.inspect(bytes)) out.push([r.sha1, r.sha256, r.subject, r.notAfter, r.san.length]);
  }
  return out;
}

async function runPeculiar() {
  const out = [];
  for (const bytes of files) {
    const cert = new x509.X509Certificate(bytes.toString('utf8'));
    const sha1 = hex(await cert.getThumbprint('SHA-1'));
    const sha256 = hex(await cert.getThumbprint('SHA-256'));
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    out.push([sha1, sha256, cert.subject, cert.notAfter.toISOString(), san ? san.names.items.length : 0, cert.issuer, cert.serialNumber]);
  }
  return out;
}

async function time(fn) {
  const started = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - started) / 1e6, r];
}

// Warm up both (JIT, wasm tier-up), and cross-check the answers.
const a = runCertbind();
const b = await runPeculiar();
if (a.length !== b.length) throw new Error(`certificate counts differ: certbind ${a.length}, @peculiar/x509 ${b.length}`);
a.forEach((row, i) => {
  if (row[0] !== b[i][0] || row[1] !== b[i][1]) throw new Error(`thumbprints differ for certificate ${i}`);
});

let best = [Infinity, Infinity];
for (let round = 0; round < ROUNDS; round += 1) {
  const [ms1] = await time(runCertbind);
  const [ms2] = await time(runPeculiar);
  best = [Math.min(best[0], ms1), Math.min(best[1], ms2)];
}
const per = (ms) => `${((ms * 1000) / a.length).toFixed(1)} µs/cert`;
console.log(`${a.length} certificates from ${DIR} (${files.length} files), best of ${ROUNDS} rounds, Node ${process.version}`);
console.log(`certbind (wasm, inspect incl. thumbprints): ${best[0].toFixed(1)} ms  ${per(best[0])}`);
console.log(`@peculiar/x509 (parse + SHA-1 + SHA-256):   ${best[1].toFixed(1)} ms  ${per(best[1])}`);
console.log(`ratio @peculiar/x509 / certbind: ${(best[1] / best[0]).toFixed(2)}x`);
