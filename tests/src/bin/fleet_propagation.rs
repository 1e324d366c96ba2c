//! Measures how long a client registered on one replica takes to be usable on another: for
//! each sample, registers a `self_signed_tls_client_auth` client (RFC 7591) on replica A, then
//! asks replica B for a token with that client's certificate in a tight keep-alive loop until
//! it gets one; the time from A's `201` to B's first `200` is the sample. The client is deleted
//! again (RFC 7592) so the registry keeps its size. Prints one JSON line.
//!
//! `fleet-propagation --a URL --b URL --cacert ca.pem --cert client.pem --key client.key
//!  --initial-token TOKEN [--samples 100]`
#![forbid(unsafe_code)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use base64::Engine as _;

fn arg(name: &str) -> Option<String> {
    let mut args = std::env::args();
    while let Some(a) = args.next() {
        if a == name {
            return args.next();
        }
    }
    None
}

fn required(name: &str) -> String {
    arg(name).unwrap_or_else(|| {
        eprintln!("fleet-propagation: {name} is required");
        std::process::exit(2)
    })
}

fn main() {
    let (a, b) = (required("--a"), required("--b"));
    let ca = std::fs::read(required("--cacert")).unwrap();
    let cert = std::fs::read(required("--cert")).unwrap();
    let key = std::fs::read(required("--key")).unwrap();
    let token = required("--initial-token");
    let samples: usize = arg("--samples").map_or(100, |s| s.parse().unwrap());
    let der = openssl::x509::X509::from_pem(&cert)
        .unwrap()
        .to_der()
        .unwrap();
    let x5c = base64::engine::general_purpose::STANDARD.encode(der);

    actix_rt::System::new().block_on(async move {
        let ca = reqwest::Certificate::from_pem(&ca).unwrap();
        let plain = reqwest::Client::builder()
            .add_root_certificate(ca.clone())
            .build()
            .unwrap();
        let with_cert = reqwest::Client::builder()
            .add_root_certificate(ca)
            .identity(reqwest::Identity::from_pkcs8_pem(&cert, &key).unwrap())
            .build()
            .unwrap();
        let mut took: Vec<Duration> = Vec::with_capacity(samples);
        let mut polls = 0_u64;
        for _ in 0..samples {
            let body = serde_json::json!({
                "scope": "read",
                "token_endpoint_auth_method": "self_signed_tls_client_auth",
                "jwks": {"keys": [{"x5c": [x5c]}]},
            });
            let response = plain
                .post(format!("{a}/connect/register"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
            let registered: serde_json::Value =
                serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            let committed = Instant::now();
            let client_id = registered["client_id"].as_str().unwrap().to_owned();
            loop {
                polls += 1;
                let status = with_cert
                    .post(format!("{b}/connect/token"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!(
                        "grant_type=client_credentials&client_id={client_id}"
                    ))
                    .send()
                    .await
                    .unwrap()
                    .status();
                if status == 200 {
                    took.push(committed.elapsed());
                    break;
                }
                assert!(committed.elapsed() < Duration::from_secs(10), "never usable on B");
            }
            let access = registered["registration_access_token"].as_str().unwrap();
            let deleted = plain
                .delete(format!("{a}/connect/register/{client_id}"))
                .bearer_auth(access)
                .send()
                .await
                .unwrap();
            assert_eq!(deleted.status(), 204);
        }
        took.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        // Nearest rank: the sample at q·(n−1), in whole percent.
        let at = |percent: usize| ms(took[(took.len() - 1) * percent / 100]);
        println!(
            "{{\"samples\":{},\"p50_ms\":{:.2},\"p90_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2},\"polls\":{polls}}}",
            took.len(),
            at(50),
            at(90),
            at(99),
            ms(*took.last().unwrap())
        );
    });
}
