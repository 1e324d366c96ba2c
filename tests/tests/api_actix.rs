//! The actix-web API of `host-actix/examples/protected_api.rs` (the file itself, included here),
//! with real tokens from `certbind serve` and from node-oidc-provider, over real mTLS and behind
//! nginx forwarding the certificate (docs/proxy/nginx.conf): the bound token is accepted with the
//! right certificate and rejected with another certificate, with none, expired, for another
//! audience, with a forged signature, and with a certificate header from an untrusted address.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../host-actix/examples/protected_api.rs"]
#[allow(dead_code, unreachable_pub, missing_debug_implementations)]
mod protected_api;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::mpsc;

use actix_web::dev::ServerHandle;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use certbind_host::keys::{Algorithm, KeySet};
use certbind_host::tokens::{TokenRequest, issue};
use certbind_tests::oidc_provider::OidcProvider;
use certbind_tests::proxy::{NGINX_TEMPLATE, Proxy, fill, free_port};
use certbind_tests::proxy_headers;
use certbind_tests::server::{Reply, TempDir, TestApp, spawn_app};
use protected_api::ApiConfig;

/// A running protected API (stopped on drop).
struct Api {
    mtls: SocketAddr,
    behind_nginx: SocketAddr,
    handle: ServerHandle,
}

impl Drop for Api {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn start_api(app: &TestApp, issuer: &str, audience: &str, jwks: &str, leeway: u64) -> Api {
    let config = ApiConfig {
        issuer: issuer.to_owned(),
        audience: audience.to_owned(),
        jwks: jwks.to_owned(),
        ca: app.pki.cert_path("ca"),
        cert: app.pki.cert_path("server"),
        key: app.pki.key_path("server"),
        mtls: "127.0.0.1:0".parse().unwrap(),
        behind_nginx: "127.0.0.1:0".parse().unwrap(),
        leeway,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let (server, mtls, behind_nginx) = protected_api::protected_api(&config).unwrap();
            tx.send((mtls, behind_nginx, server.handle())).unwrap();
            server.await.unwrap();
        });
    });
    let (mtls, behind_nginx, handle) = rx.recv().unwrap();
    Api {
        mtls,
        behind_nginx,
        handle,
    }
}

fn nginx_in_front_of(app: &TestApp, api: &Api) -> Proxy {
    let port = free_port();
    let dir = TempDir::new("certbind-api-nginx");
    let config = fill(
        NGINX_TEMPLATE,
        &[
            ("DIR", dir.path().display().to_string()),
            ("LISTEN_PORT", port.to_string()),
            (
                "SERVER_CERT",
                app.pki.cert_path("server").display().to_string(),
            ),
            (
                "SERVER_KEY",
                app.pki.key_path("server").display().to_string(),
            ),
            ("CERTBIND_PORT", api.behind_nginx.port().to_string()),
        ],
    );
    Proxy::nginx(dir, &config, port)
}

/// GET `url` with `identity`'s certificate and `authorization`.
async fn get(
    app: &TestApp,
    identity: Option<&str>,
    url: &str,
    authorization: Option<&str>,
) -> Reply {
    let mut request = app.client(identity).get(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    TestApp::send(request).await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A token with a claim changed and the signature kept.
fn forged(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let changed = claims.replace("\"scope\":\"read\"", "\"scope\":\"read write\"");
    assert_ne!(
        claims, changed,
        "the claims have a scope to change: {claims}"
    );
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(changed),
        parts[2]
    )
}

fn assert_invalid_token(r: &Reply, what: &str) {
    assert_eq!(r.status, 401, "{what}: {}", r.text);
    assert_eq!(
        r.headers["www-authenticate"], "Bearer error=\"invalid_token\"",
        "{what}"
    );
    assert!(
        r.text.is_empty(),
        "{what}: no details in the body: {}",
        r.text
    );
}

/// The tokens one issuer gave for the test.
struct Tokens {
    good: String,
    expired: String,
    other_audience: String,
}

/// Every case against one issuer's tokens.
async fn check_api(app: &TestApp, api: &Api, tokens: &Tokens) {
    let url = format!("https://localhost:{}/orders", api.mtls.port());
    let client_x5t = app.pki.x5t_s256_by_openssl_cli("client");

    let r = get(app, Some("client"), &url, Some(&bearer(&tokens.good))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["client_id"], "certclient");
    assert_eq!(r.json["bound_to"], client_x5t.as_str());

    let r = get(app, Some("wrong"), &url, Some(&bearer(&tokens.good))).await;
    assert_invalid_token(&r, "another certificate (same subject, other key)");
    let r = get(app, None, &url, Some(&bearer(&tokens.good))).await;
    assert_invalid_token(&r, "no certificate");
    let r = get(app, Some("client"), &url, Some(&bearer(&tokens.expired))).await;
    assert_invalid_token(&r, "expired");
    let r = get(
        app,
        Some("client"),
        &url,
        Some(&bearer(&tokens.other_audience)),
    )
    .await;
    assert_invalid_token(&r, "another audience");
    let r = get(
        app,
        Some("client"),
        &url,
        Some(&bearer(&forged(&tokens.good))),
    )
    .await;
    assert_invalid_token(&r, "forged signature");

    // RFC 6750: no token is a bare challenge; a malformed header is invalid_request.
    let r = get(app, Some("client"), &url, None).await;
    assert_eq!(
        (r.status, r.headers["www-authenticate"].to_str().unwrap()),
        (401, "Bearer")
    );
    let r = get(app, Some("client"), &url, Some("Bearer two words")).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.headers["www-authenticate"],
        "Bearer error=\"invalid_request\""
    );

    // Behind nginx: the certificate the client gave nginx.
    let nginx = nginx_in_front_of(app, api);
    let via = format!("https://localhost:{}/orders", nginx.port);
    let r = get(app, Some("client"), &via, Some(&bearer(&tokens.good))).await;
    assert_eq!(r.status, 200, "{}\n{}", r.text, nginx.logs());
    assert_eq!(r.json["bound_to"], client_x5t.as_str());
    let r = get(app, Some("wrong"), &via, Some(&bearer(&tokens.good))).await;
    assert_invalid_token(&r, "another certificate through nginx");
    let r = get(app, None, &via, Some(&bearer(&tokens.good))).await;
    assert_invalid_token(&r, "no certificate through nginx");

    // The header nginx would send, written by a client itself, straight to the plain listener:
    // from an address that is not a trusted proxy it is ignored (no certificate: rejected);
    // from the trusted address it counts (which is why only the proxy may reach that listener).
    let header = proxy_headers::nginx_escaped(&app.pki.der("client"));
    let plain = format!("http://127.0.0.1:{}/orders", api.behind_nginx.port());
    for (from, status) in [
        (Ipv4Addr::new(127, 0, 0, 2), 401),
        (Ipv4Addr::LOCALHOST, 200),
    ] {
        let client = reqwest::Client::builder()
            .local_address(IpAddr::V4(from))
            .build()
            .unwrap();
        let r = TestApp::send(
            client
                .get(&plain)
                .header("authorization", bearer(&tokens.good))
                .header("x-ssl-client-cert", &header),
        )
        .await;
        assert_eq!(
            r.status, status,
            "certificate header from {from}: {}",
            r.text
        );
    }
}

#[actix_rt::test]
async fn tokens_from_certbind_serve_are_accepted_only_with_their_certificate() {
    let app = spawn_app();
    let audience = format!("{}/resources", app.base);
    let good = app.token(Some("client"), "certclient", Some("read")).await;
    assert_eq!(good.status, 200, "{}", good.text);
    // Expired and other-audience tokens signed by the server's own key, the way it signs.
    let keys = KeySet::load_dir(
        &app.pki.dir().join("keys"),
        Algorithm::Es256,
        certbind_host::keyfile::KeyFilePolicy::OwnerOnly,
    )
    .unwrap();
    let x5t = app.pki.x5t_s256_by_openssl_cli("client");
    let now = certbind_host::time::now_unix();
    let sign = |audience: &str, now: u64| {
        issue(
            &keys,
            &TokenRequest {
                issuer: &app.base,
                audience: &[audience.to_owned()],
                client_id: "certclient",
                scopes: &["read".to_owned()],
                x5t_s256: Some(&x5t),
                now,
                lifetime: 600,
            },
        )
        .unwrap()
        .access_token
    };
    let tokens = Tokens {
        good: good.json["access_token"].as_str().unwrap().to_owned(),
        expired: sign(&audience, now - 7200),
        other_audience: sign("https://other-api.example/", now),
    };
    let api = start_api(
        &app,
        &app.base,
        &audience,
        &format!("{}/jwks", app.base),
        60,
    );
    check_api(&app, &api, &tokens).await;
}

#[actix_rt::test]
async fn tokens_from_node_oidc_provider_are_accepted_only_with_their_certificate() {
    let app = spawn_app();
    let audience = "https://orders-api.example/";
    let provider = OidcProvider::start(app.pki.dir(), &app.pki.cert_path("client"), audience);
    let client = app.client(Some("client"));
    let good = provider.token(&client, None).await;
    let other_audience = provider
        .token(&client, Some("https://other-api.example/"))
        .await;
    let short = provider
        .token(&client, Some("urn:certbind:test:short-lived"))
        .await;
    // The short-lived token lives 1 s; the API below tolerates no clock difference.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let tokens = Tokens {
        good,
        expired: short,
        other_audience,
    };
    let api = start_api(&app, &provider.issuer, audience, &provider.jwks_uri, 0);
    check_api(&app, &api, &tokens).await;
}

/// The part of an example between its `// --- snippet: NAME ---` and `// --- end snippet ---`
/// markers.
fn snippet(file: &str, name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let start = format!("// --- snippet: {name} ---\n");
    let from = text
        .find(&start)
        .unwrap_or_else(|| panic!("{file}: no {start}"))
        + start.len();
    let to = text[from..].find("// --- end snippet ---").unwrap() + from;
    text[from..to].to_owned()
}

#[test]
fn docs_api_md_shows_the_examples_the_tests_run() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/api.md"),
    )
    .unwrap();
    for (file, name) in [
        ("host-actix/examples/protected_api.rs", "protected_api"),
        ("wasm/examples/express-api.mjs", "express-api"),
    ] {
        let code = snippet(file, name);
        assert!(code.len() > 500, "{file}: the snippet is the API");
        assert!(
            doc.contains(&code),
            "docs/api.md must show {file}'s snippet verbatim:\n{code}"
        );
    }
}
