//! Client authentication shared by the token and introspection endpoints (RFC 6749 §2.3,
//! RFC 8705 §2): who claims to be which client, with which credential.

use std::rc::Rc;
use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse};

use crate::auth::{AnsweredBy, AuthRequest, Authenticated, SecretVia};
use crate::error::OAuthError;
use crate::extract::{BasicCredentials, Form, peer_certificate};
use crate::metrics::{Endpoint, Metrics};
use crate::state::{AppState, Snapshot};
use crate::tls::PresentedCertificate;

/// Counts a token or introspection request and its latency; returns its outcome (`ok` or the
/// RFC 6749 §5.2 error code) for the log line.
pub(super) fn record(
    metrics: &Metrics,
    endpoint: Endpoint,
    started: Instant,
    result: &Result<HttpResponse, OAuthError>,
) -> &'static str {
    let outcome = result.as_ref().map_or_else(OAuthError::code, |_| "ok");
    metrics.request(endpoint, outcome);
    metrics.latency(endpoint, started.elapsed());
    outcome
}

/// What the log line of a request says about the client (filled in as the request goes).
#[derive(Debug, Default)]
pub(super) struct Audit {
    pub(super) client_id: Option<String>,
    pub(super) method: Option<&'static str>,
    pub(super) reason: Option<String>,
    /// Which registered secret matched (on success).
    pub(super) matched: Option<String>,
    pub(super) certificate: Option<Rc<PresentedCertificate>>,
}

/// Authenticates the client of a token or introspection request.
///
/// The certificate is the connection's or, on a listener behind a reverse proxy, the one a
/// trusted proxy forwarded ([`peer_certificate`]); a malformed forwarded one is
/// `invalid_client`.
///
/// The client's registered method decides what counts: a certificate on the connection does not
/// turn a secret-based client into a certificate one, nor the reverse (the authenticator
/// enforces it). Sending a secret both in Basic and in the body is `invalid_request`.
pub(super) fn authenticate(
    request: &HttpRequest,
    form: &Form,
    snapshot: &Snapshot,
    state: &AppState,
    now: u64,
    audit: &mut Audit,
) -> Result<Authenticated, OAuthError> {
    let metrics = &state.metrics;
    let basic = BasicCredentials::from_request(request)?;
    let basic_attempted = basic.is_some();
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    audit.certificate = match peer_certificate(request) {
        Ok(certificate) => certificate,
        Err(error) => {
            // A trusted proxy sent a certificate header that cannot be read: fail closed, for
            // secret-based clients too (the proxy is misconfigured or under attack).
            metrics.auth_failure("forwarded_certificate_malformed");
            audit.client_id = basic
                .as_ref()
                .map(|b| b.client_id.clone())
                .or_else(|| body_id.map(str::to_owned));
            audit.reason = Some(error.to_string());
            return Err(OAuthError::InvalidClient { basic_attempted });
        }
    };

    let (client_id, secret) = match (&basic, body_id, body_secret) {
        (Some(_), _, Some(_)) => {
            return Err(OAuthError::invalid_request(
                "use one client authentication method: Basic or client_secret, not both",
            ));
        }
        (Some(b), Some(id), None) if id != b.client_id => {
            return Err(OAuthError::invalid_request(
                "client_id in the body differs from the one in the Authorization header",
            ));
        }
        (Some(b), _, None) => (
            b.client_id.as_str(),
            Some((b.secret.as_str(), SecretVia::Basic)),
        ),
        (None, Some(id), secret) => (id, secret.map(|s| (s, SecretVia::Post))),
        (None, None, _) => {
            return Err(OAuthError::invalid_request(
                "client_id is missing (RFC 8705 §2: send it in the body)",
            ));
        }
    };
    audit.client_id = Some(client_id.to_owned());
    let auth_request = AuthRequest {
        client_id,
        certificate: audit.certificate.as_deref(),
        secret,
        now,
        hints: reasons_are_logged(),
    };
    let (result, answered_by) = snapshot.clients.authenticate(&auth_request);
    match answered_by {
        AnsweredBy::Validator => metrics.decision(false),
        AnsweredBy::Reused => metrics.decision(true),
        AnsweredBy::Server => {}
    }
    match result {
        Ok(client) => {
            audit.method = Some(client.method);
            audit.matched = Some(client.matched.clone());
            if answered_by == AnsweredBy::Validator {
                remember_expiry(state, snapshot, &client, audit.certificate.as_deref(), now);
            }
            Ok(client)
        }
        Err(failure) => {
            metrics.auth_failure(failure.label);
            audit.method = failure.method;
            audit.reason = Some(failure.reason);
            Err(OAuthError::InvalidClient { basic_attempted })
        }
    }
}

/// Remembers when the certificate that authenticated `client` expires, when its secret does
/// not register the date itself (a thumbprint or a name; see [`crate::expiry`]), and warns
/// when a certificate seen for the first time is inside the warning window. Once per
/// decision: a decision reused on the connection has the same certificate.
fn remember_expiry(
    state: &AppState,
    snapshot: &Snapshot,
    client: &Authenticated,
    certificate: Option<&PresentedCertificate>,
    now: u64,
) {
    let (secret, secret_type) = client.secret;
    let Some(core) = certificate.and_then(|c| c.usable().ok()) else {
        return;
    };
    if !secret_type.method().uses_certificate() {
        return;
    }
    if !snapshot.clients.is_undated(&client.client_id, secret) {
        return;
    }
    if let Some(new) =
        state
            .last_authenticated
            .record(&client.client_id, secret, secret_type, core.not_after())
    {
        let now = certbind_core::When(i64::try_from(now).unwrap_or(i64::MAX));
        crate::expiry::warn(&[new], now, state.expiry_warning_days);
    }
}

/// Whether a rejection's reason reaches the log (the token endpoint logs rejections at `warn`,
/// introspection every request at `info`): only then is it worth working out the hints that
/// come with it.
fn reasons_are_logged() -> bool {
    tracing::enabled!(target: "certbind::token", tracing::Level::WARN)
        || tracing::enabled!(target: "certbind::introspect", tracing::Level::INFO)
}
