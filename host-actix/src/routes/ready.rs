//! `GET /readyz`: whether this replica is ready for traffic. It always has a registry and keys
//! once it listens; with a shared store the body says whether the database is reachable or the
//! replica is `degraded` (serving from memory; registration and revocation answer 503), and
//! why. Degraded is still 200: every replica keeps issuing tokens, and a load balancer that
//! took them all out would stop that.

use actix_web::{HttpResponse, web};

use crate::metrics::Endpoint;
use crate::state::AppState;
use crate::store::StoreStatus;

pub(super) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.request(Endpoint::Ready, "ok");
    let snapshot = state.snapshot();
    let mut body = serde_json::json!({
        "clients": snapshot.clients.len(),
        "keys": snapshot.keys.keys().len(),
        "signing_kid": snapshot.keys.current().kid(),
    });
    let fields = match state.store.status() {
        StoreStatus::File => serde_json::json!({"status": "ready", "store": "file"}),
        StoreStatus::Connected => serde_json::json!({"status": "ready", "store": "postgres"}),
        StoreStatus::Degraded { since, reason } => serde_json::json!({
            "status": "degraded",
            "store": "postgres",
            "reason": format!("database unavailable: {reason}"),
            "since": crate::time::rfc3339(since),
        }),
    };
    if let (Some(map), Some(extra)) = (body.as_object_mut(), fields.as_object()) {
        map.extend(extra.clone());
    }
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}
