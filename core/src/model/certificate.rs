//! A decoded certificate: its exact DER bytes as presented, and where they came from.

use alloc::vec::Vec;

use crate::{Error, Thumbprints};

/// One X.509 certificate, holding the exact DER bytes it was presented with.
///
/// Construction checks that the bytes are one well-formed certificate (RFC 5280 §4.1) with
/// nothing after it. The bytes are never re-encoded: thumbprints and `x5t#S256` are computed over
/// exactly what the peer sent or the file held.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    source: Source,
}

/// Where in the input a certificate was found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Source {
    /// 1-based line of the `-----BEGIN` line, for certificates read from PEM text.
    pub line: Option<usize>,
    /// Byte offset of the certificate in the input. For PEM input, the offset of its block's
    /// `-----BEGIN` line; for base64 and hex input, the offset in the decoded bytes; for a
    /// PKCS#12 file, the offset of the ContentInfo that held it (its bytes may be encrypted).
    pub offset: usize,
}

impl Source {
    /// A source at a byte offset (binary input).
    #[must_use]
    pub const fn at_offset(offset: usize) -> Self {
        Self { line: None, offset }
    }

    /// A source at a line of text input.
    #[must_use]
    pub const fn at_line(line: usize, offset: usize) -> Self {
        Self {
            line: Some(line),
            offset,
        }
    }
}

impl Certificate {
    /// Reads one DER certificate; trailing bytes are an error ([`Error::TrailingData`]).
    ///
    /// # Errors
    /// [`Error::BadDer`] when the bytes are not a well-formed certificate,
    /// [`Error::TrailingData`] when bytes follow it, [`Error::NotACertificate`] when the DER is
    /// some other well-known structure.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_der_at(der, Source::default())
    }

    /// Like [`Certificate::from_der`], recording where the bytes came from.
    ///
    /// # Errors
    /// As [`Certificate::from_der`].
    pub fn from_der_at(der: &[u8], source: Source) -> Result<Self, Error> {
        crate::x509::check_certificate_der(der)?;
        Ok(Self {
            der: der.to_vec(),
            source,
        })
    }

    /// The exact DER bytes, including the outer SEQUENCE tag and length.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Where the certificate was found in the input.
    #[must_use]
    pub const fn source(&self) -> Source {
        self.source
    }

    /// SHA-1, SHA-256, `x5t`, `x5t#S256` and the public-key hash of this certificate.
    #[must_use]
    pub fn thumbprints(&self) -> Thumbprints {
        Thumbprints::of_der(&self.der)
    }

    /// The certificate as [`pki_types::CertificateDer`], borrowing the bytes.
    #[must_use]
    pub fn as_certificate_der(&self) -> pki_types::CertificateDer<'_> {
        pki_types::CertificateDer::from(self.der.as_slice())
    }
}

impl core::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Certificate")
            .field("sha1", &self.thumbprints().sha1_hex())
            .field("len", &self.der.len())
            .field("source", &self.source)
            .finish()
    }
}
