//! The request side: the bearer token of the `Authorization` header (RFC 6750 §2.1), the
//! [`BoundToken`] extractor, and RFC 6750 §3 error responses. The client certificate is the
//! one the server's other endpoints use ([`crate::extract::peer_certificate`]: this connection's,
//! or on a listener behind a reverse proxy the one a trusted proxy forwarded).
//!
//! Callers learn only what RFC 6750 lets them: `invalid_request` (400) for a malformed header,
//! `invalid_token` (401) for a token that is not accepted, `insufficient_scope` (403); the body
//! is empty. Why a token was rejected (which check, the binding's near-miss hints) goes to the
//! log (target `certbind::api`).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use super::verifier::{Rejection, TokenVerifier, VerifiedToken};

/// An RFC 6750 error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No bearer token (no `Authorization` header, or another scheme): 401 with a bare
    /// challenge (RFC 6750 §3.1: no error code).
    #[error("no bearer token")]
    Missing {
        /// The challenge's realm.
        realm: Option<String>,
    },
    /// A malformed `Authorization: Bearer` header: 400 `invalid_request`.
    #[error("invalid_request")]
    InvalidRequest {
        /// The challenge's realm.
        realm: Option<String>,
    },
    /// The token is not accepted: 401 `invalid_token`.
    #[error("invalid_token")]
    InvalidToken {
        /// The challenge's realm.
        realm: Option<String>,
    },
    /// The token lacks a scope: 403 `insufficient_scope`.
    #[error("insufficient_scope")]
    InsufficientScope {
        /// The challenge's realm.
        realm: Option<String>,
        /// The scope needed.
        scope: String,
    },
    /// The issuer's keys cannot be had: 503, `Retry-After`.
    #[error("the issuer's keys are unavailable")]
    KeysUnavailable {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The app has no `web::Data<TokenVerifier>`: 500 (a wiring bug, logged).
    #[error("no TokenVerifier in the app data")]
    NotConfigured,
}

impl BearerError {
    /// The `WWW-Authenticate` value.
    fn challenge(&self) -> Option<String> {
        let (realm, error, scope) = match self {
            Self::Missing { realm } => (realm, None, None),
            Self::InvalidRequest { realm } => (realm, Some("invalid_request"), None),
            Self::InvalidToken { realm } => (realm, Some("invalid_token"), None),
            Self::InsufficientScope { realm, scope } => {
                (realm, Some("insufficient_scope"), Some(scope))
            }
            Self::KeysUnavailable { .. } | Self::NotConfigured => return None,
        };
        let mut params = Vec::new();
        if let Some(realm) = realm {
            params.push(format!("realm=\"{}\"", quoted_string(realm)));
        }
        if let Some(error) = error {
            params.push(format!("error=\"{error}\""));
        }
        if let Some(scope) = scope {
            params.push(format!("scope=\"{}\"", quoted_string(scope)));
        }
        Some(if params.is_empty() {
            String::from("Bearer")
        } else {
            format!("Bearer {}", params.join(", "))
        })
    }
}

/// The content of an RFC 9110 quoted-string: `"` and `\` escaped, control characters dropped.
fn quoted_string(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

impl ResponseError for BearerError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Missing { .. } | Self::InvalidToken { .. } => StatusCode::UNAUTHORIZED,
            Self::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
            Self::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            Self::KeysUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(challenge) = self.challenge() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Self::KeysUnavailable { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        response.finish()
    }
}

/// The bearer token of a request: `Ok(None)` without one (no `Authorization` header, or one of
/// another scheme).
///
/// # Errors
/// [`BearerError::InvalidRequest`] for a repeated header or a `Bearer` value that is not one
/// token of RFC 6750's `b64token` characters.
pub fn bearer_token(
    request: &HttpRequest,
    realm: Option<&str>,
) -> Result<Option<String>, BearerError> {
    let invalid = || BearerError::InvalidRequest {
        realm: realm.map(str::to_owned),
    };
    let mut values = request.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(invalid());
    }
    let value = value.to_str().map_err(|_| invalid())?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = rest.trim_matches(' ');
    let b64token = |t: &str| {
        let body = t.trim_end_matches('=');
        !body.is_empty()
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
    };
    if !b64token(token) {
        return Err(invalid());
    }
    Ok(Some(token.to_owned()))
}

/// An access token that was verified and is bound to the request's client certificate.
///
/// Extract it in a handler (`async fn orders(token: BoundToken) -> …`); the app needs a
/// `web::Data<TokenVerifier>` and its server the `on_connect` callback that records client
/// certificates ([`crate::tls::on_connect`], or [`crate::forwarded::on_connect`] with
/// listeners behind proxies).
#[derive(Debug, Clone)]
pub struct BoundToken {
    verified: VerifiedToken,
    realm: Option<String>,
}

impl BoundToken {
    /// The claims.
    #[must_use]
    pub fn claims(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.verified.claims
    }

    /// A string claim (`sub`, `client_id`, …).
    #[must_use]
    pub fn claim(&self, name: &str) -> Option<&str> {
        self.verified
            .claims
            .get(name)
            .and_then(serde_json::Value::as_str)
    }

    /// The `x5t#S256` of the certificate the token is bound to.
    #[must_use]
    pub fn x5t_s256(&self) -> Option<&str> {
        self.verified.x5t_s256.as_deref()
    }

    /// The token's scopes (`scope`, space-separated, RFC 9068 §2.2.3).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.claim("scope")
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
    }

    /// Requires a scope.
    ///
    /// # Errors
    /// [`BearerError::InsufficientScope`] (403) when the token lacks it.
    pub fn require_scope(&self, scope: &str) -> Result<(), BearerError> {
        if self.scopes().any(|s| s == scope) {
            return Ok(());
        }
        tracing::info!(target: "certbind::api", scope, client_id = self.claim("client_id"), "token rejected: scope missing");
        Err(BearerError::InsufficientScope {
            realm: self.realm.clone(),
            scope: scope.to_owned(),
        })
    }
}

impl FromRequest for BoundToken {
    type Error = BearerError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, BearerError>>>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let Some(verifier) = request.app_data::<web::Data<TokenVerifier>>().cloned() else {
            tracing::error!(target: "certbind::api", "BoundToken used without web::Data<TokenVerifier> in the app");
            return Box::pin(async { Err(BearerError::NotConfigured) });
        };
        let realm = verifier.realm().map(str::to_owned);
        let peer = request.peer_addr();
        let token = match bearer_token(request, realm.as_deref()) {
            Ok(Some(token)) => token,
            Ok(None) => return Box::pin(async move { Err(BearerError::Missing { realm }) }),
            Err(e) => {
                tracing::info!(target: "certbind::api", ?peer, "malformed Authorization header: invalid_request");
                return Box::pin(async move { Err(e) });
            }
        };
        let certificate = match crate::extract::peer_certificate(request) {
            Ok(certificate) => certificate,
            Err(error) => {
                tracing::warn!(target: "certbind::api", ?peer, %error, "token rejected: the forwarded certificate header is malformed");
                return Box::pin(async move { Err(BearerError::InvalidToken { realm }) });
            }
        };
        Box::pin(async move {
            let presented = certificate.as_deref().and_then(|c| c.core.as_ref().ok());
            let now = crate::time::now_unix();
            match verifier.verify(&token, presented, now).await {
                Ok(verified) => {
                    tracing::debug!(target: "certbind::api", ?peer, client_id = verified.claims.get("client_id").and_then(serde_json::Value::as_str), "token accepted");
                    Ok(Self { verified, realm })
                }
                Err(Rejection::KeysUnavailable(error)) => {
                    tracing::error!(target: "certbind::api", %error, "token not verified: no signing keys");
                    let retry_after = match error {
                        super::JwksError::Unavailable { retry_in_secs, .. } => retry_in_secs,
                        _ => 30,
                    };
                    Err(BearerError::KeysUnavailable { retry_after })
                }
                Err(rejection) => {
                    tracing::warn!(
                        target: "certbind::api",
                        ?peer,
                        forwarded = certificate.as_deref().is_some_and(crate::tls::PresentedCertificate::forwarded),
                        reason = %rejection,
                        "token rejected: invalid_token"
                    );
                    Err(BearerError::InvalidToken { realm })
                }
            }
        })
    }
}
