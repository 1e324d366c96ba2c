//! The seam between the HTTP endpoints and the clients: who is asking, with which credential
//! ([`AuthRequest`]), and the answer (an [`Authenticated`] client with its grants, or an
//! [`AuthFailure`] with its full reason).
//!
//! The token and introspection endpoints ask [`crate::registry::Registry::authenticate`], which
//! puts the request to a certbind-core `ClientValidator` — the server's one extension point (see
//! [`crate::registry::Registry::with_validator`]). These types are the host's plumbing around it,
//! not a second extension point.

use crate::tls::PresentedCertificate;

/// How a client secret reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretVia {
    /// `Authorization: Basic` (`client_secret_basic`).
    Basic,
    /// `client_secret` in the form body (`client_secret_post`).
    Post,
}

/// What a request presented to authenticate `client_id`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuthRequest<'a> {
    /// The client id (from the body or the Basic header).
    pub(crate) client_id: &'a str,
    /// The certificate of the TLS connection, if the client sent one (read once per
    /// connection; borrowed, never copied, for each request).
    pub(crate) certificate: Option<&'a PresentedCertificate>,
    /// The secret, if one was sent, and how.
    pub(crate) secret: Option<(&'a str, SecretVia)>,
    /// Unix time now.
    pub(crate) now: u64,
    /// Whether a rejection's reason will be logged: only then does the core work out the hints
    /// that come with it (what a registered thumbprint is instead, which hashes the chain).
    pub(crate) hints: bool,
}

/// Who answered a request: the validator, or an earlier request on the same connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnsweredBy {
    /// The server's own rules, before any validator (one method per request, an unusable
    /// certificate).
    Server,
    /// The validator, now.
    Validator,
    /// A decision the validator made for an earlier request on this connection (see
    /// [`crate::decisions`]).
    Reused,
}

/// An authenticated client and what it may be granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticated {
    /// The client id.
    pub(crate) client_id: String,
    /// The RFC 8705 / RFC 6749 method that succeeded (e.g. `tls_client_auth`).
    pub(crate) method: &'static str,
    /// Which registered secret matched (for the log), e.g. `secret #1 (x509_thumbprint)`.
    pub(crate) matched: String,
    /// The same: its 1-based number and its type.
    pub(crate) secret: (usize, certbind_core::SecretType),
    /// Scopes the client may request.
    pub(crate) scopes: Vec<String>,
    /// Whether the client may use the client_credentials grant.
    pub(crate) client_credentials_allowed: bool,
    /// The client's own access-token lifetime, if it sets one (seconds).
    pub(crate) token_lifetime: Option<u64>,
    /// The `aud` of its access tokens, when it has its own (else the server's).
    pub(crate) audience: Vec<String>,
    /// Which tokens it may introspect.
    pub(crate) introspection: certbind_core::Introspection,
    /// `x5t#S256` to bind tokens to, when a certificate authenticated the client.
    pub(crate) x5t_s256: Option<String>,
}

/// Why authentication failed. The caller only ever sees `invalid_client`; this goes to the log
/// and the `reason` label to `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthFailure {
    /// A short fixed label for metrics (`unknown_client`, `disabled_client`,
    /// `no_certificate`, `method_not_allowed`, `thumbprint_differs`, `custom`, …).
    pub(crate) label: &'static str,
    /// The method the client is registered with, when known.
    pub(crate) method: Option<&'static str>,
    /// The full reason in words (one per registered secret when several were tried).
    pub(crate) reason: String,
}

impl AuthFailure {
    /// A failure with a label and a reason.
    pub(crate) fn new(label: &'static str, reason: impl Into<String>) -> Self {
        Self {
            label,
            method: None,
            reason: reason.into(),
        }
    }
}
