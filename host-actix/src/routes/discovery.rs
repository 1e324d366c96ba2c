//! `GET /.well-known/oauth-authorization-server` (RFC 8414) and
//! `GET /.well-known/openid-configuration`: the same metadata document.

use actix_web::{HttpResponse, web};

use crate::metrics::Endpoint;
use crate::state::AppState;

pub(super) async fn discovery(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.request(Endpoint::Discovery, "ok");
    let body = state.snapshot().discovery_json.clone();
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "max-age=300"))
        .body(body)
}
