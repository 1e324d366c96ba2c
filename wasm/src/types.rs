//! The TypeScript types of the values the package returns, appended to the generated `.d.ts`.
//! They describe the core's serde output with camelCase keys (see `json.rs`); the `tsc` check
//! (`npm run check`) and the key test in tests/ keep them honest.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A certificate input: raw bytes (DER, PKCS#12, a PEM file) or text (PEM, base64, hex). */
export type CertificateInput = Uint8Array | ArrayBuffer | string;

/** Options for reading a certificate input. */
export interface DecodeOptions {
  /** Password for PKCS#12 (.pfx/.p12); ignored for every other format. */
  password?: string;
}

/** The four certificate thumbprints, plus the public-key hash. */
export interface ThumbprintSet {
  /** SHA-1, 40 uppercase hex digits (IdentityServer3 X509CertificateThumbprint). */
  sha1: string;
  /** SHA-256, 64 uppercase hex digits. */
  sha256: string;
  /** base64url SHA-1. */
  x5t: string;
  /** base64url SHA-256 (RFC 8705 token binding). */
  "x5t#S256": string;
  /** SHA-256 of the SubjectPublicKeyInfo: a key hash, NOT a certificate thumbprint. */
  spkiSha256: string | null;
}

/** One certificate of an input, as `thumbprints()` returns it. */
export interface ThumbprintReport extends ThumbprintSet {
  /** 0-based position in the input. */
  index: number;
  /** Subject, RFC 4514. */
  subject: string;
  /** Whether the input's private key belongs to this certificate (PKCS#12). */
  hasPrivateKey: boolean;
}

/** A subject alternative name. */
export interface SubjectAltName {
  /** "dns", "uri", "ip", "email", "dir_name", "other_name" or "registered_id". */
  type: string;
  value: string;
}

/** Basic constraints (RFC 5280 4.2.1.9). */
export interface BasicConstraints {
  ca: boolean;
  pathLen: number | null;
}

/** The readable view of a certificate (the CLI's `inspect --json`, camelCase). */
export interface CertificateInfo {
  version: number;
  /** Uppercase hex, as in the DER. */
  serial: string;
  /** RFC 4514, attribute types named as `openssl x509 -nameopt RFC2253` names them
   * (`serialNumber=…`, `organizationIdentifier=…`); `OID=#hex` for types nobody names. */
  subject: string;
  /** RFC 4514, as `subject`. */
  issuer: string;
  /** Hex of the subject Name DER. */
  subjectDer: string;
  /** Hex of the issuer Name DER. */
  issuerDer: string;
  /** RFC 3339 UTC. */
  notBefore: string;
  /** RFC 3339 UTC. */
  notAfter: string;
  /** Seconds since the Unix epoch; negative before 1970 (RFC 5280 allows dates from 1950 in
   * UTCTime, any year in GeneralizedTime). */
  notBeforeUnix: number;
  /** Seconds since the Unix epoch; 253402300799 for 9999-12-31T23:59:59Z, "no expiration". */
  notAfterUnix: number;
  san: SubjectAltName[];
  /** e.g. "RSA 2048", "EC P-256", "Ed25519". */
  keyAlgorithm: string;
  /** e.g. "sha256WithRSAEncryption". */
  signatureAlgorithm: string;
  /** "clientAuth", "serverAuth", ... or a dotted OID. */
  extendedKeyUsage: string[];
  keyUsage: string[];
  basicConstraints: BasicConstraints | null;
  /** Hex. */
  subjectKeyId: string | null;
  /** Hex. */
  authorityKeyId: string | null;
  selfIssued: boolean;
  /** Fields that could not be shown, with the reason. */
  warnings: string[];
}

/** One certificate of an input, as `inspect()` returns it. */
export interface CertificateReport extends CertificateInfo, ThumbprintSet {
  /** 0-based position in the input. */
  index: number;
  /** Whether the input's private key belongs to this certificate (PKCS#12). */
  hasPrivateKey: boolean;
}

/** The format an input was recognised as. */
export type InputFormat = "pem" | "der" | "base64" | "hex" | "pkcs7" | "pkcs12";

/** Everything `readCertificates()` read from an input. */
export interface InputReport {
  format: InputFormat;
  certificates: CertificateReport[];
  /** Index of the certificate the private key belongs to (PKCS#12), else null. */
  keyCertificate: number | null;
  /** Whether the input held a private key (never returned). */
  hasPrivateKey: boolean;
  /** What was skipped or interpreted, e.g. "line 12: skipped PEM block PRIVATE KEY". */
  notes: string[];
}

/** The form of a thumbprint string. */
export type ThumbprintForm = "sha1" | "sha256" | "x5t" | "x5t#S256";

/** The digest algorithm behind a thumbprint form. */
export type DigestAlgorithm = "sha1" | "sha256";

/** Why a character of a pasted thumbprint was removed or changed. */
export type ChangeKind =
  | "invisible" | "whitespace" | "separator" | "label" | "prefix" | "case_folded"
  | "standard_base64" | "padding" | "quote";

/** One character removed or changed while cleaning a pasted thumbprint. */
export interface Change {
  /** 0-based position in code points (`Array.from(text)`), in the text as given. */
  index: number;
  /** The character. */
  char: string;
  /** "U+XXXX". */
  codePoint: string;
  /** Unicode name, e.g. "LEFT-TO-RIGHT MARK". */
  name: string;
  kind: ChangeKind;
}

/** A cleaned thumbprint. */
export interface NormalizedThumbprint {
  /** Uppercase hex, or the base64url text of the x5t forms. */
  value: string;
  form: ThumbprintForm;
  /** Every character removed or changed, in input order. */
  changes: Change[];
  /**
   * The changes summed up by kind, one line each, in the words `certbind normalize` prints:
   * "removed invisible U+200E LEFT-TO-RIGHT MARK at position 0", "removed 19 whitespace
   * character(s) (U+0020 SPACE), first at position 3", "made 16 lowercase hex digit(s)
   * uppercase". Empty when nothing changed.
   */
  summary: string[];
  algorithm: DigestAlgorithm;
}

/** A certificate whose thumbprint equals the pasted value. */
export interface CertificateMatch {
  index: number;
  form: ThumbprintForm;
  subject: string;
  hasPrivateKey: boolean;
}

/** What a pasted value is, when it is not the client certificate's thumbprint. */
export type NearMissKind =
  | "issuer_certificate" | "other_certificate" | "public_key_hash"
  | "subject_key_identifier" | "authority_key_identifier" | "serial_number"
  | "file_hash" | "characters_differ";

/** One character where the pasted value differs from a certificate's thumbprint. */
export interface Difference {
  /** 0-based position in code points in the text as pasted. */
  index: number;
  pasted: string;
  certificate: string;
}

/** A value related to the input that the pasted value equals or nearly equals. */
export interface NearMiss {
  kind: NearMissKind;
  index: number | null;
  issued: number | null;
  form: ThumbprintForm;
  differences: Difference[];
  /** The near miss in words. */
  message: string;
}

/** The answer of `compare()`. */
/** Options of `checkBinding`. */
export interface BindingOptions {
  /** The certificates the client sent after its own (intermediates), any format. */
  chain?: CertificateInput | CertificateInput[];
  /** Password of a PKCS#12 certificate input. */
  password?: string;
}

/** A near miss of a token binding: what `cnf.x5t#S256` is instead. */
export interface BindingHint {
  /** "padding", "standard_base64", "hex", "sha1", "formatting", "public_key_hash",
   *  "issuer_certificate", "chain_certificate", "certificate_field", "characters_differ",
   *  "dpop", "proof_of_possession_key" or "not_a_thumbprint". */
  kind: string;
  /** Whether, read that way, the value denotes the presented certificate. */
  matchesCertificate: boolean;
  message: string;
}

/** The answer of `checkBinding` (certbind-core's `check_binding`, RFC 8705 section 3). */
export interface Binding {
  /** "bound", "no_confirmation", "no_certificate_thumbprint", "malformed", "no_certificate"
   *  or "other_certificate". */
  outcome: string;
  bound: boolean;
  /** cnf.x5t#S256 as the token carried it, when a string. */
  tokenX5tS256: string | null;
  /** The presented certificate's x5t#S256. */
  certificateX5tS256: string | null;
  hints: BindingHint[];
  /** The verdict in words. */
  message: string;
}

export interface Comparison {
  matched: boolean;
  expected: NormalizedThumbprint;
  algorithm: DigestAlgorithm;
  /** The certificates a client would present: the key's, else those that issued no other. */
  clientCertificates: number[];
  matches: CertificateMatch[];
  nearMisses: NearMiss[];
  certificateCount: number;
}

/** The `code` of a thrown error: the core error's variant name, or a glue code. */
export type ErrorCode =
  | "EmptyInput" | "InputTooLarge" | "TooManyCertificates" | "UnrecognizedFormat"
  | "NoCertificate" | "PemUnterminated" | "PemLabelMismatch" | "InvalidBase64" | "InvalidHex"
  | "InvalidPercentEncoding" | "BadDer" | "TrailingData" | "NotACertificate" | "Pkcs7" | "Pkcs12PasswordRequired"
  | "Pkcs12WrongPassword" | "Pkcs12Unsupported" | "Pkcs12TooManyIterations" | "Pkcs12Malformed"
  | "ThumbprintEmpty" | "ThumbprintInvalidCharacter" | "ThumbprintLength" | "InvalidName"
  | "InvalidTime" | "Registry" | "InvalidTrustAnchor" | "InvalidArgument" | "Internal";

/** One problem of a client registry (code "Registry"). */
export interface RegistryProblem {
  clientId: string | null;
  field: string;
  line: number | null;
  message: string;
}

/** Every error this package throws is an Error (TypeError for InvalidArgument) with a code. */
export interface CertbindError extends Error {
  code: ErrorCode;
  /** 1-based line (PEM, base64). */
  line?: number;
  /** 1-based column (base64). */
  column?: number;
  /** Byte offset (DER, hex, trailing data). */
  offset?: number;
  /** 0-based character position (thumbprint, name) or list index (trust anchor). */
  index?: number;
  /** The offending character (ThumbprintInvalidCharacter). */
  char?: string;
  /** Every registry problem (Registry). */
  problems?: RegistryProblem[];
}
"#;

/// The types of `explain` and `verifyChain` (full build only).
#[cfg(any(feature = "chain", feature = "toml"))]
#[wasm_bindgen(typescript_custom_section)]
const DECISION_TYPES: &'static str = r#"
/** Options of `explain()`. */
export interface ExplainOptions extends DecodeOptions {
  /** Explain this client only. Without it: the clients the certificate could belong to (by
   *  thumbprint, subject DN or SAN); when none, every client of a registry of at most 100
   *  clients (a larger one explains none and sets `truncated`). */
  clientId?: string;
  /** The registry is part of a larger document such as the server's certbind.toml: unknown
   *  top-level keys (the [server] table, …) are ignored instead of reported. Default false. */
  embedded?: boolean;
  /** The time of the decision: a Date, an RFC 3339 string or milliseconds; default now. */
  now?: Date | string | number;
  /** Certificates the client sent after its own (its chain). */
  chain?: CertificateInput | CertificateInput[];
  /** Trust anchors for tls_client_auth, added to the registry's default set. */
  anchors?: CertificateInput | CertificateInput[];
  /** The files the registry names (trust_anchors, certificates), by the path written there. */
  files?: Record<string, CertificateInput>;
  /** Reads a file the registry names that is not in `files` (e.g. from disk, in Node). */
  readFile?: (path: string) => CertificateInput;
}

/** One secret's outcome. `reason` is the core's reason as data (its `code` names it). */
export interface SecretOutcome {
  index: number;
  type: string;
  description: string | null;
  matched: boolean;
  method?: string;
  reason?: { code: string; [key: string]: unknown };
  /** The outcome in words. */
  message: string;
}

/** The decision for one client. */
export interface ClientExplanation {
  clientId: string;
  /** The client's name in the registry, if it has one. */
  name: string | null;
  /** The client's description in the registry, if it has one. */
  description: string | null;
  /** The client's token_endpoint_auth_method. */
  method: string;
  /** Whether the method was derived from the secrets (not written in the registry). */
  methodDerived: boolean;
  decision: { outcome: "accepted" | "rejected"; clientId: string; [key: string]: unknown };
  /** Every secret, matched or not, in registry order. */
  secrets: SecretOutcome[];
}

/** The certificate an explanation is about. */
export interface ExplainedCertificate {
  subject: string | null;
  issuer: string | null;
  sha1: string;
  sha256: string;
  "x5t#S256": string;
  /** RFC 3339. */
  notBefore: string;
  /** RFC 3339. */
  notAfter: string;
  /** How many certificates were sent after it. */
  chain: number;
}

/** The answer of `explain()`: certbind-core's explain report, the same `certbind explain
 *  --json` prints (with camelCase keys). */
export interface ExplainReport {
  certificate: ExplainedCertificate;
  /** The time the decision was made at (RFC 3339). */
  at: string;
  /** Whether some explained client accepts the certificate. */
  accepted: boolean;
  /** How the clients were chosen. */
  selectedBy: "client_id" | "index" | "all";
  /** No client names the certificate and the registry has more than 100 clients: none was
   *  explained (name one with `clientId`). */
  truncated: boolean;
  /** The clientId asked for, when no client has it. */
  unknownClient: string | null;
  clients: ClientExplanation[];
  /** Registry warnings (cleaned thumbprints, expired secrets, files not available here). */
  warnings: RegistryProblem[];
}

/** Options of `verifyChain()`. */
export interface VerifyChainOptions {
  anchors: CertificateInput | CertificateInput[];
  intermediates?: CertificateInput | CertificateInput[];
  /** Default now. */
  now?: Date | string | number;
  /** Default "client" (the leaf must allow clientAuth). */
  usage?: "client" | "server";
}

/** The answer of `verifyChain()`. */
export interface ChainReport {
  valid: boolean;
  /** Why not, in words. */
  reason: string | null;
  /** Why not, as data. */
  error: { code: string; [key: string]: unknown } | null;
  /** Indexes of the intermediates on the path, leaf side first. */
  path: number[] | null;
  anchor: number | null;
}
"#;
