//! Does a pasted thumbprint belong to this certificate? Which certificate of the input and which
//! form matched, what was cleaned from the pasted value, and, when nothing matched, what the
//! pasted value is instead (the issuer's thumbprint, the public-key hash, the Subject Key
//! Identifier, the serial number, the hash of the file as text, a typo).
//!
//! This is the question behind most "the thumbprint is right but the server says
//! invalid_client" reports; the checker page, the npm package and the CLI all answer it here.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use sha1::Digest as _;

use crate::{
    CertificateInfo, DecodeOptions, Decoded, DigestAlgorithm, Error, InputFormat,
    NormalizedThumbprint, ThumbprintForm, Thumbprints, decode, normalize_thumbprint,
};

/// Most differing characters for which a mismatch is still reported as a likely typo.
const MAX_TYPO_DIFFERENCES: usize = 4;

/// The answer of [`compare`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Comparison {
    /// Whether the pasted value is a thumbprint of the client certificate of the input (see
    /// [`Comparison::client_certificates`]).
    pub matched: bool,
    /// The pasted value, cleaned: value, form and every character removed or changed.
    pub expected: NormalizedThumbprint,
    /// The digest algorithm of the pasted value's form.
    pub algorithm: DigestAlgorithm,
    /// The certificates of the input that a client would present: the one the private key
    /// belongs to when the input has a key (PKCS#12), else every certificate that did not issue
    /// another certificate of the input. A match counts only on these.
    pub client_certificates: Vec<usize>,
    /// The client certificates whose thumbprint in the pasted form equals the pasted value.
    pub matches: Vec<CertificateMatch>,
    /// What the pasted value is instead, when it is close to or derived from something in the
    /// input. May be non-empty even when `matched` is true (e.g. a CA of the input has the same
    /// key).
    pub near_misses: Vec<NearMiss>,
    /// How many certificates the input held.
    pub certificate_count: usize,
}

/// A certificate whose thumbprint equals the pasted value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CertificateMatch {
    /// 0-based position of the certificate in the input.
    pub index: usize,
    /// The form the pasted value was in (and matched in).
    pub form: ThumbprintForm,
    /// The certificate's subject (RFC 4514), to say which one matched.
    pub subject: String,
    /// Whether the input's private key belongs to this certificate.
    pub has_private_key: bool,
}

/// What a pasted value that is not the client certificate's thumbprint is instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NearMissKind {
    /// The thumbprint of a certificate of the input that issued a client certificate (the CA).
    IssuerCertificate,
    /// The thumbprint of another certificate of the input, not the one with the private key.
    OtherCertificate,
    /// The SHA-256 of a certificate's SubjectPublicKeyInfo: a key hash, not a thumbprint.
    PublicKeyHash,
    /// A certificate's Subject Key Identifier (40 hex digits that look like a SHA-1 thumbprint).
    SubjectKeyIdentifier,
    /// A certificate's Authority Key Identifier: it identifies the issuer's key.
    AuthorityKeyIdentifier,
    /// A certificate's serial number.
    SerialNumber,
    /// The hash of the input file as given (PEM or base64 text), not of the certificate's DER.
    FileHash,
    /// The same form as a client certificate's thumbprint, differing in a few characters.
    CharactersDiffer,
}

/// A pasted value that does not match the client certificate but is related to the input.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct NearMiss {
    /// What the pasted value is.
    pub kind: NearMissKind,
    /// 0-based position of the certificate concerned, when one is.
    pub index: Option<usize>,
    /// For [`NearMissKind::IssuerCertificate`]: the certificate it issued.
    pub issued: Option<usize>,
    /// The form compared in.
    pub form: ThumbprintForm,
    /// For [`NearMissKind::CharactersDiffer`]: every differing character.
    pub differences: Vec<Difference>,
    /// The near miss in words, ready to show.
    pub message: String,
}

/// One character where the pasted value differs from a certificate's thumbprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Difference {
    /// 0-based position, in characters, in the text as pasted (the same positions as
    /// [`crate::Change::index`]).
    pub index: usize,
    /// The character pasted there (after case folding).
    pub pasted: char,
    /// The certificate's character there.
    pub certificate: char,
}

/// Compares every certificate in `input` with a thumbprint as pasted (any form).
///
/// The pasted text is cleaned with [`normalize_thumbprint`] first, so its errors come before
/// any decoding error.
///
/// # Errors
/// The errors of [`normalize_thumbprint`] for the pasted text, then those of [`decode`] for the
/// input.
pub fn compare(
    input: &[u8],
    options: &DecodeOptions<'_>,
    expected: &str,
) -> Result<Comparison, Error> {
    let expected = normalize_thumbprint(expected)?;
    let decoded = decode(input, options)?;
    Ok(compare_decoded(input, &decoded, expected))
}

/// [`compare`] for an input already decoded; `input` is the raw input `decoded` came from (used
/// only to recognise the hash of the file as text).
#[must_use]
pub fn compare_decoded(
    input: &[u8],
    decoded: &Decoded,
    expected: NormalizedThumbprint,
) -> Comparison {
    let certs: Vec<Facts> = decoded
        .certificates
        .iter()
        .map(|c| Facts {
            thumbprints: c.thumbprints(),
            info: c.info(),
        })
        .collect();
    let issued_by = issued_by(&certs);
    let client_certificates: Vec<usize> = match decoded.key_certificate {
        Some(key) => alloc::vec![key],
        None => (0..certs.len())
            .filter(|i| !issued_by.iter().any(|&(issuer, _)| issuer == *i))
            .collect(),
    };
    let form = expected.form;
    let mut matches = Vec::new();
    let mut near_misses = Vec::new();

    for (index, facts) in certs.iter().enumerate() {
        if !digest_of(&facts.thumbprints, form).eq(expected.digest.as_slice()) {
            continue;
        }
        if client_certificates.contains(&index) {
            matches.push(CertificateMatch {
                index,
                form,
                subject: facts.info.subject.clone(),
                has_private_key: decoded.key_certificate == Some(index),
            });
        } else {
            near_misses.push(other_certificate(
                index,
                facts,
                form,
                &issued_by,
                &client_certificates,
            ));
        }
    }
    let matched = !matches.is_empty();
    if !matched {
        near_misses.extend(derived_values(&certs, &expected));
        near_misses.extend(file_hash(input, decoded.format, &expected));
        near_misses.extend(typos(&certs, &client_certificates, &expected));
    }
    Comparison {
        matched,
        algorithm: form.algorithm(),
        expected,
        client_certificates,
        matches,
        near_misses,
        certificate_count: certs.len(),
    }
}

/// What [`compare_decoded`] needs of each certificate, computed once.
struct Facts {
    thumbprints: Thumbprints,
    info: CertificateInfo,
}

/// `(issuer, issued)` pairs within the input: certificate `issuer` has the subject name (DER)
/// that certificate `issued` names as its issuer. Self-issued certificates are not pairs.
fn issued_by(certs: &[Facts]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (issued, child) in certs.iter().enumerate() {
        if child.info.self_issued {
            continue;
        }
        for (issuer, parent) in certs.iter().enumerate() {
            if issuer != issued && parent.info.subject_der == child.info.issuer_der {
                pairs.push((issuer, issued));
            }
        }
    }
    pairs
}

/// The digest of `thumbprints` that a pasted value in `form` is compared with.
fn digest_of(thumbprints: &Thumbprints, form: ThumbprintForm) -> &[u8] {
    match form.algorithm() {
        DigestAlgorithm::Sha1 => &thumbprints.sha1,
        DigestAlgorithm::Sha256 => &thumbprints.sha256,
    }
}

/// The text of `thumbprints` in `form`, as a client certificate's value would be written.
fn text_of(thumbprints: &Thumbprints, form: ThumbprintForm) -> String {
    match form {
        ThumbprintForm::Sha1Hex => thumbprints.sha1_hex(),
        ThumbprintForm::Sha256Hex => thumbprints.sha256_hex(),
        ThumbprintForm::X5t => thumbprints.x5t(),
        ThumbprintForm::X5tS256 => thumbprints.x5t_s256(),
    }
}

/// `#2 (CN=Example CA)`.
fn named(index: usize, facts: &Facts) -> String {
    format!("certificate #{} ({})", index + 1, facts.info.subject)
}

/// A match on a certificate that is not a client certificate of the input.
fn other_certificate(
    index: usize,
    facts: &Facts,
    form: ThumbprintForm,
    issued_by: &[(usize, usize)],
    clients: &[usize],
) -> NearMiss {
    let issued = issued_by
        .iter()
        .find(|&&(issuer, issued)| issuer == index && clients.contains(&issued))
        .or_else(|| issued_by.iter().find(|&&(issuer, _)| issuer == index))
        .map(|&(_, issued)| issued);
    let mut clients_text = String::new();
    for (n, i) in clients.iter().enumerate() {
        let separator = if n == 0 { "#" } else { ", #" };
        let _ = write!(clients_text, "{separator}{}", i + 1);
    }
    let (kind, message) = match issued {
        Some(issued) => (
            NearMissKind::IssuerCertificate,
            format!(
                "the pasted value is the {} of {}, the CA that issued certificate #{}; a client \
                 presents its own certificate ({clients_text}), so register that one's \
                 thumbprint",
                form.label(),
                named(index, facts),
                issued + 1
            ),
        ),
        None => (
            NearMissKind::OtherCertificate,
            format!(
                "the pasted value is the {} of {}, which is not the certificate the private key \
                 belongs to ({clients_text})",
                form.label(),
                named(index, facts)
            ),
        ),
    };
    NearMiss {
        kind,
        index: Some(index),
        issued,
        form,
        differences: Vec::new(),
        message,
    }
}

/// Values in the certificates that are not thumbprints but are often pasted as one.
fn derived_values(certs: &[Facts], expected: &NormalizedThumbprint) -> Vec<NearMiss> {
    let digest = expected.digest.as_slice();
    let form = expected.form;
    let mut out = Vec::new();
    for (index, facts) in certs.iter().enumerate() {
        let name = named(index, facts);
        let info = &facts.info;
        let mut push = |kind, message: String| {
            out.push(NearMiss {
                kind,
                index: Some(index),
                issued: None,
                form,
                differences: Vec::new(),
                message,
            });
        };
        if facts
            .thumbprints
            .spki_sha256
            .as_ref()
            .is_some_and(|spki| spki.as_slice() == digest)
        {
            push(
                NearMissKind::PublicKeyHash,
                format!(
                    "the pasted value is the SHA-256 of the public key (SubjectPublicKeyInfo) of \
                     {name}: a key hash, not a certificate thumbprint; register the certificate's \
                     {}",
                    form.label()
                ),
            );
        }
        if hex_eq(info.subject_key_id.as_deref(), digest) {
            push(
                NearMissKind::SubjectKeyIdentifier,
                format!(
                    "the pasted value is the Subject Key Identifier of {name}, not its \
                     thumbprint (the certificate dialog lists both; the thumbprint is the \
                     \"Thumbprint\" field)"
                ),
            );
        }
        if hex_eq(info.authority_key_id.as_deref(), digest) {
            push(
                NearMissKind::AuthorityKeyIdentifier,
                format!(
                    "the pasted value is the Authority Key Identifier of {name}: it identifies \
                     the issuing CA's key, not this certificate"
                ),
            );
        }
        if hex_eq(Some(&info.serial), digest) {
            push(
                NearMissKind::SerialNumber,
                format!("the pasted value is the serial number of {name}, not its thumbprint"),
            );
        }
    }
    out
}

/// The pasted value is `sha1sum`/`sha256sum` of the input file itself. Only reported for text
/// input: for a DER file the file hash *is* the thumbprint.
fn file_hash(
    input: &[u8],
    format: InputFormat,
    expected: &NormalizedThumbprint,
) -> Option<NearMiss> {
    if matches!(format, InputFormat::Der | InputFormat::Pkcs12) {
        return None;
    }
    let digest = expected.digest.as_slice();
    let (algorithm, equal) = match expected.form.algorithm() {
        DigestAlgorithm::Sha1 => ("SHA-1", sha1::Sha1::digest(input).as_slice() == digest),
        DigestAlgorithm::Sha256 => ("SHA-256", sha2::Sha256::digest(input).as_slice() == digest),
    };
    equal.then(|| NearMiss {
        kind: NearMissKind::FileHash,
        index: None,
        issued: None,
        form: expected.form,
        differences: Vec::new(),
        message: format!(
            "the pasted value is the {algorithm} of the file as text (what `{}sum` prints), not \
             of the certificate's DER bytes; a thumbprint hashes the decoded certificate",
            algorithm.to_ascii_lowercase().replace('-', "")
        ),
    })
}

/// A client certificate's thumbprint in the same form that differs from the pasted value in at
/// most [`MAX_TYPO_DIFFERENCES`] characters: likely a typo or a damaged copy.
fn typos(certs: &[Facts], clients: &[usize], expected: &NormalizedThumbprint) -> Vec<NearMiss> {
    let positions = kept_positions(expected);
    let form = expected.form;
    let mut out = Vec::new();
    for &index in clients {
        let Some(facts) = certs.get(index) else {
            continue;
        };
        let actual = text_of(&facts.thumbprints, form);
        let differences: Vec<Difference> = expected
            .value
            .chars()
            .zip(actual.chars())
            .zip(positions.iter())
            .filter(|((pasted, cert), _)| pasted != cert)
            .map(|((pasted, certificate), &index)| Difference {
                index,
                pasted,
                certificate,
            })
            .collect();
        if differences.is_empty() || differences.len() > MAX_TYPO_DIFFERENCES {
            continue;
        }
        let mut at = String::new();
        for (n, d) in differences.iter().enumerate() {
            let separator = if n == 0 { "" } else { ", " };
            let _ = write!(
                at,
                "{separator}position {} ('{}' should be '{}')",
                d.index, d.pasted, d.certificate
            );
        }
        out.push(NearMiss {
            kind: NearMissKind::CharactersDiffer,
            index: Some(index),
            issued: None,
            form,
            message: format!(
                "the pasted value differs from the {} of {} in {} character(s): {at}",
                form.label(),
                named(index, facts),
                differences.len()
            ),
            differences,
        });
    }
    out
}

/// For each character of the normalised value, its position in the text as pasted: the
/// positions the normaliser did not remove, in order (its changes are listed in input order).
fn kept_positions(expected: &NormalizedThumbprint) -> Vec<usize> {
    let mut removed = expected
        .changes
        .iter()
        .filter(|c| c.kind != crate::ChangeKind::CaseFolded)
        .map(|c| c.index)
        .peekable();
    let wanted = expected.value.chars().count();
    let mut out = Vec::with_capacity(wanted);
    let mut position = 0;
    while out.len() < wanted {
        if removed.next_if_eq(&position).is_none() {
            out.push(position);
        }
        position += 1;
    }
    out
}

/// Whether hex text (any case, even length) denotes exactly `bytes`.
fn hex_eq(hex: Option<&str>, bytes: &[u8]) -> bool {
    let Some(hex) = hex else { return false };
    let hex = hex.as_bytes();
    hex.len() == bytes.len() * 2
        && hex.chunks(2).zip(bytes).all(|(pair, &byte)| match pair {
            [hi, lo] => match (nibble(*hi), nibble(*lo)) {
                (Some(hi), Some(lo)) => ((hi << 4) | lo) == byte,
                _ => false,
            },
            _ => false,
        })
}

/// The value of one hex digit.
fn nibble(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_eq_accepts_either_case_and_rejects_other_lengths() {
        assert!(hex_eq(Some("0aFf"), &[0x0a, 0xff]));
        assert!(!hex_eq(Some("0aff00"), &[0x0a, 0xff]));
        assert!(!hex_eq(Some("0g"), &[0x00]));
        assert!(!hex_eq(None, &[]));
    }
}
