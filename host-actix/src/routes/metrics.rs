//! `GET /metrics`: Prometheus text exposition, on the listeners whose `metrics` setting is on
//! (by default the mTLS ones, not the public one); elsewhere 404, as if the route did not exist.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::metrics::Endpoint;
use crate::state::AppState;

pub(super) async fn metrics(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    // The listener's bound address (what `[[server.listeners]]` names), not the peer's.
    if !state.serves_metrics(request.app_config().local_addr()) {
        return HttpResponse::NotFound().finish();
    }
    state.metrics.request(Endpoint::Metrics, "ok");
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
