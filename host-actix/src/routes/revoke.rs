//! `POST /connect/revocation` (RFC 7009): a client revokes one of its own access tokens. The
//! client authenticates as at the token endpoint. An invalid, expired or foreign-issuer token is
//! answered 200 as the RFC says (there is nothing to revoke); a token issued to another client
//! is refused.

use std::time::Instant;

use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};

use super::client_auth::{Audit, authenticate, record};
use crate::error::OAuthError;
use crate::extract::Form;
use crate::metrics::Endpoint;
use crate::state::AppState;

/// What the audit event says about the token (never the token itself).
#[derive(Debug, Default)]
struct Revoked {
    jti: Option<String>,
    /// Why nothing was recorded, when nothing was.
    nothing: Option<String>,
}

pub(super) async fn revocation(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let mut audit = Audit::default();
    let mut revoked = Revoked::default();
    let result = handle(&request, payload, &state, &mut audit, &mut revoked).await;
    let outcome = record(&state.metrics, Endpoint::Revocation, started, &result);
    let client = audit.client_id.as_deref().unwrap_or("");
    let reason = audit.reason.as_deref().unwrap_or("");
    match (&result, &revoked.jti) {
        (Ok(_), Some(jti)) => tracing::info!(
            target: "certbind::audit", event = "token_revoked", client, jti = %jti,
            store = if state.store.shared() { "postgres" } else { "memory" },
            "access token revoked"
        ),
        _ => tracing::info!(
            target: "certbind::revocation", client, outcome, reason,
            nothing = revoked.nothing.as_deref().unwrap_or(""),
            "revocation request"
        ),
    }
    result.unwrap_or_else(|e| e.error_response())
}

async fn handle(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    audit: &mut Audit,
    revoked: &mut Revoked,
) -> Result<HttpResponse, OAuthError> {
    let form = Form::read(request, payload, state.body_limit).await?;
    let snapshot = state.snapshot();
    let now = crate::time::now_unix();
    let client = authenticate(request, &form, &snapshot, state, now, audit)?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    // token_type_hint: certbind issues access tokens only; any hint is looked past (§2.1).
    let ok = || {
        HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"))
            .finish()
    };
    let claims = match crate::tokens::verify(&snapshot.keys, &state.urls.issuer, token, now) {
        Ok(claims) => claims,
        Err(inactive) => {
            // §2.2: invalid tokens do not cause an error; an expired one needs no revocation.
            revoked.nothing = Some(inactive.to_string());
            return Ok(ok());
        }
    };
    let owner = claims.get("client_id").and_then(|v| v.as_str());
    if owner != Some(client.client_id.as_str()) {
        audit.reason = Some("the token was issued to another client".into());
        return Err(OAuthError::UnauthorizedClient(
            "the token was not issued to this client".into(),
        ));
    }
    let (Some(jti), Some(exp)) = (
        claims.get("jti").and_then(|v| v.as_str()),
        claims.get("exp").and_then(serde_json::Value::as_u64),
    ) else {
        revoked.nothing = Some("the token has no jti or exp".into());
        return Ok(ok());
    };
    match crate::revocation::revoke(state, jti, &client.client_id, exp).await {
        Ok(()) => {
            revoked.jti = Some(jti.to_owned());
            Ok(ok())
        }
        Err(e) if e.is_unavailable() => {
            audit.reason = Some(e.to_string());
            Err(OAuthError::TemporarilyUnavailable(
                "the revocation could not be recorded now; retry shortly".into(),
            ))
        }
        Err(e) => {
            tracing::error!(target: "certbind::revocation", error = %e, "recording a revocation failed");
            Err(OAuthError::ServerError)
        }
    }
}
