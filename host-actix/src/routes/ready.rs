//! `GET /readyz`: whether this replica should get new traffic. It always has a registry and keys
//! once it listens; with a shared store the body says whether the database is reachable or the
//! replica is `degraded` (serving from memory; registration and revocation answer 503), and
//! why. Degraded is still 200: every replica keeps issuing tokens, and a load balancer that
//! took them all out would stop that. Draining (a stop signal was received, see
//! [`crate::shutdown`]) is 503: the balancer takes the replica out while it still serves.

use actix_web::{HttpResponse, web};

use crate::metrics::Endpoint;
use crate::state::AppState;
use crate::store::StoreStatus;

pub(super) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.snapshot();
    let mut body = serde_json::json!({
        "clients": snapshot.clients.len(),
        "keys": snapshot.keys.keys().len(),
        "signing_kid": snapshot.keys.current().kid(),
    });
    let (store, store_fields) = match state.store.status() {
        StoreStatus::File => ("file", serde_json::json!({"status": "ready"})),
        StoreStatus::Connected => ("postgres", serde_json::json!({"status": "ready"})),
        StoreStatus::Degraded { since, reason } => (
            "postgres",
            serde_json::json!({
                "status": "degraded",
                "reason": format!("database unavailable: {reason}"),
                "since": crate::time::rfc3339(since),
            }),
        ),
    };
    let draining = state.drain.since().filter(|_| state.drain.is_draining());
    let fields = match draining {
        // The drain outranks the store: either way this replica should get no new traffic.
        Some(since) => serde_json::json!({
            "status": "draining",
            "reason": "stopping: finishing requests in flight",
            "since": crate::time::rfc3339(since),
            "store_status": store_fields.get("status"),
        }),
        None => store_fields,
    };
    if let (Some(map), Some(extra)) = (body.as_object_mut(), fields.as_object()) {
        map.insert("store".into(), store.into());
        map.extend(extra.clone());
    }
    let mut response = if draining.is_some() {
        state
            .metrics
            .request(Endpoint::Ready, "temporarily_unavailable");
        HttpResponse::ServiceUnavailable()
    } else {
        state.metrics.request(Endpoint::Ready, "ok");
        HttpResponse::Ok()
    };
    response
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}
