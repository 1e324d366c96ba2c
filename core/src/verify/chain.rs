//! Certificate chain validation: rustls-webpki with certbind's pure-Rust signature algorithms,
//! and webpki's errors in plain words.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use sha2::{Digest, Sha256};

use crate::Anchor;
use crate::webpki_error::webpki_error_words;
use crate::when::When;

/// What the end-entity certificate must be good for (its extended key usage, RFC 5280
/// §4.2.1.12). A certificate without the EKU extension is good for any purpose; one with the
/// extension must list the purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyPurpose {
    /// TLS client authentication (`id-kp-clientAuth`): what mTLS client certificates need.
    ClientAuth,
    /// TLS server authentication (`id-kp-serverAuth`).
    ServerAuth,
}

impl KeyPurpose {
    /// The name used in RFC 5280 and by OpenSSL.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::ClientAuth => "clientAuth",
            Self::ServerAuth => "serverAuth",
        }
    }
}

/// How a chain is validated, beyond the anchors and the time.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ChainOptions<'a> {
    /// The purpose the end-entity certificate must allow.
    pub purpose: KeyPurpose,
    /// The signature algorithms accepted (default: [`crate::SIGNATURE_ALGORITHMS`]).
    pub algorithms: &'a [&'a dyn SignatureVerificationAlgorithm],
    /// DER certificate revocation lists to check every certificate of the path against; when
    /// any are given, a certificate whose status no CRL covers is rejected.
    pub crls: &'a [&'a [u8]],
    /// A DNS name or IP address the end-entity certificate must be valid for (server usage).
    pub server_name: Option<&'a str>,
}

impl ChainOptions<'_> {
    /// Options for a TLS client certificate: `clientAuth`, certbind's algorithms, no CRLs.
    #[must_use]
    pub const fn client_auth() -> Self {
        Self::for_purpose(KeyPurpose::ClientAuth)
    }

    /// Options for a TLS server certificate: `serverAuth`, certbind's algorithms, no CRLs.
    #[must_use]
    pub const fn server_auth() -> Self {
        Self::for_purpose(KeyPurpose::ServerAuth)
    }

    /// Options for a purpose, with certbind's algorithms and no CRLs.
    #[must_use]
    pub const fn for_purpose(purpose: KeyPurpose) -> Self {
        Self {
            purpose,
            algorithms: crate::signature::ALL_ALGORITHMS,
            crls: &[],
            server_name: None,
        }
    }
}

/// A chain that validated: the path that was found, and the key of the leaf's issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedChain {
    /// Indexes, in the `intermediates` given, of the certificates on the path, leaf side first.
    pub intermediates: Vec<usize>,
    /// Index, in the anchors given, of the anchor the path ends at.
    pub anchor: usize,
    /// SHA-256 of the SubjectPublicKeyInfo DER of the certificate that issued the leaf (the
    /// first intermediate of the path, or the anchor): what `issuer_key_sha256` pins.
    pub issuer_spki_sha256: [u8; 32],
}

/// Why a chain does not validate, from webpki's error.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChainError {
    /// No anchor was given (or every named anchor file is missing).
    NoTrustAnchors,
    /// A certificate of the path had expired at the validation time.
    Expired {
        /// When it expired (its notAfter).
        not_after: When,
        /// The validation time.
        at: When,
    },
    /// A certificate of the path was not valid yet at the validation time.
    NotYetValid {
        /// Its notBefore.
        not_before: When,
        /// The validation time.
        at: When,
    },
    /// No path leads from the leaf to one of the anchors: the issuer is neither an anchor nor
    /// among the intermediates (or every candidate path failed).
    UnknownIssuer,
    /// A signature on the path does not verify with the issuer's key.
    BadSignature,
    /// A certificate is signed with an algorithm certbind does not verify.
    UnsupportedSignatureAlgorithm,
    /// The extended key usage of a certificate on the path does not allow the purpose.
    EkuNotAllowed {
        /// The purpose required.
        required: KeyPurpose,
        /// The purposes the certificate lists (names or dotted OIDs).
        present: Vec<String>,
    },
    /// The end-entity certificate is a CA certificate (basicConstraints cA=TRUE).
    CaUsedAsEndEntity,
    /// A certificate of the path is dated before 1970 (a valid time, RFC 5280 §4.1.2.5), which
    /// webpki cannot represent: it reports the time as malformed (`BadDerTime`), and the chain
    /// is not validated.
    #[serde(rename = "dated_before_1970")]
    DatedBefore1970 {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// Its notBefore or notAfter before 1970.
        time: When,
    },
    /// The certificate is not valid for the server name asked for.
    NameMismatch {
        /// The name asked for.
        expected: String,
    },
    /// Any other webpki error: its name and a description.
    Other {
        /// webpki's error name (e.g. `PathLenConstraintViolated`).
        webpki: String,
        /// What it means.
        message: String,
    },
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoTrustAnchors => f.write_str("no trust anchor is configured"),
            Self::Expired { not_after, at } => {
                write!(
                    f,
                    "a certificate in the chain expired at {not_after} (checked at {at})"
                )
            }
            Self::NotYetValid { not_before, at } => write!(
                f,
                "a certificate in the chain is not valid before {not_before} (checked at {at})"
            ),
            Self::UnknownIssuer => f.write_str(
                "the chain does not lead to a trust anchor: the issuer is neither a configured \
                 anchor nor among the intermediates presented",
            ),
            Self::BadSignature => {
                f.write_str("a signature in the chain does not verify with its issuer's key")
            }
            Self::UnsupportedSignatureAlgorithm => {
                f.write_str("a certificate in the chain uses an unsupported signature algorithm")
            }
            Self::EkuNotAllowed { required, present } => write!(
                f,
                "the extended key usage does not allow {} (the certificate allows {})",
                required.name(),
                if present.is_empty() {
                    String::from("nothing")
                } else {
                    present.join(", ")
                }
            ),
            Self::CaUsedAsEndEntity => {
                f.write_str("the certificate is a CA certificate, not an end-entity certificate")
            }
            Self::DatedBefore1970 { subject, time } => write!(
                f,
                "the certificate {subject} is dated {time}, before 1970: rustls-webpki, which \
                 validates chains, cannot represent times before 1970, so this chain cannot be \
                 validated (the date itself is valid, RFC 5280 §4.1.2.5)"
            ),
            Self::NameMismatch { expected } => {
                write!(f, "the certificate is not valid for the name {expected}")
            }
            Self::Other { webpki, message } => write!(f, "{message} ({webpki})"),
        }
    }
}

/// Validates `leaf` up to one of `anchors` through `intermediates`, at time `at`.
///
/// # Errors
/// A [`ChainError`] saying why no valid path exists.
pub fn verify_chain(
    leaf: &[u8],
    intermediates: &[&[u8]],
    anchors: &[&Anchor],
    at: UnixTime,
    options: &ChainOptions<'_>,
) -> Result<VerifiedChain, ChainError> {
    if anchors.is_empty() {
        return Err(ChainError::NoTrustAnchors);
    }
    let leaf_der = CertificateDer::from(leaf);
    let end_entity = webpki::EndEntityCert::try_from(&leaf_der).map_err(|e| from_webpki(&e))?;
    let intermediate_ders: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|der| CertificateDer::from(*der))
        .collect();
    let trust_anchors: Vec<pki_types::TrustAnchor<'_>> =
        anchors.iter().map(|a| borrow_anchor(a.webpki())).collect();

    let crls = options
        .crls
        .iter()
        .map(|der| webpki::BorrowedCertRevocationList::from_der(der).map(Into::into))
        .collect::<Result<Vec<webpki::CertRevocationList<'_>>, _>>()
        .map_err(|e| from_webpki(&e))?;
    let crl_refs: Vec<&webpki::CertRevocationList<'_>> = crls.iter().collect();
    let revocation = if crl_refs.is_empty() {
        None
    } else {
        let builder =
            webpki::RevocationOptionsBuilder::new(&crl_refs).map_err(|_| ChainError::Other {
                webpki: String::from("CrlsRequired"),
                message: String::from("no CRL given"),
            })?;
        Some(
            builder
                .with_depth(webpki::RevocationCheckDepth::Chain)
                .with_status_policy(webpki::UnknownStatusPolicy::Deny)
                .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
                .build(),
        )
    };

    let usage = match options.purpose {
        KeyPurpose::ClientAuth => webpki::KeyUsage::client_auth(),
        KeyPurpose::ServerAuth => webpki::KeyUsage::server_auth(),
    };
    let path = end_entity
        .verify_for_usage(
            options.algorithms,
            &trust_anchors,
            &intermediate_ders,
            at,
            usage,
            revocation,
            None,
        )
        .map_err(|e| match e {
            webpki::Error::BadDerTime => {
                dated_before_1970(leaf, intermediates).unwrap_or_else(|| from_webpki(&e))
            }
            e => from_webpki_purpose(&e, options.purpose),
        })?;

    if let Some(name) = options.server_name {
        let server_name = pki_types::ServerName::try_from(name).map_err(|_| ChainError::Other {
            webpki: String::from("InvalidServerName"),
            message: format!("{name:?} is neither a DNS name nor an IP address"),
        })?;
        end_entity
            .verify_is_valid_for_subject_name(&server_name)
            .map_err(|_| ChainError::NameMismatch {
                expected: name.to_string(),
            })?;
    }

    let used = path
        .intermediate_certificates()
        .filter_map(|cert| {
            let der = cert.der();
            intermediates
                .iter()
                .position(|given| given.as_ptr() == der.as_ref().as_ptr())
        })
        .collect();
    let anchor = path.anchor();
    let anchor_index = trust_anchors
        .iter()
        .position(|ta| {
            ta.subject.as_ref() == anchor.subject.as_ref()
                && ta.subject_public_key_info.as_ref() == anchor.subject_public_key_info.as_ref()
        })
        .unwrap_or(0);
    let issuer_spki_sha256 = Sha256::digest(path.issuer_spki().as_ref()).into();
    Ok(VerifiedChain {
        intermediates: used,
        anchor: anchor_index,
        issuer_spki_sha256,
    })
}

/// When webpki found a malformed time: the first certificate (the leaf, then the
/// intermediates) with a valid time before 1970, which is what webpki cannot read.
fn dated_before_1970(leaf: &[u8], intermediates: &[&[u8]]) -> Option<ChainError> {
    core::iter::once(leaf)
        .chain(intermediates.iter().copied())
        .find_map(|der| {
            let (not_before, not_after) = crate::validity::read_validity(der).ok()?;
            let time = [not_before, not_after].into_iter().find(|t| t.unix() < 0)?;
            let subject = crate::tbs::walk(der)
                .ok()
                .and_then(|raw| crate::name::format_name(raw.subject).ok())
                .unwrap_or_default();
            Some(ChainError::DatedBefore1970 { subject, time })
        })
}

/// A webpki anchor borrowing another's bytes (no copies).
fn borrow_anchor<'a>(ta: &'a pki_types::TrustAnchor<'_>) -> pki_types::TrustAnchor<'a> {
    pki_types::TrustAnchor {
        subject: pki_types::Der::from(ta.subject.as_ref()),
        subject_public_key_info: pki_types::Der::from(ta.subject_public_key_info.as_ref()),
        name_constraints: ta
            .name_constraints
            .as_ref()
            .map(|nc| pki_types::Der::from(nc.as_ref())),
    }
}

// webpki 0.103 still returns the deprecated context-free variants in some paths.
#[allow(deprecated)]
fn from_webpki_purpose(err: &webpki::Error, purpose: KeyPurpose) -> ChainError {
    match err {
        webpki::Error::RequiredEkuNotFoundContext(ctx) => ChainError::EkuNotAllowed {
            required: purpose,
            present: ctx.present.iter().map(|oid| eku_name(oid)).collect(),
        },
        webpki::Error::RequiredEkuNotFound => ChainError::EkuNotAllowed {
            required: purpose,
            present: Vec::new(),
        },
        other => from_webpki(other),
    }
}

/// Maps a webpki error onto a [`ChainError`].
#[allow(deprecated)]
pub(crate) fn from_webpki(err: &webpki::Error) -> ChainError {
    use webpki::Error as E;
    match err {
        E::CertExpired { time, not_after } => ChainError::Expired {
            not_after: When::from(*not_after),
            at: When::from(*time),
        },
        E::CertNotValidYet { time, not_before } => ChainError::NotYetValid {
            not_before: When::from(*not_before),
            at: When::from(*time),
        },
        E::UnknownIssuer => ChainError::UnknownIssuer,
        E::InvalidSignatureForPublicKey => ChainError::BadSignature,
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            ChainError::UnsupportedSignatureAlgorithm
        }
        E::CaUsedAsEndEntity => ChainError::CaUsedAsEndEntity,
        other => ChainError::Other {
            webpki: webpki_error_name(other),
            message: webpki_error_words(other),
        },
    }
}

/// The variant name of a webpki error (its `Debug` up to the first `(`, `{` or space).
fn webpki_error_name(err: &webpki::Error) -> String {
    let debug = format!("{err:?}");
    let end = debug.find(['(', '{', ' ']).unwrap_or(debug.len());
    debug.get(..end).unwrap_or(&debug).to_string()
}

/// The name of an extended key usage OID, or its dotted form.
fn eku_name(arcs: &[usize]) -> String {
    const NAMES: &[(&[usize], &str)] = &[
        (&[1, 3, 6, 1, 5, 5, 7, 3, 1], "serverAuth"),
        (&[1, 3, 6, 1, 5, 5, 7, 3, 2], "clientAuth"),
        (&[1, 3, 6, 1, 5, 5, 7, 3, 3], "codeSigning"),
        (&[1, 3, 6, 1, 5, 5, 7, 3, 4], "emailProtection"),
        (&[1, 3, 6, 1, 5, 5, 7, 3, 8], "timeStamping"),
        (&[1, 3, 6, 1, 5, 5, 7, 3, 9], "OCSPSigning"),
        (&[2, 5, 29, 37, 0], "anyExtendedKeyUsage"),
    ];
    if let Some((_, name)) = NAMES.iter().find(|(oid, _)| *oid == arcs) {
        return (*name).to_string();
    }
    let parts: Vec<String> = arcs.iter().map(ToString::to_string).collect();
    parts.join(".")
}
