//! `GET /metrics`: Prometheus text exposition, on the listeners whose `metrics` setting is on
//! (by default the mTLS ones, not the public one); elsewhere 404, as if the route did not exist.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::metrics::{Endpoint, write_single};
use crate::state::AppState;
use crate::store::StoreStatus;

pub(super) async fn metrics(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    // The listener's bound address (what `[[server.listeners]]` names), not the peer's.
    if !state.serves_metrics(request.app_config().local_addr()) {
        return HttpResponse::NotFound().finish();
    }
    state.metrics.request(Endpoint::Metrics, "ok");
    let mut body = state.metrics.render();
    // The store's state, read when asked (it lives with the store, not in the counters).
    let up = u8::from(!matches!(
        state.store.status(),
        StoreStatus::Degraded { .. }
    ));
    write_single(
        &mut body,
        ("certbind_store_up", "gauge"),
        "Whether the client store is reachable (1; always for the file store) or the replica serves from memory (0).",
        up,
    );
    write_single(
        &mut body,
        ("certbind_revoked_tokens", "gauge"),
        "Revoked access tokens held in memory until they expire.",
        state.store.revoked_count(),
    );
    state.limit_counters.render(&mut body);
    crate::expiry::render(&mut body, &state.client_certificate_expiries());
    write_single(
        &mut body,
        ("certbind_draining", "gauge"),
        "Whether the replica is stopping (1: /readyz answers 503, connections are told to close).",
        u8::from(state.drain.is_draining()),
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
