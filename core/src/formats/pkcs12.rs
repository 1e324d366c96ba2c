//! PKCS#12 (`.pfx`, `.p12`; RFC 7292): the certificates, and which of them the private key
//! belongs to. The private key is never returned; a key bag is decrypted only when the file
//! does not pair key and certificate with a `localKeyId`, and then only to read its public part.
//!
//! The password is proved by the integrity MAC when there is one, which tells a wrong password
//! ([`Error::Pkcs12WrongPassword`]) from a corrupted file. Without a MAC, a wrong password shows
//! as bad padding or a plaintext that is not DER. Behind the `pkcs12` feature; without it, a
//! PKCS#12 input is [`Error::Pkcs12Unsupported`].

#[cfg(not(feature = "pkcs12"))]
use alloc::string::String;

use crate::{Error, Limits};

#[cfg(feature = "pkcs12")]
mod asn1;
#[cfg(feature = "pkcs12")]
mod ber;
mod contents;
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

pub(crate) use contents::Contents;

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
