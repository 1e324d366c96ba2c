//! Reading OAuth requests at the edge: the form body (bounded, no repeated parameters), the
//! `Authorization: Basic` header, and the client certificate (the connection's, or a trusted
//! proxy's forwarded one).

use std::rc::Rc;

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::OAuthError;
use crate::forwarded::{BehindProxy, ForwardedError};
use crate::limits::{Limit, Limits};
use crate::state::AppState;
use crate::tls::{PeerCertificate, PresentedCertificate};

/// Most parameters a form may hold (the body limit bounds it too).
const MAX_PARAMS: usize = 64;

/// An `application/x-www-form-urlencoded` body with each parameter at most once.
#[derive(Debug, Default)]
pub struct Form {
    params: Vec<(String, String)>,
}

impl Form {
    /// The value of a parameter; empty values count as absent (RFC 6749 §3.1).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Parses a form body.
    ///
    /// # Errors
    /// `invalid_request` for a repeated parameter (RFC 6749 §3.2) or too many parameters.
    pub fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let mut params: Vec<(String, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(body) {
            if params.iter().any(|(k, _)| *k == name) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {name:?} is repeated; each parameter may appear once"
                )));
            }
            if params.len() >= MAX_PARAMS {
                return Err(OAuthError::invalid_request("too many parameters"));
            }
            if value.is_empty() {
                // Still recorded (so a repeat is caught), but `get` ignores it.
                params.push((name.into_owned(), String::new()));
                continue;
            }
            params.push((name.into_owned(), value.into_owned()));
        }
        params.retain(|(_, v)| !v.is_empty());
        Ok(Self { params })
    }

    /// Reads and parses the body of a POST, checking content type, size and time
    /// ([`read_body`]).
    ///
    /// # Errors
    /// `invalid_request` for a wrong content type, a body over `limit` bytes or late, or a
    /// bad form.
    pub async fn read(
        request: &HttpRequest,
        payload: web::Payload,
        limit: usize,
    ) -> Result<Self, OAuthError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(format!(
                "the body must be application/x-www-form-urlencoded, not {:?}",
                if content_type.is_empty() {
                    "(none)"
                } else {
                    content_type
                }
            )));
        }
        let body = read_body(request, payload, limit).await.map_err(|e| {
            OAuthError::invalid_request(match e {
                BodyError::TooLarge => format!("the request body exceeds {limit} bytes"),
                other => other.to_string(),
            })
        })?;
        Self::parse(&body)
    }
}

/// Why a request body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// Over the endpoint's size limit.
    #[error("the request body is too large")]
    TooLarge,
    /// Not received within `request_body_timeout`.
    #[error("the request body did not arrive within {0} s")]
    Timeout(u64),
    /// The connection failed while it was read.
    #[error("the request body could not be read: {0}")]
    Unreadable(String),
}

/// Reads a request body of at most `limit` bytes (refused from its `Content-Length` before
/// reading when it says more) within `request_body_timeout`; refusals are counted by listener
/// (`body_limit`, `request_body_timeout`).
///
/// # Errors
/// [`BodyError`].
pub async fn read_body(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, BodyError> {
    let state = request.app_data::<web::Data<AppState>>();
    let refused = |which: Limit| {
        if let Some(state) = state {
            state
                .limit_counters
                .refused(request.app_config().local_addr(), which);
        }
    };
    if let Some(length) = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && length > limit as u64
    {
        refused(Limit::BodyLimit);
        return Err(BodyError::TooLarge);
    }
    let timeout = state.map_or(Limits::DEFAULT.request_body_timeout, |s| {
        s.limits.request_body_timeout
    });
    match tokio::time::timeout(timeout, payload.to_bytes_limited(limit)).await {
        Ok(Ok(Ok(body))) => Ok(body),
        Ok(Ok(Err(e))) => Err(BodyError::Unreadable(e.to_string())),
        Ok(Err(_)) => {
            refused(Limit::BodyLimit);
            Err(BodyError::TooLarge)
        }
        Err(_) => {
            refused(Limit::RequestBodyTimeout);
            Err(BodyError::Timeout(timeout.as_secs()))
        }
    }
}

/// Credentials from an `Authorization: Basic` header (RFC 6749 §2.3.1).
#[derive(PartialEq, Eq)]
pub struct BasicCredentials {
    /// The client id (form-decoded).
    pub client_id: String,
    /// The secret (form-decoded).
    pub secret: String,
}

impl std::fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl BasicCredentials {
    /// Reads the Authorization header: `Ok(None)` without one.
    ///
    /// # Errors
    /// `invalid_client` (with `WWW-Authenticate`) for a malformed Basic header;
    /// `invalid_request` for another scheme.
    pub fn from_request(request: &HttpRequest) -> Result<Option<Self>, OAuthError> {
        let mut values = request.headers().get_all(header::AUTHORIZATION);
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(OAuthError::invalid_request(
                "the Authorization header is repeated",
            ));
        }
        let malformed = || OAuthError::InvalidClient {
            basic_attempted: true,
        };
        let value = value.to_str().map_err(|_| malformed())?;
        let (scheme, encoded) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(OAuthError::invalid_request(
                "only the Basic authorization scheme is accepted here",
            ));
        }
        let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
        let (id, secret) = decoded
            .iter()
            .position(|b| *b == b':')
            .map(|i| decoded.split_at(i))
            .ok_or_else(malformed)?;
        let secret = secret.get(1..).unwrap_or_default();
        // RFC 6749 §2.3.1: both are application/x-www-form-urlencoded before base64.
        let decode = |bytes: &[u8]| -> Option<String> {
            let text = std::str::from_utf8(bytes).ok()?;
            let replaced = text.replace('+', " ");
            let mut out = Vec::with_capacity(replaced.len());
            let mut iter = replaced.bytes();
            while let Some(b) = iter.next() {
                if b == b'%' {
                    let hi = iter.next().and_then(|c| (c as char).to_digit(16))?;
                    let lo = iter.next().and_then(|c| (c as char).to_digit(16))?;
                    out.push(u8::try_from(hi * 16 + lo).ok()?);
                } else {
                    out.push(b);
                }
            }
            String::from_utf8(out).ok()
        };
        let client_id = decode(id).ok_or_else(malformed)?;
        let secret = decode(secret).ok_or_else(malformed)?;
        if client_id.is_empty() {
            return Err(malformed());
        }
        Ok(Some(Self { client_id, secret }))
    }
}

/// The client certificate of a request: the one the client sent on its TLS connection or, on
/// a listener behind a reverse proxy, the one a trusted proxy forwarded (see
/// [`crate::forwarded`] for which wins and why). `Ok(None)` when there is none.
///
/// # Errors
/// A malformed certificate header from a trusted proxy (the caller answers `invalid_client`).
pub fn peer_certificate(
    request: &HttpRequest,
) -> Result<Option<Rc<PresentedCertificate>>, ForwardedError> {
    let connection = request
        .conn_data::<PeerCertificate>()
        .and_then(|p| p.0.clone());
    let Some(BehindProxy(proxy)) = request.conn_data::<BehindProxy>() else {
        return Ok(connection);
    };
    let metrics = request
        .app_data::<web::Data<AppState>>()
        .map(|state| &state.metrics);
    // The TCP peer only: never X-Forwarded-For or Forwarded, which the client writes.
    let peer = request.peer_addr().map(|a| a.ip());
    proxy.certificate(peer, request.headers(), connection, metrics)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn repeated_parameters_are_rejected_and_empty_ones_ignored() {
        let e = Form::parse(b"grant_type=a&grant_type=b").unwrap_err();
        assert_eq!(e.code(), "invalid_request");
        assert!(e.description().contains("grant_type"));
        let f = Form::parse(b"scope=&client_id=x%20y").unwrap();
        assert_eq!(f.get("scope"), None);
        assert_eq!(f.get("client_id"), Some("x y"));
        assert!(
            Form::parse(b"scope=&scope=a").is_err(),
            "an empty repeat is still a repeat"
        );
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        // base64("my%3Aclient:p%40ss+word")
        let value = format!("Basic {}", STANDARD.encode("my%3Aclient:p%40ss+word"));
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, value))
            .to_http_request();
        let c = BasicCredentials::from_request(&req).unwrap().unwrap();
        assert_eq!(
            (c.client_id.as_str(), c.secret.as_str()),
            ("my:client", "p@ss word")
        );
        let bad = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Basic !!!"))
            .to_http_request();
        assert_eq!(
            BasicCredentials::from_request(&bad).unwrap_err(),
            OAuthError::InvalidClient {
                basic_attempted: true
            }
        );
        let bearer = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer x"))
            .to_http_request();
        assert_eq!(
            BasicCredentials::from_request(&bearer).unwrap_err().code(),
            "invalid_request"
        );
    }
}
