//! `POST /connect/introspect` (RFC 7662): any authenticated client may ask whether a token this
//! server issued is active; the answer carries its claims, `cnf` included.

use std::time::Instant;

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};

use super::client_auth::{Audit, authenticate, record};
use crate::error::OAuthError;
use crate::extract::Form;
use crate::metrics::Endpoint;
use crate::state::AppState;

pub(super) async fn introspect(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let mut audit = Audit::default();
    let result = handle(&request, payload, &state, &mut audit).await;
    let outcome = record(&state.metrics, Endpoint::Introspect, started, &result);
    let client = audit.client_id.as_deref().unwrap_or("");
    let reason = audit.reason.as_deref().unwrap_or("");
    tracing::info!(target: "certbind::introspect", client, outcome, reason, "introspection");
    result.unwrap_or_else(|e| e.error_response())
}

async fn handle(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    audit: &mut Audit,
) -> Result<HttpResponse, OAuthError> {
    let form = Form::read(request, payload, state.body_limit).await?;
    let snapshot = state.snapshot();
    let now = crate::time::now_unix();
    authenticate(request, &form, &snapshot, &state.metrics, now, audit)?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    let verified = crate::tokens::verify(&snapshot.keys, &state.urls.issuer, token, now);
    let revoked = verified.as_ref().is_ok_and(|claims| {
        claims
            .get("jti")
            .and_then(|v| v.as_str())
            .is_some_and(|jti| state.store.revoked.contains(jti))
    });
    let body = match verified {
        Ok(_) if revoked => {
            tracing::debug!(target: "certbind::introspect", reason = "revoked", "inactive token");
            serde_json::json!({ "active": false })
        }
        Ok(mut claims) => {
            claims.insert("active".into(), true.into());
            claims.insert("token_type".into(), "Bearer".into());
            serde_json::Value::Object(claims)
        }
        Err(inactive) => {
            tracing::debug!(target: "certbind::introspect", reason = %inactive, "inactive token");
            serde_json::json!({ "active": false })
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body))
}
