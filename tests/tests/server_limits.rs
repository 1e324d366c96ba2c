//! Bounded work before authentication: the intermediates a client may send on a TLS connection,
//! decisions reused on a connection, and a forged chain repeated over HTTP/2 while a real client
//! asks for tokens.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use std::process::{Child, Command, Stdio};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use certbind_tests::server::{BASIC_SECRET, CHAINED_CLIENT, TestApp, TestPki, spawn_app_from};

    /// `<name>.pem`: `chained.pem` (the client's certificate and its intermediate) followed by
    /// `extra` copies of `<after>.pem`; `<name>.key`: the client's key.
    fn chain_with_extra_certificates(pki: &TestPki, name: &str, after: &str, extra: usize) {
        let mut pem = std::fs::read(pki.cert_path("chained")).unwrap();
        for _ in 0..extra {
            pem.extend(std::fs::read(pki.cert_path(after)).unwrap());
        }
        std::fs::write(pki.cert_path(name), pem).unwrap();
        std::fs::copy(pki.key_path("chained"), pki.key_path(name)).unwrap();
    }

    /// The test server with the chained client registered and `max_intermediates = 1`.
    fn spawn_app_accepting_one_intermediate(pki: TestPki) -> TestApp {
        let config = format!(
            "{}{CHAINED_CLIENT}",
            pki.config_with_tls(false, "max_intermediates = 1")
        );
        spawn_app_from(pki, &config)
    }

    /// The metric that counts handshakes refused for more certificates than `max_intermediates`.
    fn handshake_refusals(app: &TestApp) -> String {
        format!(
            "certbind_limit_refusals_total{{listener=\"127.0.0.1:{}\",limit=\"max_intermediates\"}}",
            app.port
        )
    }

    #[actix_rt::test]
    async fn a_chain_longer_than_the_listener_accepts_is_refused_at_the_handshake() {
        let pki = TestPki::new();
        // The client, its intermediate and the root above it: a chain of two after the client.
        chain_with_extra_certificates(&pki, "overlong", "ca", 1);
        let app = spawn_app_accepting_one_intermediate(pki);
        let refused = handshake_refusals(&app);
        // One intermediate: within the bound.
        let r = app.token(Some("chained"), "chainedclient", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        // A chain of two: the handshake fails (the client gets a TLS alert, not a response),
        // and the refusal is counted.
        let e = app
            .client(Some("overlong"))
            .post(format!("{}/connect/token", app.base))
            .send()
            .await
            .unwrap_err();
        assert!(e.is_connect() || e.is_request(), "{e:?}");
        assert_eq!(app.metric(&refused).await, 1);
        let (code, _) = app.curl(&[
            "--cert",
            &app.pki.cert_path("overlong").display().to_string(),
            "--key",
            &app.pki.key_path("overlong").display().to_string(),
            &format!("{}/healthz", app.base),
        ]);
        assert_eq!(code, 0, "curl gets no HTTP answer over a refused handshake");
        assert_eq!(app.metric(&refused).await, 2);
        // The listener still serves the client whose chain is within the bound.
        let r = app.token(Some("chained"), "chainedclient", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    #[actix_rt::test]
    async fn certificates_after_the_client_that_do_not_chain_count_too() {
        let pki = TestPki::new();
        chain_with_extra_certificates(&pki, "padded", "selfsigned", 1);
        let app = spawn_app_accepting_one_intermediate(pki);
        let refused = handshake_refusals(&app);
        // Two certificates after the client's, one of them unrelated: OpenSSL builds no chain
        // (the core decides), so the bound counts the certificates as sent, and the handshake
        // fails as for a chain that is too long.
        let e = app
            .client(Some("padded"))
            .post(format!("{}/connect/token", app.base))
            .send()
            .await
            .unwrap_err();
        assert!(e.is_connect() || e.is_request(), "{e:?}");
        assert_eq!(app.metric(&refused).await, 1);
        // Clients within the bound, with a certificate or a shared secret, are served.
        let r = app.token(Some("chained"), "chainedclient", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = TestApp::send(
            app.client(None)
                .post(format!("{}/connect/token", app.base))
                .basic_auth("basicclient", Some(BASIC_SECRET))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    #[actix_rt::test]
    async fn max_intermediates_is_checked_when_the_config_is_loaded() {
        let pki = TestPki::new();
        let config = pki.config_with_tls(false, "max_intermediates = 33");
        let path = pki.dir().join("certbind.toml");
        std::fs::write(&path, config).unwrap();
        let e = certbind_host::load::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("server.tls.max_intermediates: must be between 0 and 32"),
            "{e}"
        );
    }

    #[actix_rt::test]
    async fn a_decision_is_reused_on_its_connection_until_a_reload() {
        let pki = TestPki::new();
        let config = format!("{}{CHAINED_CLIENT}", pki.config(false));
        let app = spawn_app_from(pki, &config);
        let made = "certbind_client_decisions_total{source=\"validator\"}";
        let reused = "certbind_client_decisions_total{source=\"reused\"}";
        // One keep-alive connection, three requests: one decision (a chain validation), reused
        // twice.
        let client = app.client(Some("chained"));
        let url = format!("{}/connect/token", app.base);
        let ask = || {
            client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&client_id=chainedclient")
        };
        for _ in 0..3 {
            assert_eq!(TestApp::send(ask()).await.status, 200);
        }
        assert_eq!((app.metric(made).await, app.metric(reused).await), (1, 2));
        // A rejection is reused too: the same certificate, asked for another client.
        let other = || {
            client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&client_id=pkiclient")
        };
        for _ in 0..2 {
            assert_eq!(TestApp::send(other()).await.status, 401);
        }
        assert_eq!((app.metric(made).await, app.metric(reused).await), (2, 3));

        // A reload (a new registry) makes new decisions on the same connection; this one takes
        // the client's access away, which the connection sees at once.
        let original = std::fs::read_to_string(&app.config_path).unwrap();
        let edited = original.replacen(
            "client_id = \"chainedclient\"\n",
            "client_id = \"chainedclient\"\nenabled = false\n",
            1,
        );
        std::fs::write(&app.config_path, edited).unwrap();
        let path = app.config_path.clone();
        let loader = move |state: &certbind_host::state::AppState| {
            certbind_host::load::reload_snapshot(&path, &state.urls)
        };
        assert!(certbind_host::reload::reload_now(&app.state, &loader));
        assert_eq!(TestApp::send(ask()).await.status, 401);
        assert_eq!((app.metric(made).await, app.metric(reused).await), (3, 3));
    }

    /// Runs `curl` over one HTTP/2 connection sending `requests` token requests for
    /// `pkiclient`, 10 at a time, presenting `<identity>.pem`; again every [`ATTACK_PAUSE`]
    /// until `stop`.
    ///
    /// Paced (about 100 requests a second per attacker): the point is what one forged request
    /// costs the server. Before certbind bounded it, each cost a chain validation (hundreds of
    /// milliseconds of CPU in a debug build), so this rate alone saturated both workers; an
    /// unpaced flood of any request, even a cheap one, would only measure the test machine.
    fn attack(app: &TestApp, identity: &str, requests: usize, stop: Arc<AtomicBool>) -> Attacker {
        let mut args: Vec<String> = app.curl_identity(identity);
        args.extend(
            [
                "-sS",
                "-o",
                "/dev/null",
                "--http2",
                "--parallel",
                "--parallel-max",
                "10",
                "--max-time",
                "30",
                "--cacert",
            ]
            .map(String::from),
        );
        args.push(app.pki.cert_path("ca").display().to_string());
        args.extend(["-d", "grant_type=client_credentials&client_id=pkiclient"].map(String::from));
        let url = format!("{}/connect/token", app.base);
        args.extend(std::iter::repeat_n(url, requests));
        let current = Arc::new(std::sync::Mutex::new(None::<Child>));
        let running = Arc::clone(&current);
        let thread = std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let child = Command::new("curl")
                    .args(&args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                *running.lock().unwrap() = Some(child);
                loop {
                    let mut slot = running.lock().unwrap();
                    let Some(child) = slot.as_mut() else { return };
                    if child.try_wait().unwrap().is_some() {
                        *slot = None;
                        break;
                    }
                    drop(slot);
                    std::thread::sleep(Duration::from_millis(10));
                }
                std::thread::sleep(ATTACK_PAUSE);
            }
        });
        Attacker { current, thread }
    }

    /// The pause between two runs of an attacker's curl.
    const ATTACK_PAUSE: Duration = Duration::from_millis(100);

    /// A curl loop started by [`attack`]; ended by [`Attacker::end`] (its curl killed by PID).
    struct Attacker {
        current: Arc<std::sync::Mutex<Option<Child>>>,
        thread: std::thread::JoinHandle<()>,
    }

    impl Attacker {
        fn end(self) {
            if let Some(mut child) = self.current.lock().unwrap().take() {
                let _ = child.kill();
                let _ = child.wait();
            }
            self.thread.join().unwrap();
        }
    }

    /// While two HTTP/2 connections (one per server worker) repeat a token request with a forged
    /// certificate followed by `intermediates` same-name self-signed "CAs", a real client on its
    /// own keep-alive connection asks for 200 tokens, one every 10 ms: the 99th percentile of its
    /// latency stays under 100 ms (it may be slow at most twice in 200).
    async fn a_forged_chain_repeated_over_http2_does_not_slow_a_real_client(intermediates: usize) {
        const REQUESTS: usize = 200;
        const BOUND: Duration = Duration::from_millis(100);
        let pki = TestPki::new();
        pki.forge_chain("forged", intermediates);
        let config = pki.config(false);
        let app = spawn_app_from(pki, &config);
        let client = app.client(Some("client"));
        let url = format!("{}/connect/token", app.base);
        let ask = || {
            client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&client_id=certclient")
                .timeout(Duration::from_secs(10))
        };
        // Without an attack, for comparison (printed, not asserted).
        let mut quiet = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let started = Instant::now();
            assert_eq!(TestApp::send(ask()).await.status, 200);
            quiet.push(started.elapsed());
        }
        quiet.sort();

        let stop = Arc::new(AtomicBool::new(false));
        let attackers = [
            attack(&app, "forged", 20, Arc::clone(&stop)),
            attack(&app, "forged", 20, Arc::clone(&stop)),
        ];
        // The forged requests are being refused before the real client starts.
        let deadline = Instant::now() + Duration::from_secs(20);
        while forged_refused(&app).await == 0 {
            assert!(Instant::now() < deadline, "no forged request was refused");
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }

        // A token every 10 ms, so that the attack runs through about two seconds of them.
        let mut latencies = Vec::with_capacity(REQUESTS);
        let mut slow = 0;
        for _ in 0..REQUESTS {
            actix_rt::time::sleep(Duration::from_millis(10)).await;
            let started = Instant::now();
            let response = ask().send().await;
            let latency = started.elapsed();
            let status = response.map(|r| r.status().as_u16());
            // A request that timed out (10 s) counts as slow; any other failure is a bug.
            assert!(
                matches!(status, Ok(200)) || latency >= BOUND,
                "real client: {status:?} after {latency:?}"
            );
            latencies.push(latency);
            if latency >= BOUND {
                slow += 1;
                // More than 1 % over the bound: the 99th percentile is over it; stop now.
                if slow > REQUESTS / 100 {
                    break;
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        let forged = forged_refused(&app).await;
        for attacker in attackers {
            attacker.end();
        }
        latencies.sort();
        let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
        eprintln!(
            "{intermediates} forged intermediates: real client p50 {:?} p99 {p99:?} max {:?} over \
             {} requests, {forged} forged requests refused meanwhile; without the attack p50 {:?} \
             p99 {:?}",
            latencies[latencies.len() / 2],
            latencies.last().unwrap(),
            latencies.len(),
            quiet[REQUESTS / 2],
            quiet[REQUESTS * 99 / 100 - 1],
        );
        assert!(
            latencies.len() == REQUESTS && p99 < BOUND,
            "real client: p99 {p99:?} over {} requests ({slow} at {BOUND:?} or more), while {forged} \
             forged requests were refused; slowest {:?}",
            latencies.len(),
            latencies.last()
        );
        // Refused at the handshake, a curl run ends sooner than with 20 requests answered
        // (about 200 refusals in the run, against 600 requests answered invalid_client when
        // OpenSSL still built the chain): a hundred show the attack ran throughout.
        assert!(forged >= 100, "the attack ran: {forged} forged requests");
    }

    /// Forged requests refused so far: at the handshake, for more certificates after the
    /// client's than `max_intermediates` (OpenSSL builds no chain; they are counted as sent),
    /// or, within that bound, at the token endpoint (`invalid_client`).
    async fn forged_refused(app: &TestApp) -> u64 {
        let handshake = handshake_refusals(app);
        let request = "certbind_requests_total{endpoint=\"token\",outcome=\"invalid_client\"}";
        let metrics = app.get("/metrics").await.text;
        [handshake.as_str(), request]
            .iter()
            .filter_map(|series| {
                metrics
                    .lines()
                    .find_map(|l| l.strip_prefix(series)?.trim().parse::<u64>().ok())
            })
            .sum()
    }

    #[actix_rt::test]
    async fn fifty_forged_intermediates_repeated_over_http2_do_not_slow_a_real_client() {
        a_forged_chain_repeated_over_http2_does_not_slow_a_real_client(50).await;
    }
}
