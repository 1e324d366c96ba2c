//! Discovery, JWKS, health, metrics, introspection, and the public listener with
//! `mtls_endpoint_aliases`.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use certbind_tests::server::{TestApp, TestPki, spawn_app, spawn_app_from, spawn_app_with};

    #[actix_rt::test]
    async fn discovery_documents_list_the_rfc_8414_fields() {
        let app = spawn_app();
        for path in [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
        ] {
            let r = app.get(path).await;
            assert_eq!(r.status, 200, "{path}");
            let d = &r.json;
            let base = &app.base;
            assert_eq!(d["issuer"], *base);
            assert_eq!(d["token_endpoint"], format!("{base}/connect/token"));
            assert_eq!(
                d["introspection_endpoint"],
                format!("{base}/connect/introspect")
            );
            assert_eq!(d["jwks_uri"], format!("{base}/jwks"));
            assert_eq!(
                d["grant_types_supported"],
                serde_json::json!(["client_credentials"])
            );
            assert_eq!(d["tls_client_certificate_bound_access_tokens"], true);
            let methods: Vec<&str> = d["token_endpoint_auth_methods_supported"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            for m in [
                "tls_client_auth",
                "self_signed_tls_client_auth",
                "client_secret_basic",
                "client_secret_post",
            ] {
                assert!(methods.contains(&m), "{m}");
            }
            assert_eq!(d["scopes_supported"], serde_json::json!(["read", "write"]));
            assert!(
                d.get("mtls_endpoint_aliases").is_none(),
                "one listener: no aliases"
            );
        }
    }

    #[actix_rt::test]
    async fn jwks_publishes_public_keys_with_rfc_7638_kids() {
        let app = spawn_app();
        let r = app.get("/jwks").await;
        assert_eq!(r.status, 200);
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(r.json.clone()).unwrap();
        assert_eq!(set.keys.len(), 1);
        let jwk = &set.keys[0];
        // kid = the RFC 7638 thumbprint, recomputed by jsonwebtoken.
        let expected = jwk
            .thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
            .unwrap();
        assert_eq!(jwk.common.key_id.as_deref(), Some(expected.as_str()));
        let raw = &r.json["keys"][0];
        assert_eq!(
            (
                raw["kty"].as_str(),
                raw["crv"].as_str(),
                raw["alg"].as_str()
            ),
            (Some("EC"), Some("P-256"), Some("ES256"))
        );
        assert!(raw.get("d").is_none(), "never the private key");
    }

    /// The page built into certbind (host-actix/assets/checker-page) is served with no file
    /// anywhere: gzipped to a client that takes gzip, decompressed to one that does not, with
    /// the page's policy as a header.
    #[actix_rt::test]
    async fn the_built_in_checker_page_is_served_gzipped_or_plain_with_its_policy() {
        let app = spawn_app();
        let get = |encoding: Option<&'static str>| {
            let mut request = app
                .client(None)
                .get(format!("{}/tools/thumbprint", app.base));
            if let Some(encoding) = encoding {
                request = request.header("accept-encoding", encoding);
            }
            async move {
                let response = request.send().await.unwrap();
                let headers = response.headers().clone();
                (
                    response.status().as_u16(),
                    headers,
                    response.bytes().await.unwrap().to_vec(),
                )
            }
        };
        let (status, headers, plain) = get(None).await;
        assert_eq!(status, 200);
        assert!(headers.get("content-encoding").is_none());
        let (status, gz_headers, gz) = get(Some("gzip, deflate, br, zstd")).await;
        assert_eq!(status, 200);
        assert_eq!(gz_headers["content-encoding"], "gzip");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain, "the same page either way");
        assert!(
            gz.len() * 2 < plain.len(),
            "{} vs {}",
            gz.len(),
            plain.len()
        );
        let html = String::from_utf8(plain).unwrap();
        assert!(html.contains("Certificate thumbprint checker"));
        for headers in [&headers, &gz_headers] {
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("connect-src 'none'"), "{csp}");
            assert!(
                html.contains(&format!(
                    "http-equiv=\"Content-Security-Policy\" content=\"{csp}\""
                )),
                "the header is the page's own policy"
            );
            assert!(
                headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html")
            );
            assert_eq!(headers["vary"], "accept-encoding");
            assert_eq!(headers["x-content-type-options"], "nosniff");
        }
    }

    /// `server.checker_page` replaces the built-in page with a file (and its `csp.txt`); a file
    /// that is not there is a 404 that says what to fix, never a 500.
    #[actix_rt::test]
    async fn a_configured_checker_page_is_served_with_its_content_security_policy() {
        let pki = TestPki::new();
        let dir = pki.dir().join("checker");
        std::fs::create_dir_all(&dir).unwrap();
        let html = "<!doctype html><title>certbind checker</title><p>offline</p>";
        let csp =
            "default-src 'none'; connect-src 'none'; script-src 'sha256-abc' 'wasm-unsafe-eval'";
        std::fs::write(dir.join("certbind-checker.html"), html).unwrap();
        std::fs::write(dir.join("csp.txt"), format!("{csp}\n")).unwrap();
        let config = pki.config(false).replacen(
            "[server]\n",
            "[server]\nchecker_page = \"checker/certbind-checker.html\"\n",
            1,
        );
        let app = spawn_app_from(pki, &config);
        let r = app.get("/tools/thumbprint").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.text, html);
        assert_eq!(r.headers["content-security-policy"], csp);
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(r.headers["x-content-type-options"], "nosniff");

        std::fs::remove_file(app.pki.dir().join("checker/certbind-checker.html")).unwrap();
        let r = app.get("/tools/thumbprint").await;
        assert_eq!(r.status, 404);
        assert!(r.text.contains("server.checker_page"), "{}", r.text);
    }

    /// The page is read once and served from memory: rewriting its bytes without changing its
    /// size, modification time or inode is not seen; a rebuild (a changed file) is.
    #[actix_rt::test]
    async fn the_checker_page_is_served_from_memory_until_the_file_changes() {
        let pki = TestPki::new();
        let dir = pki.dir().join("checker");
        std::fs::create_dir_all(&dir).unwrap();
        let page = dir.join("certbind-checker.html");
        let first = "<!doctype html><title>checker</title><p>first build</p>";
        std::fs::write(&page, first).unwrap();
        let config = pki.config(false).replacen(
            "[server]\n",
            "[server]\nchecker_page = \"checker/certbind-checker.html\"\n",
            1,
        );
        let app = spawn_app_from(pki, &config);
        assert_eq!(app.get("/tools/thumbprint").await.text, first);

        // The same size, the same inode, the modification time put back.
        let modified = std::fs::metadata(&page).unwrap().modified().unwrap();
        let same_size = first.replace("first", "FIRST");
        std::fs::write(&page, &same_size).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&page)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        for _ in 0..3 {
            assert_eq!(
                app.get("/tools/thumbprint").await.text,
                first,
                "served from memory, not read again"
            );
        }

        // A rebuild replaces the file: read again.
        let second = "<!doctype html><title>checker</title><p>second build, longer</p>";
        std::fs::write(dir.join("new.html"), second).unwrap();
        std::fs::rename(dir.join("new.html"), &page).unwrap();
        assert_eq!(app.get("/tools/thumbprint").await.text, second);
    }

    #[actix_rt::test]
    async fn metrics_are_served_on_mtls_listeners_and_not_on_the_public_one_by_default() {
        let app = spawn_app_with(true);
        let public = format!("https://localhost:{}", app.public_port.unwrap());
        let get = |base: &str| TestApp::send(app.client(None).get(format!("{base}/metrics")));
        assert_eq!(get(&app.base).await.status, 200);
        assert_eq!(get(&public).await.status, 404);

        // Each listener says whether it serves them.
        let pki = TestPki::new();
        let config = pki
            .config(true)
            .replacen("kind = \"mtls\"\n", "kind = \"mtls\"\nmetrics = false\n", 1)
            .replacen(
                "kind = \"public\"\n",
                "kind = \"public\"\nmetrics = true\n",
                1,
            );
        let app = spawn_app_from(pki, &config);
        let public = format!("https://localhost:{}", app.public_port.unwrap());
        let get = |base: &str| TestApp::send(app.client(None).get(format!("{base}/metrics")));
        let r = get(&app.base).await;
        assert_eq!((r.status, r.text.as_str()), (404, ""));
        let r = get(&public).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("certbind_requests_total"), "{}", r.text);
    }

    #[actix_rt::test]
    async fn health_and_metrics() {
        let app = spawn_app();
        let r = app.get("/healthz").await;
        assert_eq!((r.status, r.json["status"].as_str()), (200, Some("ok")));
        let _ = app.token(Some("client"), "certclient", None).await;
        let r = app.get("/metrics").await;
        assert_eq!(r.status, 200);
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        assert!(
            r.text
                .contains("certbind_requests_total{endpoint=\"token\",outcome=\"ok\"} 1"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("certbind_request_duration_seconds_count{endpoint=\"token\"} 1")
        );
        assert!(r.text.contains(
            "certbind_request_duration_seconds_bucket{endpoint=\"token\",le=\"+Inf\"} 1"
        ));
    }

    async fn introspect(app: &TestApp, token: &str) -> serde_json::Value {
        let r = app
            .post_form(
                Some("client"),
                "/connect/introspect",
                &[("client_id", "certclient"), ("token", token)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.headers["cache-control"], "no-store");
        r.json
    }

    /// Signs claims with a key file through jsonwebtoken (not certbind's signing code).
    fn sign(key_pem: &[u8], kid: &str, claims: &serde_json::Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(kid.into());
        let key = jsonwebtoken::EncodingKey::from_ec_pem(key_pem).unwrap();
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }

    #[actix_rt::test]
    async fn introspection_reports_good_tokens_and_rejects_expired_tampered_and_foreign_ones() {
        let app = spawn_app();
        let r = app
            .token(Some("client"), "certclient", Some("read write"))
            .await;
        let token = r.json["access_token"].as_str().unwrap().to_owned();

        let active = introspect(&app, &token).await;
        assert_eq!(active["active"], true);
        assert_eq!(active["client_id"], "certclient");
        assert_eq!(active["scope"], "read write");
        assert_eq!(active["token_type"], "Bearer");
        assert_eq!(
            active["cnf"]["x5t#S256"],
            app.pki.x5t_s256_by_openssl_cli("client")
        );

        // Tampered: the scope changed, the signature kept.
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        parts[1] = URL_SAFE_NO_PAD.encode(claims.replace("read write", "admin"));
        assert_eq!(
            introspect(&app, &parts.join(".")).await,
            serde_json::json!({"active": false})
        );

        // Expired: signed with the server's own key (from its key folder) by another JOSE library.
        let key_file = std::fs::read_dir(app.pki.dir().join("keys"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let key_pem = std::fs::read(key_file).unwrap();
        let kid = app.get("/jwks").await.json["keys"][0]["kid"]
            .as_str()
            .unwrap()
            .to_owned();
        let now = certbind_host::time::now_unix();
        let mut claims = serde_json::json!({
            "iss": app.base, "sub": "certclient", "client_id": "certclient",
            "aud": format!("{}/resources", app.base), "iat": now - 7200, "exp": now - 3600, "jti": "x",
        });
        assert_eq!(
            introspect(&app, &sign(&key_pem, &kid, &claims)).await["active"],
            false
        );
        // The same, not expired: active (so the expired case really tests expiry).
        claims["exp"] = (now + 3600).into();
        assert_eq!(
            introspect(&app, &sign(&key_pem, &kid, &claims)).await["active"],
            true
        );
        // Foreign: a key the server does not have.
        let other =
            certbind_host::keys::generate_pem(certbind_host::keys::Algorithm::Es256).unwrap();
        assert_eq!(
            introspect(&app, &sign(&other, &kid, &claims)).await["active"],
            false
        );
        assert_eq!(introspect(&app, "not-a-jwt").await["active"], false);

        // Introspection needs client authentication.
        let r = app
            .post_form(
                None,
                "/connect/introspect",
                &[("client_id", "certclient"), ("token", &token)],
            )
            .await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client"))
        );
        let r = app
            .post_form(
                Some("client"),
                "/connect/introspect",
                &[("client_id", "certclient")],
            )
            .await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (400, Some("invalid_request"))
        );
    }

    #[actix_rt::test]
    async fn public_listener_never_asks_and_aliases_point_to_the_mtls_listener() {
        let app = spawn_app_with(true);
        let public = app.public_port.unwrap();
        let public_base = format!("https://localhost:{public}");
        let d = TestApp::send(app.client(None).get(format!(
            "{public_base}/.well-known/oauth-authorization-server"
        )))
        .await
        .json;
        assert_eq!(d["issuer"], public_base);
        assert_eq!(d["token_endpoint"], format!("{public_base}/connect/token"));
        assert_eq!(
            d["mtls_endpoint_aliases"]["token_endpoint"],
            format!("{}/connect/token", app.base)
        );
        assert_eq!(
            d["mtls_endpoint_aliases"]["introspection_endpoint"],
            format!("{}/connect/introspect", app.base)
        );
        // The public listener does not request a certificate: a certificate client fails there
        // even when it has one configured, and succeeds on the mTLS alias.
        let form = "grant_type=client_credentials&client_id=certclient";
        let r = TestApp::send(
            app.client(Some("client"))
                .post(format!("{public_base}/connect/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form),
        )
        .await;
        assert_eq!(r.status, 401, "{}", r.text);
        let r = app.token(Some("client"), "certclient", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        // `openssl s_client` prints "Requested Signature Algorithms" only when the server sent a
        // CertificateRequest: the mTLS listener does, the public one does not.
        for (port, expect) in [(app.port, true), (public, false)] {
            let out = std::process::Command::new("openssl")
                .args([
                    "s_client",
                    "-connect",
                    &format!("127.0.0.1:{port}"),
                    "-tls1_2",
                ])
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert_eq!(
                text.contains("Requested Signature Algorithms"),
                expect,
                "port {port}: {text}"
            );
        }
    }
}
