//! `POST /connect/introspect` (RFC 7662): an authenticated client asks whether a token this
//! server issued is active; the answer carries its claims, `cnf` and `aud` included.
//!
//! Which tokens a client may learn about is its registry setting `introspection` (RFC 7662 §4
//! leaves it to the server): `"own"` (the default) the tokens issued to itself, `"any"` every
//! token (a resource server that checks other clients' tokens), `"none"` nothing. Any other
//! token is answered `{"active": false}`, exactly as an unknown one, so that a client cannot
//! scan for tokens; the log says why.

use std::time::Instant;

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use certbind_core::Introspection;

use super::client_auth::{Audit, authenticate, record};
use crate::auth::Authenticated;
use crate::error::OAuthError;
use crate::extract::Form;
use crate::metrics::Endpoint;
use crate::state::{AppState, Snapshot};

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
    let client = authenticate(request, &form, &snapshot, state, now, audit)?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    let is_revoked = |jti: &str| state.store.revoked.contains(jti);
    let body = match answer(
        &client,
        &snapshot,
        &state.urls.issuer,
        token,
        now,
        is_revoked,
    ) {
        Ok(mut claims) => {
            claims.insert("active".into(), true.into());
            claims.insert("token_type".into(), "Bearer".into());
            serde_json::Value::Object(claims)
        }
        Err(Withheld::Inactive(inactive)) => {
            tracing::debug!(target: "certbind::introspect", reason = %inactive, "inactive token");
            serde_json::json!({ "active": false })
        }
        Err(Withheld::Revoked) => {
            tracing::debug!(target: "certbind::introspect", reason = "revoked", "inactive token");
            serde_json::json!({ "active": false })
        }
        Err(Withheld::NotAllowed(reason)) => {
            audit.reason = Some(reason);
            serde_json::json!({ "active": false })
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body))
}

/// Why an introspection answers `active: false`.
enum Withheld {
    /// The token is not an active token of this server.
    Inactive(crate::tokens::Inactive),
    /// The token was revoked (RFC 7009).
    Revoked,
    /// The client may not learn about it (its `introspection` setting), in words.
    NotAllowed(String),
}

/// The claims of `token` for `client`, if it is active and the client may learn about it.
fn answer(
    client: &Authenticated,
    snapshot: &Snapshot,
    issuer: &str,
    token: &str,
    now: u64,
    is_revoked: impl Fn(&str) -> bool,
) -> Result<serde_json::Map<String, serde_json::Value>, Withheld> {
    if client.introspection == Introspection::None {
        // Not even verified: the answer cannot depend on the token.
        return Err(Withheld::NotAllowed(format!(
            "client {:?} may not introspect tokens (introspection = \"none\")",
            client.client_id
        )));
    }
    let claims =
        crate::tokens::verify(&snapshot.keys, issuer, token, now).map_err(Withheld::Inactive)?;
    let issued_to = claims.get("client_id").and_then(|v| v.as_str());
    if !client.introspection.allows(&client.client_id, issued_to) {
        return Err(Withheld::NotAllowed(format!(
            "the token was issued to {:?}; client {:?} may introspect only its own tokens \
             (introspection = \"{}\")",
            issued_to.unwrap_or(""),
            client.client_id,
            client.introspection.name()
        )));
    }
    if claims
        .get("jti")
        .and_then(|v| v.as_str())
        .is_some_and(is_revoked)
    {
        return Err(Withheld::Revoked);
    }
    Ok(claims)
}
