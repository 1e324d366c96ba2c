//! # certbind-core
//!
//! Reads X.509 certificates from whatever people have (PEM, DER, base64, hex, PKCS#7, PKCS#12),
//! computes their thumbprints over the exact bytes presented (SHA-1 hex as IdentityServer3's
//! `X509CertificateThumbprint`, SHA-256, `x5t`, `x5t#S256`), cleans thumbprint strings that people
//! paste, and decides whether a certificate authenticates a registered OAuth 2.0 client
//! (RFC 8705 `tls_client_auth` and `self_signed_tls_client_auth`, and the IdentityServer3
//! thumbprint), with the reason when it does not.
//!
//! `#![no_std]` + `alloc`, no I/O, no clock: time is always a parameter. The same code runs in
//! the `certbind` server and CLI, in the npm package (WebAssembly) and in the browser checker, so
//! they can never disagree.
//!
//! ## Features
//! | feature   | default | what it adds |
//! |-----------|---------|--------------|
//! | `pkcs12`  | yes     | `.pfx`/`.p12` decoding (PBES2/AES and legacy 3DES/RC2-40), MAC check |
//! | `chain`   | yes     | chain validation with rustls-webpki on pure-Rust signature algorithms |
//! | `toml`    | yes     | client registries in TOML, with line numbers in load errors |
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod certificate;
mod decode;
mod error;
mod inspect;
mod limits;
mod normalize;
mod thumbprint;
mod x509;

pub use certificate::{Certificate, Source};
pub use decode::{DecodeOptions, Decoded, InputFormat, decode};
pub use error::{Error, RegistryProblem};
pub use inspect::{BasicConstraints, CertificateInfo, SubjectAltName};
pub use limits::Limits;
pub use normalize::{
    Change, ChangeKind, NormalizedThumbprint, ThumbprintForm, describe_char, normalize_thumbprint,
};
pub use pki_types::UnixTime;
pub use thumbprint::Thumbprints;
