//! `GET /metrics`: Prometheus text exposition.

use actix_web::{HttpResponse, web};

use crate::metrics::Endpoint;
use crate::state::AppState;

pub(super) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.request(Endpoint::Metrics, "ok");
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
