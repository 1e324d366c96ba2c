//! PKCS#12 (`.pfx`, `.p12`; RFC 7292): the certificates, and which of them the private key
//! belongs to. The private key is never returned; a key bag is decrypted only when the file
//! does not pair key and certificate with a `localKeyId`, and then only to read its public part.
//!
//! The password is proved by the integrity MAC when there is one, which tells a wrong password
//! ([`Error::Pkcs12WrongPassword`]) from a corrupted file. Without a MAC, a wrong password shows
//! as bad padding or a plaintext that is not DER. Behind the `pkcs12` feature; without it, a
//! PKCS#12 input is [`Error::Pkcs12Unsupported`].

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Error, Limits};

#[cfg(feature = "pkcs12")]
mod asn1;
#[cfg(feature = "pkcs12")]
mod ber;
#[cfg(feature = "pkcs12")]
mod decrypt;
#[cfg(feature = "pkcs12")]
mod key_match;
#[cfg(feature = "pkcs12")]
mod mac;
#[cfg(feature = "pkcs12")]
mod password;
#[cfg(feature = "pkcs12")]
mod read;

/// What a PKCS#12 file holds, without its private keys.
#[derive(Debug, Default)]
pub(crate) struct Contents {
    /// Each certificate's DER, and the byte offset in the input of the ContentInfo it was in.
    pub(crate) certificates: Vec<(Vec<u8>, usize)>,
    /// Index in `certificates` of the certificate the (first) private key belongs to.
    pub(crate) key_certificate: Option<usize>,
    /// Whether the file holds a private key.
    pub(crate) has_private_key: bool,
    /// What was skipped or assumed.
    pub(crate) notes: Vec<String>,
}

/// Reads a PKCS#12 PFX. `der` is exactly one TLV.
///
/// # Errors
/// [`Error::Pkcs12PasswordRequired`], [`Error::Pkcs12WrongPassword`],
/// [`Error::Pkcs12TooManyIterations`], [`Error::Pkcs12Unsupported`],
/// [`Error::Pkcs12Malformed`], [`Error::TooManyCertificates`].
#[cfg(feature = "pkcs12")]
pub(crate) fn read(der: &[u8], password: Option<&str>, limits: &Limits) -> Result<Contents, Error> {
    read::read(der, password, limits)
}

/// Without the `pkcs12` feature: a clear error.
///
/// # Errors
/// Always [`Error::Pkcs12Unsupported`].
#[cfg(not(feature = "pkcs12"))]
pub(crate) fn read(der: &[u8], password: Option<&str>, limits: &Limits) -> Result<Contents, Error> {
    let _ = (der, password, limits);
    Err(Error::Pkcs12Unsupported {
        algorithm: String::from("PKCS#12 (certbind-core was built without its `pkcs12` feature)"),
    })
}
