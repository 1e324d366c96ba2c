//! Forwarded certificate headers sent straight to listeners behind a proxy: recorded header
//! values of every supported format (produced from the fixture certificates with each proxy's
//! exact transformation), spoofing from untrusted addresses, and malformed headers from a
//! trusted one.
//!
//! Trust is by TCP peer address. On one machine the source address is chosen with the loopback
//! network: 127.0.0.1 is the default source, and a client socket can bind 127.0.0.2.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use std::net::IpAddr;

    use base64::Engine as _;
    use certbind_tests::fixtures::fixture_path;
    use certbind_tests::proxy::{forwarded_count, proxy_listener, spawn_with, token_via};
    use certbind_tests::proxy_headers as headers;
    use certbind_tests::server::{
        BASIC_SECRET, TestApp, TestPki, spawn_app_from, verify_independently,
    };

    /// A plain-HTTP client whose connections come from `source`.
    fn client_from(source: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(source.parse::<IpAddr>().unwrap())
            .build()
            .unwrap()
    }

    fn url(app: &TestApp, listener: usize) -> String {
        format!(
            "http://127.0.0.1:{}/connect/token",
            app.listeners[listener].1.port()
        )
    }

    async fn cnf(app: &TestApp, token: &serde_json::Value) -> serde_json::Value {
        let jwks = app.get("/jwks").await.json;
        let claims = verify_independently(
            token.as_str().unwrap(),
            &jwks,
            &app.base,
            &format!("{}/resources", app.base),
        );
        claims["cnf"]["x5t#S256"].clone()
    }

    fn invalid_client(r: &certbind_tests::server::Reply, what: &str) {
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (401, Some("invalid_client")),
            "{what}: {}",
            r.text
        );
    }

    #[actix_rt::test]
    async fn a_forged_header_counts_only_from_a_trusted_proxy_address() {
        // Listener 1 trusts only 127.0.0.2, listener 2 only 127.0.0.1.
        let app = spawn_with(&format!(
            "{}{}",
            proxy_listener("haproxy-base64", &["127.0.0.2"], false),
            proxy_listener("haproxy-base64", &["127.0.0.1/32"], false),
        ));
        let forged = headers::haproxy(&app.pki.der("client"));
        let spoof = [
            ("X-SSL-Client-Cert", forged.as_str()),
            // Never consulted: only the TCP peer address decides.
            ("X-Forwarded-For", "127.0.0.2"),
            ("Forwarded", "for=127.0.0.2"),
            ("X-Real-IP", "127.0.0.2"),
        ];
        let expected = app.pki.x5t_s256_by_openssl_cli("client");
        for (listener, trusted, untrusted) in
            [(1, "127.0.0.2", "127.0.0.1"), (2, "127.0.0.1", "127.0.0.2")]
        {
            for _ in 0..2 {
                let r = token_via(
                    &client_from(untrusted),
                    &url(&app, listener),
                    "certclient",
                    &spoof,
                )
                .await;
                invalid_client(&r, &format!("from {untrusted} to listener {listener}"));
            }
            let r = token_via(
                &client_from(trusted),
                &url(&app, listener),
                "certclient",
                &spoof,
            )
            .await;
            assert_eq!(r.status, 200, "from {trusted}: {}", r.text);
            assert_eq!(cnf(&app, &r.json["access_token"]).await, expected);
        }
        assert_eq!(forwarded_count(&app, "ignored_untrusted").await, 4);
        assert_eq!(forwarded_count(&app, "used").await, 2);
    }

    #[actix_rt::test]
    async fn a_direct_tls_client_on_a_proxy_listener_uses_only_its_own_certificate() {
        let app = spawn_with(&proxy_listener("haproxy-base64", &["127.0.0.2"], true));
        let url = format!(
            "https://localhost:{}/connect/token",
            app.listeners[1].1.port()
        );
        let forged = headers::haproxy(&app.pki.der("client"));
        let with_forged = [("X-SSL-Client-Cert", forged.as_str())];
        let own = app.client(Some("selfsigned"));
        let r = token_via(&own, &url, "selfsignedclient", &with_forged).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            cnf(&app, &r.json["access_token"]).await,
            app.pki.x5t_s256_by_openssl_cli("selfsigned")
        );
        let r = token_via(&own, &url, "certclient", &with_forged).await;
        invalid_client(&r, "the impersonated client");
        assert_eq!(forwarded_count(&app, "ignored_untrusted").await, 2);
    }

    #[actix_rt::test]
    async fn malformed_headers_from_a_trusted_proxy_are_a_clean_invalid_client() {
        let app = spawn_with(&format!(
            "{}{}{}",
            proxy_listener("nginx-escaped", &["127.0.0.1"], false),
            proxy_listener("haproxy-base64", &["127.0.0.1"], false),
            proxy_listener("rfc9440", &["127.0.0.1"], false),
        ));
        let (nginx, haproxy, rfc9440) = (url(&app, 1), url(&app, 2), url(&app, 3));
        let client = app.pki.der("client");
        let pem = headers::pem(&client);
        let escape = |text: &str| -> String {
            text.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b == b'-' {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        let key = std::fs::read_to_string(app.pki.key_path("client")).unwrap();
        let two = escape(&format!("{pem}{}", headers::pem(&app.pki.der("pki"))));
        let with_key = escape(&format!("{pem}{key}"));
        let oversized = "A".repeat(40 * 1024);
        let one = headers::rfc9440_cert(&client);
        let cases: [(&str, &str, &str, String); 7] = [
            ("two certificates", &nginx, "X-SSL-Client-Cert", two),
            (
                "PEM with a private key",
                &nginx,
                "X-SSL-Client-Cert",
                with_key,
            ),
            (
                "bad URL-encoding",
                &nginx,
                "X-SSL-Client-Cert",
                headers::nginx_escaped(&client).replacen("%0A", "%0G", 1),
            ),
            ("oversized", &haproxy, "X-SSL-Client-Cert", oversized),
            (
                "bad base64",
                &haproxy,
                "X-SSL-Client-Cert",
                headers::haproxy(&client).replacen('A', "!", 1),
            ),
            (
                "two certificates in Client-Cert",
                &rfc9440,
                "Client-Cert",
                format!("{one}, {one}"),
            ),
            (
                "not a certificate",
                &haproxy,
                "X-SSL-Client-Cert",
                base64::engine::general_purpose::STANDARD.encode(b"0\x03\x02\x01\x00"),
            ),
        ];
        // Sent with a secret client's valid credentials, which would get a token if the header
        // were ignored: a malformed header from the proxy fails the request whatever the
        // client (the proxy is misconfigured or attacked).
        let http = reqwest::Client::new();
        for (what, url, name, value) in &cases {
            let r = TestApp::send(
                http.post(*url)
                    .basic_auth("basicclient", Some(BASIC_SECRET))
                    .header(*name, value.as_str())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("grant_type=client_credentials"),
            )
            .await;
            invalid_client(&r, what);
            assert!(r.headers.contains_key("www-authenticate"), "{what}");
        }
        // Without a proxy header the same request gets its token.
        let r = TestApp::send(
            http.post(&haproxy)
                .basic_auth("basicclient", Some(BASIC_SECRET))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            forwarded_count(&app, "malformed").await,
            u64::try_from(cases.len()).unwrap()
        );
        // The same listener still works for a good header.
        let r = token_via(
            &http,
            &haproxy,
            "certclient",
            &[("X-SSL-Client-Cert", &headers::haproxy(&client))],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    /// Every format, with the values each proxy would send for the fixture client certificate
    /// `basic.client.ee` (issued by `basic.intermediate.ca` under `basic.root.ca`).
    /// `fixtureclient` is registered by thumbprint (needs only the leaf); `fixturepki` by
    /// tls_client_auth under the root (needs the intermediate: only the formats that carry the
    /// chain can authenticate it).
    #[actix_rt::test]
    async fn recorded_headers_of_every_format_authenticate_the_fixture_client() {
        let formats = [
            "rfc9440",
            "nginx-escaped",
            "nginx-legacy",
            "envoy-xfcc",
            "traefik",
            "aws-alb",
            "haproxy-base64",
            "azure",
        ];
        let pki = TestPki::new();
        for name in ["basic.client.ee", "basic.intermediate.ca", "basic.root.ca"] {
            std::fs::copy(fixture_path(&format!("{name}.pem")), pki.cert_path(name)).unwrap();
        }
        let mut config = pki.config(false).replacen(
            "trust_anchors = [\"ca.pem\"]",
            "trust_anchors = [\"ca.pem\", \"basic.root.ca.pem\"]",
            1,
        );
        config.push_str(&format!(
            r#"
[[clients]]
client_id = "fixtureclient"
scopes = ["read"]
[[clients.secrets]]
type = "x509_thumbprint"
value = "{}"

[[clients]]
client_id = "fixturepki"
scopes = ["read"]
[[clients.secrets]]
type = "tls_client_auth"
san_uri = "urn:certbind:client:certclient"
"#,
            pki.sha1_hex_by_openssl_cli("basic.client.ee")
        ));
        for format in formats {
            config.push_str(&proxy_listener(format, &["127.0.0.1"], false));
        }
        let app = spawn_app_from(pki, &config);
        let leaf = app.pki.der("basic.client.ee");
        let intermediate = app.pki.der("basic.intermediate.ca");
        let other = app.pki.der("client");
        let expected = app.pki.x5t_s256_by_openssl_cli("basic.client.ee");
        let subject = "CN=certclient,OU=Clients,O=certbind Tests\\, Inc.,C=US";
        // An earlier XFCC element (added before the trusted proxy, so not trusted) names
        // another certificate: certbind reads the last element.
        let xfcc = format!(
            "{},{}",
            headers::envoy_xfcc_element("spiffe://edge", &other, &[], "CN=certclient"),
            headers::envoy_xfcc_element("spiffe://sidecar", &leaf, &[&intermediate], subject)
        );
        // (format, [(header, value)], carries the chain)
        type Recorded<'a> = (&'a str, Vec<(&'a str, String)>, bool);
        let recorded: Vec<Recorded<'_>> = vec![
            (
                "rfc9440",
                vec![
                    ("Client-Cert", headers::rfc9440_cert(&leaf)),
                    (
                        "Client-Cert-Chain",
                        headers::rfc9440_chain(&[&intermediate]),
                    ),
                ],
                true,
            ),
            (
                "nginx-escaped",
                vec![("X-SSL-Client-Cert", headers::nginx_escaped(&leaf))],
                false,
            ),
            (
                "nginx-legacy",
                vec![("X-SSL-Client-Cert", headers::nginx_legacy_unfolded(&leaf))],
                false,
            ),
            ("envoy-xfcc", vec![("X-Forwarded-Client-Cert", xfcc)], true),
            (
                "traefik",
                vec![(
                    "X-Forwarded-Tls-Client-Cert",
                    headers::traefik(&[&leaf, &intermediate], false),
                )],
                true,
            ),
            (
                "traefik",
                vec![(
                    "X-Forwarded-Tls-Client-Cert",
                    headers::traefik(&[&leaf, &intermediate], true),
                )],
                true,
            ),
            (
                "aws-alb",
                vec![(
                    "X-Amzn-Mtls-Clientcert",
                    headers::aws_alb(&[&leaf, &intermediate]),
                )],
                true,
            ),
            (
                "haproxy-base64",
                vec![("X-SSL-Client-Cert", headers::haproxy(&leaf))],
                false,
            ),
            (
                "azure",
                vec![("X-ARR-ClientCert", headers::azure(&leaf))],
                false,
            ),
        ];
        let http = reqwest::Client::new();
        for (format, values, chain) in &recorded {
            let index = formats.iter().position(|f| f == format).unwrap();
            let url = url(&app, index + 1);
            let values: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let r = token_via(&http, &url, "fixtureclient", &values).await;
            assert_eq!(r.status, 200, "{format}: {}", r.text);
            assert_eq!(
                cnf(&app, &r.json["access_token"]).await,
                expected,
                "{format}"
            );
            let r = token_via(&http, &url, "fixturepki", &values).await;
            if *chain {
                assert_eq!(r.status, 200, "{format} carries the chain: {}", r.text);
                assert_eq!(
                    cnf(&app, &r.json["access_token"]).await,
                    expected,
                    "{format}"
                );
            } else {
                invalid_client(
                    &r,
                    &format!("{format}: leaf only, the chain cannot be built"),
                );
            }
        }
        assert_eq!(
            forwarded_count(&app, "used").await,
            2 * u64::try_from(recorded.len()).unwrap()
        );
    }
}
