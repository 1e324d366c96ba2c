// The keys of the objects the API returns, typed against the generated .d.ts: tsc (checkJs)
// fails when a key is missing here or is not in the type, and tests/types.test.mjs fails when
// a returned object has a key that is not listed here (or lacks one). Together they keep the
// TypeScript types and the runtime values equal.

/** @type {Record<keyof import('certbind').CertificateReport, true>} */
export const CERTIFICATE_REPORT = {
  index: true, version: true, serial: true, subject: true, issuer: true, subjectDer: true,
  issuerDer: true, notBefore: true, notAfter: true, notBeforeUnix: true, notAfterUnix: true,
  san: true, keyAlgorithm: true, signatureAlgorithm: true, extendedKeyUsage: true, keyUsage: true,
  basicConstraints: true, subjectKeyId: true, authorityKeyId: true, selfIssued: true,
  warnings: true, sha1: true, sha256: true, x5t: true, 'x5t#S256': true, spkiSha256: true,
  hasPrivateKey: true,
};

/** @type {Record<keyof import('certbind').ThumbprintReport, true>} */
export const THUMBPRINT_REPORT = {
  index: true, sha1: true, sha256: true, x5t: true, 'x5t#S256': true, spkiSha256: true,
  subject: true, hasPrivateKey: true,
};

/** @type {Record<keyof import('certbind').NormalizedThumbprint, true>} */
export const NORMALIZED = { value: true, form: true, changes: true, summary: true, algorithm: true };

/** @type {Record<keyof import('certbind').Change, true>} */
export const CHANGE = { index: true, char: true, codePoint: true, name: true, kind: true };

/** @type {Record<keyof import('certbind').Comparison, true>} */
export const COMPARISON = {
  matched: true, expected: true, algorithm: true, clientCertificates: true, matches: true,
  nearMisses: true, certificateCount: true,
};

/** @type {Record<keyof import('certbind').InputReport, true>} */
export const INPUT_REPORT = {
  format: true, certificates: true, keyCertificate: true, hasPrivateKey: true, notes: true,
};

/** @type {Record<keyof import('certbind').ExplainReport, true>} */
export const EXPLAIN_REPORT = {
  certificate: true, at: true, accepted: true, selectedBy: true, truncated: true,
  unknownClient: true, clients: true, warnings: true,
};

/** @type {Record<keyof import('certbind').ExplainedCertificate, true>} */
export const EXPLAINED_CERTIFICATE = {
  subject: true, issuer: true, sha1: true, sha256: true, 'x5t#S256': true, notBefore: true,
  notAfter: true, chain: true,
};

/** @type {Record<keyof import('certbind').ClientExplanation, true>} */
export const CLIENT_EXPLANATION = {
  clientId: true, name: true, description: true, method: true, methodDerived: true, decision: true,
  secrets: true,
};

/** @type {Record<keyof import('certbind').ChainReport, true>} */
export const CHAIN_REPORT = { valid: true, reason: true, error: true, path: true, anchor: true };
