//! A readable view of a certificate: names, serial, validity, SANs, key, extensions.
//!
//! Every field is read on its own from the certificate's exact DER, so one field that cannot be
//! shown (an unknown string type, a malformed extension) becomes an entry in
//! [`CertificateInfo::warnings`] instead of hiding the rest; nothing here panics or fails.

mod algorithms;
mod authority_key_id;
mod extensions;
mod san;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use der::Tag;

use crate::Certificate;
use crate::asn1::{decode, from_der};
use crate::name::format_name;
use crate::tbs::{RawCertificate, elements, explicit_content, split_tlv, walk};
use crate::thumbprint::hex_upper;
use crate::time::{certificate_time, format_unix_seconds};

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

impl Certificate {
    /// The readable view of this certificate.
    #[must_use]
    pub fn info(&self) -> CertificateInfo {
        let mut info = CertificateInfo::default();
        match walk(self.der()) {
            Ok(raw) => fill(&mut info, &raw),
            Err(e) => info
                .warnings
                .push(format!("the certificate could not be walked: {e}")),
        }
        info
    }
}

/// Reads every field of `raw` into `info`.
///
/// A [`Certificate`] passed the structural check when it was made (see `x509/check.rs`): the
/// version is 0, 1 or 2, the serial number an INTEGER, and the names, times, key information and
/// extension list are well formed, so reading them here cannot fail (a value that could not be
/// read would be left empty). What that check does not look into becomes a warning when it is
/// odd: a negative serial number, the public key, and the extension values.
fn fill(info: &mut CertificateInfo, raw: &RawCertificate<'_>) {
    let warnings = &mut info.warnings;
    // `[0] EXPLICIT INTEGER`, absent meaning v1.
    info.version = raw
        .version
        .map_or(Ok(0), |tlv| {
            explicit_content(tlv).and_then(|c| from_der(c, decode::<u8>))
        })
        .map_or(0, |v| v.saturating_add(1));
    info.serial = serial(raw.serial, warnings);
    info.subject = format_name(raw.subject).unwrap_or_default();
    info.issuer = format_name(raw.issuer).unwrap_or_default();
    info.subject_der = hex_upper(raw.subject);
    info.issuer_der = hex_upper(raw.issuer);
    info.self_issued = raw.subject == raw.issuer;
    let mut times = split_tlv(raw.validity)
        .map(|(_, content)| elements(content))
        .into_iter()
        .flatten()
        .map(|time| {
            let (tag, content) = split_tlv(time.ok()?).ok()?;
            certificate_time(tag == Tag::GeneralizedTime, content).ok()
        });
    if let (Some(Some(not_before)), Some(Some(not_after))) = (times.next(), times.next()) {
        info.not_before = format_unix_seconds(not_before);
        info.not_after = format_unix_seconds(not_after);
        info.not_before_unix = not_before;
        info.not_after_unix = not_after;
    }
    info.key_algorithm = algorithms::key_algorithm_name(raw.spki).unwrap_or_else(|reason| {
        warnings.push(reason);
        String::new()
    });
    info.signature_algorithm = algorithms::signature_algorithm_name(raw.signature_algorithm);
    if let Some(extensions) = raw.extensions {
        extensions::read(extensions, info);
    }
}

/// The serial number's hex (see [`CertificateInfo::serial`]).
fn serial(tlv: &[u8], warnings: &mut Vec<String>) -> String {
    let content = split_tlv(tlv).map_or(tlv, |(_, content)| content);
    if content.first().is_some_and(|b| b & 0x80 != 0) {
        warnings.push(String::from(
            "serial number is negative (RFC 5280 §4.1.2.2 requires positive)",
        ));
        // Two's complement magnitude: invert and add one.
        let mut magnitude: Vec<u8> = content.iter().map(|b| !b).collect();
        for byte in magnitude.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                break;
            }
        }
        let start = magnitude
            .iter()
            .position(|&b| b != 0)
            .unwrap_or_else(|| magnitude.len().saturating_sub(1));
        let mut text = String::from("-");
        text.push_str(&hex_upper(magnitude.get(start..).unwrap_or_default()));
        return text;
    }
    match content {
        [0, rest @ ..] if !rest.is_empty() => hex_upper(rest),
        _ => hex_upper(content),
    }
}
