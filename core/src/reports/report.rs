//! The JSON shapes of `certbind thumbprint --json` and `certbind inspect --json`, shared by the
//! CLI and the npm package so the two can never disagree.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{CertificateInfo, Decoded, Thumbprints};

/// The four certificate thumbprints as text, plus the public-key hash.
///
/// Serialises with exactly the keys `sha1`, `sha256`, `x5t`, `x5t#S256`, and `spki_sha256`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ThumbprintSet {
    /// SHA-1, 40 uppercase hex digits (IdentityServer3 `X509CertificateThumbprint`).
    pub sha1: String,
    /// SHA-256, 64 uppercase hex digits.
    pub sha256: String,
    /// base64url SHA-1 (`x5t`).
    pub x5t: String,
    /// base64url SHA-256 (`x5t#S256`, the RFC 8705 token binding).
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: String,
    /// SHA-256 of the SubjectPublicKeyInfo, 64 uppercase hex digits. A *key* hash, not a
    /// certificate thumbprint: it stays the same when a certificate is renewed with the same key.
    pub spki_sha256: Option<String>,
}

impl From<&Thumbprints> for ThumbprintSet {
    fn from(t: &Thumbprints) -> Self {
        Self {
            sha1: t.sha1_hex(),
            sha256: t.sha256_hex(),
            x5t: t.x5t(),
            x5t_s256: t.x5t_s256(),
            spki_sha256: t.spki_sha256_hex(),
        }
    }
}

/// One certificate of an input, as `certbind thumbprint --json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ThumbprintReport {
    /// 0-based position of the certificate in the input.
    pub index: usize,
    /// The thumbprints.
    #[serde(flatten)]
    pub thumbprints: ThumbprintSet,
    /// Subject (RFC 4514), to tell certificates of a bundle apart.
    pub subject: String,
    /// Whether the input's private key belongs to this certificate (PKCS#12).
    pub has_private_key: bool,
}

/// One certificate of an input, as `certbind inspect --json` prints it: every field of
/// [`CertificateInfo`] plus the thumbprints.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct InspectReport {
    /// 0-based position of the certificate in the input.
    pub index: usize,
    /// The readable view.
    #[serde(flatten)]
    pub info: CertificateInfo,
    /// The thumbprints.
    #[serde(flatten)]
    pub thumbprints: ThumbprintSet,
    /// Whether the input's private key belongs to this certificate (PKCS#12).
    pub has_private_key: bool,
}

impl Decoded {
    /// One [`ThumbprintReport`] per certificate, in input order.
    #[must_use]
    pub fn thumbprint_reports(&self) -> Vec<ThumbprintReport> {
        self.certificates
            .iter()
            .enumerate()
            .map(|(index, cert)| ThumbprintReport {
                index,
                thumbprints: ThumbprintSet::from(&cert.thumbprints()),
                subject: cert.info().subject,
                has_private_key: self.key_certificate == Some(index),
            })
            .collect()
    }

    /// One [`InspectReport`] per certificate, in input order.
    #[must_use]
    pub fn inspect_reports(&self) -> Vec<InspectReport> {
        self.certificates
            .iter()
            .enumerate()
            .map(|(index, cert)| InspectReport {
                index,
                info: cert.info(),
                thumbprints: ThumbprintSet::from(&cert.thumbprints()),
                has_private_key: self.key_certificate == Some(index),
            })
            .collect()
    }
}
