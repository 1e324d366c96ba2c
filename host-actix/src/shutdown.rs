//! Stopping a replica without failing a request behind a load balancer.
//!
//! On the first SIGTERM or SIGINT, in this order:
//! 1. **drain** at once: `/readyz` answers 503 `draining` (the balancer's health checks take the
//!    replica out), systemd hears `STOPPING=1`, every HTTP/1.1 response carries
//!    `Connection: close` and every HTTP/2 connection gets a GOAWAY (see [`crate::goaway`]), so
//!    clients move to other replicas; new connections are still accepted and served, because the
//!    balancer keeps sending some until its checks have seen the 503;
//! 2. after [`ShutdownSettings::drain_delay`]: the listeners close, idle connections are closed,
//!    requests in flight finish within [`ShutdownSettings::grace_period`] (connections still open
//!    after it are dropped);
//! 3. the process exits 0.
//!
//! A second signal at any time exits at once (128 + the signal's number, as a shell reports a
//! process killed by it). actix-server's own signal handling is off
//! ([`crate::startup::Application`] disables it): it would close the listeners at the first
//! signal, before any balancer noticed.

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use serde::Deserialize;
use tokio::signal::unix::{Signal, SignalKind, signal};
use toml::Spanned;

/// Default [`ShutdownSettings::drain_delay`]: long enough for a balancer checking every second
/// or two to see two failed checks.
pub const DEFAULT_DRAIN_DELAY: Duration = Duration::from_secs(5);
/// Default [`ShutdownSettings::grace_period`].
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(10);
/// Longest drain delay or grace period a config may ask for.
const MAX_SECONDS: u64 = 3600;

/// `[server.shutdown]`: how a replica stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownSettings {
    /// From the first signal until the listeners close: not ready, still serving, every
    /// connection told to close (`drain_delay`, seconds; default 5).
    pub drain_delay: Duration,
    /// From closing the listeners until requests in flight are abandoned (`grace_period`,
    /// seconds; default 10).
    pub grace_period: Duration,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self {
            drain_delay: DEFAULT_DRAIN_DELAY,
            grace_period: DEFAULT_GRACE_PERIOD,
        }
    }
}

impl ShutdownSettings {
    /// These settings with another drain delay (`certbind serve --drain-delay`).
    #[must_use]
    pub fn with_drain_delay(mut self, drain_delay: Duration) -> Self {
        self.drain_delay = drain_delay;
        self
    }
}

/// The `[server.shutdown]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShutdownSection {
    drain_delay: Option<Spanned<u64>>,
    grace_period: Option<Spanned<u64>>,
}

impl ShutdownSection {
    /// The settings, or the span, field and reason of the first bad value.
    pub(crate) fn settings(
        &self,
    ) -> Result<ShutdownSettings, (Range<usize>, &'static str, String)> {
        let seconds =
            |value: &Option<Spanned<u64>>, field: &'static str, default: Duration| match value {
                Some(v) if *v.get_ref() > MAX_SECONDS => Err((
                    v.span(),
                    field,
                    format!("must be between 0 and {MAX_SECONDS} seconds"),
                )),
                Some(v) => Ok(Duration::from_secs(*v.get_ref())),
                None => Ok(default),
            };
        Ok(ShutdownSettings {
            drain_delay: seconds(
                &self.drain_delay,
                "server.shutdown.drain_delay",
                DEFAULT_DRAIN_DELAY,
            )?,
            grace_period: seconds(
                &self.grace_period,
                "server.shutdown.grace_period",
                DEFAULT_GRACE_PERIOD,
            )?,
        })
    }
}

/// Whether this process is draining: set once by the first stop signal, read by `/readyz`, the
/// `Connection: close` middleware and the HTTP/2 connections. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct Drain(Arc<DrainState>);

#[derive(Debug, Default)]
struct DrainState {
    draining: AtomicBool,
    since: OnceLock<u64>,
    /// Woken when the drain starts (HTTP/2 connections waiting to send their GOAWAY).
    started: tokio::sync::Notify,
}

impl Drain {
    /// Starts the drain at `now` (Unix seconds); `false` when it had already started.
    pub fn start(&self, now: u64) -> bool {
        if self.0.draining.swap(true, Ordering::SeqCst) {
            return false;
        }
        let _ = self.0.since.set(now);
        self.0.started.notify_waiters();
        true
    }

    /// Whether the drain has started.
    #[must_use]
    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Relaxed)
    }

    /// When the drain started (Unix seconds).
    #[must_use]
    pub fn since(&self) -> Option<u64> {
        self.0.since.get().copied()
    }

    /// Resolves once the drain has started (at once when it already has).
    pub async fn started(&self) {
        let notified = self.0.started.notified();
        if self.is_draining() {
            return;
        }
        notified.await;
    }
}

/// Middleware: while draining, every response closes its HTTP/1.1 connection
/// (`Connection: close`), so a keep-alive client opens its next connection through the balancer,
/// to another replica. HTTP/2 has no such header (actix-http leaves it out); those connections
/// get a GOAWAY instead.
///
/// # Errors
/// A service's error, passed on (actix-web's handlers turn theirs into responses, which get the
/// header like any other).
pub(crate) async fn close_while_draining(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let drain = request
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|state| state.drain.clone());
    let mut response = next.call(request).await?;
    if drain.is_some_and(|d| d.is_draining()) {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}

/// The stop signals, SIGTERM (service managers, orchestrators) and SIGINT (Ctrl-C), caught from
/// the moment this is made: install them before the listeners are bound, so that a signal sent
/// as soon as the port accepts is a drain, not the default instant death. A signal that arrives
/// before the server runs is kept and starts the drain at once.
#[derive(Debug)]
pub struct StopSignals {
    term: Signal,
    int: Signal,
}

impl StopSignals {
    /// Catches SIGTERM and SIGINT (on the current actix/tokio runtime).
    ///
    /// # Errors
    /// The handlers cannot be installed.
    pub fn install() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The next stop signal: its name and the exit code it means when it ends the process now.
    async fn next(&mut self) -> (&'static str, u8) {
        tokio::select! {
            _ = self.term.recv() => ("SIGTERM", 128 + 15),
            _ = self.int.recv() => ("SIGINT", 128 + 2),
        }
    }
}

/// Runs `server` until it stops: by `handle` from elsewhere, or by one of `signals` with the drain
/// described in the module documentation; systemd hears `READY=1` once the listeners accept.
/// `drain` is the flag the routes read.
///
/// # Errors
/// The server failed.
pub(crate) async fn run<F>(
    server: F,
    handle: ServerHandle,
    drain: Drain,
    settings: ShutdownSettings,
    mut signals: StopSignals,
) -> std::io::Result<()>
where
    F: Future<Output = std::io::Result<()>>,
{
    let mut server = std::pin::pin!(crate::systemd::when_started(server, || {
        crate::systemd::ready();
    }));
    let (name, _) = tokio::select! {
        result = &mut server => return result,
        first = signals.next() => first,
    };
    drain.start(crate::time::now_unix());
    tracing::info!(
        target: "certbind::shutdown",
        signal = name,
        drain_delay_s = settings.drain_delay.as_secs(),
        grace_period_s = settings.grace_period.as_secs(),
        "draining: /readyz answers 503 and every connection is told to close; the listeners \
         close after the drain delay (a second signal exits at once)"
    );
    crate::systemd::stopping();
    actix_web::rt::spawn(async move {
        let (name, code) = signals.next().await;
        tracing::warn!(target: "certbind::shutdown", signal = name, "second signal: exiting now");
        std::process::exit(i32::from(code));
    });
    tokio::select! {
        result = &mut server => return result,
        () = actix_web::rt::time::sleep(settings.drain_delay) => {}
    }
    tracing::info!(
        target: "certbind::shutdown",
        grace_period_s = settings.grace_period.as_secs(),
        "closing the listeners; requests in flight may finish within the grace period"
    );
    // The command is sent now; the server future (polled below) carries it out.
    drop(handle.stop(true));
    let closed = std::time::Instant::now();
    let result = server.await;
    if !settings.grace_period.is_zero() && closed.elapsed() >= settings.grace_period {
        tracing::warn!(
            target: "certbind::shutdown",
            grace_period_s = settings.grace_period.as_secs(),
            "the grace period ran out: connections still open were closed"
        );
    }
    tracing::info!(target: "certbind::shutdown", "stopped");
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> ShutdownSection {
        toml::from_str(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn settings_default_to_five_and_ten_seconds() {
        let s = section("").settings().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s, ShutdownSettings::default());
        assert_eq!(s.drain_delay, Duration::from_secs(5));
        assert_eq!(s.grace_period, Duration::from_secs(10));
        let s = section("drain_delay = 0\ngrace_period = 30")
            .settings()
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (s.drain_delay, s.grace_period),
            (Duration::ZERO, Duration::from_secs(30))
        );
    }

    #[test]
    fn an_hour_is_the_longest_delay() {
        let Err((span, field, message)) = section("grace_period = 3601").settings() else {
            panic!("accepted")
        };
        assert_eq!(field, "server.shutdown.grace_period");
        assert_eq!(message, "must be between 0 and 3600 seconds");
        assert_eq!(span, 15..19);
    }

    #[test]
    fn the_drain_starts_once() {
        let drain = Drain::default();
        assert!(!drain.is_draining() && drain.since().is_none());
        assert!(drain.start(100));
        assert!(!drain.start(200));
        assert!(drain.is_draining());
        assert_eq!(drain.since(), Some(100));
        // Resolves at once after the start.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        runtime.block_on(drain.started());
    }
}
