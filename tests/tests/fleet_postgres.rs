//! certbind as a fleet: two `certbind serve` processes sharing one real PostgreSQL (a throwaway
//! cluster), every scenario of the shared store: import → tokens on both; RFC 7591
//! registration on A usable on B within a second; RFC 7592 read, update and delete; RFC 7009
//! revocation on A inactive on B within a second; key rotation published by both before either
//! signs; the database stopped (`pg_ctl stop -m immediate`): tokens still issued, `/readyz`
//! degraded, writes 503; started again: caught up, nothing lost.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use certbind_tests::fleet::Fleet;
use certbind_tests::postgres::PgCluster;
use certbind_tests::replica::{Endpoint, Replica, certbind, certbind_ok, within};
use certbind_tests::server::TestPki;
use reqwest::Method;
use serde_json::json;

const SECOND: Duration = Duration::from_secs(1);

fn x5c(pki: &TestPki, name: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(pki.der(name))
}

fn kids(jwks: &serde_json::Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

fn header_kid(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn an_imported_registry_serves_tokens_on_both_replicas_and_exports_back() {
    let fleet = Fleet::new(PgCluster::shared(), "");
    let first = fleet.import();
    assert!(
        first.contains("7 added, 0 updated, 0 unchanged, 2 file(s)"),
        "{first}"
    );
    let again = fleet.import();
    assert!(
        again.contains("0 added, 0 updated, 7 unchanged"),
        "import is idempotent: {again}"
    );
    let status = certbind_ok(
        &["db", "status", "--config", &fleet.config_arg()],
        &fleet.env(),
    );
    assert!(
        status.contains("version 1") && status.contains("clients    7"),
        "{status}"
    );

    let (a, b) = (fleet.replica("a"), fleet.replica("b"));
    for replica in [&a, &b] {
        let e = Endpoint::of(&fleet.pki, replica);
        let r = e.token(Some("client"), "certclient", Some("read")).await;
        assert_eq!(r.status, 200, "{}\n{}", r.text, replica.log());
        // tls_client_auth to the imported trust anchor, self-signed from an imported pem_file.
        assert_eq!(e.token(Some("pki"), "pkiclient", None).await.status, 200);
        assert_eq!(
            e.token(Some("selfsigned"), "selfsignedclient", None)
                .await
                .status,
            200
        );
        assert_eq!(e.token(Some("wrong"), "certclient", None).await.status, 401);
        let ready = e.get("/readyz").await;
        assert_eq!(ready.json["status"], "ready", "{}", ready.text);
        assert_eq!(ready.json["store"], "postgres");
        assert_eq!(ready.json["clients"], 7);
        let discovery = e.get("/.well-known/openid-configuration").await.json;
        assert_eq!(
            discovery["registration_endpoint"],
            format!("{}/connect/register", replica.base)
        );
        assert_eq!(
            discovery["revocation_endpoint"],
            format!("{}/connect/revocation", replica.base)
        );
    }
    let jwks_a = Endpoint::of(&fleet.pki, &a).get("/jwks").await.json;
    let jwks_b = Endpoint::of(&fleet.pki, &b).get("/jwks").await.json;
    assert_eq!(jwks_a, jwks_b, "one key set for the fleet");

    let files = fleet.pki.dir().join("exported");
    let exported = certbind_ok(
        &[
            "clients",
            "export",
            "--config",
            &fleet.config_arg(),
            "--files",
            &files.display().to_string(),
        ],
        &fleet.env(),
    );
    assert!(
        exported.contains("trust_anchors = [\"ca.pem\"]"),
        "{exported}"
    );
    assert_eq!(exported.matches("[[clients]]").count(), 7, "{exported}");
    assert_eq!(
        std::fs::read(files.join("ca.pem")).unwrap(),
        std::fs::read(fleet.pki.cert_path("ca")).unwrap()
    );
    // The export is a registry the same loader accepts.
    std::fs::copy(
        files.join("selfsigned.pem"),
        files.join("selfsigned.pem.copy"),
    )
    .unwrap();
    let reloaded = certbind_core::load_registry_toml(
        &exported,
        &certbind_core::LoadOptions::new(certbind_core::UnixTime::since_unix_epoch(
            Duration::from_secs(certbind_host::time::now_unix()),
        )),
        &mut certbind_core::MemoryFiles::new()
            .with("ca.pem", std::fs::read(files.join("ca.pem")).unwrap())
            .with(
                "selfsigned.pem",
                std::fs::read(files.join("selfsigned.pem")).unwrap(),
            ),
    )
    .unwrap();
    assert_eq!(reloaded.registry.clients.len(), 7);
}

#[actix_rt::test]
async fn a_client_registered_on_a_gets_tokens_from_b_within_a_second_and_is_managed_by_rfc7592() {
    let fleet = Fleet::new(PgCluster::shared(), "");
    fleet.import();
    let (a, b) = (fleet.replica("a"), fleet.replica("b"));
    let (on_a, on_b) = (Endpoint::of(&fleet.pki, &a), Endpoint::of(&fleet.pki, &b));

    // A self-signed client (RFC 8705 §2.2): its certificate in jwks.
    let metadata = json!({
        "client_name": "registered'); DROP TABLE clients; --",
        "scope": "read write",
        "token_endpoint_auth_method": "self_signed_tls_client_auth",
        "jwks": {"keys": [{"kty": "EC", "x5c": [x5c(&fleet.pki, "selfsigned")]}]},
        "contacts": ["ops@example.com"],
        "redirect_uris": ["https://ignored.example"],
    });
    let r = on_a
        .json(
            Method::POST,
            "/connect/register",
            Some(&fleet.initial_token),
            Some(&metadata),
        )
        .await;
    assert_eq!(r.status, 201, "{}\n{}", r.text, a.log());
    assert_eq!(r.headers["cache-control"], "no-store");
    let client_id = r.json["client_id"].as_str().unwrap().to_owned();
    let access = r.json["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        r.json["registration_client_uri"],
        format!("{}/connect/register/{client_id}", a.base)
    );
    assert_eq!(r.json["client_name"], metadata["client_name"]);
    assert_eq!(r.json["tls_client_certificate_bound_access_tokens"], true);
    assert!(
        r.json.get("redirect_uris").is_none(),
        "unknown metadata is not kept"
    );
    // On A at once (the response waited for this replica to take it in) …
    assert_eq!(
        on_a.token(Some("selfsigned"), &client_id, Some("write"))
            .await
            .status,
        200
    );
    // … and on B within a second.
    let (_, took) = within(SECOND, "registered on A, usable on B", || async {
        let r = on_b
            .token(Some("selfsigned"), &client_id, Some("write"))
            .await;
        (r.status == 200).then_some(())
    })
    .await;
    eprintln!("registered on A → token from B: {took:?}");
    // Only the hash of the registration access token is stored.
    let stored = fleet.sql(&format!(
        "SELECT encode(registration_token_sha256, 'hex') FROM clients WHERE client_id = '{client_id}'"
    ));
    assert_eq!(
        stored,
        certbind_host_hex(&openssl::sha::sha256(access.as_bytes()))
    );
    assert_eq!(
        fleet.sql("SELECT count(*) FROM clients"),
        "8",
        "the table survived the name"
    );

    // RFC 7592 read through B.
    let path = format!("/connect/register/{client_id}");
    let r = on_b.json(Method::GET, &path, Some(&access), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["scope"], "read write");
    assert!(r.json.get("registration_access_token").is_none());
    let wrong = on_b
        .json(Method::GET, &path, Some(&fleet.initial_token), None)
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json["error"], "invalid_token");
    assert!(
        wrong.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );

    // Update on B: scope narrowed to read; A refuses write within a second.
    let mut update = metadata.clone();
    update["client_id"] = json!(client_id);
    update["scope"] = json!("read");
    let r = on_b
        .json(Method::PUT, &path, Some(&access), Some(&update))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    within(SECOND, "update on B seen on A", || async {
        let r = on_a
            .token(Some("selfsigned"), &client_id, Some("write"))
            .await;
        (r.json["error"] == "invalid_scope").then_some(())
    })
    .await;
    assert_eq!(
        on_a.token(Some("selfsigned"), &client_id, Some("read"))
            .await
            .status,
        200
    );

    // A tls_client_auth client (RFC 8705 §2.1) validated to the imported trust anchor.
    let r = on_b
        .json(
            Method::POST,
            "/connect/register",
            Some(&fleet.initial_token),
            Some(&json!({
                "scope": "read",
                "token_endpoint_auth_method": "tls_client_auth",
                "tls_client_auth_subject_dn": "CN=pkiclient,O=certbind tests,C=XX",
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let pki_id = r.json["client_id"].as_str().unwrap().to_owned();
    within(
        SECOND,
        "tls_client_auth registered on B usable on A",
        || async { (on_a.token(Some("pki"), &pki_id, None).await.status == 200).then_some(()) },
    )
    .await;

    // The IdentityServer3 extension: the SHA-1 thumbprint (lowercase, as JSON producers write
    // it), a pinned certificate.
    let sha1 = fleet.pki.sha1_hex_by_openssl_cli("client").to_lowercase();
    let r = on_a
        .json(
            Method::POST,
            "/connect/register",
            Some(&fleet.initial_token),
            Some(&json!({"scope": "read", "x509_thumbprint": sha1})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json["token_endpoint_auth_method"],
        "self_signed_tls_client_auth"
    );
    assert_eq!(r.json["x509_thumbprint"], sha1.to_uppercase());
    let thumbprint_id = r.json["client_id"].as_str().unwrap().to_owned();
    within(
        SECOND,
        "thumbprint client registered on A usable on B",
        || async {
            (on_b
                .token(Some("client"), &thumbprint_id, None)
                .await
                .status
                == 200)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        on_b.token(Some("wrong"), &thumbprint_id, None).await.status,
        401
    );

    // An imported client is removed by the command line.
    let _ = certbind_ok(
        &[
            "clients",
            "remove",
            "--config",
            &fleet.config_arg(),
            "--client-id",
            "pkiclient",
        ],
        &fleet.env(),
    );
    within(SECOND, "removed client refused on B", || async {
        (on_b.token(Some("pki"), "pkiclient", None).await.status == 401).then_some(())
    })
    .await;

    // Delete on B; A refuses the client within a second.
    let r = on_b.json(Method::DELETE, &path, Some(&access), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    within(SECOND, "delete on B seen on A", || async {
        (on_a
            .token(Some("selfsigned"), &client_id, None)
            .await
            .status
            == 401)
            .then_some(())
    })
    .await;
    let gone = on_a.json(Method::GET, &path, Some(&access), None).await;
    assert_eq!(gone.status, 401, "a deleted client's token is invalid");
    assert!(a.log().contains("client_registered") && b.log().contains("client_deleted"));
    assert!(
        !a.log().contains(&access) && !b.log().contains(&access),
        "no token in the logs"
    );
}

async fn active(e: &Endpoint<'_>, token: &str) -> bool {
    let r = e
        .post_form(
            Some("client"),
            "/connect/introspect",
            &[("client_id", "certclient"), ("token", token)],
        )
        .await;
    r.json["active"]
        .as_bool()
        .unwrap_or_else(|| panic!("{}", r.text))
}

fn certbind_host_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[actix_rt::test]
async fn a_token_revoked_on_a_is_inactive_on_b_within_a_second() {
    let fleet = Fleet::new(PgCluster::shared(), "");
    fleet.import();
    let (a, b) = (fleet.replica("a"), fleet.replica("b"));
    let (on_a, on_b) = (Endpoint::of(&fleet.pki, &a), Endpoint::of(&fleet.pki, &b));
    let token = on_a.token(Some("client"), "certclient", None).await.json["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(active(&on_b, &token).await);

    // Another client may not revoke it.
    let other = on_a
        .post_form(
            None,
            "/connect/revocation",
            &[
                ("client_id", "postclient"),
                ("client_secret", certbind_tests::server::POST_SECRET),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(
        (other.status, other.json["error"].as_str()),
        (400, Some("unauthorized_client")),
        "{}",
        other.text
    );
    assert!(active(&on_b, &token).await);
    // An invalid token is "revoked" as far as the caller knows (RFC 7009 §2.2).
    let junk = on_a
        .post_form(
            Some("client"),
            "/connect/revocation",
            &[("client_id", "certclient"), ("token", "not.a.token")],
        )
        .await;
    assert_eq!(junk.status, 200);
    // Unauthenticated: invalid_client.
    let anonymous = on_a
        .post_form(
            None,
            "/connect/revocation",
            &[("client_id", "certclient"), ("token", &token)],
        )
        .await;
    assert_eq!(anonymous.status, 401);

    let r = on_a
        .post_form(
            Some("client"),
            "/connect/revocation",
            &[
                ("client_id", "certclient"),
                ("token", &token),
                ("token_type_hint", "access_token"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!active(&on_a, &token).await, "inactive on A at once");
    let (_, took) = within(SECOND, "revoked on A, inactive on B", || async {
        (!active(&on_b, &token).await).then_some(())
    })
    .await;
    eprintln!("revoked on A → inactive on B: {took:?}");
    let stored = fleet.sql("SELECT client_id FROM revoked_tokens");
    assert_eq!(stored, "certclient");
    assert!(a.log().contains("token_revoked"), "{}", a.log());
    assert!(!a.log().contains(&token), "no token in the log");
}

#[actix_rt::test]
async fn a_rotated_key_is_published_by_both_replicas_before_either_signs_with_it() {
    let fleet = Fleet::new(PgCluster::shared(), "");
    fleet.import();
    let (a, b) = (fleet.replica("a"), fleet.replica("b"));
    let (on_a, on_b) = (Endpoint::of(&fleet.pki, &a), Endpoint::of(&fleet.pki, &b));
    let old = kids(&on_a.get("/jwks").await.json);
    assert_eq!(old.len(), 1);
    let out = certbind_ok(
        &[
            "keys",
            "rotate",
            "--config",
            &fleet.config_arg(),
            "--delay",
            "3",
        ],
        &fleet.env(),
    );
    let new_kid = out.trim().to_owned();
    for e in [&on_a, &on_b] {
        within(SECOND, "the new key published", || async {
            kids(&e.get("/jwks").await.json)
                .contains(&new_kid)
                .then_some(())
        })
        .await;
    }
    // Published everywhere, but nobody signs with it yet.
    for e in [&on_a, &on_b] {
        let token = e.token(Some("client"), "certclient", None).await.json["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            header_kid(&token),
            old[0],
            "signed with the old key during the delay"
        );
    }
    // After the delay both sign with it, and the old key is still published.
    for e in [&on_a, &on_b] {
        within(Duration::from_secs(6), "the new key signs", || async {
            let token = e.token(Some("client"), "certclient", None).await.json["access_token"]
                .as_str()
                .unwrap()
                .to_owned();
            (header_kid(&token) == new_kid).then_some(())
        })
        .await;
        let published = kids(&e.get("/jwks").await.json);
        assert!(
            published.contains(&old[0]) && published.contains(&new_kid),
            "{published:?}"
        );
    }
    // The private key is sealed: the stored bytes do not hold the PEM.
    let sealed = fleet.sql("SELECT encode(sealed_key, 'escape') FROM signing_keys LIMIT 1");
    assert!(!sealed.contains("PRIVATE KEY"));
}

#[actix_rt::test]
async fn bad_registrations_get_rfc7591_or_rfc6750_errors_and_write_nothing() {
    let fleet = Fleet::new(PgCluster::shared(), "");
    fleet.import();
    let a = fleet.replica("a");
    let on_a = Endpoint::of(&fleet.pki, &a);
    let before = fleet.sql("SELECT count(*) FROM clients");
    let good = |extra: serde_json::Value| {
        let mut m = json!({"scope": "read", "token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_san_dns": "client.example.com"});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                m.as_object_mut().unwrap().remove(k);
            } else {
                m[k] = v.clone();
            }
        }
        m
    };
    let expired = base64::engine::general_purpose::STANDARD.encode(fleet.pki.der("expired"));
    let ca = base64::engine::general_purpose::STANDARD.encode(fleet.pki.der("ca"));
    let cases: Vec<(&str, serde_json::Value, &str, &str)> = vec![
        (
            "malformed DN",
            good(
                json!({"tls_client_auth_san_dns": null, "tls_client_auth_subject_dn": "CN=x,,O=y"}),
            ),
            "tls_client_auth_subject_dn",
            "not a distinguished name",
        ),
        (
            "SQL in a DN",
            good(
                json!({"tls_client_auth_san_dns": null, "tls_client_auth_subject_dn": "CN=x'; DROP TABLE clients; --"}),
            ),
            "tls_client_auth_subject_dn",
            "not a distinguished name",
        ),
        (
            "two subjects",
            good(json!({"tls_client_auth_subject_dn": "CN=a"})),
            "tls_client_auth_",
            "exactly one",
        ),
        (
            "a CA certificate in jwks",
            json!({"scope": "read", "token_endpoint_auth_method": "self_signed_tls_client_auth", "jwks": {"keys": [{"x5c": [ca]}]}}),
            "jwks",
            "CA certificate",
        ),
        (
            "an expired certificate in jwks",
            json!({"scope": "read", "token_endpoint_auth_method": "self_signed_tls_client_auth", "jwks": {"keys": [{"x5c": [expired]}]}}),
            "jwks",
            "expired",
        ),
        (
            "jwks without x5c",
            json!({"scope": "read", "jwks": {"keys": [{"kty": "EC"}]}}),
            "jwks",
            "no x5c",
        ),
        (
            "unknown auth method",
            good(json!({"token_endpoint_auth_method": "private_key_jwt"})),
            "token_endpoint_auth_method",
            "unknown method \"private_key_jwt\"",
        ),
        (
            "a secret method",
            good(json!({"token_endpoint_auth_method": "client_secret_basic"})),
            "token_endpoint_auth_method",
            "no client secrets",
        ),
        ("no scope", good(json!({"scope": null})), "scope", "missing"),
        (
            "a bad scope",
            good(json!({"scope": "read wr\"ite"})),
            "scope",
            "RFC 6749 §3.3",
        ),
        (
            "another grant",
            good(json!({"grant_types": ["authorization_code"]})),
            "grant_types",
            "unsupported grant type",
        ),
        (
            "jwks_uri",
            good(json!({"jwks_uri": "https://example.com/jwks"})),
            "jwks_uri",
            "does not fetch",
        ),
        (
            "a thumbprint that is not one",
            json!({"scope": "read", "x509_thumbprint": "DROP TABLE clients"}),
            "x509_thumbprint",
            "not a thumbprint",
        ),
    ];
    for (what, body, field, says) in cases {
        let r = on_a
            .json(
                Method::POST,
                "/connect/register",
                Some(&fleet.initial_token),
                Some(&body),
            )
            .await;
        assert_eq!(r.status, 400, "{what}: {}", r.text);
        assert_eq!(
            r.json["error"], "invalid_client_metadata",
            "{what}: {}",
            r.text
        );
        let description = r.json["error_description"].as_str().unwrap();
        assert!(description.starts_with(field), "{what}: {description}");
        assert!(description.contains(says), "{what}: {description}");
    }
    // The same DN problem gets the same words as in certbind.toml.
    let toml = "[[clients]]\nclient_id = \"x\"\nscopes = [\"read\"]\n[[clients.secrets]]\ntype = \"tls_client_auth\"\nsubject_dn = \"CN=x,,O=y\"\n";
    let in_toml = certbind_core::load_registry_toml(
        toml,
        &certbind_core::LoadOptions::new(certbind_core::UnixTime::since_unix_epoch(
            Duration::from_secs(1_900_000_000),
        )),
        &mut certbind_core::NoFiles,
    )
    .unwrap_err();
    let certbind_core::Error::Registry { problems } = in_toml else {
        panic!()
    };
    let r = on_a
        .json(
            Method::POST,
            "/connect/register",
            Some(&fleet.initial_token),
            Some(&good(
                json!({"tls_client_auth_san_dns": null, "tls_client_auth_subject_dn": "CN=x,,O=y"}),
            )),
        )
        .await;
    assert_eq!(
        r.json["error_description"],
        format!("tls_client_auth_subject_dn: {}", problems[0].message)
    );

    // Size, type and body.
    let big = good(json!({"client_name": "x".repeat(70 * 1024)}));
    let r = on_a
        .json(
            Method::POST,
            "/connect/register",
            Some(&fleet.initial_token),
            Some(&big),
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (400, Some("invalid_client_metadata")),
        "{}",
        r.text
    );
    assert!(r.text.contains("exceeds 65536 bytes"), "{}", r.text);
    let r = fleet
        .pki
        .https_client(None)
        .post(format!("{}/connect/register", a.base))
        .bearer_auth(&fleet.initial_token)
        .header("content-type", "application/json")
        .body("{\"scope\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = fleet
        .pki
        .https_client(None)
        .post(format!("{}/connect/register", a.base))
        .bearer_auth(&fleet.initial_token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("scope=read")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("application/json"));

    // Tokens (RFC 6750).
    let r = on_a
        .json(
            Method::POST,
            "/connect/register",
            None,
            Some(&good(json!({}))),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.headers["www-authenticate"], "Bearer realm=\"certbind\"");
    let r = on_a
        .json(
            Method::POST,
            "/connect/register",
            Some("not-the-token"),
            Some(&good(json!({}))),
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (401, Some("invalid_token"))
    );
    let r = on_a
        .json(
            Method::GET,
            "/connect/register/certclient",
            Some(&fleet.initial_token),
            None,
        )
        .await;
    assert_eq!(
        r.status, 401,
        "imported clients are not managed through RFC 7592"
    );
    let r = on_a
        .json(
            Method::DELETE,
            "/connect/register/nosuchclient",
            Some("x"),
            None,
        )
        .await;
    assert_eq!(r.status, 401);

    assert_eq!(
        fleet.sql("SELECT count(*) FROM clients"),
        before,
        "nothing was written"
    );
    // And a good one goes through.
    let r = on_a
        .json(
            Method::POST,
            "/connect/register",
            Some(&fleet.initial_token),
            Some(&good(json!({}))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[actix_rt::test]
async fn with_the_database_down_tokens_flow_writes_answer_503_and_everything_catches_up() {
    // A cluster of its own: this test stops it.
    let fleet = Fleet::new(Arc::new(PgCluster::start()), "");
    fleet.import();
    let (a, b) = (fleet.replica("a"), fleet.replica("b"));
    let (on_a, on_b) = (Endpoint::of(&fleet.pki, &a), Endpoint::of(&fleet.pki, &b));
    let registered = on_a
        .json(
            Method::POST,
            "/connect/register",
            Some(&fleet.initial_token),
            Some(&json!({
                "scope": "read", "jwks": {"keys": [{"x5c": [x5c(&fleet.pki, "selfsigned")]}]}
            })),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.text);
    let registered_id = registered.json["client_id"].as_str().unwrap().to_owned();
    let token = on_a.token(Some("client"), "certclient", None).await.json["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    fleet.cluster.stop_immediate();
    for (e, r) in [(&on_a, &a), (&on_b, &b)] {
        within(Duration::from_secs(5), "degraded", || async {
            let ready = e.get("/readyz").await;
            (ready.json["status"] == "degraded").then_some(ready)
        })
        .await;
        let ready = e.get("/readyz").await;
        assert_eq!(ready.status, 200, "degraded still serves");
        assert!(
            ready.json["reason"]
                .as_str()
                .unwrap()
                .starts_with("database unavailable"),
            "{}",
            ready.text
        );
        let metrics = e.get("/metrics").await.text;
        assert!(metrics.contains("\ncertbind_store_up 0\n"), "{metrics}");
        let t = e.token(Some("client"), "certclient", None).await;
        assert_eq!(
            t.status,
            200,
            "tokens keep flowing: {}\n{}",
            t.text,
            r.log()
        );
        assert_eq!(
            e.token(Some("selfsigned"), &registered_id, None)
                .await
                .status,
            200
        );
        let reg = e
            .json(
                Method::POST,
                "/connect/register",
                Some(&fleet.initial_token),
                Some(&json!({"scope": "read", "tls_client_auth_san_dns": "x.example"})),
            )
            .await;
        assert_eq!(
            (reg.status, reg.json["error"].as_str()),
            (503, Some("temporarily_unavailable")),
            "{}",
            reg.text
        );
        assert_eq!(reg.headers["retry-after"], "5");
        let rev = e
            .post_form(
                Some("client"),
                "/connect/revocation",
                &[("client_id", "certclient"), ("token", &token)],
            )
            .await;
        assert_eq!(
            (rev.status, rev.json["error"].as_str()),
            (503, Some("temporarily_unavailable")),
            "{}",
            rev.text
        );
    }

    fleet.cluster.start_again();
    fleet.cluster.wait_ready(Duration::from_secs(10));
    // A change made while the replicas are still reconnecting (their NOTIFY is missed): the
    // re-read on reconnect brings it in.
    let extra = fleet.pki.dir().join("extra.toml");
    std::fs::write(&extra, "[[clients]]\nclient_id = \"latecomer\"\nscopes = [\"read\"]\n[[clients.secrets]]\ntype = \"self_signed_tls_client_auth\"\npem_file = \"selfsigned.pem\"\n").unwrap();
    let _ = certbind_ok(
        &[
            "clients",
            "import",
            "--config",
            &fleet.config_arg(),
            "--from",
            &extra.display().to_string(),
        ],
        &fleet.env(),
    );
    for e in [&on_a, &on_b] {
        within(Duration::from_secs(10), "reconnected", || async {
            (e.get("/readyz").await.json["status"] == "ready").then_some(())
        })
        .await;
        within(SECOND, "the change made meanwhile", || async {
            (e.token(Some("selfsigned"), "latecomer", None).await.status == 200).then_some(())
        })
        .await;
        assert_eq!(
            e.token(Some("selfsigned"), &registered_id, None)
                .await
                .status,
            200,
            "nothing lost"
        );
    }
    let rev = on_b
        .post_form(
            Some("client"),
            "/connect/revocation",
            &[("client_id", "certclient"), ("token", &token)],
        )
        .await;
    assert_eq!(rev.status, 200, "{}", rev.text);
    assert!(
        a.log().contains("database is unavailable") && a.log().contains("reachable again"),
        "{}",
        a.log()
    );
}

#[test]
fn replicas_migrating_at_once_take_turns() {
    let cluster = PgCluster::shared();
    let pki = TestPki::new();
    let database = cluster.create_database("migrate");
    let config = pki.dir().join("certbind.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[store]\nkind = \"postgres\"\nurl = \"{}\"\nschema = \"auth\"\n",
            pki.config(false),
            cluster.url(&database)
        ),
    )
    .unwrap();
    let kek = certbind_ok(&["keys", "new-kek"], &[]).trim().to_owned();
    let config_arg = config.display().to_string();
    let runs: Vec<_> = (0..3)
        .map(|_| {
            std::process::Command::new(certbind_tests::replica::certbind_bin())
                .args(["db", "migrate", "--config", &config_arg])
                .env("CERTBIND_KEK", &kek)
                .output()
        })
        .collect();
    // Started one after the other above; now at once:
    let children: Vec<_> = (0..3)
        .map(|_| {
            std::process::Command::new(certbind_tests::replica::certbind_bin())
                .args(["db", "migrate", "--config", &config_arg])
                .env("CERTBIND_KEK", &kek)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for out in runs
        .into_iter()
        .map(Result::unwrap)
        .chain(children.into_iter().map(|c| c.wait_with_output().unwrap()))
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        cluster.sql(&database, "SELECT count(*) FROM auth.schema_migrations"),
        "1"
    );
    assert_eq!(
        cluster.sql(&database, "SELECT count(*) FROM auth.signing_keys"),
        "1",
        "keys brought in once"
    );
    let status = certbind(&["db", "status", "--config", &config_arg], &[]);
    assert!(status.status.success());
    // A wrong KEK is named, not a crash.
    let other = certbind_ok(&["keys", "new-kek"], &[]).trim().to_owned();
    let out = certbind(
        &["keys", "rotate", "--config", &config_arg],
        &[("CERTBIND_KEK", &other)],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("does not decrypt with this key-encryption key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_store_is_reached_over_verified_tls_and_a_wrong_ca_is_refused() {
    let cluster = PgCluster::start();
    let pki = TestPki::new();
    cluster.enable_tls(&pki.cert_path("server"), &pki.key_path("server"));
    let database = cluster.create_database("tls");
    let kek = certbind_ok(&["keys", "new-kek"], &[]).trim().to_owned();
    let config = pki.dir().join("certbind.toml");
    let write = |query: &str| {
        std::fs::write(
            &config,
            format!(
                "{}\n[store]\nkind = \"postgres\"\nurl = \"postgres://certbind@localhost:{}/{database}?{query}\"\n",
                pki.config(false),
                cluster.port
            ),
        )
        .unwrap();
    };
    let config_arg = config.display().to_string();
    let env = [("CERTBIND_KEK", kek.as_str())];
    // verify-full with the CA that issued the server's certificate.
    let ca = pki.cert_path("ca").display().to_string();
    write(&format!("sslmode=verify-full&sslrootcert={ca}"));
    let _ = certbind_ok(&["db", "migrate", "--config", &config_arg], &env);
    {
        // A replica's follower connection is encrypted.
        let replica = Replica::start(&config, &env, pki.dir(), "tls");
        // (The follower connects on its own thread just after the server listens.)
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while cluster.sql(
            &database,
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
              WHERE a.application_name = 'certbind' AND s.ssl",
        ) == "0"
        {
            assert!(
                std::time::Instant::now() < deadline,
                "no TLS connection from the replica:\n{}",
                replica.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let plain = cluster.sql(
            &database,
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
              WHERE a.application_name = 'certbind' AND NOT s.ssl",
        );
        assert_eq!(plain, "0");
    }
    // The server's certificate does not chain to this CA: refused, with the reason.
    let other = TestPki::new();
    write(&format!(
        "sslmode=require&sslrootcert={}",
        other.cert_path("ca").display()
    ));
    let out = certbind(&["db", "status", "--config", &config_arg], &env);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("certificate verify failed"), "{err}");
    // sslmode=disable against a server that offers TLS still works (plain), as libpq does.
    write("sslmode=disable");
    let _ = certbind_ok(&["db", "status", "--config", &config_arg], &env);
}
