//! The seam between the HTTP endpoints and the client registry: who is asking, with which
//! credential, and the answer (a client with its grants, or a failure with its full reason).
//!
//! [`ClientAuthenticator`] is what the token and introspection endpoints call. certbind's own
//! implementation ([`crate::registry::Registry`]) applies the core's decision to the clients of
//! `certbind.toml`; an application can supply its own (its own client store and mapping, as
//! IdentityServer3 users implemented `IClientValidator`).

use std::sync::Arc;

use crate::tls::PresentedCertificate;

/// How a client secret reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretVia {
    /// `Authorization: Basic` (`client_secret_basic`).
    Basic,
    /// `client_secret` in the form body (`client_secret_post`).
    Post,
}

/// What a request presented to authenticate `client_id`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AuthRequest<'a> {
    /// The client id (from the body or the Basic header).
    pub client_id: &'a str,
    /// The certificate of the TLS connection, if the client sent one.
    pub certificate: Option<&'a PresentedCertificate>,
    /// The secret, if one was sent, and how.
    pub secret: Option<(&'a str, SecretVia)>,
    /// Unix time now.
    pub now: u64,
}

impl<'a> AuthRequest<'a> {
    /// A request for `client_id` at `now`.
    #[must_use]
    pub const fn new(
        client_id: &'a str,
        certificate: Option<&'a PresentedCertificate>,
        secret: Option<(&'a str, SecretVia)>,
        now: u64,
    ) -> Self {
        Self {
            client_id,
            certificate,
            secret,
            now,
        }
    }
}

/// An authenticated client and what it may be granted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Authenticated {
    /// The client id.
    pub client_id: String,
    /// The RFC 8705 / RFC 6749 method that succeeded (e.g. `tls_client_auth`).
    pub method: &'static str,
    /// Which registered secret matched (for the log), e.g. `secrets[0] (x509_thumbprint)`.
    pub matched: String,
    /// Scopes the client may request.
    pub scopes: Vec<String>,
    /// Whether the client may use the client_credentials grant.
    pub client_credentials_allowed: bool,
    /// The client's own access-token lifetime, if it sets one (seconds).
    pub token_lifetime: Option<u64>,
    /// `x5t#S256` to bind tokens to, when a certificate authenticated the client.
    pub x5t_s256: Option<String>,
}

impl Authenticated {
    /// An authenticated client with no binding and no lifetime of its own.
    #[must_use]
    pub fn new(client_id: impl Into<String>, method: &'static str, scopes: Vec<String>) -> Self {
        Self {
            client_id: client_id.into(),
            method,
            matched: String::new(),
            scopes,
            client_credentials_allowed: true,
            token_lifetime: None,
            x5t_s256: None,
        }
    }
}

/// Why authentication failed. The caller only ever sees `invalid_client`; this goes to the log
/// and the `reason` label to `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthFailure {
    /// A short fixed label for metrics (`unknown_client`, `disabled_client`,
    /// `no_certificate`, `wrong_method`, `certificate_rejected`, `secret_mismatch`, …).
    pub label: &'static str,
    /// The method the client is registered with, when known.
    pub method: Option<&'static str>,
    /// The full reason in words (one line per registered secret when several were tried).
    pub reason: String,
}

impl AuthFailure {
    /// A failure with a label and a reason.
    #[must_use]
    pub fn new(label: &'static str, reason: impl Into<String>) -> Self {
        Self {
            label,
            method: None,
            reason: reason.into(),
        }
    }
}

/// Authenticates clients for the token and introspection endpoints.
pub trait ClientAuthenticator: Send + Sync + std::fmt::Debug {
    /// Decides whether the request authenticates `request.client_id`.
    ///
    /// # Errors
    /// [`AuthFailure`] with the reason; the caller answers `invalid_client`.
    fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Authenticated, AuthFailure>;

    /// Every scope some client may request (`scopes_supported` in discovery).
    fn scopes_supported(&self) -> Vec<String>;

    /// Trust anchor certificates (DER), for the CA names of the CertificateRequest.
    fn trust_anchors(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
}

impl<T: ClientAuthenticator + ?Sized> ClientAuthenticator for Arc<T> {
    fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Authenticated, AuthFailure> {
        (**self).authenticate(request)
    }
    fn scopes_supported(&self) -> Vec<String> {
        (**self).scopes_supported()
    }
    fn trust_anchors(&self) -> Vec<Vec<u8>> {
        (**self).trust_anchors()
    }
}
