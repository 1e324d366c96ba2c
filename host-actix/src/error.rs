//! OAuth 2.0 error responses (RFC 6749 §5.2) as an actix [`ResponseError`].
//!
//! Every failure a caller can cause maps to one of the RFC's error codes with a 400 or 401; the
//! full reason (which secret failed and why) goes to the log, never to the caller. There is no
//! catch-all: each [`OAuthError`] variant names its code, status and description on purpose.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

/// An error answered to an OAuth client as `{"error": …, "error_description": …}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// `invalid_request` (400): a parameter is missing, repeated or malformed, the content type
    /// is wrong, the body is too large, or more than one authentication method was used.
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// `invalid_client` (401): the client is unknown, disabled, or its authentication failed.
    /// `basic_attempted` adds `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    #[error("invalid_client")]
    InvalidClient {
        /// Whether the request carried an `Authorization: Basic` header.
        basic_attempted: bool,
    },
    /// `unauthorized_client` (400): the client may not use this grant type.
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(String),
    /// `unsupported_grant_type` (400).
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(String),
    /// `invalid_scope` (400): a requested scope is not one the client may ask for.
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
    /// `temporarily_unavailable` (503): the shared store is unreachable for a write
    /// (revocation); the client may retry (`Retry-After`).
    #[error("temporarily_unavailable: {0}")]
    TemporarilyUnavailable(String),
    /// `server_error` (500): signing failed. Not caused by input; logged with its cause.
    #[error("server_error")]
    ServerError,
}

impl OAuthError {
    /// The RFC 6749 §5.2 `error` code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient { .. } => "invalid_client",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::TemporarilyUnavailable(_) => "temporarily_unavailable",
            Self::ServerError => "server_error",
        }
    }

    /// The `error_description` shown to the caller: precise for request syntax, deliberately
    /// vague for authentication (the reason is in the server log).
    #[must_use]
    pub fn description(&self) -> &str {
        match self {
            Self::InvalidRequest(d)
            | Self::UnauthorizedClient(d)
            | Self::UnsupportedGrantType(d)
            | Self::InvalidScope(d)
            | Self::TemporarilyUnavailable(d) => d,
            Self::InvalidClient { .. } => "client authentication failed",
            Self::ServerError => "the server could not complete the request",
        }
    }

    /// Shorthand for [`OAuthError::InvalidRequest`].
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::InvalidRequest(description.into())
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidClient { .. } => StatusCode::UNAUTHORIZED,
            Self::InvalidRequest(_)
            | Self::UnauthorizedClient(_)
            | Self::UnsupportedGrantType(_)
            | Self::InvalidScope(_) => StatusCode::BAD_REQUEST,
            Self::TemporarilyUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::json!({
            "error": self.code(),
            "error_description": self.description(),
        });
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
        if let Self::TemporarilyUnavailable(_) = self {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
        }
        if let Self::InvalidClient {
            basic_attempted: true,
        } = self
        {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"certbind\", charset=\"UTF-8\""),
            ));
        }
        response.json(body)
    }
}
