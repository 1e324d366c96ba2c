//! Certificate thumbprints over the exact DER bytes: SHA-1, SHA-256, `x5t`, `x5t#S256`, and the
//! SHA-256 of the SubjectPublicKeyInfo (a key hash, not a thumbprint).

use alloc::string::String;

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
    #[must_use]
    pub fn of_der(der: &[u8]) -> Self {
        let _ = der;
        todo!("thumbprints")
    }

    /// SHA-1 as 40 uppercase hex digits (the IdentityServer / Windows form).
    #[must_use]
    pub fn sha1_hex(&self) -> String {
        todo!()
    }

    /// SHA-256 as 64 uppercase hex digits.
    #[must_use]
    pub fn sha256_hex(&self) -> String {
        todo!()
    }

    /// `x5t`: base64url (no padding) of the SHA-1 (RFC 7515 §4.1.7).
    #[must_use]
    pub fn x5t(&self) -> String {
        todo!()
    }

    /// `x5t#S256`: base64url (no padding) of the SHA-256 (RFC 7515 §4.1.8, RFC 8705 §3.1).
    #[must_use]
    pub fn x5t_s256(&self) -> String {
        todo!()
    }
}
