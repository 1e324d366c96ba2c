//! How a `certbind serve` process stops (file store, one process, real signals): the first
//! SIGTERM makes `/readyz` 503 `draining` at once while `/healthz` stays 200, keep-alive
//! responses carry `Connection: close`, new connections are still served; after the drain delay
//! the listeners close, a request in flight still gets its answer within the grace period, and
//! the process exits 0. A second signal exits at once (130 for SIGINT). The grace period bounds
//! a request that never completes. systemd's `Type=notify`: `READY=1` only once the listener
//! serves, `RELOADING=1` … `READY=1` around SIGHUP, `STOPPING=1` at the drain. HTTP/2 clients
//! get a GOAWAY at the drain's start, idle or busy, and close their connections themselves.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use certbind_tests::proxy::free_port;
use certbind_tests::replica::{Endpoint, Replica, within};
use certbind_tests::server::TestPki;
use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslStream};

/// The test PKI's config with `[server.shutdown]` set; returns the PKI and the file.
fn setup(drain_delay: u64, grace_period: u64) -> (TestPki, PathBuf) {
    let pki = TestPki::new();
    let config = pki.dir().join("certbind.toml");
    let text = pki.config(false).replace(
        "[server.tls]",
        &format!(
            "[server.shutdown]\ndrain_delay = {drain_delay}\ngrace_period = {grace_period}\n\n[server.tls]"
        ),
    );
    std::fs::write(&config, text).unwrap();
    (pki, config)
}

fn start(pki: &TestPki, config: &std::path::Path, env: &[(&str, &str)]) -> Replica {
    Replica::start(config, env, pki.dir(), "replica")
}

/// A TLS connection to the replica presenting `client.pem`, HTTP/1.1 written by hand (so that a
/// request can be left half sent).
fn raw_connection(pki: &TestPki, port: u16) -> SslStream<TcpStream> {
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector.set_ca_file(pki.cert_path("ca")).unwrap();
    connector
        .set_certificate_chain_file(pki.cert_path("client"))
        .unwrap();
    connector
        .set_private_key_file(pki.key_path("client"), SslFiletype::PEM)
        .unwrap();
    let tcp = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    connector.build().connect("localhost", tcp).unwrap()
}

/// Reads a whole `Connection: close` response (until the server closes).
fn read_to_close(stream: &mut SslStream<TcpStream>) -> String {
    let mut bytes = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => {
                // A clean TLS close_notify-less EOF is reported as an SSL error.
                if e.to_string().contains("unexpected EOF") || bytes.ends_with(b"}") {
                    break;
                }
                panic!("reading the response: {e}");
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn refuses(port: u16) -> bool {
    TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err()
}

const TOKEN_BODY: &str = "grant_type=client_credentials&client_id=certclient&scope=read";

#[actix_rt::test]
async fn a_stop_signal_drains_keeps_serving_then_closes_and_exits_zero() {
    let (pki, config) = setup(4, 5);
    let mut replica = start(
        &pki,
        &config,
        &[("CERTBIND_LOG", "warn,certbind::shutdown=info")],
    );
    let endpoint = Endpoint::of(&pki, &replica);
    let ready = endpoint.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.json["status"].as_str()),
        (200, Some("ready"))
    );
    // A keep-alive client, its connection open before the signal.
    let keep_alive = pki.https_client(Some("client"));
    let url = format!("{}/connect/token", replica.base);
    let token = |client: &reqwest::Client| {
        client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(TOKEN_BODY)
            .send()
    };
    let before = token(&keep_alive).await.unwrap();
    assert_eq!(before.status(), 200);
    assert_eq!(
        before.headers().get("connection").map(|v| v.as_bytes()),
        None,
        "no Connection: close before the signal"
    );
    drop(before.text().await);

    let signalled = Instant::now();
    replica.signal("TERM");
    // At once: not ready, with the reason; alive.
    let (draining, _) = within(
        Duration::from_secs(2),
        "/readyz 503 after SIGTERM",
        || async {
            let r = endpoint.get("/readyz").await;
            (r.status == 503).then_some(r)
        },
    )
    .await;
    assert_eq!(draining.json["status"], "draining", "{}", draining.text);
    assert_eq!(draining.json["store_status"], "ready");
    assert!(draining.json["since"].is_string());
    assert_eq!(endpoint.get("/healthz").await.status, 200, "alive");
    // Still serving, on new connections (the probes above) and on the kept-alive one, which is
    // told to close.
    let during = token(&keep_alive).await.unwrap();
    assert_eq!(during.status(), 200);
    assert_eq!(
        during.headers().get("connection").map(|v| v.as_bytes()),
        Some(&b"close"[..]),
        "keep-alive responses close the connection while draining"
    );
    assert!(during.text().await.unwrap().contains("access_token"));
    let metrics = endpoint.get("/metrics").await.text;
    assert!(metrics.contains("certbind_draining 1"), "{metrics}");
    assert!(
        metrics.contains(
            "certbind_requests_total{endpoint=\"ready\",outcome=\"temporarily_unavailable\"}"
        ),
        "{metrics}"
    );
    assert!(
        !refuses(replica.port),
        "the listener stays open during the drain delay"
    );

    let status = replica.wait_exit(Duration::from_secs(4 + 5 + 20));
    assert_eq!(status.code(), Some(0), "{}", replica.log());
    assert!(
        signalled.elapsed() >= Duration::from_secs(4),
        "not before the drain delay"
    );
    assert!(refuses(replica.port));
    let log = replica.log();
    assert!(log.contains("draining") && log.contains("stopped"), "{log}");
    assert!(!log.contains("grace period ran out"), "{log}");
}

#[actix_rt::test]
async fn a_request_in_flight_when_the_listeners_close_still_gets_its_token() {
    let (pki, config) = setup(1, 20);
    let mut replica = start(&pki, &config, &[]);
    let mut stream = raw_connection(&pki, replica.port);
    let (first, rest) = TOKEN_BODY.split_at(20);
    write!(
        stream,
        "POST /connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: \
         application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{first}",
        TOKEN_BODY.len()
    )
    .unwrap();
    stream.flush().unwrap();
    replica.signal("TERM");
    // The drain delay passes and the listener closes while the request is half sent.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !refuses(replica.port) {
        assert!(Instant::now() < deadline, "the listener never closed");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(replica.exited().is_none(), "it waits for the request");
    stream.write_all(rest.as_bytes()).unwrap();
    stream.flush().unwrap();
    let response = read_to_close(&mut stream);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("access_token"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("connection: close"),
        "{response}"
    );
    let status = replica.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "{}", replica.log());
}

#[actix_rt::test]
async fn the_grace_period_bounds_a_request_that_never_completes() {
    let (pki, config) = setup(0, 2);
    let mut replica = start(&pki, &config, &[]);
    let mut stream = raw_connection(&pki, replica.port);
    write!(
        stream,
        "POST /connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: \
         application/x-www-form-urlencoded\r\nContent-Length: 999\r\n\r\ngrant_type="
    )
    .unwrap();
    stream.flush().unwrap();
    let signalled = Instant::now();
    replica.signal("TERM");
    let status = replica.wait_exit(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{}", replica.log());
    assert!(signalled.elapsed() >= Duration::from_secs(2));
    assert!(replica.log().contains("grace period ran out"));
    // The abandoned connection is closed, without a response.
    assert!(!read_to_close(&mut stream).starts_with("HTTP/1.1 200"));
}

#[actix_rt::test]
async fn a_second_signal_exits_at_once() {
    let (pki, config) = setup(600, 600);
    let mut replica = start(&pki, &config, &[]);
    let endpoint = Endpoint::of(&pki, &replica);
    replica.signal("TERM");
    within(Duration::from_secs(5), "draining", || async {
        (endpoint.get("/readyz").await.status == 503).then_some(())
    })
    .await;
    replica.signal("INT");
    // Far from the ten minutes of drain delay.
    let status = replica.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(130), "128 + SIGINT\n{}", replica.log());
    assert!(replica.log().contains("second signal"));
}

/// `NOTIFY_SOCKET` as systemd sets it for a `Type=notify` service: a datagram socket the test
/// listens on.
struct NotifySocket {
    socket: UnixDatagram,
    path: PathBuf,
}

impl NotifySocket {
    fn bind(dir: &std::path::Path) -> Self {
        let path = dir.join("notify.sock");
        let socket = UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Self { socket, path }
    }

    /// The next message, as its lines.
    fn next(&self) -> Vec<String> {
        let mut buffer = [0_u8; 4096];
        let n = self
            .socket
            .recv(&mut buffer)
            .expect("a notification within 30 s");
        String::from_utf8_lossy(&buffer[..n])
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[actix_rt::test]
async fn systemd_hears_ready_only_once_the_listener_serves_then_reloading_and_stopping() {
    let (pki, config) = setup(1, 5);
    let notify = NotifySocket::bind(pki.dir());
    let port = free_port();
    let socket = notify.path.display().to_string();
    let mut replica = Replica::spawn(
        &config,
        &[("NOTIFY_SOCKET", socket.as_str())],
        pki.dir(),
        "replica",
        port,
        &[],
    );
    let ready = notify.next();
    // The first message it sends is READY=1, and at that moment the listener accepts and
    // serves: no retry, no wait.
    assert!(ready.contains(&"READY=1".to_owned()), "{ready:?}");
    assert!(ready.contains(&"STATUS=serving".to_owned()), "{ready:?}");
    assert!(
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok(),
        "READY=1 before the listener accepts"
    );
    let endpoint = Endpoint::of(&pki, &replica);
    let r = endpoint.get("/readyz").await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("ready")));

    replica.signal("HUP");
    let reloading = notify.next();
    assert!(
        reloading.contains(&"RELOADING=1".to_owned()),
        "{reloading:?}"
    );
    assert!(
        reloading.iter().any(|l| l.starts_with("MONOTONIC_USEC=")),
        "{reloading:?}"
    );
    assert!(notify.next().contains(&"READY=1".to_owned()));

    replica.signal("TERM");
    let stopping = notify.next();
    assert!(stopping.contains(&"STOPPING=1".to_owned()), "{stopping:?}");
    let status = replica.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "{}", replica.log());
}

#[actix_rt::test]
async fn without_notify_socket_nothing_is_sent_and_nothing_fails() {
    let (pki, config) = setup(0, 5);
    let mut replica = start(&pki, &config, &[]);
    replica.signal("HUP");
    let endpoint = Endpoint::of(&pki, &replica);
    assert_eq!(endpoint.get("/readyz").await.status, 200);
    replica.signal("TERM");
    assert_eq!(
        replica.wait_exit(Duration::from_secs(20)).code(),
        Some(0),
        "{}",
        replica.log()
    );
    assert!(!replica.log().contains("cannot tell systemd"));
}

/// An HTTP/2 connection (ALPN `h2`) presenting `client.pem`; its request handle and the task
/// driving it, which ends when the connection closes.
async fn h2_connection(
    pki: &TestPki,
    port: u16,
) -> (
    h2::client::SendRequest<hyper::body::Bytes>,
    tokio::task::JoinHandle<Result<(), h2::Error>>,
) {
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector.set_ca_file(pki.cert_path("ca")).unwrap();
    connector
        .set_certificate_chain_file(pki.cert_path("client"))
        .unwrap();
    connector
        .set_private_key_file(pki.key_path("client"), SslFiletype::PEM)
        .unwrap();
    connector.set_alpn_protos(b"\x02h2").unwrap();
    let ssl = connector
        .build()
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let tcp = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .unwrap();
    let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
    std::pin::Pin::new(&mut tls).connect().await.unwrap();
    assert_eq!(tls.ssl().selected_alpn_protocol(), Some(&b"h2"[..]));
    let (send, connection) = h2::client::handshake(tls).await.unwrap();
    (send, tokio::spawn(connection))
}

/// `GET path` on an HTTP/2 connection: the status.
async fn h2_get(send: &mut h2::client::SendRequest<hyper::body::Bytes>, path: &str) -> u16 {
    let request = http::Request::get(format!("https://localhost{path}"))
        .body(())
        .unwrap();
    let (response, _) = send.send_request(request, true).unwrap();
    let response = response.await.unwrap();
    let status = response.status().as_u16();
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    status
}

#[actix_rt::test]
async fn http2_connections_get_a_goaway_when_the_drain_starts() {
    let (pki, config) = setup(6, 5);
    let mut replica = start(&pki, &config, &[]);
    let (mut idle, idle_closed) = h2_connection(&pki, replica.port).await;
    assert_eq!(h2_get(&mut idle, "/healthz").await, 200);
    // A token request in flight: its body half sent when the drain starts.
    let (mut busy, busy_closed) = h2_connection(&pki, replica.port).await;
    let request = http::Request::post("https://localhost/connect/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(())
        .unwrap();
    let (in_flight, mut body) = busy.send_request(request, false).unwrap();
    let (first, rest) = TOKEN_BODY.split_at(20);
    body.send_data(hyper::body::Bytes::from(first), false)
        .unwrap();

    let signalled = Instant::now();
    replica.signal("TERM");
    // The idle connection is woken and told: its client closes it, long before the six
    // seconds of drain after which the server would close it.
    let closed = tokio::time::timeout(Duration::from_secs(4), idle_closed)
        .await
        .expect("the idle HTTP/2 connection closed by its client after a GOAWAY");
    assert!(closed.unwrap().is_ok(), "a clean close (GOAWAY NO_ERROR)");
    assert!(signalled.elapsed() < Duration::from_secs(6));
    assert!(idle.ready().await.is_err(), "no new stream after GOAWAY");
    // The connection with a request in flight is told too: no new stream on it once its client
    // has read the GOAWAY (a stream it opens before that is still served)...
    let deadline = Instant::now() + Duration::from_secs(3);
    let refused = loop {
        let get = http::Request::get("https://localhost/healthz")
            .body(())
            .unwrap();
        match busy.send_request(get, true) {
            Err(e) => break e,
            Ok(_) => {
                assert!(
                    Instant::now() < deadline,
                    "no GOAWAY on the busy connection"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    assert!(refused.is_go_away(), "{refused}");
    // ...but the request in flight is answered, and then the client closes it.
    body.send_data(hyper::body::Bytes::from(rest), true)
        .unwrap();
    let response = in_flight.await.unwrap();
    assert_eq!(response.status(), 200);
    tokio::time::timeout(Duration::from_secs(4), busy_closed)
        .await
        .expect("the busy HTTP/2 connection closed after its last response")
        .unwrap()
        .unwrap();

    // A connection made during the drain (the balancer has not yet seen the 503): its first
    // request is answered, then it is told.
    let (mut late, late_closed) = h2_connection(&pki, replica.port).await;
    assert_eq!(h2_get(&mut late, "/readyz").await, 503, "draining");
    tokio::time::timeout(Duration::from_secs(4), late_closed)
        .await
        .expect("a connection made during the drain closed after a GOAWAY")
        .unwrap()
        .unwrap();
    assert!(!refuses(replica.port), "still within the drain delay");
    assert_eq!(
        replica.wait_exit(Duration::from_secs(30)).code(),
        Some(0),
        "{}",
        replica.log()
    );
}
