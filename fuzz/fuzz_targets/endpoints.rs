//! Fuzz target: the token, introspection and revocation endpoints as a request reaches them
//! (`certbind_host::configure` in an in-process actix-web app, no socket): the form body, the
//! scope, `client_id`, Basic credentials, the token to introspect or revoke (a JWT read by the
//! server). The registry has a shared-secret client that may introspect every token, so
//! fuzzed bodies get past authentication to the token parsing.
//!
//! Input framing: the first byte picks the endpoint (low two bits), whether the request
//! carries the client's correct Basic credentials (bit 2) and the content type (bit 3: a wrong
//! one); the rest is the body. Checked beyond "no panic": never a 5xx (certbind answers bad
//! input with an OAuth error, never a server error).
#![no_main]

use std::cell::RefCell;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::ServiceResponse;
use actix_web::{App, test, web};
use certbind_host::keys::{Algorithm, KeySet, SigningKey, generate_pem};
use certbind_host::state::{AppState, Snapshot, Urls};
use certbind_host::Registry;
use libfuzzer_sys::fuzz_target;

/// The registry: `fuzzclient`, whose shared secret is "fuzz secret" (registered as its SHA-256).
fn registry() -> String {
    let hash: String = openssl::sha::sha256(b"fuzz secret")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        r#"
[[clients]]
client_id = "fuzzclient"
token_endpoint_auth_method = "client_secret_basic"
scopes = ["read", "write"]
introspection = "any"
[[clients.secrets]]
type = "shared_secret"
value = "{hash}"
"#
    )
}

type Call = Box<dyn Fn(actix_http::Request) -> Pin<Box<dyn Future<Output = ServiceResponse>>>>;

struct Harness {
    system: actix_web::rt::SystemRunner,
    call: Call,
}

fn harness() -> Harness {
    let clients = Registry::parse(&registry(), Path::new("certbind.toml")).expect("registry");
    let pem = generate_pem(Algorithm::Es256).expect("key");
    let keys = KeySet::new(vec![
        SigningKey::from_pem(&pem, Algorithm::Es256, Path::new("fuzz.pem")).expect("key"),
    ])
    .expect("keys");
    let urls = Urls::new(
        "https://as.example",
        "https://as.example/resources",
        "https://as.example",
    );
    let snapshot = Snapshot::new(Arc::new(clients), keys, 600, &urls);
    let state = web::Data::new(AppState::new(snapshot, 16 * 1024, urls));
    let system = actix_web::rt::System::new();
    let app = system.block_on(test::init_service(
        App::new().app_data(state).configure(certbind_host::configure),
    ));
    let app = std::rc::Rc::new(app);
    let call: Call = Box::new(move |request| {
        let app = app.clone();
        Box::pin(async move { test::call_service(&*app, request).await })
    });
    Harness { system, call }
}

thread_local! {
    static HARNESS: RefCell<Option<Harness>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let path = ["/connect/token", "/connect/introspect", "/connect/revocation", "/connect/token"]
        [usize::from(first & 3)];
    let mut request = test::TestRequest::post().uri(path).insert_header((
        "content-type",
        if first & 8 == 0 {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        },
    ));
    if first & 4 != 0 {
        // base64("fuzzclient:fuzz+secret"): Basic credentials are form-encoded (RFC 6749 §2.3.1).
        request = request.insert_header(("authorization", "Basic ZnV6emNsaWVudDpmdXp6K3NlY3JldA=="));
    }
    let request = request.set_payload(body.to_vec()).to_request();
    HARNESS.with(|cell| {
        let mut cell = cell.borrow_mut();
        let harness = cell.get_or_insert_with(harness);
        let response = harness.system.block_on((harness.call)(request));
        let status = response.status();
        assert!(!status.is_server_error(), "{path}: {status} for {body:?}");
    });
});
