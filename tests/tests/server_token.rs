//! The token endpoint over real mTLS: every kind of client certificate, secrets, and every
//! error case, through reqwest and through the `curl` command.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use certbind_tests::server::{BASIC_SECRET, POST_SECRET, spawn_app, verify_independently};

    async fn jwks(app: &certbind_tests::server::TestApp) -> serde_json::Value {
        app.get("/jwks").await.json
    }

    #[actix_rt::test]
    async fn ca_issued_certificate_registered_by_thumbprint_gets_a_bound_token() {
        let app = spawn_app();
        let r = app.token(Some("client"), "certclient", Some("read")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.headers["cache-control"], "no-store");
        assert_eq!(r.headers["pragma"], "no-cache");
        assert_eq!(r.json["token_type"], "Bearer");
        assert_eq!(r.json["expires_in"], 600);
        assert_eq!(r.json["scope"], "read");
        let token = r.json["access_token"].as_str().unwrap();
        let issuer = &app.base;
        let claims = verify_independently(
            token,
            &jwks(&app).await,
            issuer,
            &format!("{issuer}/resources"),
        );
        assert_eq!(claims["client_id"], "certclient");
        assert_eq!(claims["sub"], "certclient");
        assert_eq!(claims["scope"], "read");
        assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            600
        );
        // RFC 8705 §3.1: cnf.x5t#S256 = base64url(SHA-256(DER)), computed here by the openssl CLI.
        assert_eq!(
            claims["cnf"]["x5t#S256"],
            app.pki.x5t_s256_by_openssl_cli("client")
        );
    }

    #[actix_rt::test]
    async fn no_scope_means_every_allowed_scope_and_unknown_scope_is_invalid_scope() {
        let app = spawn_app();
        let r = app.token(Some("client"), "certclient", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["scope"], "read write");
        let r = app
            .token(Some("client"), "certclient", Some("read admin"))
            .await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (400, Some("invalid_scope")),
            "{}",
            r.text
        );
    }

    #[actix_rt::test]
    async fn tls_client_auth_and_self_signed_clients_authenticate() {
        let app = spawn_app();
        let keys = jwks(&app).await;
        for (identity, client) in [("pki", "pkiclient"), ("selfsigned", "selfsignedclient")] {
            let r = app.token(Some(identity), client, Some("read")).await;
            assert_eq!(r.status, 200, "{client}: {}", r.text);
            let aud = format!("{}/resources", app.base);
            let claims = verify_independently(
                r.json["access_token"].as_str().unwrap(),
                &keys,
                &app.base,
                &aud,
            );
            assert_eq!(
                claims["cnf"]["x5t#S256"],
                app.pki.x5t_s256_by_openssl_cli(identity)
            );
        }
    }

    #[actix_rt::test]
    async fn expired_wrong_and_missing_certificates_are_invalid_client() {
        let app = spawn_app();
        for (identity, client) in [
            (Some("expired"), "expiredclient"),
            (Some("wrong"), "certclient"),
            (Some("selfsigned"), "certclient"),
            (Some("client"), "pkiclient"),
            (None, "certclient"),
            (Some("client"), "no-such-client"),
            (Some("client"), "disabledclient"),
        ] {
            let r = app.token(identity, client, Some("read")).await;
            assert_eq!(r.status, 401, "{identity:?} for {client}: {}", r.text);
            assert_eq!(r.json["error"], "invalid_client");
            assert!(
                r.headers.get("www-authenticate").is_none(),
                "Basic was not tried"
            );
            assert!(r.json.get("access_token").is_none());
        }
        // The log reasons are counted by label on /metrics.
        let metrics = app.get("/metrics").await.text;
        assert!(
            metrics.contains("certbind_auth_failures_total{reason=\"unknown_client\"} 1"),
            "{metrics}"
        );
        assert!(
            metrics.contains("certbind_auth_failures_total{reason=\"disabled_client\"} 1"),
            "{metrics}"
        );
        assert!(
            metrics.contains("endpoint=\"token\",outcome=\"invalid_client\"} 7"),
            "{metrics}"
        );
    }

    #[actix_rt::test]
    async fn basic_and_post_secrets_follow_the_registered_method() {
        let app = spawn_app();
        let client = app.client(None);
        let url = format!("{}/connect/token", app.base);
        let basic = |id: &str, secret: &str| {
            client
                .post(&url)
                .basic_auth(id, Some(secret))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials")
        };
        let r = certbind_tests::server::TestApp::send(basic("basicclient", BASIC_SECRET)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let keys = jwks(&app).await;
        let claims = verify_independently(
            r.json["access_token"].as_str().unwrap(),
            &keys,
            &app.base,
            &format!("{}/resources", app.base),
        );
        assert!(
            claims.get("cnf").is_none(),
            "a secret does not bind the token"
        );

        let r = certbind_tests::server::TestApp::send(basic("basicclient", "wrong")).await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client"))
        );
        assert!(
            r.headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic"),
            "RFC 6749 §5.2"
        );

        let post = [
            ("grant_type", "client_credentials"),
            ("client_id", "postclient"),
            ("client_secret", POST_SECRET),
        ];
        let r = app.post_form(None, "/connect/token", &post).await;
        assert_eq!(r.status, 200, "{}", r.text);

        // The registered method decides: post for a basic client, Basic for a post client, a
        // certificate for a secret client, a secret for a certificate client.
        let r = app
            .post_form(
                None,
                "/connect/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", "basicclient"),
                    ("client_secret", BASIC_SECRET),
                ],
            )
            .await;
        assert_eq!(r.status, 401, "{}", r.text);
        let r = certbind_tests::server::TestApp::send(basic("postclient", POST_SECRET)).await;
        assert_eq!(r.status, 401, "{}", r.text);
        let r = app.token(Some("client"), "basicclient", None).await;
        assert_eq!(
            r.status, 401,
            "a certificate never authenticates a secret client: {}",
            r.text
        );
        let r = app
            .post_form(
                Some("client"),
                "/connect/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", "certclient"),
                    ("client_secret", "anything"),
                ],
            )
            .await;
        assert_eq!(
            r.status, 401,
            "a secret never authenticates a certificate client: {}",
            r.text
        );
    }

    type Case = (
        &'static str,
        Option<&'static str>,
        Vec<u8>,
        u16,
        &'static str,
    );

    #[actix_rt::test]
    async fn malformed_requests_are_invalid_request_never_500() {
        let app = spawn_app();
        let client = app.client(Some("client"));
        let url = format!("{}/connect/token", app.base);
        let form = "application/x-www-form-urlencoded";
        // (what, content type, body, status, error)
        let cases: Vec<Case> = vec![
            (
                "missing grant_type",
                Some(form),
                b"client_id=certclient".to_vec(),
                400,
                "invalid_request",
            ),
            (
                "other grant",
                Some(form),
                b"grant_type=password&client_id=certclient".to_vec(),
                400,
                "unsupported_grant_type",
            ),
            (
                "duplicate",
                Some(form),
                b"grant_type=client_credentials&client_id=certclient&client_id=certclient".to_vec(),
                400,
                "invalid_request",
            ),
            (
                "duplicate scope",
                Some(form),
                b"grant_type=client_credentials&client_id=certclient&scope=read&scope=write"
                    .to_vec(),
                400,
                "invalid_request",
            ),
            (
                "json body",
                Some("application/json"),
                br#"{"grant_type":"client_credentials"}"#.to_vec(),
                400,
                "invalid_request",
            ),
            (
                "no content type",
                None,
                b"grant_type=client_credentials&client_id=certclient".to_vec(),
                400,
                "invalid_request",
            ),
            (
                "no client_id",
                Some(form),
                b"grant_type=client_credentials".to_vec(),
                400,
                "invalid_request",
            ),
            (
                "oversized",
                Some(form),
                format!(
                    "grant_type=client_credentials&client_id=certclient&pad={}",
                    "a".repeat(17 * 1024)
                )
                .into_bytes(),
                400,
                "invalid_request",
            ),
            (
                "bad scope chars",
                Some(form),
                b"grant_type=client_credentials&client_id=certclient&scope=%22".to_vec(),
                400,
                "invalid_scope",
            ),
            (
                "binary",
                Some(form),
                vec![0xff, 0xfe, 0x00, b'=', 0x80],
                400,
                "invalid_request",
            ),
        ];
        for (what, content_type, body, status, error) in cases {
            let mut request = client.post(&url).body(body);
            if let Some(ct) = content_type {
                request = request.header("content-type", ct);
            }
            let r = certbind_tests::server::TestApp::send(request).await;
            assert_eq!(
                (r.status, r.json["error"].as_str()),
                (status, Some(error)),
                "{what}: {}",
                r.text
            );
            assert!(r.json["error_description"].is_string(), "{what}");
            assert_eq!(r.headers["cache-control"], "no-store", "{what}");
        }
        let r = certbind_tests::server::TestApp::send(
            client
                .post(&url)
                .basic_auth("basicclient", Some(BASIC_SECRET))
                .header("content-type", form)
                .body(format!(
                    "grant_type=client_credentials&client_secret={BASIC_SECRET}"
                )),
        )
        .await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (400, Some("invalid_request")),
            "two methods"
        );
        let r = certbind_tests::server::TestApp::send(client.get(&url)).await;
        assert_eq!(r.status, 405, "GET on the token endpoint");
    }

    #[actix_rt::test]
    async fn curl_gets_tokens_with_each_certificate_kind() {
        let app = spawn_app();
        let url = format!("{}/connect/token", app.base);
        for (identity, client, expected) in [
            (Some("client"), "certclient", 200),
            (Some("pki"), "pkiclient", 200),
            (Some("selfsigned"), "selfsignedclient", 200),
            (Some("expired"), "expiredclient", 401),
            (Some("wrong"), "certclient", 401),
            (None, "certclient", 401),
        ] {
            let mut args: Vec<String> = identity.map(|i| app.curl_identity(i)).unwrap_or_default();
            args.extend(
                [
                    "-d",
                    "grant_type=client_credentials",
                    "-d",
                    &format!("client_id={client}"),
                    &url,
                ]
                .map(String::from),
            );
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (status, body) = app.curl(&args);
            assert_eq!(status, expected, "{identity:?} {client}: {body}");
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            if expected == 200 {
                assert!(json["access_token"].is_string());
            } else {
                assert_eq!(json["error"], "invalid_client");
            }
        }
    }
}
