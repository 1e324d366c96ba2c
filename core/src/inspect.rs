//! A readable view of a certificate: names, serial, validity, SANs, key, extensions.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Certificate;

/// Everything `certbind inspect` shows about a certificate. Serialises to the JSON that the CLI's
/// `inspect --json` and the npm package's `inspect()` return (snake_case keys).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CertificateInfo {
    /// X.509 version (1, 2 or 3).
    pub version: u8,
    /// Serial number as uppercase hex (two digits per byte, as in the DER, no sign byte).
    pub serial: String,
    /// Subject as an RFC 4514 string.
    pub subject: String,
    /// Issuer as an RFC 4514 string.
    pub issuer: String,
    /// Subject name DER (hex).
    pub subject_der: String,
    /// Issuer name DER (hex).
    pub issuer_der: String,
    /// notBefore, RFC 3339 UTC.
    pub not_before: String,
    /// notAfter, RFC 3339 UTC.
    pub not_after: String,
    /// notBefore as seconds since the Unix epoch.
    pub not_before_unix: i64,
    /// notAfter as seconds since the Unix epoch.
    pub not_after_unix: i64,
    /// Subject alternative names, in certificate order.
    pub san: Vec<SubjectAltName>,
    /// Key algorithm with size or curve, e.g. `RSA 2048`, `EC P-256`, `Ed25519`.
    pub key_algorithm: String,
    /// Signature algorithm, e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// Extended key usages by name (`clientAuth`, `serverAuth`, …) or dotted OID.
    pub extended_key_usage: Vec<String>,
    /// Key usages by name (`digitalSignature`, …).
    pub key_usage: Vec<String>,
    /// Basic constraints, when present.
    pub basic_constraints: Option<BasicConstraints>,
    /// Subject key identifier (hex).
    pub subject_key_id: Option<String>,
    /// Authority key identifier's keyIdentifier (hex).
    pub authority_key_id: Option<String>,
    /// Subject and issuer names are equal (a self-issued certificate, RFC 5280 §6.1).
    pub self_issued: bool,
    /// Fields that could not be shown, with the reason (e.g. an undecodable extension).
    pub warnings: Vec<String>,
}

/// A subject alternative name.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct SubjectAltName {
    /// `dns`, `uri`, `ip`, `email`, `dir_name`, `other_name`, `registered_id`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value as text (IP addresses in canonical form, dirName as RFC 4514, otherName as
    /// `OID:value`).
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

impl Certificate {
    /// The readable view of this certificate.
    #[must_use]
    pub fn info(&self) -> CertificateInfo {
        todo!("inspect")
    }
}
