//! Reading certificates from whatever people have: PEM, DER, bare base64, hex, PKCS#7 and
//! PKCS#12. The format is detected from the bytes, never from a file name.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Certificate, Error, Limits};

/// The format an input was recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InputFormat {
    /// PEM text with one or more certificate blocks.
    Pem,
    /// One DER certificate (`.cer`, `.der`, `.crt` in binary).
    Der,
    /// Bare base64 of one DER certificate (JWK `x5c`, SAML metadata), wrapped or not.
    Base64,
    /// Hex of one DER certificate.
    Hex,
    /// PKCS#7 / CMS SignedData certificate bundle (`.p7b`, `.p7c`), DER or PEM.
    Pkcs7,
    /// PKCS#12 (`.pfx`, `.p12`).
    Pkcs12,
}

/// Options for [`decode`].
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct DecodeOptions<'a> {
    /// Password for PKCS#12 input; ignored for every other format. `None` and `Some("")` both
    /// try the empty password.
    pub password: Option<&'a str>,
    /// Bounds on the work done.
    pub limits: Limits,
}

impl<'a> DecodeOptions<'a> {
    /// Options with a PKCS#12 password.
    #[must_use]
    pub fn with_password(password: &'a str) -> Self {
        Self { password: Some(password), limits: Limits::DEFAULT }
    }
}

/// The certificates read from one input, in input order.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Decoded {
    /// The format the input was recognised as.
    pub format: InputFormat,
    /// The certificates, in the order they appear in the input.
    pub certificates: Vec<Certificate>,
    /// For PKCS#12 input: the index in `certificates` of the certificate the private key belongs
    /// to. The key itself is never returned.
    pub key_certificate: Option<usize>,
    /// Whether the input held a private key (PKCS#12 key bags, PEM key blocks).
    pub has_private_key: bool,
    /// Things that were skipped or interpreted, e.g. `"line 12: skipped PEM block PRIVATE KEY"`.
    pub notes: Vec<String>,
}

/// Reads every certificate in `input`.
///
/// # Errors
/// A typed [`Error`] naming what was wrong and where; see the variants for each format.
pub fn decode(input: &[u8], options: &DecodeOptions<'_>) -> Result<Decoded, Error> {
    let _ = (input, options);
    todo!("decode")
}
