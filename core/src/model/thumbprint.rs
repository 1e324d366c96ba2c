//! Certificate thumbprints over the exact DER bytes: SHA-1, SHA-256, `x5t`, `x5t#S256`, and the
//! SHA-256 of the SubjectPublicKeyInfo (a key hash, not a thumbprint).
//!
//! The digests are taken over the bytes exactly as given, never over a re-encoding: RFC 8705
//! §3.1 binds tokens to "the DER encoding of the X.509 certificate" the client presented, and a
//! re-encoding may differ from it (e.g. a non-canonical DER that a lenient parser accepted).

use alloc::string::String;

use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The digest algorithm behind a thumbprint form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1 (40 hex digits, `x5t`).
    Sha1,
    /// SHA-256 (64 hex digits, `x5t#S256`).
    Sha256,
}

/// The digests of one certificate.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Thumbprints {
    /// SHA-1 of the certificate DER (IdentityServer's `X509CertificateThumbprint`).
    pub sha1: [u8; 20],
    /// SHA-256 of the certificate DER (`x5t#S256`, RFC 8705 §3.1).
    pub sha256: [u8; 32],
    /// SHA-256 of the SubjectPublicKeyInfo DER: identifies the *key*, not the certificate.
    /// `None` when the certificate could not be walked to its SPKI.
    pub spki_sha256: Option<[u8; 32]>,
}

impl Thumbprints {
    /// Computes every digest of a certificate's DER bytes.
    ///
    /// The certificate digests cover `der` exactly as given. The SubjectPublicKeyInfo is found by
    /// walking the TBSCertificate's fields and hashed as the bytes that are in the certificate
    /// (the same value as `openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum`
    /// for every key type OpenSSL re-encodes faithfully); when `der` is not a certificate that can
    /// be walked that far, [`Thumbprints::spki_sha256`] is `None`.
    #[must_use]
    pub fn of_der(der: &[u8]) -> Self {
        let spki_sha256 = crate::tbs::walk(der)
            .ok()
            .map(|c| Sha256::digest(c.spki).into());
        Self {
            sha1: Sha1::digest(der).into(),
            sha256: Sha256::digest(der).into(),
            spki_sha256,
        }
    }

    /// SHA-1 as 40 uppercase hex digits (the IdentityServer / Windows form).
    #[must_use]
    pub fn sha1_hex(&self) -> String {
        hex_upper(&self.sha1)
    }

    /// SHA-256 as 64 uppercase hex digits.
    #[must_use]
    pub fn sha256_hex(&self) -> String {
        hex_upper(&self.sha256)
    }

    /// `x5t`: base64url (no padding) of the SHA-1 (RFC 7515 §4.1.7).
    #[must_use]
    pub fn x5t(&self) -> String {
        crate::base64::encode_url(&self.sha1)
    }

    /// `x5t#S256`: base64url (no padding) of the SHA-256 (RFC 7515 §4.1.8, RFC 8705 §3.1).
    #[must_use]
    pub fn x5t_s256(&self) -> String {
        crate::base64::encode_url(&self.sha256)
    }

    /// The SHA-256 of the SubjectPublicKeyInfo as 64 uppercase hex digits: a *key* hash, which
    /// stays the same when a certificate is renewed with the same key. Not a thumbprint.
    #[must_use]
    pub fn spki_sha256_hex(&self) -> Option<String> {
        self.spki_sha256.as_ref().map(|d| hex_upper(d))
    }

    /// The certificate digest that a thumbprint of `algorithm` is compared with.
    #[must_use]
    pub fn digest(&self, algorithm: DigestAlgorithm) -> &[u8] {
        match algorithm {
            DigestAlgorithm::Sha1 => &self.sha1,
            DigestAlgorithm::Sha256 => &self.sha256,
        }
    }
}

impl core::fmt::Debug for Thumbprints {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Thumbprints")
            .field("sha1", &self.sha1_hex())
            .field("sha256", &self.sha256_hex())
            .field("spki_sha256", &self.spki_sha256_hex())
            .finish()
    }
}

/// Uppercase hex of `bytes`, two digits per byte, no separators.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b & 0x0f));
    }
    out
}

/// The uppercase hex digit of a value below 16.
fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase())
}
