//! Token load for the fleet harness (`bench/cluster.sh`): keep-alive clients (one connection
//! each, reused until the server says `Connection: close` or it fails), HTTP/2 clients (counted
//! with the keep-alive ones: one connection each, reused until the server's GOAWAY or it
//! fails) and new-handshake clients (a new TCP connection and a full TLS handshake with the
//! client certificate for every request) at once, each in a closed loop, until a stop file appears. Every request is recorded (start,
//! end, which kind of client, when its connection was opened, what went wrong), every token
//! kept; [`summarize`] then sets the failures against the events the harness logged.
//!
//! A failed request is one the client started and did not get a token for: a connection or
//! handshake that failed, a connection that closed before the response, a response other than
//! 200 with a token, or no response within the timeout. A keep-alive connection the server
//! closed after saying so (`Connection: close`) is not one: the client opens another, as HTTP
//! clients do; nor is an HTTP/2 request the client could not start because the connection had
//! gone away (GOAWAY received, or the connection ended): it was never sent, and the client
//! sends it on a new connection, as HTTP/2 clients do. A request sent and then lost is one.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use openssl::ssl::{SslConnector, SslFiletype, SslMethod};

/// Microseconds since the Unix epoch (the harness logs its events on the same clock).
#[must_use]
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// What to load and how.
#[derive(Debug, Clone)]
pub struct LoadSettings {
    /// `https://host:port/path` of the token endpoint.
    pub url: String,
    /// CA of the server certificate (PEM).
    pub ca: PathBuf,
    /// Client certificate (PEM).
    pub cert: PathBuf,
    /// Its key (PEM).
    pub key: PathBuf,
    /// The form body of each token request.
    pub body: String,
    /// Keep-alive clients.
    pub keepalive: usize,
    /// New-handshake clients.
    pub handshake: usize,
    /// HTTP/2 clients (ALPN `h2`; counted with the keep-alive clients).
    pub http2: usize,
    /// Stop when this file exists.
    pub stop_file: Option<PathBuf>,
    /// Stop after this long in any case.
    pub max_duration: Duration,
    /// A request without its response after this long has failed.
    pub timeout: Duration,
    /// Each client waits this long between requests (zero: a closed loop at full speed).
    pub pause: Duration,
}

/// One request.
#[derive(Debug, Clone)]
pub struct Record {
    /// When it started (µs since the epoch): before the connection, when it opened one.
    pub start_us: u64,
    /// When it ended.
    pub end_us: u64,
    /// From a keep-alive client (else a new-handshake one).
    pub keepalive: bool,
    /// When the connection it went on was opened.
    pub connection_opened_us: u64,
    /// Why it failed; `None`: a token.
    pub error: Option<String>,
}

/// A load run: every request and every token.
#[derive(Debug, Default)]
pub struct LoadRun {
    /// When the clients started (µs since the epoch).
    pub started_us: u64,
    /// When the last one stopped.
    pub ended_us: u64,
    /// Every request, by client, in order.
    pub records: Vec<Record>,
    /// Every access token issued.
    pub tokens: Vec<String>,
}

/// The target, resolved once.
struct Target {
    address: SocketAddr,
    host: String,
    path: String,
    body: Bytes,
    connector: SslConnector,
    timeout: Duration,
    pause: Duration,
}

type Sender = SendRequest<Full<Bytes>>;
type H2Sender = h2::client::SendRequest<Bytes>;

impl Target {
    async fn new(settings: &LoadSettings) -> Result<Self, String> {
        let url =
            reqwest::Url::parse(&settings.url).map_err(|e| format!("{}: {e}", settings.url))?;
        let host = url.host_str().ok_or("the URL has no host")?.to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let mut addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| format!("{host}: {e}"))?
            .collect();
        addresses.sort_by_key(|a| !a.is_ipv4());
        let address = *addresses.first().ok_or("the host does not resolve")?;
        let mut connector =
            SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
        connector
            .set_ca_file(&settings.ca)
            .map_err(|e| format!("{}: {e}", settings.ca.display()))?;
        connector
            .set_certificate_chain_file(&settings.cert)
            .map_err(|e| format!("{}: {e}", settings.cert.display()))?;
        connector
            .set_private_key_file(&settings.key, SslFiletype::PEM)
            .map_err(|e| format!("{}: {e}", settings.key.display()))?;
        Ok(Self {
            address,
            host: match url.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            },
            path: url.path().to_owned(),
            body: Bytes::from(settings.body.clone()),
            connector: connector.build(),
            timeout: settings.timeout,
            pause: settings.pause,
        })
    }

    /// TCP and a full TLS handshake (no session is resumed: each `Ssl` is new and none is set
    /// on it), offering `alpn` (wire format) when given.
    async fn tls(
        &self,
        alpn: Option<&[u8]>,
    ) -> Result<tokio_openssl::SslStream<tokio::net::TcpStream>, String> {
        let tcp = tokio::net::TcpStream::connect(self.address)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| format!("connect: {e}"))?;
        let name = self.host.split(':').next().unwrap_or_default();
        let mut ssl = self
            .connector
            .configure()
            .and_then(|c| c.into_ssl(name))
            .map_err(|e| format!("tls: {e}"))?;
        if let Some(protocols) = alpn {
            ssl.set_alpn_protos(protocols)
                .map_err(|e| format!("tls: {e}"))?;
        }
        let mut tls = tokio_openssl::SslStream::new(ssl, tcp).map_err(|e| format!("tls: {e}"))?;
        Pin::new(&mut tls)
            .connect()
            .await
            .map_err(|e| format!("tls: {e}"))?;
        Ok(tls)
    }

    /// A new HTTP/1.1 connection.
    async fn connect(&self) -> Result<Sender, String> {
        let tls = self.tls(None).await?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| format!("http: {e}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// A new HTTP/2 connection (the server must select `h2`).
    async fn connect_h2(&self) -> Result<H2Sender, String> {
        let tls = self.tls(Some(b"\x02h2")).await?;
        if tls.ssl().selected_alpn_protocol() != Some(b"h2".as_slice()) {
            return Err("tls: the server did not select h2".to_owned());
        }
        let (sender, connection) = h2::client::handshake(tls)
            .await
            .map_err(|e| format!("h2: {e}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// One token request on an HTTP/2 connection: `Ok(None)` when it could not be started
    /// because the connection has gone away (nothing was sent), else the token or why not.
    async fn request_h2(&self, sender: H2Sender) -> Result<Option<(String, H2Sender)>, String> {
        let Ok(mut sender) = sender.ready().await else {
            return Ok(None);
        };
        let request = http::Request::post(format!("https://{}{}", self.host, self.path))
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(())
            .map_err(|e| format!("h2: {e}"))?;
        let Ok((response, mut body)) = sender.send_request(request, false) else {
            return Ok(None);
        };
        body.send_data(self.body.clone(), true)
            .map_err(|e| format!("h2: sending the body: {e}"))?;
        let response = response.await.map_err(|e| format!("h2: {e}"))?;
        let status = response.status();
        let mut stream = response.into_body();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.data().await {
            let chunk = chunk.map_err(|e| format!("h2: {e}"))?;
            let _ = stream.flow_control().release_capacity(chunk.len());
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some((token_of(status.as_u16(), &bytes)?, sender)))
    }

    /// One token request on `sender`: the token and whether the server closes the connection.
    async fn request(&self, sender: &mut Sender, close: bool) -> Result<(String, bool), String> {
        sender.ready().await.map_err(|e| format!("http: {e}"))?;
        let mut request = hyper::Request::post(&self.path)
            .header(hyper::header::HOST, &self.host)
            .header(
                hyper::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        if close {
            request = request.header(hyper::header::CONNECTION, "close");
        }
        let request = request
            .body(Full::new(self.body.clone()))
            .map_err(|e| format!("http: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("http: {e}"))?;
        let status = response.status();
        let closes = response
            .headers()
            .get(hyper::header::CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("http: {e}"))?
            .to_bytes();
        Ok((token_of(status.as_u16(), &body)?, closes))
    }
}

/// The access token of a token response, or why there is none.
fn token_of(status: u16, body: &[u8]) -> Result<String, String> {
    if status != 200 {
        return Err(format!(
            "status {status}: {}",
            String::from_utf8_lossy(body.get(..body.len().min(200)).unwrap_or_default())
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("body: {e}"))?;
    json.get("access_token")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "body: no access_token".to_owned())
}

/// What one client did.
#[derive(Default)]
struct ClientRun {
    records: Vec<Record>,
    tokens: Vec<String>,
}

/// A keep-alive client: one connection, reused; a new one when the server said
/// `Connection: close`, when the connection ended between requests, or after a failure.
async fn keepalive_client(target: Arc<Target>, stop: Arc<AtomicBool>) -> ClientRun {
    let mut run = ClientRun::default();
    let mut connection: Option<(Sender, u64)> = None;
    while !stop.load(Ordering::Relaxed) {
        let start_us = now_us();
        if connection.as_ref().is_some_and(|(s, _)| s.is_closed()) {
            connection = None;
        }
        let attempt = async {
            let (mut sender, opened) = match connection.take() {
                Some(open) => open,
                None => (target.connect().await?, now_us()),
            };
            let result = target.request(&mut sender, false).await;
            Ok::<_, String>((result, sender, opened))
        };
        let outcome = tokio::time::timeout(target.timeout, attempt).await;
        let end_us = now_us();
        let (error, opened) = match outcome {
            Err(_) => (
                Some(format!("timeout after {:?}", target.timeout)),
                start_us,
            ),
            Ok(Err(e)) => (Some(e), start_us),
            Ok(Ok((Err(e), _, opened))) => (Some(e), opened),
            Ok(Ok((Ok((token, closes)), sender, opened))) => {
                run.tokens.push(token);
                if !closes {
                    connection = Some((sender, opened));
                }
                (None, opened)
            }
        };
        let failed = error.is_some();
        run.records.push(Record {
            start_us,
            end_us,
            keepalive: true,
            connection_opened_us: opened,
            error,
        });
        pause(&target, failed).await;
    }
    run
}

/// Between two requests: the configured pause, and at least 10 ms after a failure (do not spin
/// while nothing answers).
async fn pause(target: &Target, failed: bool) {
    let wait = if failed {
        target.pause.max(Duration::from_millis(10))
    } else {
        target.pause
    };
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

/// An HTTP/2 client: one connection, reused; a new one when the server sent GOAWAY or the
/// connection ended (the request not yet sent goes on the new one), or after a failure.
async fn http2_client(target: Arc<Target>, stop: Arc<AtomicBool>) -> ClientRun {
    let mut run = ClientRun::default();
    let mut connection: Option<(H2Sender, u64)> = None;
    while !stop.load(Ordering::Relaxed) {
        let start_us = now_us();
        let attempt = async {
            // A connection that went away before the request could start: another, at most
            // twice (a third would be a server that closes every new connection at once).
            for _ in 0..3 {
                let (sender, opened) = match connection.take() {
                    Some(open) => open,
                    None => (
                        target.connect_h2().await.map_err(|e| (e, now_us()))?,
                        now_us(),
                    ),
                };
                match target.request_h2(sender).await {
                    Ok(Some((token, sender))) => return Ok((token, sender, opened)),
                    Ok(None) => {}
                    Err(e) => return Err((e, opened)),
                }
            }
            Err(("h2: every new connection went away".to_owned(), now_us()))
        };
        let (error, opened) = match tokio::time::timeout(target.timeout, attempt).await {
            Err(_) => (
                Some(format!("h2: timeout after {:?}", target.timeout)),
                start_us,
            ),
            Ok(Err((e, opened))) => (Some(e), opened),
            Ok(Ok((token, sender, opened))) => {
                run.tokens.push(token);
                connection = Some((sender, opened));
                (None, opened)
            }
        };
        let failed = error.is_some();
        run.records.push(Record {
            start_us,
            end_us: now_us(),
            keepalive: true,
            connection_opened_us: opened,
            error,
        });
        pause(&target, failed).await;
    }
    run
}

/// A new-handshake client: a new connection for every request, `Connection: close`.
async fn handshake_client(target: Arc<Target>, stop: Arc<AtomicBool>) -> ClientRun {
    let mut run = ClientRun::default();
    while !stop.load(Ordering::Relaxed) {
        let start_us = now_us();
        let attempt = async {
            let mut sender = target.connect().await?;
            target.request(&mut sender, true).await
        };
        let error = match tokio::time::timeout(target.timeout, attempt).await {
            Err(_) => Some(format!("timeout after {:?}", target.timeout)),
            Ok(Err(e)) => Some(e),
            Ok(Ok((token, _))) => {
                run.tokens.push(token);
                None
            }
        };
        let failed = error.is_some();
        run.records.push(Record {
            start_us,
            end_us: now_us(),
            keepalive: false,
            connection_opened_us: start_us,
            error,
        });
        pause(&target, failed).await;
    }
    run
}

/// Runs the clients until the stop file appears or `max_duration` has passed.
///
/// # Errors
/// The URL or the PEM files cannot be used.
pub async fn run(settings: &LoadSettings) -> Result<LoadRun, String> {
    let target = Arc::new(Target::new(settings).await?);
    let stop = Arc::new(AtomicBool::new(false));
    let started_us = now_us();
    let mut clients = Vec::new();
    for _ in 0..settings.keepalive {
        clients.push(tokio::spawn(keepalive_client(target.clone(), stop.clone())));
    }
    for _ in 0..settings.handshake {
        clients.push(tokio::spawn(handshake_client(target.clone(), stop.clone())));
    }
    for _ in 0..settings.http2 {
        clients.push(tokio::spawn(http2_client(target.clone(), stop.clone())));
    }
    let deadline = tokio::time::Instant::now() + settings.max_duration;
    loop {
        let stop_file = settings.stop_file.as_deref().is_some_and(Path::exists);
        if stop_file || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut load = LoadRun {
        started_us,
        ..LoadRun::default()
    };
    for client in clients {
        let run = client.await.map_err(|e| e.to_string())?;
        load.records.extend(run.records);
        load.tokens.extend(run.tokens);
    }
    load.ended_us = now_us();
    Ok(load)
}

/// An event of the harness's log (`<µs since the epoch> <kind> <detail…>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at_us: u64,
    /// `phase` (a new part of the scenario starts), `kill` (a replica was sent SIGKILL), or
    /// anything else (a mark on the plot).
    pub kind: String,
    /// The rest of the line.
    pub detail: String,
}

/// Reads the harness's event log.
///
/// # Errors
/// A line that is not `<µs> <kind> [detail]`.
pub fn parse_events(text: &str) -> Result<Vec<Event>, String> {
    let mut events = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let at_us = parts
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("events line {}: no time in {line:?}", n + 1))?;
        let kind = parts
            .next()
            .ok_or_else(|| format!("events line {}: no kind in {line:?}", n + 1))?;
        events.push(Event {
            at_us,
            kind: kind.to_owned(),
            detail: parts.next().unwrap_or_default().to_owned(),
        });
    }
    events.sort_by_key(|e| e.at_us);
    Ok(events)
}

/// How long after a killed replica is gone a keep-alive client may still send on a connection
/// that went to it before it has seen that connection close (the balancer passes the close on;
/// a client sending at that moment loses the request).
pub const KILL_NOTICE: Duration = Duration::from_secs(1);

/// A SIGKILL: sent at `sent_us` (the harness's `kill` event), the process gone (reaped) by
/// `gone_us` (its `dead` event); the kill's instant is somewhere between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kill {
    /// Before the signal was sent.
    pub sent_us: u64,
    /// After the process was reaped.
    pub gone_us: u64,
}

/// Whether `failure` is one of the requests in flight on a replica at its `kill`: started before
/// it was gone and ended after the signal, or (keep-alive) sent on a connection that was open
/// when it went, within [`KILL_NOTICE`] of that.
#[must_use]
pub fn in_flight_at_kill(failure: &Record, kill: Kill) -> bool {
    let notice = u64::try_from(KILL_NOTICE.as_micros()).unwrap_or(u64::MAX);
    failure.end_us >= kill.sent_us
        && (failure.start_us <= kill.gone_us
            || (failure.keepalive
                && failure.connection_opened_us <= kill.gone_us
                && failure.start_us <= kill.gone_us + notice))
}

/// Per phase of the scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PhaseSummary {
    /// Its name.
    pub name: String,
    /// Seconds from the start of the load.
    pub from_s: f64,
    /// Seconds from the start of the load (its end).
    pub to_s: f64,
    /// Tokens received.
    pub ok: u64,
    /// Failed requests.
    pub failed: u64,
    /// Of which in flight on a killed replica.
    pub failed_at_kill: u64,
}

/// Per SIGKILL.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KillSummary {
    /// Which replica.
    pub replica: String,
    /// Seconds from the start of the load.
    pub at_s: f64,
    /// Requests in flight at that instant that failed.
    pub failed_in_flight: u64,
    /// Requests sent on connections that were open to it, before the client saw them close.
    pub failed_on_open_connections: u64,
}

/// What a load run amounts to against the harness's events.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadSummary {
    /// When the load started (µs since the epoch; the events' clock).
    pub started_us: u64,
    /// Seconds the load ran.
    pub seconds: f64,
    /// Tokens received, keep-alive clients.
    pub ok_keepalive: u64,
    /// Tokens received, new-handshake clients.
    pub ok_handshake: u64,
    /// Failed requests, keep-alive clients.
    pub failed_keepalive: u64,
    /// Failed requests, new-handshake clients.
    pub failed_handshake: u64,
    /// Failed requests that were not in flight on a killed replica: the number the harness
    /// requires to be zero.
    pub failed_not_at_a_kill: u64,
    /// Latency of the successful requests, ms: p50 and p99, per kind of client.
    pub latency_ms: serde_json::Value,
    /// Per phase.
    pub phases: Vec<PhaseSummary>,
    /// Per SIGKILL.
    pub kills: Vec<KillSummary>,
    /// Up to 20 failures: when (s), which client, why.
    pub failures: Vec<String>,
}

fn seconds(from_us: u64, to_us: u64) -> f64 {
    Duration::from_micros(to_us.saturating_sub(from_us)).as_secs_f64()
}

fn percentile(sorted: &[u64], p: usize) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = (sorted.len() - 1) * p / 100;
    Duration::from_micros(sorted.get(index).copied().unwrap_or_default()).as_secs_f64() * 1000.0
}

/// Sets the run's requests against `events`.
#[must_use]
pub fn summarize(load: &LoadRun, events: &[Event]) -> LoadSummary {
    // Each `kill` with the `dead` of the same replica that follows it.
    let kill_events: Vec<&Event> = events.iter().filter(|e| e.kind == "kill").collect();
    let kills: Vec<Kill> = kill_events
        .iter()
        .map(|k| Kill {
            sent_us: k.at_us,
            gone_us: events
                .iter()
                .find(|d| d.kind == "dead" && d.detail == k.detail && d.at_us >= k.at_us)
                .map_or(k.at_us, |d| d.at_us),
        })
        .collect();
    // The index of the last kill sent before the request ended, when it was in flight on it.
    let at_kill = |r: &Record| {
        kills
            .iter()
            .rposition(|k| k.sent_us <= r.end_us)
            .filter(|i| kills.get(*i).is_some_and(|k| in_flight_at_kill(r, *k)))
    };
    let mut phase_marks: Vec<(&str, u64)> = vec![("start", load.started_us)];
    phase_marks.extend(
        events
            .iter()
            .filter(|e| e.kind == "phase" && e.at_us > load.started_us && e.at_us < load.ended_us)
            .map(|e| (e.detail.as_str(), e.at_us)),
    );
    let mut phases: Vec<PhaseSummary> = phase_marks
        .iter()
        .enumerate()
        .map(|(i, (name, from))| {
            let to = phase_marks.get(i + 1).map_or(load.ended_us, |m| m.1);
            PhaseSummary {
                name: (*name).to_owned(),
                from_s: seconds(load.started_us, *from),
                to_s: seconds(load.started_us, to),
                ok: 0,
                failed: 0,
                failed_at_kill: 0,
            }
        })
        .collect();
    let mut kill_summaries: Vec<KillSummary> = kill_events
        .iter()
        .map(|k| KillSummary {
            replica: k.detail.clone(),
            at_s: seconds(load.started_us, k.at_us),
            failed_in_flight: 0,
            failed_on_open_connections: 0,
        })
        .collect();
    let mut summary = LoadSummary {
        started_us: load.started_us,
        seconds: seconds(load.started_us, load.ended_us),
        ok_keepalive: 0,
        ok_handshake: 0,
        failed_keepalive: 0,
        failed_handshake: 0,
        failed_not_at_a_kill: 0,
        latency_ms: serde_json::Value::Null,
        phases: Vec::new(),
        kills: Vec::new(),
        failures: Vec::new(),
    };
    let (mut latency_ka, mut latency_hs) = (Vec::new(), Vec::new());
    for r in &load.records {
        let phase_index = phase_marks
            .iter()
            .rposition(|m| m.1 <= r.end_us)
            .unwrap_or(0);
        let phase = phases.get_mut(phase_index);
        match (&r.error, r.keepalive) {
            (None, keepalive) => {
                let latency = r.end_us.saturating_sub(r.start_us);
                if keepalive {
                    summary.ok_keepalive += 1;
                    latency_ka.push(latency);
                } else {
                    summary.ok_handshake += 1;
                    latency_hs.push(latency);
                }
                if let Some(p) = phase {
                    p.ok += 1;
                }
            }
            (Some(error), keepalive) => {
                if keepalive {
                    summary.failed_keepalive += 1;
                } else {
                    summary.failed_handshake += 1;
                }
                let kill = at_kill(r);
                if let Some(p) = phase {
                    p.failed += 1;
                    p.failed_at_kill += u64::from(kill.is_some());
                }
                match kill {
                    Some(i) => {
                        if let (Some(s), Some(k)) = (kill_summaries.get_mut(i), kills.get(i)) {
                            if r.start_us <= k.gone_us {
                                s.failed_in_flight += 1;
                            } else {
                                s.failed_on_open_connections += 1;
                            }
                        }
                    }
                    None => summary.failed_not_at_a_kill += 1,
                }
                if summary.failures.len() < 20 {
                    summary.failures.push(format!(
                        "{:.3}s {} {}{}",
                        seconds(load.started_us, r.start_us),
                        if keepalive {
                            "keep-alive"
                        } else {
                            "new-handshake"
                        },
                        error,
                        if kill.is_some() {
                            " (in flight at a kill)"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
    }
    latency_ka.sort_unstable();
    latency_hs.sort_unstable();
    summary.latency_ms = serde_json::json!({
        "keepalive": {"p50": percentile(&latency_ka, 50), "p99": percentile(&latency_ka, 99)},
        "handshake": {"p50": percentile(&latency_hs, 50), "p99": percentile(&latency_hs, 99)},
    });
    phases.retain(|p| p.to_s > p.from_s);
    summary.phases = phases;
    summary.kills = kill_summaries;
    summary
}

/// Tokens and failures per `bucket` of time, by end time: CSV with the seconds since the start
/// of the load, then keep-alive and new-handshake tokens per second and failures in the bucket.
#[must_use]
pub fn timeseries_csv(load: &LoadRun, bucket: Duration) -> String {
    let bucket_us = u64::try_from(bucket.as_micros()).unwrap_or(1).max(1);
    let buckets =
        usize::try_from(load.ended_us.saturating_sub(load.started_us) / bucket_us + 1).unwrap_or(0);
    let mut rows = vec![[0_u64; 4]; buckets];
    for r in &load.records {
        let i = usize::try_from(r.end_us.saturating_sub(load.started_us) / bucket_us).unwrap_or(0);
        let column = match (r.keepalive, r.error.is_some()) {
            (true, false) => 0,
            (false, false) => 1,
            (true, true) => 2,
            (false, true) => 3,
        };
        if let Some(cell) = rows.get_mut(i).and_then(|row| row.get_mut(column)) {
            *cell += 1;
        }
    }
    let per_second = 1.0 / bucket.as_secs_f64();
    let mut csv = String::from(
        "t_s,ok_keepalive_per_s,ok_handshake_per_s,failed_keepalive,failed_handshake\n",
    );
    for (i, [ka, hs, fka, fhs]) in rows.iter().enumerate() {
        let t = bucket.as_secs_f64() * f64::from(u32::try_from(i).unwrap_or(u32::MAX));
        #[allow(clippy::cast_precision_loss)]
        let (ka, hs) = (*ka as f64 * per_second, *hs as f64 * per_second);
        csv.push_str(&format!("{t:.3},{ka:.1},{hs:.1},{fka},{fhs}\n"));
    }
    csv
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn record(start_us: u64, end_us: u64, keepalive: bool, opened: u64, failed: bool) -> Record {
        Record {
            start_us,
            end_us,
            keepalive,
            connection_opened_us: opened,
            error: failed.then(|| "http: connection closed".to_owned()),
        }
    }

    #[test]
    fn only_requests_in_flight_on_a_killed_replica_are_excused() {
        let kill = Kill {
            sent_us: 10_000_000,
            gone_us: 10_002_000,
        };
        let (sent, gone) = (kill.sent_us, kill.gone_us);
        // Started before it was gone, ended after the signal: in flight.
        assert!(in_flight_at_kill(
            &record(sent - 5, sent + 5, false, sent - 5, true),
            kill
        ));
        assert!(in_flight_at_kill(
            &record(sent + 5, gone + 5, false, sent + 5, true),
            kill
        ));
        // Keep-alive, connection open when it went, sent just after: in flight on it.
        assert!(in_flight_at_kill(
            &record(gone + 10, gone + 20, true, sent - 99, true),
            kill
        ));
        // The same a second later, or on a connection opened after it went: not.
        assert!(!in_flight_at_kill(
            &record(gone + 1_000_001, gone + 1_000_002, true, sent - 99, true),
            kill
        ));
        assert!(!in_flight_at_kill(
            &record(gone + 10, gone + 20, true, gone + 5, true),
            kill
        ));
        // A new-handshake request started after it was gone: not.
        assert!(!in_flight_at_kill(
            &record(gone + 10, gone + 20, false, gone + 10, true),
            kill
        ));
        // Ended before the signal: not.
        assert!(!in_flight_at_kill(
            &record(sent - 20, sent - 10, false, sent - 20, true),
            kill
        ));
    }

    #[test]
    fn failures_are_counted_per_phase_and_per_kill() {
        let load = LoadRun {
            started_us: 0,
            ended_us: 30_000_000,
            records: vec![
                record(1_000_000, 1_001_000, true, 0, false),
                record(12_000_000, 12_001_000, false, 12_000_000, true),
                record(19_999_000, 20_000_500, true, 5_000_000, true),
                record(21_000_000, 21_000_100, false, 21_000_000, false),
            ],
            tokens: Vec::new(),
        };
        let events = parse_events(
            "10000000 phase rolling-restart\n20000000 phase kill\n20000000 kill 2\n20000300 dead 2\n25000000 down 2\n",
        )
        .unwrap_or_default();
        let s = summarize(&load, &events);
        assert_eq!((s.ok_keepalive, s.ok_handshake), (1, 1));
        assert_eq!((s.failed_keepalive, s.failed_handshake), (1, 1));
        assert_eq!(s.failed_not_at_a_kill, 1, "the rolling restart's failure");
        let names: Vec<&str> = s.phases.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["start", "rolling-restart", "kill"]);
        assert_eq!(s.phases[1].failed, 1);
        assert_eq!((s.phases[2].failed, s.phases[2].failed_at_kill), (1, 1));
        assert_eq!(s.kills[0].failed_in_flight, 1);
        assert!(parse_events("x phase y").is_err());
        let csv = timeseries_csv(&load, Duration::from_secs(10));
        assert_eq!(csv.lines().nth(1), Some("0.000,0.1,0.0,0,0"));
        assert_eq!(csv.lines().nth(2), Some("10.000,0.0,0.0,0,1"));
        assert_eq!(csv.lines().nth(3), Some("20.000,0.0,0.1,1,0"));
    }
}
