//! `POST /connect/token`: the client credentials grant (RFC 6749 §4.4) with certificate-bound
//! access tokens (RFC 8705 §3).

use std::time::Instant;

use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use serde::Serialize;

use super::client_auth::{Audit, authenticate, record};
use crate::error::OAuthError;
use crate::extract::Form;
use crate::metrics::Endpoint;
use crate::state::AppState;
use crate::tls::PresentedCertificate;
use crate::tokens::{TokenRequest, issue};

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "str::is_empty")]
    scope: &'a str,
}

pub(super) async fn token(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let mut audit = Audit::default();
    let result = handle(&request, payload, &state, &mut audit).await;
    let outcome = record(&state.metrics, Endpoint::Token, started, &result);
    log(&audit, outcome, result.as_ref().err());
    result.unwrap_or_else(|e| e.error_response())
}

/// The one structured event per token request. Never a secret or a token.
fn log(audit: &Audit, outcome: &str, error: Option<&OAuthError>) {
    let cert = audit.certificate.as_deref();
    let sha1 = cert.map(PresentedCertificate::sha1_hex);
    let sha256 = cert.map(PresentedCertificate::sha256_hex);
    // Where the certificate came from: the TLS connection or a trusted proxy's header.
    let cert_via = cert.map(|c| if c.forwarded() { "proxy" } else { "tls" });
    let client = audit.client_id.as_deref().unwrap_or("");
    let method = audit.method.unwrap_or("");
    let reason = audit
        .reason
        .as_deref()
        .or_else(|| error.map(OAuthError::description))
        .unwrap_or("");
    if error.is_some() {
        tracing::warn!(
            target: "certbind::token",
            client, method, outcome, reason,
            cert_sha1 = sha1, cert_sha256 = sha256, cert_via,
            "token request rejected"
        );
    } else {
        let matched = audit.matched.as_deref().unwrap_or("");
        tracing::info!(
            target: "certbind::token",
            client, method, outcome, matched,
            cert_sha1 = sha1, cert_sha256 = sha256, cert_via,
            "token issued"
        );
    }
}

async fn handle(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    audit: &mut Audit,
) -> Result<HttpResponse, OAuthError> {
    let form = Form::read(request, payload, state.body_limit).await?;
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is missing"))?;
    if grant_type != "client_credentials" {
        return Err(OAuthError::UnsupportedGrantType(format!(
            "grant_type {grant_type:?} is not supported; use client_credentials"
        )));
    }
    let requested = parse_scope(form.get("scope"))?;
    let snapshot = state.snapshot();
    let now = crate::time::now_unix();
    let client = authenticate(request, &form, &snapshot, state, now, audit)?;
    if !client.client_credentials_allowed {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use the client_credentials grant".into(),
        ));
    }
    let scopes = match requested {
        // No scope: every scope the client may have (documented).
        None => client.scopes.clone(),
        Some(requested) => {
            if let Some(bad) = requested.iter().find(|s| !client.scopes.contains(s)) {
                return Err(OAuthError::InvalidScope(format!(
                    "scope {bad:?} is not allowed for this client"
                )));
            }
            requested
        }
    };
    let issued = issue(
        &snapshot.keys,
        &TokenRequest {
            issuer: &state.urls.issuer,
            // The client's own audience when it has one (registry `audience`), else the
            // server's.
            audience: if client.audience.is_empty() {
                std::slice::from_ref(&state.urls.audience)
            } else {
                &client.audience
            },
            client_id: &client.client_id,
            scopes: &scopes,
            x5t_s256: client.x5t_s256.as_deref(),
            now,
            lifetime: client
                .token_lifetime
                .unwrap_or(snapshot.max_token_lifetime)
                .min(snapshot.max_token_lifetime),
        },
    )
    .map_err(|e| {
        tracing::error!(error = %e, "signing an access token failed");
        OAuthError::ServerError
    })?;
    let body = TokenResponse {
        access_token: &issued.access_token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: &issued.scope,
    };
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(body))
}

/// `scope`: space-separated scope tokens (RFC 6749 §3.3), duplicates dropped, order kept.
fn parse_scope(scope: Option<&str>) -> Result<Option<Vec<String>>, OAuthError> {
    let Some(scope) = scope else { return Ok(None) };
    let mut scopes: Vec<String> = Vec::new();
    for token in scope.split(' ') {
        if token.is_empty() {
            continue;
        }
        // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        if let Some(c) = token
            .chars()
            .find(|c| !matches!(*c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
        {
            return Err(OAuthError::InvalidScope(format!(
                "scope contains {c:?}, which RFC 6749 §3.3 does not allow"
            )));
        }
        if !scopes.iter().any(|s| s == token) {
            scopes.push(token.to_owned());
        }
    }
    Ok(if scopes.is_empty() {
        None
    } else {
        Some(scopes)
    })
}

#[cfg(test)]
mod tests {
    use super::parse_scope;

    #[test]
    fn scopes_are_split_deduplicated_and_checked() {
        assert_eq!(
            parse_scope(Some("read  write read")).unwrap(),
            Some(vec!["read".into(), "write".into()])
        );
        assert_eq!(parse_scope(Some(" ")).unwrap(), None);
        assert_eq!(
            parse_scope(Some("a\"b")).unwrap_err().code(),
            "invalid_scope"
        );
        assert_eq!(
            parse_scope(Some("caf\u{e9}")).unwrap_err().code(),
            "invalid_scope"
        );
    }
}
