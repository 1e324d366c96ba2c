//! `GET /metrics`: Prometheus text exposition, on the listeners whose `metrics` setting is on
//! (by default the mTLS ones, not the public one); elsewhere 404, as if the route did not exist.

use std::fmt::Write as _;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::metrics::Endpoint;
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
    body.push_str(
        "# HELP certbind_store_up Whether the client store is reachable (1; always for the file store) or the replica serves from memory (0).\n",
    );
    body.push_str("# TYPE certbind_store_up gauge\n");
    let _ = writeln!(body, "certbind_store_up {up}");
    body.push_str(
        "# HELP certbind_revoked_tokens Revoked access tokens held in memory until they expire.\n",
    );
    body.push_str("# TYPE certbind_revoked_tokens gauge\n");
    let _ = writeln!(
        body,
        "certbind_revoked_tokens {}",
        state.store.revoked_count()
    );
    state.limit_counters.render(&mut body);
    crate::expiry::render(&mut body, &state.client_certificate_expiries());
    body.push_str(
        "# HELP certbind_draining Whether the replica is stopping (1: /readyz answers 503, connections are told to close).\n",
    );
    body.push_str("# TYPE certbind_draining gauge\n");
    let _ = writeln!(
        body,
        "certbind_draining {}",
        u8::from(state.drain.is_draining())
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
