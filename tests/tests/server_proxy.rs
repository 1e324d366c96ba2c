//! certbind behind real reverse proxies started by the test: nginx (`ssl_verify_client
//! optional_no_ca`, `$ssl_client_escaped_cert` over plain HTTP) and HAProxy (`verify optional`,
//! `%[ssl_c_der,base64]` over TLS with HAProxy's own client certificate on the hop). Their
//! configs are the templates of `docs/proxy/`. Tokens must be bound to the client's
//! certificate, as computed by the openssl command line.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use certbind_tests::proxy::{
        HAPROXY_TEMPLATE, NGINX_TEMPLATE, Proxy, fill, forwarded_count, free_port, proxy_listener,
        spawn_with, template_body, token_via,
    };
    use certbind_tests::proxy_headers;
    use certbind_tests::server::{BASIC_SECRET, TempDir, TestApp, verify_independently};

    /// The claims of a token the server issued, verified with an independent JOSE library.
    async fn claims(app: &TestApp, token: &serde_json::Value) -> serde_json::Value {
        let jwks = app.get("/jwks").await.json;
        verify_independently(
            token.as_str().unwrap(),
            &jwks,
            &app.base,
            &format!("{}/resources", app.base),
        )
    }

    /// nginx in front of a plain-HTTP listener behind a proxy, from docs/proxy/nginx.conf.
    fn nginx_for(app: &TestApp, template: &str) -> Proxy {
        let certbind_port = app.listeners[1].1.port();
        let port = free_port();
        let dir = TempDir::new("certbind-nginx");
        let config = fill(
            template,
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
                ("CERTBIND_PORT", certbind_port.to_string()),
            ],
        );
        Proxy::nginx(dir, &config, port)
    }

    #[actix_rt::test]
    async fn through_nginx_a_client_gets_a_token_bound_to_its_certificate() {
        let app = spawn_with(&proxy_listener("nginx-escaped", &["127.0.0.1"], false));
        let nginx = nginx_for(&app, NGINX_TEMPLATE);
        let url = format!("https://localhost:{}/connect/token", nginx.port);
        // CA-issued (thumbprint), self-signed, CA-issued for tls_client_auth.
        for (identity, client_id) in [
            ("client", "certclient"),
            ("selfsigned", "selfsignedclient"),
            ("pki", "pkiclient"),
        ] {
            let r = token_via(&app.client(Some(identity)), &url, client_id, &[]).await;
            assert_eq!(r.status, 200, "{client_id}: {}\n{}", r.text, nginx.logs());
            let claims = claims(&app, &r.json["access_token"]).await;
            assert_eq!(claims["client_id"], client_id);
            assert_eq!(
                claims["cnf"]["x5t#S256"],
                app.pki.x5t_s256_by_openssl_cli(identity),
                "{client_id}: bound to the certificate the client gave nginx"
            );
        }
        // optional_no_ca skips only the issuer checks: nginx itself refuses an expired
        // certificate (400 "The SSL certificate error"), certbind never sees it.
        let r = token_via(&app.client(Some("expired")), &url, "expiredclient", &[]).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.text.contains("The SSL certificate error"), "{}", r.text);

        // A client without a certificate that writes the header itself: nginx replaces it
        // (proxy_set_header with an empty value sends nothing).
        let forged = proxy_headers::nginx_escaped(&app.pki.der("client"));
        let r = token_via(
            &app.client(None),
            &url,
            "certclient",
            &[("X-SSL-Client-Cert", &forged)],
        )
        .await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client"))
        );

        assert_eq!(forwarded_count(&app, "used").await, 3);
        assert_eq!(forwarded_count(&app, "ignored_untrusted").await, 0);
        assert_eq!(forwarded_count(&app, "malformed").await, 0);
    }

    /// nginx's deprecated `$ssl_client_cert` puts a newline and a tab inside the header (an
    /// obsolete line folding); certbind's HTTP/1.1 parser refuses such a request (RFC 9112 §5.2
    /// allows it), so docs/proxy.md says to use `$ssl_client_escaped_cert`.
    #[actix_rt::test]
    async fn nginx_legacy_ssl_client_cert_is_refused_before_any_token() {
        let app = spawn_with(&proxy_listener("nginx-legacy", &["127.0.0.1"], false));
        let legacy = NGINX_TEMPLATE.replace("$ssl_client_escaped_cert", "$ssl_client_cert");
        let nginx = nginx_for(&app, &legacy);
        let url = format!("https://localhost:{}/connect/token", nginx.port);
        let r = token_via(&app.client(Some("client")), &url, "certclient", &[]).await;
        assert_eq!(r.status, 400, "{}\n{}", r.text, nginx.logs());
        // certbind's (actix's) empty 400 relayed by nginx, not nginx's own HTML error page.
        assert!(r.text.is_empty(), "{}", r.text);
        assert!(r.json["access_token"].is_null());
        assert_eq!(forwarded_count(&app, "used").await, 0);
    }

    #[actix_rt::test]
    async fn through_haproxy_over_tls_the_proxys_own_certificate_is_never_the_clients() {
        let app = spawn_with(&proxy_listener("haproxy-base64", &["127.0.0.1"], true));
        let certbind_port = app.listeners[1].1.port();
        let dir = TempDir::new("certbind-haproxy");
        let pem_with_key = |name: &str| {
            let path = dir.path().join(format!("{name}-with-key.pem"));
            let mut text = std::fs::read_to_string(app.pki.cert_path(name)).unwrap();
            text.push_str(&std::fs::read_to_string(app.pki.key_path(name)).unwrap());
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        };
        let port = free_port();
        let ca = app.pki.cert_path("ca").display().to_string();
        let config = fill(
            HAPROXY_TEMPLATE,
            &[
                ("LISTEN_PORT", port.to_string()),
                ("SERVER_PEM", pem_with_key("server")),
                ("CLIENT_CA", ca.clone()),
                ("CERTBIND_PORT", certbind_port.to_string()),
                ("CERTBIND_CA", ca),
                // HAProxy's own certificate on the hop to certbind is certclient's: a client
                // without a certificate must still not become certclient.
                ("PROXY_CERT", pem_with_key("client")),
            ],
        );
        let haproxy = Proxy::haproxy(dir, &config, port);
        let url = format!("https://localhost:{port}/connect/token");

        for (identity, client_id) in [("selfsigned", "selfsignedclient"), ("client", "certclient")]
        {
            let r = token_via(&app.client(Some(identity)), &url, client_id, &[]).await;
            assert_eq!(r.status, 200, "{client_id}: {}\n{}", r.text, haproxy.logs());
            let claims = claims(&app, &r.json["access_token"]).await;
            assert_eq!(
                claims["cnf"]["x5t#S256"],
                app.pki.x5t_s256_by_openssl_cli(identity),
                "{client_id}"
            );
        }
        // crt-ignore-err all lets an expired certificate through: certbind decides and refuses.
        let r = token_via(&app.client(Some("expired")), &url, "expiredclient", &[]).await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client")),
            "{}",
            r.text
        );
        // No client certificate: the hop's certificate (certclient's) is HAProxy's, not used.
        let r = token_via(&app.client(None), &url, "certclient", &[]).await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client")),
            "{}",
            r.text
        );
        // Nor is a header the client wrote (HAProxy deletes it).
        let forged = proxy_headers::haproxy(&app.pki.der("client"));
        let r = token_via(
            &app.client(None),
            &url,
            "certclient",
            &[("X-SSL-Client-Cert", &forged)],
        )
        .await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client"))
        );
        // A secret client through the proxy: no certificate, no binding.
        let r = TestApp::send(
            app.client(None)
                .post(&url)
                .basic_auth("basicclient", Some(BASIC_SECRET))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(claims(&app, &r.json["access_token"]).await["cnf"].is_null());

        assert_eq!(forwarded_count(&app, "used").await, 3);
        assert_eq!(forwarded_count(&app, "ignored_untrusted").await, 0);
    }

    /// The configurations docs/proxy.md and the README show are the ones these tests run.
    #[test]
    fn the_documentation_shows_the_tested_configurations() {
        let docs = [
            ("docs/proxy.md", include_str!("../../docs/proxy.md")),
            ("README.md", include_str!("../../README.md")),
        ];
        for template in [NGINX_TEMPLATE, HAPROXY_TEMPLATE] {
            let body = template_body(template);
            assert!(body.len() > 200, "{body}");
            for (name, doc) in docs {
                assert!(doc.contains(body), "{name} does not show:\n{body}");
            }
        }
    }
}
