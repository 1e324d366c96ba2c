//! Per-client settings at the server: a client's `audience` in its tokens and in introspection,
//! who may introspect which token (`introspection`), and the certificate on the connection of a
//! client that authenticates with a shared secret.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use certbind_tests::server::{
        BASIC_SECRET, TestApp, TestPki, spawn_app_from, verify_independently,
    };

    /// Clients with their own audiences and introspection settings, next to the test config's.
    fn clients(pki: &TestPki) -> String {
        let client_sha1 = pki.sha1_hex_by_openssl_cli("client");
        let secret: String = openssl::sha::sha256(BASIC_SECRET.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!(
            r#"
[[clients]]
client_id = "paymentsclient"
scopes = ["read"]
audience = "https://payments.example"
[[clients.secrets]]
type = "x509_thumbprint"
value = "{client_sha1}"

[[clients]]
client_id = "ledgerclient"
scopes = ["read"]
audience = ["https://payments.example", "https://ledger.example"]
introspection = "none"
[[clients.secrets]]
type = "self_signed_tls_client_auth"
pem_file = "selfsigned.pem"

[[clients]]
client_id = "paymentsapi"
token_endpoint_auth_method = "client_secret_basic"
scopes = ["read"]
introspection = "any"
[[clients.secrets]]
type = "shared_secret"
value = "{secret}"
"#
        )
    }

    fn spawn() -> TestApp {
        let pki = TestPki::new();
        let config = format!("{}{}", pki.config(false), clients(&pki));
        spawn_app_from(pki, &config)
    }

    async fn token(app: &TestApp, identity: &str, client_id: &str) -> String {
        let r = app.token(Some(identity), client_id, None).await;
        assert_eq!(r.status, 200, "{client_id}: {}", r.text);
        r.json["access_token"].as_str().unwrap().to_owned()
    }

    /// Introspects `token` as `client_id` (a certificate client presenting `identity`), or as
    /// the resource server `paymentsapi` with its secret.
    async fn introspect(
        app: &TestApp,
        who: Option<(&str, &str)>,
        token: &str,
    ) -> serde_json::Value {
        let r = match who {
            Some((identity, client_id)) => {
                app.post_form(
                    Some(identity),
                    "/connect/introspect",
                    &[("client_id", client_id), ("token", token)],
                )
                .await
            }
            None => {
                TestApp::send(
                    app.client(None)
                        .post(format!("{}/connect/introspect", app.base))
                        .basic_auth("paymentsapi", Some(BASIC_SECRET))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(format!("token={}", certbind_tests::server::enc(token))),
                )
                .await
            }
        };
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
    }

    #[actix_rt::test]
    async fn a_clients_audience_is_the_aud_of_its_tokens_and_of_their_introspection() {
        let app = spawn();
        let jwks = app.get("/jwks").await.json;

        let payments = token(&app, "client", "paymentsclient").await;
        let claims = verify_independently(&payments, &jwks, &app.base, "https://payments.example");
        assert_eq!(claims["aud"], "https://payments.example");
        // Two audiences: an array.
        let ledger = token(&app, "selfsigned", "ledgerclient").await;
        let claims = verify_independently(&ledger, &jwks, &app.base, "https://ledger.example");
        assert_eq!(
            claims["aud"],
            serde_json::json!(["https://payments.example", "https://ledger.example"])
        );

        // A client without one keeps the server's.
        let plain = token(&app, "client", "certclient").await;
        let claims =
            verify_independently(&plain, &jwks, &app.base, &format!("{}/resources", app.base));
        assert_eq!(claims["aud"], format!("{}/resources", app.base));

        // Introspection tells the token's audience.
        let answer = introspect(&app, None, &payments).await;
        assert_eq!(answer["active"], true);
        assert_eq!(answer["aud"], "https://payments.example");
        assert_eq!(answer["client_id"], "paymentsclient");
        let answer = introspect(&app, None, &ledger).await;
        assert_eq!(
            answer["aud"],
            serde_json::json!(["https://payments.example", "https://ledger.example"])
        );
    }

    #[actix_rt::test]
    async fn who_may_introspect_which_token_is_the_clients_introspection_setting() {
        let app = spawn();
        let mine = token(&app, "client", "certclient").await;
        let payments = token(&app, "client", "paymentsclient").await;
        let ledger = token(&app, "selfsigned", "ledgerclient").await;

        // Default ("own"): a client learns about its own tokens only.
        let certclient = Some(("client", "certclient"));
        assert_eq!(introspect(&app, certclient, &mine).await["active"], true);
        assert_eq!(
            introspect(&app, certclient, &payments).await,
            serde_json::json!({"active": false}),
            "another client's token is as unknown as a forged one"
        );
        // "any": a resource server learns about every token.
        for token in [&mine, &payments, &ledger] {
            assert_eq!(introspect(&app, None, token).await["active"], true);
        }
        // "none": not even about its own.
        assert_eq!(
            introspect(&app, Some(("selfsigned", "ledgerclient")), &ledger).await,
            serde_json::json!({"active": false})
        );
    }

    #[actix_rt::test]
    async fn an_unreadable_certificate_does_not_stop_a_client_that_uses_a_shared_secret() {
        let pki = TestPki::new();
        pki.write_unreadable_certificate("unreadable");
        let config = pki.config(false);
        let app = spawn_app_from(pki, &config);
        let url = format!("{}/connect/token", app.base);
        let with_secret = TestApp::send(
            app.client(Some("unreadable"))
                .post(&url)
                .basic_auth("basicclient", Some(BASIC_SECRET))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials"),
        )
        .await;
        assert_eq!(with_secret.status, 200, "{}", with_secret.text);
        // It is not used: the token is not bound to it.
        let claims = verify_independently(
            with_secret.json["access_token"].as_str().unwrap(),
            &app.get("/jwks").await.json,
            &app.base,
            &format!("{}/resources", app.base),
        );
        assert!(claims.get("cnf").is_none(), "{claims}");
        // A client that authenticates with a certificate is refused, with the reason counted.
        let r = app.token(Some("unreadable"), "certclient", None).await;
        assert_eq!(r.status, 401, "{}", r.text);
        assert_eq!(
            app.metric("certbind_auth_failures_total{reason=\"certificate_unreadable\"}")
                .await,
            1
        );
    }
}
