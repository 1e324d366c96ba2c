//! What a decision answers: [`Decision`] (accepted with the secret that matched, or rejected
//! with every reason) and [`Explanation`] (every secret's outcome, for `certbind explain`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::presented::PresentedCertificate;
use crate::reason::{ClientReason, Reason, SecretRejection};
use crate::secret::{AuthMethod, SecretType};

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
