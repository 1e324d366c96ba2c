//! The decision: does what a client presented authenticate it, and if not, why not — one reason
//! per registered secret.
//!
//! ## Order of checks, per secret
//! 1. the secret's type must serve the client's method (else *method not allowed*);
//! 2. the credential must be there (a certificate, or a shared secret);
//! 3. identity: thumbprint / registered certificate / subject DN / SAN / secret value;
//! 4. certificate methods: the presented certificate's validity, with the clock skew;
//! 5. `tls_client_auth` and `x509_name`: the chain, to the trust anchors, for `clientAuth`;
//!    then the issuer key pin;
//! 6. the secret's own `expires` (reported instead of the above when it has passed, saying
//!    whether the secret would otherwise have matched).
//!
//! ## Validity and clock skew
//! The presented certificate's notBefore/notAfter are checked for *every* certificate method,
//! including the pinned ones (a thumbprint does not make an expired certificate acceptable;
//! rotate the registration along with the certificate). The registered secret's `expires` is
//! checked separately. A certificate is accepted from `notBefore − skew` to `notAfter + skew`
//! (default 5 minutes, `clock_skew` in the registry). Chains are then validated at the instant
//! closest to now inside the leaf's validity, so the skew extends to the whole path.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::UnixTime;
use crate::dn::DnDifference;
use crate::holder_names::HolderNames;
use crate::presented::{Presented, PresentedCertificate, SecretTransport};
use crate::registry::{Client, DEFAULT_CLOCK_SKEW, Registry};
use crate::san::{SanKind, SanMismatch};
use crate::secret::{AuthMethod, Secret, SecretKind, SecretType, SubjectRequirement};
use crate::thumbprint::hex_upper;
use crate::trust::TrustStore;
use crate::when::When;

/// What the decision needs besides the client and the credentials.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct DecisionContext<'a> {
    /// The time of the request.
    pub now: UnixTime,
    /// The trust anchors for `tls_client_auth` and `x509_name`.
    pub trust: &'a TrustStore,
    /// Seconds of clock skew allowed on certificate validity.
    pub clock_skew: u64,
    /// The signature algorithms chain validation accepts.
    #[cfg(feature = "chain")]
    pub algorithms: &'a [&'a dyn pki_types::SignatureVerificationAlgorithm],
    /// Signatures already verified (see [`crate::SignatureCache`]); `None` verifies every time.
    #[cfg(feature = "chain")]
    pub signature_cache: Option<&'a (dyn crate::SignatureCache + Sync)>,
    /// Whether a rejection says what a registered thumbprint that does not match is instead
    /// ([`ThumbprintHint`]: this certificate's other digest, its key's hash, a certificate of
    /// the chain it sent). Finding out hashes the presented chain, so a server that will not
    /// log the reason turns it off; explanations keep it. Default: on.
    pub hints: bool,
}

impl<'a> DecisionContext<'a> {
    /// A context with the default clock skew and certbind's algorithms.
    #[must_use]
    pub fn new(now: UnixTime, trust: &'a TrustStore) -> Self {
        Self {
            now,
            trust,
            clock_skew: DEFAULT_CLOCK_SKEW,
            #[cfg(feature = "chain")]
            algorithms: crate::signature::ALL_ALGORITHMS,
            #[cfg(feature = "chain")]
            signature_cache: None,
            hints: true,
        }
    }

    /// A context for a registry: its anchors and its clock skew.
    #[must_use]
    pub fn for_registry(registry: &'a Registry, now: UnixTime) -> Self {
        Self {
            clock_skew: registry.clock_skew,
            ..Self::new(now, &registry.trust)
        }
    }
}

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
    fn of_transport(t: SecretTransport) -> Self {
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

/// The outcome of a decision.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Decision {
    /// The client is authenticated.
    Accepted(Acceptance),
    /// It is not; every reason is given.
    Rejected(Rejection),
}

impl Decision {
    /// Whether the client is authenticated.
    #[must_use]
    pub const fn is_accepted(&self) -> bool {
        matches!(self, Self::Accepted(_))
    }
}

/// Which secret authenticated the client, and how.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Acceptance {
    /// The client.
    pub client_id: String,
    /// 0-based index of the secret that matched.
    pub secret_index: usize,
    /// Its type.
    pub secret_type: SecretType,
    /// The method it authenticated with.
    pub method: AuthMethod,
    /// `x5t#S256` of the certificate, when a certificate authenticated the client.
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: Option<String>,
    /// Whether tokens must be bound to the certificate (`cnf.x5t#S256`, RFC 8705 §3).
    pub certificate_bound: bool,
}

impl Acceptance {
    /// An acceptance, for a [`crate::ClientValidator`] of your own: `client_id` authenticated
    /// with its secret number `secret_index` (0-based; 0 when your store has no such notion), of
    /// type `secret_type`, by `method`. Tokens are not bound to a certificate unless
    /// [`Acceptance::with_certificate`] says so.
    #[must_use]
    pub fn new(
        client_id: impl Into<String>,
        secret_index: usize,
        secret_type: SecretType,
        method: AuthMethod,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            secret_index,
            secret_type,
            method,
            x5t_s256: None,
            certificate_bound: false,
        }
    }

    /// Records the certificate that authenticated the client (its `x5t#S256`), and whether the
    /// client's tokens are bound to it (`cnf.x5t#S256`, RFC 8705 §3; certbind's own clients
    /// say so in `certificate_bound_access_tokens`).
    #[must_use]
    pub fn with_certificate(
        mut self,
        certificate: &PresentedCertificate,
        bind_tokens: bool,
    ) -> Self {
        self.x5t_s256 = Some(certificate.x5t_s256());
        self.certificate_bound = bind_tokens;
        self
    }
}

/// Why the client is not authenticated.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Rejection {
    /// The client (as asked for).
    pub client_id: String,
    /// Reasons that concern the client as a whole.
    pub client_reasons: Vec<ClientReason>,
    /// One reason per secret, in registry order.
    pub secrets: Vec<SecretRejection>,
}

impl Rejection {
    /// A rejection of `client_id` with no reason yet: add them with
    /// [`Rejection::with_client_reason`] and [`Rejection::with_secret`] (for a
    /// [`crate::ClientValidator`] of your own).
    #[must_use]
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_reasons: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// No client has this `client_id`.
    #[must_use]
    pub fn unknown_client(client_id: impl Into<String>) -> Self {
        Self::new(client_id).with_client_reason(ClientReason::UnknownClient)
    }

    /// A reason of your own validator's, in words (see [`ClientReason::Custom`]).
    #[must_use]
    pub fn custom(client_id: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(client_id).with_client_reason(ClientReason::Custom {
            message: message.into(),
        })
    }

    /// Adds a reason that concerns the client as a whole.
    #[must_use]
    pub fn with_client_reason(mut self, reason: ClientReason) -> Self {
        self.client_reasons.push(reason);
        self
    }

    /// Adds the reason one secret did not match.
    #[must_use]
    pub fn with_secret(mut self, rejection: SecretRejection) -> Self {
        self.secrets.push(rejection);
        self
    }

    /// The most specific reason: a client reason when there is one, else the reason of the
    /// secret that came closest to matching (see [`Reason::rank`]).
    #[must_use]
    pub fn summary(&self) -> String {
        if let Some(reason) = self.client_reasons.first() {
            return reason.to_string();
        }
        match self.most_specific() {
            Some(s) => format!("secret #{} ({}): {}", s.index + 1, s.secret_type, s.reason),
            None => String::from("the client has no secrets"),
        }
    }

    /// The secret whose reason ranks highest (closest to matching).
    #[must_use]
    pub fn most_specific(&self) -> Option<&SecretRejection> {
        self.secrets.iter().max_by_key(|s| s.reason.rank())
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

/// One secret's outcome in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretOutcome {
    /// 0-based index.
    pub index: usize,
    /// Its type.
    pub secret_type: SecretType,
    /// Its description.
    pub description: Option<String>,
    /// `Ok(method)` when it matched; the reason otherwise.
    pub result: Result<AuthMethod, Reason>,
}

impl serde::Serialize for SecretOutcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("SecretOutcome", 6)?;
        s.serialize_field("index", &self.index)?;
        s.serialize_field("type", &self.secret_type)?;
        s.serialize_field("description", &self.description)?;
        s.serialize_field("matched", &self.result.is_ok())?;
        match &self.result {
            Ok(method) => {
                s.serialize_field("method", method)?;
                s.serialize_field("message", &format!("matches ({method})"))?;
            }
            Err(reason) => {
                s.serialize_field("reason", reason)?;
                s.serialize_field("message", &reason.to_string())?;
            }
        }
        s.end()
    }
}

/// A decision with every secret's outcome (what `certbind explain` prints).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Every secret, matched or not.
    pub secrets: Vec<SecretOutcome>,
}

/// Decides whether `presented` authenticates `client`. Stops at the first secret that matches.
#[must_use]
pub fn decide(
    client: &Client,
    presented: &Presented<'_>,
    context: &DecisionContext<'_>,
) -> Decision {
    evaluate(client, presented, context, true).decision
}

/// Like [`decide`], evaluating every secret (for explanations).
#[must_use]
pub fn explain(
    client: &Client,
    presented: &Presented<'_>,
    context: &DecisionContext<'_>,
) -> Explanation {
    evaluate(client, presented, context, false)
}

/// The first instant after `context.now` at which [`decide`] could answer otherwise for the same
/// client and the same presentation only because time has passed, or `None` when no later
/// instant can change it.
///
/// The decision depends on the time only through these instants: the presented certificate's
/// notBefore and notAfter, with the clock skew (its validity check) and without (chains are
/// validated at the instant closest to now inside its validity); the notBefore and notAfter of
/// every certificate sent after it (any of them may be on the path); and each secret's
/// `expires`. Trust anchors have no validity in chain validation. A server may therefore reuse a
/// decision for the same inputs until then, as certbind's does on a connection.
#[must_use]
pub fn next_change(
    client: &Client,
    presented: &Presented<'_>,
    context: &DecisionContext<'_>,
) -> Option<UnixTime> {
    let now = When::from(context.now);
    let skew = i64::try_from(context.clock_skew).unwrap_or(i64::MAX);
    // Each instant is the first second at which a comparison with `now` turns.
    let mut instants: Vec<When> = client.secrets.iter().filter_map(|s| s.expires).collect();
    if let Some(cert) = presented.certificate {
        let (not_before, not_after) = (cert.not_before(), cert.not_after());
        instants.extend([
            not_before.plus(-skew),
            not_before,
            not_after.plus(1),
            not_after.plus(skew).plus(1),
        ]);
        for der in cert.chain() {
            if let Ok((not_before, not_after)) = crate::validity::read_validity(der) {
                instants.extend([not_before, not_after.plus(1)]);
            }
        }
    }
    instants
        .into_iter()
        .filter(|instant| *instant > now)
        .min()
        .map(When::unix_time)
}

fn evaluate(
    client: &Client,
    presented: &Presented<'_>,
    ctx: &DecisionContext<'_>,
    stop_at_match: bool,
) -> Explanation {
    let client_reasons = client_reasons(client, presented);
    if stop_at_match && !client.enabled {
        // A disabled client is rejected whatever it presents: nothing is verified for it (an
        // explanation still evaluates every secret, to say whether it would match).
        return Explanation {
            decision: Decision::Rejected(Rejection {
                client_id: client.client_id.clone(),
                client_reasons,
                secrets: Vec::new(),
            }),
            secrets: Vec::new(),
        };
    }
    let mut outcomes = Vec::with_capacity(client.secrets.len());
    let mut accepted = None;
    for (index, secret) in client.secrets.iter().enumerate() {
        let result = evaluate_secret(client, secret, presented, ctx);
        if accepted.is_none()
            && client_reasons.is_empty()
            && let Ok(method) = result
        {
            accepted = Some((index, secret.secret_type(), method));
        }
        outcomes.push(SecretOutcome {
            index,
            secret_type: secret.secret_type(),
            description: secret.description.clone(),
            result,
        });
        if stop_at_match && accepted.is_some() {
            break;
        }
    }
    let decision = match accepted {
        Some((secret_index, secret_type, used)) => {
            let acceptance =
                Acceptance::new(client.client_id.clone(), secret_index, secret_type, used);
            Decision::Accepted(match presented.certificate {
                Some(certificate) if used.uses_certificate() => {
                    acceptance.with_certificate(certificate, client.certificate_bound_access_tokens)
                }
                _ => acceptance,
            })
        }
        None => Decision::Rejected(Rejection {
            client_id: client.client_id.clone(),
            client_reasons,
            secrets: outcomes
                .iter()
                .filter_map(|o| {
                    o.result.as_ref().err().map(|reason| SecretRejection {
                        index: o.index,
                        secret_type: o.secret_type,
                        description: o.description.clone(),
                        reason: reason.clone(),
                    })
                })
                .collect(),
        }),
    };
    Explanation {
        decision,
        secrets: outcomes,
    }
}

fn client_reasons(client: &Client, presented: &Presented<'_>) -> Vec<ClientReason> {
    let mut reasons = Vec::new();
    if !client.enabled {
        reasons.push(ClientReason::Disabled);
    }
    let method = client.token_endpoint_auth_method;
    let secret = presented
        .secret
        .as_ref()
        .map(|s| Credential::of_transport(s.transport()));
    if method.uses_certificate() {
        if presented.certificate.is_none() {
            reasons.push(ClientReason::NoCertificatePresented { method });
            if let Some(presented) = secret {
                reasons.push(ClientReason::MethodNotAllowed { presented, method });
            }
        }
    } else {
        match presented.secret.as_ref() {
            None => {
                reasons.push(ClientReason::NoSecretPresented { method });
                if presented.certificate.is_some() {
                    reasons.push(ClientReason::MethodNotAllowed {
                        presented: Credential::Certificate,
                        method,
                    });
                }
            }
            Some(s) => {
                let used = match s.transport() {
                    SecretTransport::Basic => AuthMethod::ClientSecretBasic,
                    SecretTransport::Post => AuthMethod::ClientSecretPost,
                };
                if !client.accepts(used) {
                    reasons.push(ClientReason::MethodNotAllowed {
                        presented: Credential::of_transport(s.transport()),
                        method,
                    });
                }
            }
        }
    }
    reasons
}

fn evaluate_secret(
    client: &Client,
    secret: &Secret,
    presented: &Presented<'_>,
    ctx: &DecisionContext<'_>,
) -> Result<AuthMethod, Reason> {
    let kind = secret.secret_type();
    let client_method = client.token_endpoint_auth_method;
    if !kind.serves(client_method) {
        return Err(Reason::MethodNotAllowed {
            secret_method: kind.method(),
            client_method,
        });
    }
    let result = match &secret.kind {
        SecretKind::SharedSecret(hash) => match &presented.secret {
            None => Err(Reason::NoSecret),
            Some(given) => {
                if bool::from(given.sha256().ct_eq(&hash.0)) {
                    Ok(client_method)
                } else {
                    Err(Reason::SecretDiffers)
                }
            }
        },
        certificate_kind => match presented.certificate {
            None => Err(Reason::NoCertificate),
            Some(cert) => check_certificate(client, certificate_kind, cert, ctx),
        },
    };
    match secret.expires {
        Some(at) if at <= When::from(ctx.now) => Err(Reason::SecretExpired {
            at,
            would_match: result.is_ok(),
        }),
        _ => result,
    }
}

fn check_certificate(
    client: &Client,
    kind: &SecretKind,
    cert: &PresentedCertificate,
    ctx: &DecisionContext<'_>,
) -> Result<AuthMethod, Reason> {
    match kind {
        SecretKind::X509Thumbprint(t) => {
            check_thumbprint(&t.digest, &t.text, DigestKind::Sha1, cert, ctx.hints)?;
            check_validity(cert, ctx)?;
            Ok(AuthMethod::SelfSignedTlsClientAuth)
        }
        SecretKind::X509ThumbprintSha256(t) => {
            check_thumbprint(&t.digest, &t.text, DigestKind::Sha256, cert, ctx.hints)?;
            check_validity(cert, ctx)?;
            Ok(AuthMethod::SelfSignedTlsClientAuth)
        }
        SecretKind::SelfSignedTlsClientAuth(s) => {
            let mut matched = subtle::Choice::from(0);
            for registered in &s.sha256 {
                matched |= registered.ct_eq(cert.sha256());
            }
            if !bool::from(matched) {
                let hint = s
                    .sha256
                    .iter()
                    .filter(|_| ctx.hints)
                    .find_map(|d| thumbprint_hint(d, DigestKind::Sha256, cert));
                return Err(Reason::CertificateNotRegistered {
                    registered: s.sha256.iter().map(|d| hex_upper(d)).collect(),
                    actual: hex_upper(cert.sha256()),
                    hint,
                });
            }
            check_validity(cert, ctx)?;
            Ok(AuthMethod::SelfSignedTlsClientAuth)
        }
        SecretKind::X509Name(dn) => {
            let parsed = parsed(cert)?;
            check_subject(&SubjectRequirement::SubjectDn(dn.clone()), parsed, cert)?;
            check_validity(cert, ctx)?;
            check_chain(client.trust_anchors.as_deref(), &[], cert, ctx)?;
            Ok(AuthMethod::TlsClientAuth)
        }
        SecretKind::TlsClientAuth(t) => {
            let parsed = parsed(cert)?;
            check_subject(&t.subject, parsed, cert)?;
            check_validity(cert, ctx)?;
            let anchors = t
                .trust_anchors
                .as_deref()
                .or(client.trust_anchors.as_deref());
            check_chain(anchors, &t.issuer_key_sha256, cert, ctx)?;
            Ok(AuthMethod::TlsClientAuth)
        }
        SecretKind::SharedSecret(_) => Err(Reason::NoSecret),
    }
}

fn parsed(cert: &PresentedCertificate) -> Result<&HolderNames, Reason> {
    cert.names()
        .map_err(|detail| Reason::CertificateUnreadable {
            detail: detail.to_string(),
        })
}

fn check_thumbprint(
    registered: &[u8],
    text: &str,
    algorithm: DigestKind,
    cert: &PresentedCertificate,
    hints: bool,
) -> Result<(), Reason> {
    let actual: &[u8] = match algorithm {
        DigestKind::Sha1 => cert.sha1(),
        DigestKind::Sha256 => cert.sha256(),
    };
    if bool::from(registered.ct_eq(actual)) {
        return Ok(());
    }
    Err(Reason::ThumbprintDiffers {
        algorithm,
        expected: text.to_string(),
        actual: hex_upper(actual),
        hint: if hints {
            thumbprint_hint(registered, algorithm, cert)
        } else {
            None
        },
    })
}

/// What a registered digest that does not match this certificate is, when certbind can tell.
fn thumbprint_hint(
    registered: &[u8],
    algorithm: DigestKind,
    cert: &PresentedCertificate,
) -> Option<ThumbprintHint> {
    if registered == cert.sha256().as_slice() && algorithm != DigestKind::Sha256 {
        return Some(ThumbprintHint::OtherAlgorithm {
            algorithm: DigestKind::Sha256,
            use_type: SecretType::X509ThumbprintSha256,
        });
    }
    if registered == cert.sha1().as_slice() && algorithm != DigestKind::Sha1 {
        return Some(ThumbprintHint::OtherAlgorithm {
            algorithm: DigestKind::Sha1,
            use_type: SecretType::X509Thumbprint,
        });
    }
    if let Ok(raw) = crate::tbs::walk(cert.der())
        && registered == Sha256::digest(raw.spki).as_slice()
    {
        return Some(ThumbprintHint::KeyHash);
    }
    cert.chain().iter().enumerate().find_map(|(i, der)| {
        let matches = registered == Sha1::digest(der).as_slice()
            || registered == Sha256::digest(der).as_slice();
        matches.then(|| ThumbprintHint::ChainCertificate {
            position: i + 1,
            subject: subject_of(der),
        })
    })
}

/// The RFC 4514 subject of a DER certificate, when it can be read.
pub(crate) fn subject_name(der: &[u8]) -> Option<String> {
    let raw = crate::tbs::walk(der).ok()?;
    crate::name::format_name(raw.subject).ok()
}

/// The RFC 4514 issuer of a DER certificate, when it can be read.
pub(crate) fn issuer_name(der: &[u8]) -> Option<String> {
    let raw = crate::tbs::walk(der).ok()?;
    crate::name::format_name(raw.issuer).ok()
}

/// The RFC 4514 subject of a DER certificate, or a placeholder.
fn subject_of(der: &[u8]) -> String {
    subject_name(der).unwrap_or_else(|| String::from("(unreadable subject)"))
}

/// The RFC 4514 issuer of a DER certificate, or a placeholder.
#[cfg(feature = "chain")]
fn issuer_of(der: &[u8]) -> String {
    issuer_name(der).unwrap_or_else(|| String::from("(unreadable issuer)"))
}

fn check_subject(
    requirement: &SubjectRequirement,
    parsed: &HolderNames,
    cert: &PresentedCertificate,
) -> Result<(), Reason> {
    match requirement {
        SubjectRequirement::SubjectDn(dn) => {
            dn.compare(&parsed.subject)
                .map_err(|difference| Reason::SubjectDiffers {
                    expected: dn.as_str().to_string(),
                    actual: subject_of(cert.der()),
                    difference,
                })
        }
        SubjectRequirement::San(san) => san.check(parsed).map_err(|mismatch| match mismatch {
            SanMismatch::Absent => Reason::SanAbsent {
                kind: san.kind(),
                expected: san.as_str().to_string(),
            },
            SanMismatch::Differs(found) => Reason::SanDiffers {
                kind: san.kind(),
                expected: san.as_str().to_string(),
                found,
            },
            SanMismatch::Unreadable(detail) => Reason::CertificateUnreadable {
                detail: format!("the subjectAltName extension: {detail}"),
            },
        }),
    }
}

fn check_validity(cert: &PresentedCertificate, ctx: &DecisionContext<'_>) -> Result<(), Reason> {
    let now = When::from(ctx.now);
    let skew = i64::try_from(ctx.clock_skew).unwrap_or(i64::MAX);
    if now > cert.not_after().plus(skew) {
        return Err(Reason::CertificateExpired {
            not_after: cert.not_after(),
            now,
            skew: ctx.clock_skew,
        });
    }
    if now < cert.not_before().plus(-skew) {
        return Err(Reason::CertificateNotYetValid {
            not_before: cert.not_before(),
            now,
            skew: ctx.clock_skew,
        });
    }
    Ok(())
}

#[cfg(feature = "chain")]
fn check_chain(
    anchor_files: Option<&[String]>,
    pins: &[[u8; 32]],
    cert: &PresentedCertificate,
    ctx: &DecisionContext<'_>,
) -> Result<(), Reason> {
    use crate::chain::{ChainError, ChainOptions, verify_chain};

    let resolved = ctx.trust.resolve(anchor_files);
    if resolved.anchors.is_empty() && !resolved.missing.is_empty() {
        return Err(Reason::TrustAnchorsMissing {
            files: resolved.missing.iter().map(ToString::to_string).collect(),
        });
    }
    // Validate at the instant closest to now within the leaf's validity: the skew was
    // applied to the leaf already.
    let now = When::from(ctx.now);
    let at = now.max(cert.not_before()).min(cert.not_after());
    let intermediates: Vec<&[u8]> = cert.chain().iter().map(Vec::as_slice).collect();
    let cached: Vec<crate::sigcache::Cached<'_>> = match ctx.signature_cache {
        Some(cache) => ctx
            .algorithms
            .iter()
            .map(|inner| crate::sigcache::Cached {
                inner: *inner,
                cache,
            })
            .collect(),
        None => Vec::new(),
    };
    let cached_refs: Vec<&dyn pki_types::SignatureVerificationAlgorithm> = cached
        .iter()
        .map(|c| c as &dyn pki_types::SignatureVerificationAlgorithm)
        .collect();
    let mut options = ChainOptions::client_auth();
    options.algorithms = if cached_refs.is_empty() {
        ctx.algorithms
    } else {
        &cached_refs
    };
    let verified = verify_chain(
        cert.der(),
        &intermediates,
        &resolved.anchors,
        at.unix_time(),
        &options,
    )
    .map_err(|error| match error {
        ChainError::EkuNotAllowed { present, .. } => Reason::EkuNotClientAuth { present },
        error => Reason::ChainInvalid {
            error,
            issuer: issuer_of(cert.der()),
        },
    })?;
    if !pins.is_empty() {
        let mut pinned = subtle::Choice::from(0);
        for pin in pins {
            pinned |= pin.ct_eq(&verified.issuer_spki_sha256);
        }
        if !bool::from(pinned) {
            return Err(Reason::IssuerKeyNotPinned {
                expected: pins.iter().map(|p| hex_upper(p)).collect(),
                actual: hex_upper(&verified.issuer_spki_sha256),
            });
        }
    }
    Ok(())
}

#[cfg(not(feature = "chain"))]
fn check_chain(
    _anchor_files: Option<&[String]>,
    _pins: &[[u8; 32]],
    _cert: &PresentedCertificate,
    _ctx: &DecisionContext<'_>,
) -> Result<(), Reason> {
    Err(Reason::ChainValidationUnavailable)
}
