//! Why a client is not authenticated: the reasons that concern the client as a whole
//! ([`ClientReason`]) and those of each secret ([`Reason`], with [`ThumbprintHint`] on what a
//! registered value is instead), each with its message (`Display`) and its JSON (`code`, fields,
//! `message`).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::dn::DnDifference;
use crate::presented::SecretTransport;
use crate::san::SanKind;
use crate::secret::{AuthMethod, SecretType};
use crate::when::When;

/// A credential a request carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Credential {
    /// A TLS client certificate.
    Certificate,
    /// A shared secret in HTTP Basic authentication.
    SecretBasic,
    /// A shared secret in the request body.
    SecretPost,
}

impl Credential {
    pub(super) fn of_transport(t: SecretTransport) -> Self {
        match t {
            SecretTransport::Basic => Self::SecretBasic,
            SecretTransport::Post => Self::SecretPost,
        }
    }

    const fn words(self) -> &'static str {
        match self {
            Self::Certificate => "a client certificate",
            Self::SecretBasic => "a client secret in HTTP Basic authentication",
            Self::SecretPost => "a client secret in the request body",
        }
    }
}

/// A reason that concerns the client as a whole. Serialised as `{"code": …, <fields>,
/// "message": …}`: the snake_case name of the variant, its fields, and the reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientReason {
    /// No client has this `client_id`.
    UnknownClient,
    /// The client is disabled (`enabled = false`).
    Disabled,
    /// The client authenticates with a certificate, and none was presented.
    NoCertificatePresented {
        /// The client's method.
        method: AuthMethod,
    },
    /// The client authenticates with a shared secret, and none was presented.
    NoSecretPresented {
        /// The client's method.
        method: AuthMethod,
    },
    /// A credential was presented that the client's method does not allow.
    MethodNotAllowed {
        /// What was presented.
        presented: Credential,
        /// The client's method.
        method: AuthMethod,
    },
    /// A reason of a [`crate::ClientValidator`] of your own (e.g. "the certificate is revoked in
    /// our database"), in words.
    Custom {
        /// The reason in words.
        message: String,
    },
}

impl ClientReason {
    /// The stable snake_case name of the reason (the `code` of its JSON).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::UnknownClient => "unknown_client",
            Self::Disabled => "disabled",
            Self::NoCertificatePresented { .. } => "no_certificate_presented",
            Self::NoSecretPresented { .. } => "no_secret_presented",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Custom { .. } => "custom",
        }
    }
}

impl serde::Serialize for ClientReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", self.code())?;
        match self {
            Self::NoCertificatePresented { method } | Self::NoSecretPresented { method } => {
                map.serialize_entry("method", method)?;
            }
            Self::MethodNotAllowed { presented, method } => {
                map.serialize_entry("presented", presented)?;
                map.serialize_entry("method", method)?;
            }
            Self::UnknownClient | Self::Disabled | Self::Custom { .. } => {}
        }
        map.serialize_entry("message", &self.to_string())?;
        map.end()
    }
}

impl fmt::Display for ClientReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownClient => f.write_str("no client is registered with this client_id"),
            Self::Disabled => f.write_str("the client is disabled"),
            Self::NoCertificatePresented { method } => {
                write!(
                    f,
                    "no client certificate was presented, and the client uses {method}"
                )
            }
            Self::NoSecretPresented { method } => {
                write!(
                    f,
                    "no client secret was presented, and the client uses {method}"
                )
            }
            Self::MethodNotAllowed { presented, method } => write!(
                f,
                "{} was presented, but the client uses {method}: it does not count",
                presented.words()
            ),
            Self::Custom { message } => f.write_str(message),
        }
    }
}

/// The reason one secret did not authenticate the client.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretRejection {
    /// 0-based index of the secret in the client's list.
    pub index: usize,
    /// Its type.
    pub secret_type: SecretType,
    /// Its description, when it has one.
    pub description: Option<String>,
    /// Why it did not match.
    pub reason: Reason,
}

impl SecretRejection {
    /// The reason the secret number `index` (0-based) of type `secret_type` did not match (for
    /// a [`crate::ClientValidator`] of your own).
    #[must_use]
    pub const fn new(index: usize, secret_type: SecretType, reason: Reason) -> Self {
        Self {
            index,
            secret_type,
            description: None,
            reason,
        }
    }

    /// With the secret's description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl serde::Serialize for SecretRejection {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("SecretRejection", 5)?;
        s.serialize_field("index", &self.index)?;
        s.serialize_field("type", &self.secret_type)?;
        s.serialize_field("description", &self.description)?;
        s.serialize_field("reason", &self.reason)?;
        s.serialize_field("message", &self.reason.to_string())?;
        s.end()
    }
}

/// Which digest a thumbprint is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DigestKind {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl DigestKind {
    const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
        }
    }
}

/// What a registered thumbprint that does not match actually is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ThumbprintHint {
    /// It is this certificate's digest with the other algorithm (a SHA-256 registered as
    /// `x509_thumbprint`, or a SHA-1 as `x509_thumbprint_sha256`).
    OtherAlgorithm {
        /// The algorithm whose digest it is.
        algorithm: DigestKind,
        /// The secret type to register it under.
        use_type: SecretType,
    },
    /// It is the SHA-256 of this certificate's public key (SPKI), not of the certificate.
    KeyHash,
    /// It is the thumbprint of another certificate the client sent in its chain.
    ChainCertificate {
        /// 1-based position in the chain sent after the leaf.
        position: usize,
        /// That certificate's subject (RFC 4514).
        subject: String,
    },
}

impl fmt::Display for ThumbprintHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OtherAlgorithm {
                algorithm,
                use_type,
            } => write!(
                f,
                "the registered value is this certificate's {} thumbprint: register it as {use_type}",
                algorithm.name()
            ),
            Self::KeyHash => f.write_str(
                "the registered value is the SHA-256 of this certificate's public key, not of the \
                 certificate",
            ),
            Self::ChainCertificate { position, subject } => write!(
                f,
                "the registered value is the thumbprint of certificate #{position} of the chain \
                 the client sent ({subject}), not of its own certificate"
            ),
        }
    }
}

/// Why a secret did not authenticate the client.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The secret's type is for another method than the client's.
    MethodNotAllowed {
        /// The method the secret is for.
        secret_method: AuthMethod,
        /// The client's method.
        client_method: AuthMethod,
    },
    /// The secret is a certificate secret and no certificate was presented.
    NoCertificate,
    /// The secret is a shared secret and none was presented.
    NoSecret,
    /// The certificate could not be read far enough to check this secret.
    CertificateUnreadable {
        /// What failed.
        detail: String,
    },
    /// The registered thumbprint is not the certificate's.
    ThumbprintDiffers {
        /// The algorithm compared.
        algorithm: DigestKind,
        /// The registered value (cleaned).
        expected: String,
        /// The certificate's thumbprint with that algorithm.
        actual: String,
        /// What the registered value is instead, when certbind can tell.
        hint: Option<ThumbprintHint>,
    },
    /// The certificate is none of the ones registered for `self_signed_tls_client_auth`.
    CertificateNotRegistered {
        /// SHA-256 of each registered certificate.
        registered: Vec<String>,
        /// SHA-256 of the presented one.
        actual: String,
        /// What a registered value is instead, when certbind can tell.
        hint: Option<ThumbprintHint>,
    },
    /// The certificate had expired (beyond the clock skew).
    CertificateExpired {
        /// Its notAfter.
        not_after: When,
        /// The time of the decision.
        now: When,
        /// The clock skew allowed, in seconds.
        skew: u64,
    },
    /// The certificate was not valid yet (beyond the clock skew).
    CertificateNotYetValid {
        /// Its notBefore.
        not_before: When,
        /// The time of the decision.
        now: When,
        /// The clock skew allowed, in seconds.
        skew: u64,
    },
    /// The subject DN is not the registered one.
    SubjectDiffers {
        /// The registered DN, as written.
        expected: String,
        /// The certificate's subject (RFC 4514).
        actual: String,
        /// The first difference.
        difference: DnDifference,
    },
    /// The certificate has no SAN of the registered kind.
    SanAbsent {
        /// The kind.
        kind: SanKind,
        /// The registered value.
        expected: String,
    },
    /// The certificate has SANs of the kind, but not the registered one.
    SanDiffers {
        /// The kind.
        kind: SanKind,
        /// The registered value.
        expected: String,
        /// The certificate's SANs of that kind.
        found: Vec<String>,
    },
    /// The chain does not validate to the trust anchors.
    ChainInvalid {
        /// webpki's reason, typed.
        #[cfg_attr(not(feature = "chain"), serde(skip))]
        error: ChainErrorRepr,
        /// The certificate's issuer (RFC 4514).
        issuer: String,
    },
    /// The extended key usage does not allow TLS client authentication.
    EkuNotClientAuth {
        /// The purposes the certificate (or a CA on its path) lists.
        present: Vec<String>,
    },
    /// The issuing CA's key is not one of the pinned keys.
    IssuerKeyNotPinned {
        /// The pinned SPKI SHA-256 values (hex).
        expected: Vec<String>,
        /// The SPKI SHA-256 of the CA that issued the certificate (hex).
        actual: String,
    },
    /// No anchor file of this secret was loaded.
    TrustAnchorsMissing {
        /// The files named that were not loaded.
        files: Vec<String>,
    },
    /// This build has no chain validation (the `chain` feature is off).
    ChainValidationUnavailable,
    /// The shared secret is not the registered one.
    SecretDiffers,
    /// The secret's `expires` has passed.
    SecretExpired {
        /// When it expired.
        at: When,
        /// Whether the secret would otherwise have matched.
        would_match: bool,
    },
    /// A reason of a [`crate::ClientValidator`] of your own, in words.
    Custom {
        /// The reason in words.
        message: String,
    },
}

/// The chain error carried by [`Reason::ChainInvalid`].
#[cfg(feature = "chain")]
pub type ChainErrorRepr = crate::chain::ChainError;
/// The chain error carried by [`Reason::ChainInvalid`] (never built without `chain`).
#[cfg(not(feature = "chain"))]
pub type ChainErrorRepr = String;

impl Reason {
    /// How close the secret came to matching: higher is closer. Used to pick the most useful
    /// reason for logs when every secret fails.
    #[must_use]
    pub fn rank(&self) -> u8 {
        match self {
            Self::MethodNotAllowed { .. } => 0,
            Self::NoCertificate | Self::NoSecret => 1,
            Self::SecretExpired {
                would_match: false, ..
            } => 2,
            Self::CertificateUnreadable { .. } | Self::ChainValidationUnavailable => 3,
            Self::ThumbprintDiffers { hint: None, .. }
            | Self::CertificateNotRegistered { hint: None, .. }
            | Self::SanAbsent { .. }
            | Self::SecretDiffers
            | Self::Custom { .. } => 10,
            Self::SubjectDiffers { .. } | Self::SanDiffers { .. } => 11,
            Self::ThumbprintDiffers { .. } | Self::CertificateNotRegistered { .. } => 12,
            Self::TrustAnchorsMissing { .. } => 15,
            Self::ChainInvalid { .. } => 20,
            Self::EkuNotClientAuth { .. } => 25,
            Self::IssuerKeyNotPinned { .. } => 30,
            Self::CertificateExpired { .. } | Self::CertificateNotYetValid { .. } => 40,
            Self::SecretExpired {
                would_match: true, ..
            } => 50,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MethodNotAllowed {
                secret_method,
                client_method,
            } => write!(
                f,
                "method not allowed: this secret is for {secret_method}, and the client uses \
                 {client_method}"
            ),
            Self::NoCertificate => f.write_str("no client certificate was presented"),
            Self::NoSecret => f.write_str("no client secret was presented"),
            Self::CertificateUnreadable { detail } => {
                write!(f, "the certificate cannot be read: {detail}")
            }
            Self::ThumbprintDiffers {
                algorithm,
                expected,
                actual,
                hint,
            } => {
                write!(
                    f,
                    "thumbprint differs: registered {} {expected}, the certificate's is {actual}",
                    algorithm.name()
                )?;
                if let Some(hint) = hint {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            Self::CertificateNotRegistered {
                registered,
                actual,
                hint,
            } => {
                write!(
                    f,
                    "the certificate (SHA-256 {actual}) is not one of the {} registered",
                    registered.len()
                )?;
                if let Some(hint) = hint {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            Self::CertificateExpired {
                not_after,
                now,
                skew,
            } => write!(
                f,
                "the certificate expired at {not_after} (now {now}, clock skew {skew} s)"
            ),
            Self::CertificateNotYetValid {
                not_before,
                now,
                skew,
            } => write!(
                f,
                "the certificate is not valid before {not_before} (now {now}, clock skew {skew} s)"
            ),
            Self::SubjectDiffers {
                expected,
                actual,
                difference,
            } => write!(
                f,
                "subject DN differs: registered {expected:?}, certificate has {actual:?}: \
                 {difference}"
            ),
            Self::SanAbsent { kind, expected } => {
                write!(
                    f,
                    "the certificate has no {kind} SAN (registered {expected})"
                )
            }
            Self::SanDiffers {
                kind,
                expected,
                found,
            } => write!(
                f,
                "{kind} SAN differs: registered {expected}, the certificate has {}",
                found.join(", ")
            ),
            Self::ChainInvalid { error, issuer } => {
                write!(
                    f,
                    "chain invalid: {error} (certificate issued by {issuer:?})"
                )
            }
            Self::EkuNotClientAuth { present } => write!(
                f,
                "the extended key usage does not allow client authentication (clientAuth); the \
                 certificate allows {}",
                if present.is_empty() {
                    String::from("nothing")
                } else {
                    present.join(", ")
                }
            ),
            Self::IssuerKeyNotPinned { expected, actual } => write!(
                f,
                "the issuing CA's key is not the pinned one: its SPKI SHA-256 is {actual}, pinned \
                 {}",
                expected.join(" or ")
            ),
            Self::TrustAnchorsMissing { files } => {
                write!(f, "the trust anchors were not loaded: {}", files.join(", "))
            }
            Self::ChainValidationUnavailable => {
                f.write_str("chain validation is not available in this build")
            }
            Self::SecretDiffers => f.write_str("the client secret does not match"),
            Self::SecretExpired { at, would_match } => {
                write!(f, "the secret expired at {at}")?;
                if *would_match {
                    f.write_str(" (it would otherwise match)")?;
                }
                Ok(())
            }
            Self::Custom { message } => f.write_str(message),
        }
    }
}
