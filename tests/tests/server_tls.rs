//! TLS behaviour: 1.3 resumption still authenticates the client (also one whose chain needs the
//! intermediate it sent, over TLS 1.3 and 1.2), HTTP/2, TLS 1.2, and a reload that keeps
//! connections.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use certbind_tests::server::{CHAINED_CLIENT, TestApp, TestPki, spawn_app, spawn_app_from};

    /// One HTTP/1.1 request through `openssl s_client`; returns its stdout.
    fn s_client(app: &TestApp, extra: &[&str], request: &str) -> String {
        s_client_output(app, extra, request).0
    }

    /// Like [`s_client`], with its stderr (where it reports alerts) too.
    fn s_client_output(app: &TestApp, extra: &[&str], request: &str) -> (String, String) {
        let mut child = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{}", app.port),
                "-servername",
                "localhost",
                "-ign_eof",
            ])
            .arg("-CAfile")
            .arg(app.pki.cert_path("ca"))
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(request.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn token_request() -> String {
        token_request_for("certclient")
    }

    fn token_request_for(client_id: &str) -> String {
        let body = format!("grant_type=client_credentials&client_id={client_id}&scope=read");
        format!(
            "POST /connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    fn token_in(output: &str) -> Option<String> {
        let start = output.find("{\"access_token\"")?;
        let json: serde_json::Value = serde_json::Deserializer::from_str(&output[start..])
            .into_iter()
            .next()?
            .ok()?;
        json["access_token"].as_str().map(String::from)
    }

    #[actix_rt::test]
    async fn tls13_resumed_session_still_carries_the_client_certificate() {
        let app = spawn_app();
        let session = app.pki.dir().join("session.pem");
        let cert = app.pki.cert_path("client").display().to_string();
        let key = app.pki.key_path("client").display().to_string();
        let session_arg = session.display().to_string();
        let first = s_client(
            &app,
            &[
                "-tls1_3",
                "-cert",
                &cert,
                "-key",
                &key,
                "-sess_out",
                &session_arg,
            ],
            &token_request(),
        );
        assert!(first.contains("New, TLSv1.3"), "{first}");
        assert!(token_in(&first).is_some(), "{first}");
        // Resume WITHOUT presenting a certificate: the session remembers it.
        let second = s_client(
            &app,
            &["-tls1_3", "-sess_in", &session_arg],
            &token_request(),
        );
        assert!(second.contains("Reused, TLSv1.3"), "not resumed: {second}");
        let token = token_in(&second)
            .unwrap_or_else(|| panic!("no token on the resumed session: {second}"));
        let jwks = app.get("/jwks").await.json;
        let claims = certbind_tests::server::verify_independently(
            &token,
            &jwks,
            &app.base,
            &format!("{}/resources", app.base),
        );
        assert_eq!(
            claims["cnf"]["x5t#S256"],
            app.pki.x5t_s256_by_openssl_cli("client")
        );
    }

    /// The server picks the TLS 1.3 suite: AES-128-GCM-SHA256 for a client that lists
    /// AES-256-GCM-SHA384 first (a cheaper key schedule, equally strong), ChaCha20-Poly1305 for
    /// one that puts it first (a client without AES instructions), and whatever a client
    /// offers alone; each still gets its token.
    #[actix_rt::test]
    async fn the_server_picks_aes_128_unless_the_client_puts_chacha20_first() {
        let app = spawn_app();
        let cert = app.pki.cert_path("client").display().to_string();
        let key = app.pki.key_path("client").display().to_string();
        for (offered, expected) in [
            (
                "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
                "TLS_AES_128_GCM_SHA256",
            ),
            (
                "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256",
                "TLS_CHACHA20_POLY1305_SHA256",
            ),
            ("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
        ] {
            let out = s_client(
                &app,
                &[
                    "-tls1_3",
                    "-ciphersuites",
                    offered,
                    "-cert",
                    &cert,
                    "-key",
                    &key,
                ],
                &token_request(),
            );
            assert!(
                out.contains(&format!("New, TLSv1.3, Cipher is {expected}")),
                "offered {offered}, expected {expected}: {out}"
            );
            assert!(token_in(&out).is_some(), "{out}");
        }
    }

    /// `server.tls.session_cache_size = 0`: the server keeps no session, so a client offering
    /// the session of its last connection makes a full handshake, sends its certificate again
    /// and still gets its token.
    #[actix_rt::test]
    async fn without_a_session_cache_every_connection_is_a_full_handshake() {
        let pki = TestPki::new();
        let config = pki.config_with_tls(false, "session_cache_size = 0");
        let app = spawn_app_from(pki, &config);
        let session = app.pki.dir().join("session.pem");
        let cert = app.pki.cert_path("client").display().to_string();
        let key = app.pki.key_path("client").display().to_string();
        let session_arg = session.display().to_string();
        for version in ["-tls1_3", "-tls1_2"] {
            // The certificate both times: without a cache, the second is a full handshake too.
            let args = |session_flag| {
                let (cert, key, session) = (cert.as_str(), key.as_str(), session_arg.as_str());
                [version, "-cert", cert, "-key", key, session_flag, session]
            };
            let first = s_client(&app, &args("-sess_out"), &token_request());
            assert!(token_in(&first).is_some(), "{first}");
            let second = s_client(&app, &args("-sess_in"), &token_request());
            assert!(
                second.contains("New, TLSv1."),
                "resumed without a cache: {second}"
            );
            assert!(token_in(&second).is_some(), "{second}");
        }
        let resumed = "certbind_tls_sessions_total{session=\"resumed\"}";
        let metrics = app.get("/metrics").await.text;
        assert!(
            metrics
                .lines()
                .all(|l| l.strip_prefix(resumed).is_none_or(|v| v.trim() == "0")),
            "{metrics}"
        );
    }

    /// A `tls_client_auth` client whose certificate was issued by an intermediate CA (the anchor
    /// is the root) gets a token on a full handshake, sending the intermediate, and again on a
    /// session resumed without any certificate: the server keeps the intermediates the client
    /// sent in the original handshake with the session.
    async fn resumed_session_keeps_the_intermediates(version: &str, label: &str) {
        let pki = TestPki::new();
        let config = format!("{}{CHAINED_CLIENT}", pki.config(false));
        let app = spawn_app_from(pki, &config);
        let session = app.pki.dir().join(format!("session{version}.pem"));
        let session_arg = session.display().to_string();
        let cert = app.pki.cert_path("chained").display().to_string();
        let key = app.pki.key_path("chained").display().to_string();
        let int = app.pki.cert_path("int").display().to_string();
        let request = token_request_for("chainedclient");
        let first = s_client(
            &app,
            &[
                version,
                "-cert",
                &cert,
                "-key",
                &key,
                "-cert_chain",
                &int,
                "-sess_out",
                &session_arg,
            ],
            &request,
        );
        assert!(first.contains(&format!("New, {label}")), "{first}");
        assert!(token_in(&first).is_some(), "full handshake: {first}");
        for round in 1..=2 {
            let resumed = s_client(&app, &[version, "-sess_in", &session_arg], &request);
            assert!(
                resumed.contains(&format!("Reused, {label}")),
                "round {round} not resumed: {resumed}"
            );
            let token = token_in(&resumed).unwrap_or_else(|| {
                panic!("round {round}: no token on the resumed session: {resumed}")
            });
            let claims = certbind_tests::server::verify_independently(
                &token,
                &app.get("/jwks").await.json,
                &app.base,
                &format!("{}/resources", app.base),
            );
            assert_eq!(claims["client_id"], "chainedclient");
            assert_eq!(
                claims["cnf"]["x5t#S256"],
                app.pki.x5t_s256_by_openssl_cli("chained")
            );
        }
    }

    #[actix_rt::test]
    async fn tls13_resumed_session_keeps_the_intermediates_the_client_sent() {
        resumed_session_keeps_the_intermediates("-tls1_3", "TLSv1.3").await;
    }

    #[actix_rt::test]
    async fn tls12_resumed_session_keeps_the_intermediates_the_client_sent() {
        resumed_session_keeps_the_intermediates("-tls1_2", "TLSv1.2").await;
    }

    /// Compiles `tests/java/TokenClient.java` with `javac` and runs it against `app` as
    /// `chainedclient` (certificate and intermediate from `chained.pem`): two token requests on
    /// two connections sharing one SSLContext, the second resuming the first one's session.
    fn java_token_client(app: &TestApp, protocol: &str) -> String {
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("java/TokenClient.java");
        let classes = app.pki.dir().join(format!("classes-{protocol}"));
        let javac = Command::new("javac")
            .arg("-d")
            .arg(&classes)
            .arg(&source)
            .output()
            .unwrap_or_else(|e| {
                panic!("javac is needed for this test (scripts/setup.sh installs a JDK): {e}")
            });
        assert!(
            javac.status.success(),
            "javac: {}",
            String::from_utf8_lossy(&javac.stderr)
        );
        let out = Command::new("java")
            .arg("-cp")
            .arg(&classes)
            .arg("TokenClient")
            .arg(&app.base)
            .arg(app.pki.cert_path("ca"))
            .arg(app.pki.cert_path("chained"))
            .arg(app.pki.key_path("chained"))
            .args(["chainedclient", protocol])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "java: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// A Java client (`java.net.http.HttpClient`, JSSE) with an intermediate in its chain makes
    /// two token requests on two connections; the second connection resumes the first one's
    /// session, and both get a token bound to the client's certificate.
    async fn java_client_resumes_and_keeps_authenticating(protocol: &str) {
        let pki = TestPki::new();
        let config = format!("{}{CHAINED_CLIENT}", pki.config(false));
        let app = spawn_app_from(pki, &config);
        let stdout = java_token_client(&app, protocol);
        let jwks = app.get("/jwks").await.json;
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{stdout}");
        for (connection, line) in lines.iter().enumerate() {
            let (status, body) = line.split_once(' ').unwrap();
            assert_eq!(status, "200", "connection {}: {line}", connection + 1);
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            let claims = certbind_tests::server::verify_independently(
                json["access_token"].as_str().unwrap(),
                &jwks,
                &app.base,
                &format!("{}/resources", app.base),
            );
            assert_eq!(claims["client_id"], "chainedclient");
            assert_eq!(
                claims["cnf"]["x5t#S256"],
                app.pki.x5t_s256_by_openssl_cli("chained")
            );
        }
        // The server saw one full handshake and one resumed session (the /metrics and /jwks
        // requests here come from reqwest: full handshakes, counted after Java's).
        assert_eq!(
            app.metric("certbind_tls_sessions_total{session=\"resumed\"}")
                .await,
            1,
            "the second connection resumed the first one's session"
        );
    }

    #[actix_rt::test]
    async fn java_http_client_resumes_tls13_sessions_with_an_intermediate() {
        java_client_resumes_and_keeps_authenticating("TLSv1.3").await;
    }

    #[actix_rt::test]
    async fn java_http_client_resumes_tls12_sessions_with_an_intermediate() {
        java_client_resumes_and_keeps_authenticating("TLSv1.2").await;
    }

    /// certbind skips OpenSSL's chain verification (the core decides about every certificate),
    /// but the TLS handshake still checks that the client holds the key of the certificate it
    /// presents: a client presenting `certclient`'s registered certificate with a key that only
    /// shares its public part gets no token, over TLS 1.2 and 1.3, while the real key does.
    #[actix_rt::test]
    async fn someone_elses_certificate_without_its_key_gets_no_token() {
        let app = spawn_app();
        app.pki.forge_key("client", "stolen");
        for version in ["-tls1_2", "-tls1_3"] {
            let real = s_client(
                &app,
                &[
                    version,
                    "-cert",
                    app.pki.cert_path("client").to_str().unwrap(),
                    "-key",
                    app.pki.key_path("client").to_str().unwrap(),
                ],
                &token_request(),
            );
            assert!(
                token_in(&real).is_some(),
                "{version}: the key holder gets a token: {real}"
            );

            let (out, err) = s_client_output(
                &app,
                &[
                    version,
                    "-cert",
                    app.pki.cert_path("stolen").to_str().unwrap(),
                    "-key",
                    app.pki.key_path("stolen").to_str().unwrap(),
                ],
                &token_request(),
            );
            assert!(
                token_in(&out).is_none(),
                "{version}: no token without the key: {out}"
            );
            assert!(
                !out.contains("HTTP/1.1"),
                "{version}: no HTTP answer at all: {out}"
            );
            assert!(
                err.contains("decrypt error"),
                "{version}: the server refuses the CertificateVerify signature: {err}"
            );
        }
        // Only the key holder's two requests reached the token endpoint.
        let metrics = app.get("/metrics").await.text;
        let token_requests: Vec<&str> = metrics
            .lines()
            .filter(|l| l.starts_with("certbind_requests_total{endpoint=\"token\""))
            .collect();
        assert_eq!(
            token_requests,
            ["certbind_requests_total{endpoint=\"token\",outcome=\"ok\"} 2"],
            "{metrics}"
        );
    }

    #[actix_rt::test]
    async fn tls12_full_handshake_works() {
        let app = spawn_app();
        let cert = app.pki.cert_path("client").display().to_string();
        let key = app.pki.key_path("client").display().to_string();
        let out = s_client(
            &app,
            &["-tls1_2", "-cert", &cert, "-key", &key],
            &token_request(),
        );
        assert!(out.contains("TLSv1.2"), "{out}");
        assert!(token_in(&out).is_some(), "{out}");
    }

    #[actix_rt::test]
    async fn http2_with_client_certificate() {
        let app = spawn_app();
        let mut args = app.curl_identity("client");
        args.extend(
            [
                "--http2",
                "-w",
                "\n%{http_version}",
                "-d",
                "grant_type=client_credentials",
                "-d",
                "client_id=certclient",
                &format!("{}/connect/token", app.base),
            ]
            .map(String::from),
        );
        let out = Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(app.pki.cert_path("ca"))
            .args(&args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, version) = text.rsplit_once('\n').unwrap();
        assert_eq!(version, "2", "HTTP/2 negotiated by ALPN: {text}");
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(json["access_token"].is_string(), "{body}");
    }

    #[actix_rt::test]
    async fn curl_two_requests_on_one_command_line_resume_and_authenticate() {
        let app = spawn_app();
        let url = format!("{}/connect/token", app.base);
        // Two URLs: the second connection may resume the first's session (curl's session cache).
        let mut args = app.curl_identity("client");
        args.extend(
            [
                "-H",
                "Connection: close",
                "-d",
                "grant_type=client_credentials&client_id=certclient",
                &url,
                &url,
            ]
            .map(String::from),
        );
        let out = Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(app.pki.cert_path("ca"))
            .args(&args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(text.matches("\"access_token\"").count(), 2, "{text}");
    }

    #[actix_rt::test]
    async fn reload_swaps_clients_keeps_connections_and_refuses_a_bad_file() {
        let app = spawn_app();
        let client = app.client(Some("client"));
        let url = format!("{}/connect/token", app.base);
        let ask = |scope: &'static str| {
            client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!(
                    "grant_type=client_credentials&client_id=certclient&scope={scope}"
                ))
        };
        assert_eq!(TestApp::send(ask("write")).await.status, 200);

        let original = std::fs::read_to_string(&app.config_path).unwrap();
        let loader = {
            let path = app.config_path.clone();
            move |state: &certbind_host::state::AppState| {
                certbind_host::load::reload_snapshot(&path, &state.urls)
            }
        };
        // Narrow certclient to `read`.
        let edited = original.replacen("scopes = [\"read\", \"write\"]", "scopes = [\"read\"]", 1);
        std::fs::write(&app.config_path, edited).unwrap();
        assert!(certbind_host::reload::reload_now(&app.state, &loader));
        // Same client object: its keep-alive connection survives the reload.
        let r = TestApp::send(ask("write")).await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (400, Some("invalid_scope")),
            "{}",
            r.text
        );
        assert_eq!(TestApp::send(ask("read")).await.status, 200);

        // A broken file is refused; the previous configuration stays.
        std::fs::write(&app.config_path, "[[clients]]\nclient_id = 3\n").unwrap();
        assert!(!certbind_host::reload::reload_now(&app.state, &loader));
        assert_eq!(TestApp::send(ask("read")).await.status, 200);
        let metrics = app.get("/metrics").await.text;
        assert!(
            metrics.contains("certbind_reloads_total{result=\"ok\"} 1"),
            "{metrics}"
        );
        assert!(
            metrics.contains("certbind_reloads_total{result=\"failed\"} 1"),
            "{metrics}"
        );
    }
}
