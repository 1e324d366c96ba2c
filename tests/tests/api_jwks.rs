//! The JWKS cache of the resource-server module against a real HTTPS server that counts its
//! requests: fetched once and reused, fetched again for an unknown `kid` but at most once per
//! `min_refresh` (concurrent callers share one fetch), the keys kept when a fetch fails.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use certbind_host::keys::{Algorithm, KeySet as SigningKeys, SigningKey, generate_pem};
use certbind_host::resource::{RemoteJwks, http_client, refresh_policy};
use certbind_tests::server::TestPki;

/// What the test server answers, and how often it was asked.
#[derive(Default)]
struct Served {
    body: Vec<u8>,
    status: u16,
    hits: usize,
}

/// A JWKS with one ES256 key under each kid.
fn jwks(kids: &[&str]) -> Vec<u8> {
    let keys: Vec<serde_json::Value> = kids
        .iter()
        .map(|kid| {
            let pem = generate_pem(Algorithm::Es256).unwrap();
            let set = SigningKeys::new(vec![
                SigningKey::from_pem(&pem, Algorithm::Es256, Path::new("k")).unwrap(),
            ])
            .unwrap();
            let mut key =
                serde_json::from_slice::<serde_json::Value>(set.jwks_json()).unwrap()["keys"][0]
                    .clone();
            key["kid"] = serde_json::Value::from(*kid);
            key
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "keys": keys })).unwrap()
}

#[actix_rt::test]
async fn unknown_kids_refetch_the_jwks_at_most_once_per_interval() {
    let pki = TestPki::new();
    let served = Arc::new(Mutex::new(Served {
        body: jwks(&["k1"]),
        status: 200,
        hits: 0,
    }));
    let state = web::Data::new(Arc::clone(&served));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor =
        certbind_host::tls::public_acceptor(&pki.cert_path("server"), &pki.key_path("server"))
            .unwrap();
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).route(
            "/jwks",
            web::get().to(|s: web::Data<Arc<Mutex<Served>>>| async move {
                let mut s = s.lock().unwrap();
                s.hits += 1;
                HttpResponse::build(actix_web::http::StatusCode::from_u16(s.status).unwrap())
                    .content_type("application/json")
                    .body(s.body.clone())
            }),
        )
    })
    .workers(1)
    .listen_openssl(listener, acceptor)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_rt::spawn(server);

    let client = http_client(&[std::fs::read(pki.cert_path("ca")).unwrap()]).unwrap();
    let min_refresh = Duration::from_millis(400);
    let remote = Arc::new(RemoteJwks::new(
        format!("https://localhost:{port}/jwks"),
        client,
        vec!["ES256".to_owned()],
        refresh_policy(
            Duration::from_secs(3600),
            min_refresh,
            Duration::from_secs(5),
        ),
    ));
    let hits = || served.lock().unwrap().hits;

    assert!(remote.keys(Some("k1")).await.unwrap().has_kid("k1"));
    assert!(remote.keys(Some("k1")).await.unwrap().has_kid("k1"));
    assert_eq!(hits(), 1, "a fresh set that knows the kid is reused");

    // An unknown kid right after a fetch: no new fetch (rate limit); the set is returned as is.
    served.lock().unwrap().body = jwks(&["k1", "k2"]);
    assert!(!remote.keys(Some("k2")).await.unwrap().has_kid("k2"));
    assert_eq!(hits(), 1);

    // After the interval, a burst of requests for the unknown kid makes one fetch.
    actix_rt::time::sleep(min_refresh + Duration::from_millis(100)).await;
    let burst: Vec<_> = (0..8)
        .map(|_| {
            let remote = Arc::clone(&remote);
            actix_rt::spawn(async move { remote.keys(Some("k2")).await.unwrap().has_kid("k2") })
        })
        .collect();
    for task in burst {
        assert!(task.await.unwrap());
    }
    assert_eq!(hits(), 2, "one fetch for the burst");

    // A failing issuer: the keys fetched before are kept.
    actix_rt::time::sleep(min_refresh + Duration::from_millis(100)).await;
    served.lock().unwrap().status = 500;
    let keys = remote.keys(Some("k3")).await.unwrap();
    assert!(keys.has_kid("k1") && keys.has_kid("k2"));
    assert_eq!(hits(), 3);
    drop(handle.stop(false));
}
