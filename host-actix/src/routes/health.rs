//! `GET /healthz`: the process serves requests and has a signing key.

use actix_web::{HttpResponse, web};

use crate::metrics::Endpoint;
use crate::state::AppState;

pub(super) async fn health(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.request(Endpoint::Health, "ok");
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "status": "ok" }))
}
