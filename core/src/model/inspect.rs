//! A readable view of a certificate: names, serial, validity, SANs, key, extensions.
//!
//! Every field is read on its own from the certificate's exact DER, so one field that cannot be
//! shown (an unknown string type, a malformed extension) becomes an entry in
//! [`CertificateInfo::warnings`] instead of hiding the rest; nothing here panics or fails.

mod algorithms;
mod authority_key_id;
mod extensions;
mod info;
mod san;

pub use info::{BasicConstraints, CertificateInfo, SubjectAltName};

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
