//! `GET /jwks`: the public signing keys (RFC 7517), newest first.

use actix_web::{HttpResponse, web};

use crate::metrics::Endpoint;
use crate::state::AppState;

pub(super) async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.request(Endpoint::Jwks, "ok");
    let body = state.snapshot().keys.jwks_json().clone();
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header(("Cache-Control", "max-age=300"))
        .body(body)
}
