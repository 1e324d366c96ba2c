//! What a client presents to authenticate: a certificate (with the chain it sent) and/or a shared
//! secret.
//!
//! The certificate's digests and validity are read once, when it is wrapped, with a shallow DER
//! walk instead of a full X.509 parse: the thumbprint decision (the IdentityServer3 case) then
//! costs two hashes and a comparison. The names (subject, SANs) are decoded only when a secret
//! needs them, at most once per [`PresentedCertificate`].
//!
//! [`Presented`] *borrows* the certificate: a server wraps the certificate of a TLS connection
//! once, when the connection is made, and every request on that connection decides against the
//! same [`PresentedCertificate`] (digests, validity and the lazy parse included) without copying
//! it.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::OnceCell;
use core::fmt;

use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::Error;
use crate::holder_names::HolderNames;
use crate::validity::read_validity;
use crate::when::When;

/// The certificate a client presented on the TLS connection, with the rest of the chain it sent.
///
/// Holds the exact DER bytes received; `x5t#S256` and the thumbprints are computed over them.
pub struct PresentedCertificate {
    der: Vec<u8>,
    chain: Vec<Vec<u8>>,
    sha1: [u8; 20],
    sha256: [u8; 32],
    not_before: When,
    not_after: When,
    names: OnceCell<Result<HolderNames, String>>,
}

impl PresentedCertificate {
    /// Wraps the leaf certificate's DER and the other certificates the peer sent (leaf first
    /// is not required: `chain` holds only the certificates after the leaf).
    ///
    /// # Errors
    /// [`Error::BadDer`] when the leaf is not a DER certificate whose validity can be read.
    pub fn new(der: Vec<u8>, chain: Vec<Vec<u8>>) -> Result<Self, Error> {
        let (not_before, not_after) = read_validity(&der)?;
        let sha1 = Sha1::digest(&der).into();
        let sha256 = Sha256::digest(&der).into();
        Ok(Self {
            der,
            chain,
            sha1,
            sha256,
            not_before,
            not_after,
            names: OnceCell::new(),
        })
    }

    /// Like [`PresentedCertificate::new`], copying the bytes.
    ///
    /// # Errors
    /// As [`PresentedCertificate::new`].
    pub fn from_der(der: &[u8], chain: &[&[u8]]) -> Result<Self, Error> {
        Self::new(der.to_vec(), chain.iter().map(|c| c.to_vec()).collect())
    }

    /// The certificate a file presents, as `certbind explain` and the npm package's `explain`
    /// read it: the leaf is the certificate the private key belongs to (PKCS#12), else the first;
    /// every other certificate of the input, then `more_chain`, is the chain sent after it.
    ///
    /// # Errors
    /// [`Error::NoCertificate`] when `decoded` holds none; as [`PresentedCertificate::new`].
    pub fn from_decoded(
        decoded: crate::Decoded,
        more_chain: impl IntoIterator<Item = Vec<u8>>,
    ) -> Result<Self, Error> {
        let leaf_index = decoded.key_certificate.unwrap_or(0);
        let mut leaf = None;
        let mut chain = Vec::with_capacity(decoded.certificates.len());
        for (i, certificate) in decoded.certificates.iter().enumerate() {
            if i == leaf_index {
                leaf = Some(certificate.der().to_vec());
            } else {
                chain.push(certificate.der().to_vec());
            }
        }
        chain.extend(more_chain);
        let leaf = leaf.ok_or_else(|| Error::NoCertificate { found: Vec::new() })?;
        Self::new(leaf, chain)
    }

    /// The leaf's DER bytes, exactly as presented.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificates sent after the leaf (intermediates, possibly decoys), as presented.
    #[must_use]
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// SHA-1 of the leaf DER (IdentityServer3 thumbprint).
    #[must_use]
    pub const fn sha1(&self) -> &[u8; 20] {
        &self.sha1
    }

    /// SHA-256 of the leaf DER (`x5t#S256`).
    #[must_use]
    pub const fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }

    /// `x5t#S256` (RFC 8705 §3.1): base64url without padding of the SHA-256.
    #[must_use]
    pub fn x5t_s256(&self) -> String {
        use base64ct::Encoding;
        base64ct::Base64UrlUnpadded::encode_string(&self.sha256)
    }

    /// notBefore of the leaf.
    #[must_use]
    pub const fn not_before(&self) -> When {
        self.not_before
    }

    /// notAfter of the leaf.
    #[must_use]
    pub const fn not_after(&self) -> When {
        self.not_after
    }

    /// The leaf's subject and SANs, decoded on first use; why not when they cannot be read.
    pub(crate) fn names(&self) -> Result<&HolderNames, &str> {
        self.names
            .get_or_init(|| HolderNames::read(&self.der))
            .as_ref()
            .map_err(String::as_str)
    }
}

impl fmt::Debug for PresentedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedCertificate")
            .field("x5t#S256", &self.x5t_s256())
            .field("len", &self.der.len())
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Clone for PresentedCertificate {
    fn clone(&self) -> Self {
        Self {
            der: self.der.clone(),
            chain: self.chain.clone(),
            sha1: self.sha1,
            sha256: self.sha256,
            not_before: self.not_before,
            not_after: self.not_after,
            names: OnceCell::new(),
        }
    }
}

/// How a shared secret reached the token endpoint (RFC 6749 §2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SecretTransport {
    /// HTTP Basic authentication (`client_secret_basic`).
    Basic,
    /// `client_secret` in the request body (`client_secret_post`).
    Post,
}

/// A shared secret as presented. Its `Debug` never shows the value.
#[derive(Clone)]
pub struct PresentedSecret {
    sha256: [u8; 32],
    transport: SecretTransport,
}

impl PresentedSecret {
    /// The secret as sent, and how it was sent. Only its SHA-256 is kept.
    #[must_use]
    pub fn new(secret: &str, transport: SecretTransport) -> Self {
        Self {
            sha256: Sha256::digest(secret.as_bytes()).into(),
            transport,
        }
    }

    /// SHA-256 of the secret's UTF-8 bytes.
    pub(crate) const fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }

    /// How it was sent.
    #[must_use]
    pub const fn transport(&self) -> SecretTransport {
        self.transport
    }
}

impl fmt::Debug for PresentedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedSecret")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

/// Everything a client presented in one token request: the connection's certificate, borrowed,
/// and the request's shared secret.
///
/// Not `Sync` (the certificate is parsed lazily, at most once): build it on the thread that
/// decides, which is where a request is handled anyway.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Presented<'a> {
    /// The certificate from the TLS connection, if any.
    pub certificate: Option<&'a PresentedCertificate>,
    /// The shared secret from the request, if any.
    pub secret: Option<PresentedSecret>,
}

impl<'a> Presented<'a> {
    /// Nothing presented.
    #[must_use]
    pub fn nothing() -> Self {
        Self::default()
    }

    /// A certificate only.
    #[must_use]
    pub const fn certificate(certificate: &'a PresentedCertificate) -> Self {
        Self {
            certificate: Some(certificate),
            secret: None,
        }
    }

    /// A shared secret only.
    #[must_use]
    pub const fn secret(secret: PresentedSecret) -> Self {
        Self {
            certificate: None,
            secret: Some(secret),
        }
    }

    /// Adds a shared secret (a request may carry both; the client's method decides which
    /// counts).
    #[must_use]
    pub fn with_secret(mut self, secret: PresentedSecret) -> Self {
        self.secret = Some(secret);
        self
    }
}
