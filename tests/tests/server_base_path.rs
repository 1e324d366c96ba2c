//! `server.base_path`: every endpoint under one path, as IdentityServer3 is usually mounted
//! (the recipe certbind replaces posts to `https://idsrv.local/core/connect/token`), over real
//! mTLS, with discovery where OpenID Connect Discovery and RFC 8414 each look for it.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use certbind_tests::server::{Reply, TestApp, TestPki, spawn_app_from, verify_independently};

    /// The test server with `base_path = "/core"`, an mTLS and a public listener.
    fn spawn_under_core() -> TestApp {
        let pki = TestPki::new();
        let config =
            pki.config(true)
                .replacen("[server]\n", "[server]\nbase_path = \"/core\"\n", 1);
        spawn_app_from(pki, &config)
    }

    async fn get(app: &TestApp, url: &str) -> Reply {
        TestApp::send(app.client(None).get(url)).await
    }

    /// The seed's request, as curl sends it: the client certificate over TLS and `client_id`
    /// in the body, posted to `/core/connect/token`.
    #[actix_rt::test]
    async fn a_client_of_identityserver3s_recipe_gets_a_token_at_core_connect_token() {
        let app = spawn_under_core();
        let url = format!("{}/core/connect/token", app.base);
        let mut args: Vec<String> = app.curl_identity("client");
        args.extend(
            [
                "-d",
                "grant_type=client_credentials",
                "-d",
                "client_id=certclient",
                "-d",
                "scope=read",
                &url,
            ]
            .map(String::from),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (status, body) = app.curl(&args);
        assert_eq!(status, 200, "{body}");
        let token: serde_json::Value = serde_json::from_str(&body).unwrap();
        let access_token = token["access_token"].as_str().unwrap();

        // The issuer (the public listener's URL, the default) carries the base path, and the
        // token verifies against the JWKS under it; it is bound to the client's certificate.
        let public_base = format!("https://localhost:{}/core", app.public_port.unwrap());
        let jwks = get(&app, &format!("{public_base}/jwks")).await;
        assert_eq!(jwks.status, 200);
        let claims = verify_independently(
            access_token,
            &jwks.json,
            &public_base,
            &format!("{public_base}/resources"),
        );
        assert_eq!(
            claims["cnf"]["x5t#S256"],
            app.pki.x5t_s256_by_openssl_cli("client")
        );

        // Introspection under the base path too.
        let r = app
            .post_form(
                Some("client"),
                "/core/connect/introspect",
                &[("client_id", "certclient"), ("token", access_token)],
            )
            .await;
        assert_eq!((r.status, r.json["active"].as_bool()), (200, Some(true)));

        // Nothing is served at the root any more: a client still posting there gets a 404.
        let r = app.token(Some("client"), "certclient", None).await;
        assert_eq!(r.status, 404, "{}", r.text);
        // Without the certificate, the token endpoint under /core refuses as it does at the root.
        let r = app
            .post_form(
                None,
                "/core/connect/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", "certclient"),
                ],
            )
            .await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client"))
        );
    }

    #[actix_rt::test]
    async fn discovery_is_where_rfc_8414_and_openid_connect_discovery_look_and_names_core_urls() {
        let app = spawn_under_core();
        let public = format!("https://localhost:{}", app.public_port.unwrap());
        let mtls = &app.base;
        for location in [
            // OpenID Connect Discovery 1.0 §4: appended to the issuer (IdentityServer3's).
            "/core/.well-known/openid-configuration",
            // RFC 8414 §3: inserted between host and path.
            "/.well-known/oauth-authorization-server/core",
            // RFC 8414 §5: the OpenID suffix with RFC 8414's insertion.
            "/.well-known/openid-configuration/core",
            // In no specification, but a common client mistake: the same document.
            "/core/.well-known/oauth-authorization-server",
        ] {
            for base in [&public, mtls] {
                let r = get(&app, &format!("{base}{location}")).await;
                assert_eq!(r.status, 200, "{base}{location}");
                let d = &r.json;
                assert_eq!(d["issuer"], format!("{public}/core"), "{location}");
                assert_eq!(d["token_endpoint"], format!("{public}/core/connect/token"));
                assert_eq!(
                    d["introspection_endpoint"],
                    format!("{public}/core/connect/introspect")
                );
                assert_eq!(d["jwks_uri"], format!("{public}/core/jwks"));
                assert_eq!(
                    d["revocation_endpoint"],
                    format!("{public}/core/connect/revocation")
                );
                assert_eq!(
                    d["mtls_endpoint_aliases"],
                    serde_json::json!({
                        "token_endpoint": format!("{mtls}/core/connect/token"),
                        "introspection_endpoint": format!("{mtls}/core/connect/introspect"),
                        "revocation_endpoint": format!("{mtls}/core/connect/revocation"),
                    })
                );
            }
        }
        // The root locations are not the metadata of an issuer with a path.
        for location in [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
            "/.well-known/oauth-authorization-server/other",
        ] {
            assert_eq!(get(&app, &format!("{public}{location}")).await.status, 404);
        }
    }

    #[actix_rt::test]
    async fn health_metrics_jwks_and_the_checker_page_are_under_the_base_path() {
        let app = spawn_under_core();
        let r = get(&app, &format!("{}/core/healthz", app.base)).await;
        assert_eq!((r.status, r.json["status"].as_str()), (200, Some("ok")));
        let r = get(&app, &format!("{}/core/metrics", app.base)).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("certbind_requests_total"), "{}", r.text);
        let r = get(&app, &format!("{}/core/jwks", app.base)).await;
        assert_eq!(r.status, 200);
        assert!(r.json["keys"].is_array());
        let r = get(&app, &format!("{}/core/tools/thumbprint", app.base)).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("Certificate thumbprint checker"));
        for path in [
            "/healthz",
            "/metrics",
            "/jwks",
            "/tools/thumbprint",
            "/corex/healthz",
        ] {
            let r = get(&app, &format!("{}{path}", app.base)).await;
            assert_eq!(r.status, 404, "{path}");
        }
    }
}
