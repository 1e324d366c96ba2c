//! systemd's service notifications (`sd_notify(3)`, for `Type=notify` units such as
//! `deploy/certbind.service`): `READY=1` once the listeners accept connections, `STOPPING=1` when
//! a drain starts, `RELOADING=1` … `READY=1` around a SIGHUP reload. Without `$NOTIFY_SOCKET`
//! (not started by systemd) nothing is sent. A failed send is logged, never fatal: the server
//! works the same without its supervisor hearing about it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use sd_notify::NotifyState;

fn send(what: &str, states: &[NotifyState<'_>]) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(target: "certbind::systemd", error = %e, "cannot tell systemd {what}");
    }
}

/// `READY=1`: the listeners accept connections (also the end of a reload).
pub(crate) fn ready() {
    send(
        "READY=1",
        &[NotifyState::Ready, NotifyState::Status("serving")],
    );
}

/// `STOPPING=1`: draining before the listeners close.
pub(crate) fn stopping() {
    send(
        "STOPPING=1",
        &[
            NotifyState::Stopping,
            NotifyState::Status("draining: not ready, connections told to close"),
        ],
    );
}

/// `RELOADING=1` with the monotonic time systemd asks for; [`ready`] ends the reload.
pub(crate) fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(
            "RELOADING=1",
            &[
                NotifyState::Reloading,
                now,
                NotifyState::Status("reloading"),
            ],
        ),
        Err(e) => {
            tracing::warn!(target: "certbind::systemd", error = %e, "cannot read the monotonic clock");
        }
    }
}

/// Runs `server` and calls `started` once, after its first poll has left it running.
///
/// The first poll of actix-server's future is where it starts its workers, waits until each has
/// built its services, and starts the thread that accepts connections; the listening sockets
/// were bound before. So once that poll returns `Pending`, a connection is accepted and
/// served: the moment systemd's `READY=1` promises.
pub(crate) fn when_started<F, S>(server: F, started: S) -> WhenStarted<F, S>
where
    F: Future,
    S: FnOnce(),
{
    WhenStarted {
        server: Box::pin(server),
        started: Some(started),
    }
}

/// See [`when_started`].
#[derive(Debug)]
pub(crate) struct WhenStarted<F, S> {
    server: Pin<Box<F>>,
    started: Option<S>,
}

impl<F: Future, S: FnOnce() + Unpin> Future for WhenStarted<F, S> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let poll = self.server.as_mut().poll(cx);
        if poll.is_pending()
            && let Some(started) = self.started.take()
        {
            started();
        }
        poll
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn started_runs_once_after_the_first_pending_poll_only() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let calls = Cell::new(0);
        let out = runtime.block_on(when_started(
            async {
                tokio::task::yield_now().await;
                tokio::task::yield_now().await;
                7
            },
            || calls.set(calls.get() + 1),
        ));
        assert_eq!((out, calls.get()), (7, 1));
        // A future that fails at its first poll (a server that cannot start) is never "ready".
        let calls = Cell::new(0);
        let out = runtime.block_on(when_started(async { 8 }, || calls.set(calls.get() + 1)));
        assert_eq!((out, calls.get()), (8, 0));
    }
}
