//! The abuse run: attackers of every kind at once against a running certbind process, while a
//! real mTLS client asks for tokens, with the server's RSS and open files sampled from
//! `/proc` before, during and after. Used by `tests/tests/server_abuse.rs` (a short version in
//! CI) and `bench/abuse.sh` (the full one, through the `abuse` binary).
//!
//! The attackers, each kept at its count for the whole attack (a connection the server closes
//! is opened again, as a real attacker would):
//! - idle TCP connections that never start a TLS handshake;
//! - TLS handshakes that stall after the first bytes of a ClientHello;
//! - requests whose headers come one byte at a time (slowloris), after a real handshake;
//! - bursts of oversized bodies: a `Content-Length` far over the limit, and chunked bodies
//!   that never end.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::watch;

use crate::attack::PARTIAL_CLIENT_HELLO;

/// How hard and how long.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct AbusePlan {
    /// Idle TCP connections kept open.
    pub idle: usize,
    /// Stalled TLS handshakes kept open.
    pub stalled: usize,
    /// Slow-header requests kept open.
    pub slow: usize,
    /// Oversized-body requests per burst (half declared too long, half chunked).
    pub oversized: usize,
    /// Time between bursts.
    pub burst_every: Duration,
    /// How long the attack lasts (the real client's requests are measured over it).
    pub attack: Duration,
    /// How long to wait, at most, for open files and then RSS to come back after the attack
    /// (the server gives memory back every `memory_release_interval`, 10 s by default).
    pub settle: Duration,
    /// Attacks, one after the other: memory one leaves with the allocator must be reused by
    /// the next (RSS does not grow from the last but one to the last), or it is a leak.
    pub rounds: usize,
}

impl AbusePlan {
    /// The numbers: 2,000 idle connections, 500 stalled handshakes, 200 slow-header
    /// requests, bursts of 100 oversized bodies every second, for 60 s, twice.
    pub const FULL: Self = Self {
        idle: 2000,
        stalled: 500,
        slow: 200,
        oversized: 100,
        burst_every: Duration::from_secs(1),
        attack: Duration::from_secs(60),
        settle: Duration::from_secs(30),
        rounds: 2,
    };

    /// The CI version: the same kinds at about a sixth of the counts, 8 s twice.
    pub const SHORT: Self = Self {
        idle: 300,
        stalled: 100,
        slow: 40,
        oversized: 20,
        burst_every: Duration::from_secs(1),
        attack: Duration::from_secs(8),
        settle: Duration::from_secs(30),
        rounds: 2,
    };
}

/// Where the server is and what the real client presents.
#[derive(Debug, Clone)]
pub struct Target {
    /// The mTLS listener's port on 127.0.0.1.
    pub port: u16,
    /// The server's process id (its `/proc` is sampled).
    pub pid: u32,
    /// CA certificate (PEM).
    pub ca: PathBuf,
    /// The real client's certificate and key (PEM).
    pub cert: PathBuf,
    /// Its key.
    pub key: PathBuf,
    /// Its `client_id`.
    pub client_id: String,
}

/// The server's resident memory and open files at one moment.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Sample {
    /// Resident set size, KiB (`VmRSS`).
    pub rss_kib: u64,
    /// Open file descriptors.
    pub fds: u64,
}

impl Sample {
    /// Reads `/proc/<pid>`.
    #[must_use]
    pub fn of(pid: u32) -> Self {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let rss_kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64);
        Self { rss_kib, fds }
    }
}

/// Latencies of one kind of real request.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Latencies {
    /// Requests that got a token.
    pub ok: usize,
    /// Requests that did not (any error or status).
    pub errors: usize,
    /// The first error, in words.
    pub first_error: Option<String>,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
    /// Slowest, milliseconds.
    pub max_ms: f64,
}

impl Latencies {
    fn of(mut micros: Vec<u64>, errors: usize, first_error: Option<String>) -> Self {
        micros.sort_unstable();
        // Nearest rank: the sample at q·(n−1), in whole percent.
        let at = |percent: usize| -> f64 {
            micros
                .get(micros.len().saturating_sub(1) * percent / 100)
                .map_or(0.0, |m| *m as f64 / 1000.0)
        };
        Self {
            ok: micros.len(),
            errors,
            first_error,
            p50_ms: at(50),
            p99_ms: at(99),
            max_ms: micros.last().map_or(0.0, |m| *m as f64 / 1000.0),
        }
    }
}

/// What the attackers did.
#[derive(Debug, Default, serde::Serialize)]
pub struct AttackCounts {
    /// Connections the attackers opened (reopened ones included).
    pub opened: u64,
    /// Of those, the ones the server closed (timeouts, refusals).
    pub closed_by_server: u64,
    /// Oversized-body requests answered (400/413) or cut off.
    pub oversized_refused: u64,
    /// Attacker connections open at the end of the attack.
    pub open_at_end: usize,
}

/// One attack and what followed it.
#[derive(Debug, serde::Serialize)]
pub struct Round {
    /// The highest RSS and open files seen during the attack.
    pub peak: Sample,
    /// After the attackers left: when RSS was back within the bound after the open files were
    /// (or `settle` after the end of the attack, when it was not).
    pub after: Sample,
    /// Seconds from the end of the attack until the open files were back within 16 of the
    /// baseline (None: not within `settle`).
    pub settled_after_s: Option<f64>,
    /// Seconds from the end of the attack until RSS was back within
    /// [`Bounds::rss_back_mib`] of the baseline (None: not within `settle`).
    pub rss_back_after_s: Option<f64>,
    /// The real client's keep-alive requests during the attack.
    pub keep_alive: Latencies,
    /// The real client's requests on new connections (full handshakes) during the attack.
    pub new_connections: Latencies,
    /// What the attackers did.
    pub attack: AttackCounts,
}

/// The result of a run.
#[derive(Debug, serde::Serialize)]
pub struct AbuseReport {
    /// The plan.
    pub plan: AbusePlan,
    /// Before the first attack (after a warm-up).
    pub baseline: Sample,
    /// The real client without attackers, for a quarter of an attack's time, just before the
    /// first one.
    pub quiet: Measured,
    /// Each attack, in order.
    pub rounds: Vec<Round>,
}

/// Shared counters of the attackers.
#[derive(Debug, Default)]
struct Counters {
    opened: AtomicU64,
    closed_by_server: AtomicU64,
    oversized_refused: AtomicU64,
    open: AtomicUsize,
}

/// Runs the plan against `target`: a warm-up, the baseline, then `plan.rounds` attacks, each
/// followed by the wait for the server to let go of what the attackers held.
#[must_use]
pub fn run(target: &Target, plan: AbusePlan, bounds: Bounds) -> AbuseReport {
    let real = RealClient::new(target);
    // Warm-up: the first connections, the first tokens, then the baseline.
    for _ in 0..20 {
        real.keep_alive_token().unwrap();
        real.new_connection_token().unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    let baseline = Sample::of(target.pid);
    // The same client without attackers, in the same run: what the attack costs it.
    let quiet = measure(&real, plan.attack / 4, target.pid);
    let rounds = (0..plan.rounds)
        .map(|_| round(target, plan, &real, baseline, bounds))
        .collect();
    AbuseReport {
        plan,
        baseline,
        quiet,
        rounds,
    }
}

/// One attack; the attackers run on a runtime of their own threads, the real client on this
/// thread, so that neither delays the other's clock.
fn round(
    target: &Target,
    plan: AbusePlan,
    real: &RealClient,
    baseline: Sample,
    bounds: Bounds,
) -> Round {
    let counters = Arc::new(Counters::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let attackers = {
        let (target, counters) = (target.clone(), Arc::clone(&counters));
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(attack(&target, plan, &counters, stop_rx));
        })
    };
    // Let the attackers reach their counts before measuring.
    let ramp = Instant::now();
    while counters.open.load(Ordering::Relaxed) < (plan.idle + plan.stalled) * 9 / 10
        && ramp.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(50));
    }

    // The keep-alive connection of the last round sat idle while the server settled (longer
    // than the server's keep-alive, which then closes it, as it should): start afresh.
    real.forget_keep_alive();
    let measured = measure(real, plan.attack, target.pid);
    let open_at_end = counters.open.load(Ordering::Relaxed);
    stop_tx.send(true).unwrap();
    attackers.join().unwrap();

    // Back to baseline: open files within 16 of it (the real client's own connection and
    // the store's may come and go), then RSS within the bound (the server gives freed memory
    // back on its own schedule).
    let ended = Instant::now();
    let mut settled_after_s = None;
    while ended.elapsed() < plan.settle {
        if Sample::of(target.pid).fds <= baseline.fds + 16 {
            settled_after_s = Some(ended.elapsed().as_secs_f64());
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let rss_bound = baseline.rss_kib + bounds.rss_back_mib * 1024;
    let mut rss_back_after_s = None;
    let mut after = Sample::of(target.pid);
    while ended.elapsed() < plan.settle {
        if after.rss_kib <= rss_bound {
            rss_back_after_s = Some(ended.elapsed().as_secs_f64());
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        after = Sample::of(target.pid);
    }
    Round {
        peak: measured.peak,
        after,
        settled_after_s,
        rss_back_after_s,
        keep_alive: measured.keep_alive,
        new_connections: measured.new_connections,
        attack: AttackCounts {
            opened: counters.opened.load(Ordering::Relaxed),
            closed_by_server: counters.closed_by_server.load(Ordering::Relaxed),
            oversized_refused: counters.oversized_refused.load(Ordering::Relaxed),
            open_at_end,
        },
    }
}

/// The real client's requests over a while, and the server's peak.
#[derive(Debug, serde::Serialize)]
pub struct Measured {
    /// Keep-alive requests.
    pub keep_alive: Latencies,
    /// Requests on new connections (full handshakes).
    pub new_connections: Latencies,
    /// The highest RSS and open files seen.
    pub peak: Sample,
}

/// The real client asks for tokens for `how_long`: keep-alive requests every 10 ms
/// and one in ten on a new connection; the server's `/proc` is sampled meanwhile.
fn measure(real: &RealClient, how_long: Duration, pid: u32) -> Measured {
    let started = Instant::now();
    let mut peak = Sample::of(pid);
    let (mut keep_alive, mut fresh) = (Vec::new(), Vec::new());
    let (mut ka_errors, mut fresh_errors) = (0, 0);
    let (mut ka_first, mut fresh_first) = (None, None);
    let mut n: u64 = 0;
    while started.elapsed() < how_long {
        let t = Instant::now();
        match real.keep_alive_token() {
            Ok(()) => keep_alive.push(micros(t.elapsed())),
            Err(e) => {
                ka_errors += 1;
                ka_first.get_or_insert(e);
            }
        }
        if n.is_multiple_of(10) {
            let t = Instant::now();
            match real.new_connection_token() {
                Ok(()) => fresh.push(micros(t.elapsed())),
                Err(e) => {
                    fresh_errors += 1;
                    fresh_first.get_or_insert(e);
                }
            }
            let now = Sample::of(pid);
            peak.rss_kib = peak.rss_kib.max(now.rss_kib);
            peak.fds = peak.fds.max(now.fds);
        }
        n += 1;
        std::thread::sleep(REAL_INTERVAL.saturating_sub(t.elapsed()));
    }
    Measured {
        keep_alive: Latencies::of(keep_alive, ka_errors, ka_first),
        new_connections: Latencies::of(fresh, fresh_errors, fresh_first),
        peak,
    }
}

/// Time between two of the real client's keep-alive requests.
const REAL_INTERVAL: Duration = Duration::from_millis(10);

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The legitimate client: blocking OpenSSL with its certificate, HTTP/1.1 by hand (one
/// keep-alive connection, reopened when the server closes it; and a new connection per call
/// of [`RealClient::new_connection_token`]).
struct RealClient {
    connector: openssl::ssl::SslConnector,
    port: u16,
    body: String,
    kept: std::cell::RefCell<Option<openssl::ssl::SslStream<std::net::TcpStream>>>,
}

impl RealClient {
    fn new(target: &Target) -> Self {
        use openssl::ssl::{SslConnector, SslFiletype, SslMethod};
        let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
        b.set_ca_file(&target.ca).unwrap();
        b.set_certificate_chain_file(&target.cert).unwrap();
        b.set_private_key_file(&target.key, SslFiletype::PEM)
            .unwrap();
        b.set_alpn_protos(b"\x08http/1.1").unwrap();
        Self {
            connector: b.build(),
            port: target.port,
            body: format!(
                "grant_type=client_credentials&client_id={}",
                crate::server::enc(&target.client_id)
            ),
            kept: std::cell::RefCell::new(None),
        }
    }

    fn connect(&self) -> Result<openssl::ssl::SslStream<std::net::TcpStream>, String> {
        let tcp =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        self.connector
            .connect("localhost", tcp)
            .map_err(|e| format!("handshake: {e}"))
    }

    /// One token request on `stream`; `Ok` when the answer is 200 with a token.
    fn request(
        &self,
        stream: &mut openssl::ssl::SslStream<std::net::TcpStream>,
        close: bool,
    ) -> Result<(), String> {
        use std::io::{Read as _, Write as _};
        let request = format!(
            "POST /connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: \
             application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{}\r\n{}",
            self.body.len(),
            if close { "Connection: close\r\n" } else { "" },
            self.body
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        let mut buf = [0_u8; 4096];
        // The answer ends where its Content-Length says.
        loop {
            let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    return if head.starts_with("HTTP/1.1 200") && body.contains("access_token") {
                        Ok(())
                    } else {
                        Err(head.lines().next().unwrap_or("").to_owned())
                    };
                }
            }
        }
    }

    /// Drops the keep-alive connection; the next request opens a new one.
    fn forget_keep_alive(&self) {
        self.kept.borrow_mut().take();
    }

    fn keep_alive_token(&self) -> Result<(), String> {
        let mut kept = self.kept.borrow_mut();
        if kept.is_none() {
            *kept = Some(self.connect()?);
        }
        let result = self.request(kept.as_mut().unwrap(), false);
        if result.is_err() {
            // Keep-alive ended (or failed): the next request opens a new connection.
            *kept = None;
        }
        result
    }

    fn new_connection_token(&self) -> Result<(), String> {
        let mut stream = self.connect()?;
        self.request(&mut stream, true)
    }
}

/// Every attacker, until `stop`.
async fn attack(
    target: &Target,
    plan: AbusePlan,
    counters: &Arc<Counters>,
    stop: watch::Receiver<bool>,
) {
    let tls = Arc::new(crate::attack::connector_from(
        &target.ca,
        None,
        b"\x08http/1.1",
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..plan.idle + plan.stalled {
        let (port, counters, stop) = (target.port, Arc::clone(counters), stop.clone());
        let stalled = i >= plan.idle;
        tasks.spawn(async move { silent(port, stalled, &counters, stop).await });
    }
    for _ in 0..plan.slow {
        let (port, counters, stop, tls) = (
            target.port,
            Arc::clone(counters),
            stop.clone(),
            Arc::clone(&tls),
        );
        tasks.spawn(async move { slow_headers(port, &tls, &counters, stop).await });
    }
    {
        let (port, counters, stop, tls) = (
            target.port,
            Arc::clone(counters),
            stop.clone(),
            Arc::clone(&tls),
        );
        tasks.spawn(async move { oversized_bursts(port, plan, &tls, &counters, stop).await });
    }
    while tasks.join_next().await.is_some() {}
}

/// Waits until the server closes `stream` (`true`) or `stop` (`false`).
async fn until_closed(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let mut buf = [0_u8; 1024];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            },
            _ = stop.changed() => return false,
        }
    }
}

/// An idle TCP connection (or one that stalls after a partial ClientHello), reopened when the
/// server closes it.
async fn silent(port: u16, stalled: bool, counters: &Counters, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        let Ok(mut tcp) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        counters.opened.fetch_add(1, Ordering::Relaxed);
        counters.open.fetch_add(1, Ordering::Relaxed);
        if stalled {
            let _ = tcp.write_all(PARTIAL_CLIENT_HELLO).await;
        }
        let closed = until_closed(&mut tcp, &mut stop).await;
        counters.open.fetch_sub(1, Ordering::Relaxed);
        if closed {
            counters.closed_by_server.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn tls_connect(
    port: u16,
    tls: &openssl::ssl::SslConnector,
) -> Option<tokio_openssl::SslStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let ssl = tls.configure().ok()?.into_ssl("localhost").ok()?;
    let mut stream = tokio_openssl::SslStream::new(ssl, tcp).ok()?;
    std::pin::Pin::new(&mut stream).connect().await.ok()?;
    Some(stream)
}

/// A request whose headers come one byte every half second, reopened when the server closes
/// it.
async fn slow_headers(
    port: u16,
    tls: &openssl::ssl::SslConnector,
    counters: &Counters,
    mut stop: watch::Receiver<bool>,
) {
    while !*stop.borrow() {
        let Some(mut stream) = tls_connect(port, tls).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        counters.opened.fetch_add(1, Ordering::Relaxed);
        counters.open.fetch_add(1, Ordering::Relaxed);
        let mut closed = stream
            .write_all(b"POST /connect/token HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .is_err();
        while !closed && !*stop.borrow() {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(500)) => {
                    closed = stream.write_all(b"x").await.is_err();
                }
                _ = stop.changed() => {}
            }
            // The server's 408 (or its close) ends the attempt.
            let mut buf = [0_u8; 256];
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buf)).await
            {
                closed = true;
                let _ = n;
            }
        }
        counters.open.fetch_sub(1, Ordering::Relaxed);
        if closed {
            counters.closed_by_server.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Every `burst_every`, `oversized` requests at once with bodies over the limit: half declare
/// 10 MB, half send chunks without end; each waits for the server's answer or close.
async fn oversized_bursts(
    port: u16,
    plan: AbusePlan,
    tls: &Arc<openssl::ssl::SslConnector>,
    counters: &Arc<Counters>,
    mut stop: watch::Receiver<bool>,
) {
    let mut n = 0_usize;
    while !*stop.borrow() {
        let mut burst = tokio::task::JoinSet::new();
        for _ in 0..plan.oversized {
            let (tls, counters) = (Arc::clone(tls), Arc::clone(counters));
            let chunked = n % 2 == 1;
            n += 1;
            burst.spawn(async move {
                let Some(mut stream) = tls_connect(port, &tls).await else {
                    return;
                };
                counters.opened.fetch_add(1, Ordering::Relaxed);
                let head = if chunked {
                    "POST /connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: \
                     application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .to_owned()
                } else {
                    "POST /connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: \
                     application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\n"
                        .to_owned()
                };
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = if chunked {
                    let mut c = b"4000\r\n".to_vec();
                    c.extend(std::iter::repeat_n(b'a', 0x4000));
                    c.extend(b"\r\n");
                    c
                } else {
                    vec![b'a'; 0x4000]
                };
                let mut buf = [0_u8; 1024];
                let (mut reader, mut writer) = tokio::io::split(stream);
                // Send until the server answers or closes (or 4 MB went out).
                for _ in 0..256 {
                    tokio::select! {
                        written = writer.write_all(&chunk) => if written.is_err() { break },
                        read = reader.read(&mut buf) => {
                            if matches!(read, Ok(n) if n > 0) || read.is_err() {
                                break;
                            }
                        }
                    }
                }
                counters.oversized_refused.fetch_add(1, Ordering::Relaxed);
            });
        }
        tokio::select! {
            () = tokio::time::sleep(plan.burst_every) => {}
            _ = stop.changed() => {}
        }
        while burst.join_next().await.is_some() {}
    }
}

/// The files of a certbind process's test PKI: `ca.pem`, `<client>.pem`, `<client>.key`.
#[must_use]
pub fn target(dir: &Path, port: u16, pid: u32, client: &str, client_id: &str) -> Target {
    Target {
        port,
        pid,
        ca: dir.join("ca.pem"),
        cert: dir.join(format!("{client}.pem")),
        key: dir.join(format!("{client}.key")),
        client_id: client_id.to_owned(),
    }
}

/// What a run must show: the real client's p99 under a bound, the server's RSS and open files
/// under stated bounds during the attack, and both back near the baseline afterwards.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Bounds {
    /// The real client's p99, keep-alive and new connections alike, milliseconds.
    pub p99_ms: f64,
    /// Peak RSS over the baseline, MiB.
    pub rss_growth_mib: u64,
    /// Peak open files over the baseline, per 100 attacker connections held (each held
    /// connection is one socket; the rest is slack for the real client and connections being
    /// replaced), plus 64.
    pub fds_per_100_attackers: u64,
    /// RSS after the last attack over RSS after the one before, percent.
    pub rss_regrowth_percent: u64,
    /// RSS over the baseline once the attackers have left (within `settle`), MiB: the TLS
    /// session cache, which the attackers' handshakes fill (at most `session_cache_size`
    /// sessions of ~11.5 KiB: 12 MiB by default, spread over pages it keeps from being given
    /// back), plus what the allocator keeps (under 4 MiB free, and pages partly in use).
    pub rss_back_mib: u64,
}

impl Bounds {
    /// The p99 (100 ms); RSS growth at most 256 MiB; open files at most 1.1 per
    /// attacker connection over the baseline (plus 64); RSS back within 32 MiB of the
    /// baseline after each attack, and after the last at most 15% over RSS after the one
    /// before (not 0: the allocator's free lists differ from run to run, and the TLS session
    /// cache keeps a session for every handshake the attackers complete until it is full). A
    /// leak of a connection's TLS state or buffers (16 KiB and more) over the ~1,000
    /// connections of a short round shows.
    pub const DEFAULT: Self = Self {
        p99_ms: 100.0,
        rss_growth_mib: 256,
        fds_per_100_attackers: 110,
        rss_regrowth_percent: 15,
        rss_back_mib: 32,
    };
}

impl Bounds {
    /// The CI test's: [`Bounds::DEFAULT`] with a p99 of 1 s and RSS back within 16 MiB. A test
    /// must not depend on the machine's speed (CI runs a debug build on a machine shared with
    /// other jobs); 1 s still fails when the real client waits behind the attackers (a
    /// handshake timeout is 5 s). The 100 ms target is bench/abuse.sh's, on a release build.
    pub const CI: Self = Self {
        p99_ms: 1000.0,
        // The short plan's attackers complete a few hundred handshakes, not enough to fill the
        // session cache: RSS comes back within 5-7 MiB (measured), and without the server
        // giving memory back it would stay ~29 MiB over.
        rss_back_mib: 16,
        ..Self::DEFAULT
    };
}

impl AbuseReport {
    /// What broke a bound, in words; empty when the run held.
    #[must_use]
    pub fn problems(&self, bounds: Bounds) -> Vec<String> {
        let mut problems = Vec::new();
        let plan = &self.plan;
        let held = plan.idle + plan.stalled;
        let attackers = held + plan.slow + plan.oversized;
        let rss_bound = self.baseline.rss_kib + bounds.rss_growth_mib * 1024;
        let fds_bound =
            self.baseline.fds + attackers as u64 * bounds.fds_per_100_attackers / 100 + 64;
        for (i, r) in self.rounds.iter().enumerate() {
            let round = i + 1;
            for (what, l) in [
                ("keep-alive", &r.keep_alive),
                ("new-connection", &r.new_connections),
            ] {
                if l.errors > 0 {
                    problems.push(format!(
                        "round {round}: {} {what} requests of the real client failed (first: {})",
                        l.errors,
                        l.first_error.as_deref().unwrap_or("?")
                    ));
                }
                if l.ok == 0 {
                    problems.push(format!(
                        "round {round}: the real client got no {what} token"
                    ));
                }
                if l.p99_ms > bounds.p99_ms {
                    problems.push(format!(
                        "round {round}: {what} p99 {:.1} ms over {} ms",
                        l.p99_ms, bounds.p99_ms
                    ));
                }
            }
            if r.peak.rss_kib > rss_bound {
                problems.push(format!(
                    "round {round}: peak RSS {} KiB over the bound {rss_bound} KiB (baseline {} + {} MiB)",
                    r.peak.rss_kib, self.baseline.rss_kib, bounds.rss_growth_mib
                ));
            }
            if r.peak.fds > fds_bound {
                problems.push(format!(
                    "round {round}: peak open files {} over the bound {fds_bound} (baseline {}, {attackers} attacker connections)",
                    r.peak.fds, self.baseline.fds
                ));
            }
            if r.attack.open_at_end < held * 9 / 10 {
                problems.push(format!(
                    "round {round}: only {} attacker connections were open at the end of the attack (the plan holds {held} idle and stalled ones)",
                    r.attack.open_at_end
                ));
            }
            if r.settled_after_s.is_none() {
                problems.push(format!(
                    "round {round}: open files not back to baseline within {} s: {} after, {} before",
                    plan.settle.as_secs(),
                    r.after.fds,
                    self.baseline.fds
                ));
            }
            if r.rss_back_after_s.is_none() {
                problems.push(format!(
                    "round {round}: RSS not back within {} MiB of the baseline within {} s: {} KiB after, {} KiB before",
                    bounds.rss_back_mib,
                    plan.settle.as_secs(),
                    r.after.rss_kib,
                    self.baseline.rss_kib
                ));
            }
        }
        // Memory: what an attack leaves (the bounded TLS session cache, the allocator's free
        // lists) is reused by the next; growth from the last attack but one to the last is a
        // leak.
        if let [.., previous, last] = self.rounds.as_slice() {
            let allowed =
                previous.after.rss_kib + previous.after.rss_kib * bounds.rss_regrowth_percent / 100;
            if last.after.rss_kib > allowed {
                problems.push(format!(
                    "RSS after the last attack {} KiB is more than {}% over the {} KiB after the one before",
                    last.after.rss_kib, bounds.rss_regrowth_percent, previous.after.rss_kib
                ));
            }
        }
        problems
    }
}

/// The server the abuse run attacks: `certbind serve` (the binary of [`crate::replica::certbind_bin`],
/// `CERTBIND_BIN` to choose a release build) as its own process with the test PKI's config and
/// the default limits, and the attackers' and real client's view of it.
#[derive(Debug)]
pub struct Server {
    /// The running process (stopped on drop).
    pub replica: crate::replica::Replica,
    /// Its PKI (removed on drop).
    pub pki: crate::server::TestPki,
    /// What the run needs.
    pub target: Target,
}

impl Server {
    /// Starts it; `limits` is the `[server.limits]` table's body and `tls` lines added to
    /// `[server.tls]` (empty: every default). Raises this process's own open-files limit
    /// first: the attackers hold one socket each.
    #[must_use]
    pub fn start(limits: &str, tls: &str) -> Self {
        let _ = certbind_host::limits::raise_open_files_limit();
        let pki = crate::server::TestPki::new();
        let config = pki.dir().join("certbind.toml");
        let text = pki.config_with_tls(false, tls).replacen(
            "[server.tls]",
            &format!("[server.limits]\n{limits}\n\n[server.tls]"),
            1,
        );
        std::fs::write(&config, text).unwrap();
        let replica = crate::replica::Replica::start(&config, &[], pki.dir(), "abuse");
        let target = target(
            pki.dir(),
            replica.port,
            replica.pid(),
            "client",
            "certclient",
        );
        Self {
            replica,
            pki,
            target,
        }
    }
}
