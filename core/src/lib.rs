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

// The layers, bottom up, one paragraph per layer: a folder uses only the folders listed before
// it (core/README.md, "Layout"; core/tests/layers.rs checks it). Every module is also named at
// the crate root, so that a path reads `crate::x509` wherever the module sits and the `pub use`
// list below names modules directly.
mod base;

mod model;

mod formats;
mod verify;

mod clients;

mod decision;

mod reports;

use base::{base64, error, text, unicode_names};
use clients::{fx_hash, index, load, presented, registry, secret};
use decision::{decide, outcome, reason, validator};
use formats::{decode, limits, normalize, pem, percent, pkcs7, pkcs12, x5c, xmldsig};
#[cfg(test)]
use model::der_mutations;
use model::{
    asn1, attribute_types, certificate, dn, holder_names, inspect, name, san, tbs, thumbprint,
    time, validity, when, x509,
};
use reports::{binding, compare, explain, report};
use verify::trust;
#[cfg(feature = "chain")]
use verify::{chain, sigcache, signature, webpki_error};

pub use binding::{
    Binding, BindingHint, BindingHintKind, BindingOutcome, Confirmation, X5T_S256, check_binding,
};
pub use certificate::{Certificate, Source};
#[cfg(feature = "chain")]
pub use chain::{ChainError, ChainOptions, KeyPurpose, VerifiedChain, verify_chain};
pub use compare::{
    CertificateMatch, Comparison, Difference, NearMiss, NearMissKind, compare, compare_decoded,
};
pub use decide::{DecisionContext, decide, explain, next_change};
pub use decode::{DecodeOptions, Decoded, InputFormat, decode};
pub use dn::{DistinguishedName, DnDifference};
pub use error::{Error, PemPosition, RegistryProblem};
pub use explain::{
    ClientExplanation, ExplainReport, ExplainedCertificate, MAX_EXPLAINED, Selection,
    explain_certificate,
};
pub use fx_hash::{FxBuild, FxHasher};
pub use index::ClientIndex;
pub use inspect::{BasicConstraints, CertificateInfo, SubjectAltName};
pub use limits::Limits;
#[cfg(feature = "toml")]
pub use load::load_registry_toml;
pub use load::{FileError, FileSource, MemoryFiles, NoFiles, load_client_data, load_registry_data};
pub use normalize::{
    Change, ChangeKind, NormalizedThumbprint, ThumbprintForm, normalize_thumbprint,
};
pub use outcome::{Acceptance, Decision, Explanation, Rejection, SecretOutcome};
pub use percent::{Plus, percent_decode};
pub use pki_types::UnixTime;
pub use presented::{Presented, PresentedCertificate, PresentedSecret, SecretTransport};
pub use reason::{
    ChainErrorRepr, ClientReason, Credential, DigestKind, Reason, SecretRejection, ThumbprintHint,
};
pub use registry::{
    Client, DEFAULT_ACCESS_TOKEN_LIFETIME, DEFAULT_CLOCK_SKEW, Introspection, LoadOptions,
    LoadedClient, LoadedRegistry, OtherKeys, Registry,
};
pub use report::{InspectReport, ThumbprintReport, ThumbprintSet};
pub use san::{SanKind, SanRequirement};
pub use secret::{
    AuthMethod, Secret, SecretKind, SecretType, SelfSigned, SharedSecretHash, SubjectRequirement,
    Thumbprint, TlsClientAuth,
};
#[cfg(feature = "chain")]
pub use sigcache::SignatureCache;
#[cfg(feature = "chain")]
pub use signature::ALL_ALGORITHMS as SIGNATURE_ALGORITHMS;
pub use thumbprint::{DigestAlgorithm, Thumbprints};
pub use time::{format_rfc3339, parse_rfc3339};
pub use trust::{Anchor, DATA_ANCHORS, ResolvedAnchors, TrustStore, anchors_from_certificates};
pub use unicode_names::describe_char;
pub use validator::{ClientValidator, RegistryValidator, Validated, Validation};
pub use when::When;
