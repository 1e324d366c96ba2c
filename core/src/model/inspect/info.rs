//! What `inspect` shows: [`CertificateInfo`] and the types of its fields.

use alloc::string::String;
use alloc::vec::Vec;

/// Everything `certbind inspect` shows about a certificate. Serialises to the JSON that the CLI's
/// `inspect --json` and the npm package's `inspect()` return (snake_case keys).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CertificateInfo {
    /// X.509 version (1, 2 or 3); 0 when the version field holds something else (see warnings).
    pub version: u8,
    /// Serial number as uppercase hex, two digits per byte as in the DER, without the `00` sign
    /// byte DER puts before a high bit (the form `openssl x509 -serial` prints). A negative serial
    /// (not allowed by RFC 5280, but seen) is `-` and the hex of its magnitude, as OpenSSL prints it.
    pub serial: String,
    /// Subject as an RFC 4514 string (rules: core/README.md, "Names, times and addresses").
    pub subject: String,
    /// Issuer as an RFC 4514 string.
    pub issuer: String,
    /// Subject name DER (uppercase hex), byte for byte as in the certificate.
    pub subject_der: String,
    /// Issuer name DER (uppercase hex).
    pub issuer_der: String,
    /// notBefore, RFC 3339 UTC (`2025-01-31T00:00:00Z`); empty when unreadable (see warnings).
    pub not_before: String,
    /// notAfter, RFC 3339 UTC; empty when unreadable (see warnings).
    pub not_after: String,
    /// notBefore as seconds since the Unix epoch (negative before 1970).
    pub not_before_unix: i64,
    /// notAfter as seconds since the Unix epoch.
    pub not_after_unix: i64,
    /// Subject alternative names, in certificate order.
    pub san: Vec<SubjectAltName>,
    /// Key algorithm with size or curve, e.g. `RSA 2048`, `RSASSA-PSS 2048`, `EC P-256`,
    /// `Ed25519`, or the dotted OID of an algorithm certbind does not know.
    pub key_algorithm: String,
    /// Signature algorithm, e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `Ed25519`,
    /// `RSASSA-PSS (SHA-256)`.
    pub signature_algorithm: String,
    /// Extended key usages by name (`clientAuth`, `serverAuth`, …) or dotted OID.
    pub extended_key_usage: Vec<String>,
    /// Key usages by name (`digitalSignature`, …).
    pub key_usage: Vec<String>,
    /// Basic constraints, when present.
    pub basic_constraints: Option<BasicConstraints>,
    /// Subject key identifier (uppercase hex).
    pub subject_key_id: Option<String>,
    /// Authority key identifier's keyIdentifier (uppercase hex).
    pub authority_key_id: Option<String>,
    /// Subject and issuer names are byte-for-byte equal: a self-issued certificate (RFC 5280
    /// §6.1; a self-signed certificate is one kind). Names that differ only in string type or
    /// case are not counted.
    pub self_issued: bool,
    /// Fields that could not be shown, with the reason (e.g. an undecodable extension).
    pub warnings: Vec<String>,
}

/// A subject alternative name.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct SubjectAltName {
    /// `dns`, `uri`, `ip`, `email`, `dir_name`, `other_name`, `registered_id`, and, rarely,
    /// `x400_address` or `edi_party_name` (value as hex of the content).
    #[serde(rename = "type")]
    pub kind: String,
    /// The value as text: IP addresses in canonical form (IPv6 per RFC 5952, `2001:db8::1`),
    /// dirName as RFC 4514, otherName as `OID:value` (the value as text when it is a string, such
    /// as a Microsoft UPN, else `#` and the hex of its DER), registeredID as a dotted OID.
    pub value: String,
}

/// The basic constraints extension (RFC 5280 §4.2.1.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct BasicConstraints {
    /// Whether the subject is a CA.
    pub ca: bool,
    /// The path length constraint, when present.
    pub path_len: Option<u32>,
}
