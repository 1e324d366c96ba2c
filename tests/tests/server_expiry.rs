//! Expiring client certificates: the registered dates and the last certificate that
//! authenticated, as gauges in `/metrics`, as warnings in the log, and
//! `certbind clients expiring` for cron and CI.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use certbind_core::When;
    use certbind_tests::replica::{Endpoint, Replica, certbind};
    use certbind_tests::server::{TestPki, spawn_app_from};

    /// The notAfter of `<name>.pem`, read by certbind-core.
    fn not_after(pki: &TestPki, name: &str) -> When {
        certbind_core::PresentedCertificate::new(pki.der(name), Vec::new())
            .unwrap()
            .not_after()
    }

    fn expiring(config: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
        let mut all = vec!["clients", "expiring", "--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = certbind(&all, &[]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn clients_expiring_names_client_secret_and_date_and_exits_1_inside_the_window() {
        let pki = TestPki::new();
        let config = pki.dir().join("certbind.toml");
        std::fs::write(&config, pki.config(false)).unwrap();
        let date = not_after(&pki, "selfsigned");
        let ten_days_before = date.plus(-10 * 86_400).to_string();
        let (code, out, err) = expiring(&config, &["--within", "30d", "--at", &ten_days_before]);
        assert_eq!(code, Some(1), "{out}{err}");
        let line = out
            .lines()
            .find(|l| l.starts_with("selfsignedclient"))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(line.contains("#1 self_signed_tls_client_auth"), "{line}");
        assert!(line.contains(&date.to_string()), "{line}");
        assert!(line.contains("10 d 0 h"), "{line}");
        // The secrets that register a thumbprint or a name are listed apart.
        assert!(out.contains("certclient #1 x509_thumbprint"), "{out}");
        assert!(out.contains("pkiclient #1 tls_client_auth"), "{out}");

        let (code, json, err) = expiring(
            &config,
            &["--within", "30d", "--at", &ten_days_before, "--json"],
        );
        assert_eq!(code, Some(1), "{json}{err}");
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let rows = json["expiring"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{json}");
        assert_eq!(rows[0]["client_id"], "selfsignedclient");
        assert_eq!(rows[0]["secret"], 1);
        assert_eq!(rows[0]["type"], "self_signed_tls_client_auth");
        assert_eq!(rows[0]["not_after"], date.to_string());
        assert_eq!(rows[0]["source"], "registered");
        assert_eq!(rows[0]["seconds_left"], 10 * 86_400);
        assert_eq!(rows[0]["expired"], false);
        assert!(
            json["undated"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["client_id"] == "certclient" && u["type"] == "x509_thumbprint"),
            "{json}"
        );

        // Outside the window: exit 0.
        let sixty_days_before = date.plus(-60 * 86_400).to_string();
        let (code, out, err) = expiring(&config, &["--within", "30d", "--at", &sixty_days_before]);
        assert_eq!(code, Some(0), "{out}{err}");
        assert!(out.starts_with("no registered client certificate expires within 30 d 0 h"));
        // Expired already: inside every window.
        let after = date.plus(86_400).to_string();
        let (code, out, _) = expiring(&config, &["--within", "0s", "--at", &after]);
        assert_eq!(code, Some(1));
        assert!(out.contains("expired 1 d 0 h ago"), "{out}");

        // Usage and input errors are 2, not 1: cron can tell "expiring" from "broken".
        let (code, _, err) = expiring(&config, &["--within", "30"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("needs a unit"), "{err}");
        let missing = pki.dir().join("nope.toml");
        let (code, _, _) = expiring(&missing, &[]);
        assert_eq!(code, Some(2));
    }

    #[actix_rt::test]
    async fn metrics_show_registered_dates_and_the_last_certificate_that_authenticated() {
        let pki = TestPki::new();
        let config = pki.config(false);
        let selfsigned = not_after(&pki, "selfsigned");
        let client = not_after(&pki, "client");
        let pki_client = not_after(&pki, "pki");
        let app = spawn_app_from(pki, &config);
        let gauge = |client: &str, secret_type: &str, source: &str| {
            format!(
                "certbind_client_certificate_not_after_seconds{{client_id=\"{client}\",secret=\"1\",type=\"{secret_type}\",source=\"{source}\"}}"
            )
        };
        let registered = gauge(
            "selfsignedclient",
            "self_signed_tls_client_auth",
            "registered",
        );
        assert_eq!(
            app.metric(&registered).await,
            u64::try_from(selfsigned.unix()).unwrap()
        );
        let thumbprint = gauge("certclient", "x509_thumbprint", "last_authenticated");
        let metrics = app.get("/metrics").await.text;
        assert!(!metrics.contains(&thumbprint), "nothing authenticated yet");
        // A thumbprint and a name secret learn the date from the certificate that authenticates.
        assert_eq!(
            app.token(Some("client"), "certclient", None).await.status,
            200
        );
        assert_eq!(app.token(Some("pki"), "pkiclient", None).await.status, 200);
        assert_eq!(
            app.metric(&thumbprint).await,
            u64::try_from(client.unix()).unwrap()
        );
        let name = gauge("pkiclient", "tls_client_auth", "last_authenticated");
        assert_eq!(
            app.metric(&name).await,
            u64::try_from(pki_client.unix()).unwrap()
        );
        // A failed authentication teaches nothing.
        assert_eq!(
            app.token(Some("wrong"), "certclient", None).await.status,
            401
        );
        assert_eq!(
            app.metric(&thumbprint).await,
            u64::try_from(client.unix()).unwrap()
        );
    }

    #[actix_rt::test]
    async fn certificates_inside_the_warning_window_are_logged() {
        let pki = TestPki::new();
        let dir = certbind_tests::server::TempDir::new("certbind-expiry-log");
        let config = pki.dir().join("certbind.toml");
        // The test certificates expire in a year: a 400-day window holds them all.
        let text =
            pki.config(false)
                .replacen("[server]\n", "[server]\nexpiry_warning_days = 400\n", 1);
        std::fs::write(&config, text).unwrap();
        let replica = Replica::start(&config, &[], dir.path(), "expiry");
        let endpoint = Endpoint::of(&pki, &replica);
        assert_eq!(
            endpoint
                .token(Some("client"), "certclient", None)
                .await
                .status,
            200
        );
        let log = replica.log();
        let warned = |client: &str, source: &str| {
            log.lines().any(|l| {
                l.contains("a client certificate expires soon")
                    && l.contains(&format!("client={client} "))
                    && l.contains(source)
            })
        };
        assert!(warned("selfsignedclient", "registered"), "{log}");
        assert!(warned("certclient", "last_authenticated"), "{log}");
    }
}
