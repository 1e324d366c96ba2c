//! The stream of one accepted connection: the TCP stream, counting what the client sends before
//! its TLS handshake completes (`max_handshake_bytes`), and the connection's state that the
//! request limits share ([`ConnectionState`], in the connection data of every request).

use std::any::Any;
use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_rt::net::{ActixStream, Ready, TcpStream};
use actix_tls::accept::openssl::TlsStream;
use openssl::ssl::SslRef;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{Limit, LimitCounters};
use crate::goaway::GoAwayOnDrain;

/// What the limits know about one connection (shared by its stream and its requests).
#[derive(Debug)]
pub(crate) struct ConnectionState {
    listener: SocketAddr,
    counters: Arc<LimitCounters>,
    /// Bytes the client may still send before its handshake completes; `None` once it has
    /// (or on a plain listener).
    handshake_budget: Cell<Option<usize>>,
    /// When the handshake completed (the connection was accepted, on a plain listener).
    ready_at: Cell<Option<Instant>>,
    /// Whether the client closed its side (a read found the end of the stream).
    client_closed: Cell<bool>,
    /// Requests that reached the application.
    requests: Cell<u64>,
    /// Requests in progress (several only on HTTP/2).
    in_flight: Cell<usize>,
}

impl ConnectionState {
    pub(crate) fn new(
        listener: SocketAddr,
        counters: Arc<LimitCounters>,
        handshake_budget: Option<usize>,
    ) -> Self {
        let ready_at = if handshake_budget.is_none() {
            Some(Instant::now())
        } else {
            None
        };
        Self {
            listener,
            counters,
            handshake_budget: Cell::new(handshake_budget),
            ready_at: Cell::new(ready_at),
            client_closed: Cell::new(false),
            requests: Cell::new(0),
            in_flight: Cell::new(0),
        }
    }

    /// The listener's bound address.
    pub(crate) const fn listener(&self) -> SocketAddr {
        self.listener
    }

    /// The counters of the server.
    pub(crate) fn counters(&self) -> &LimitCounters {
        &self.counters
    }

    /// The TLS handshake is done: from now on the client's bytes are requests.
    pub(crate) fn handshake_done(&self) {
        self.handshake_budget.set(None);
        self.ready_at.set(Some(Instant::now()));
    }

    /// A request reached the application: `false` when `max` are in progress already (the
    /// request is not counted as started then).
    pub(crate) fn start_request(&self, max: usize) -> bool {
        self.requests.set(self.requests.get().saturating_add(1));
        let now = self.in_flight.get();
        if now >= max {
            return false;
        }
        self.in_flight.set(now + 1);
        true
    }

    /// A request started by [`ConnectionState::start_request`] is answered.
    pub(crate) fn end_request(&self) {
        self.in_flight.set(self.in_flight.get().saturating_sub(1));
    }

    /// Counts the bytes the client sent; an error when they exceed the handshake budget.
    fn received(&self, bytes: usize) -> io::Result<()> {
        if bytes == 0 {
            self.client_closed.set(true);
        }
        let Some(left) = self.handshake_budget.get() else {
            return Ok(());
        };
        if bytes <= left {
            self.handshake_budget.set(Some(left - bytes));
            return Ok(());
        }
        // Counted once: the handshake fails on this error and the connection closes.
        self.handshake_budget.set(None);
        self.counters
            .refused(self.listener, Limit::MaxHandshakeBytes);
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the client sent more than max_handshake_bytes before its TLS handshake completed",
        ))
    }

    /// Called when the connection ends. One that completed its handshake, never had a request
    /// reach the application, was closed by the server (not by the client) and lived about
    /// `header_timeout` after the handshake was closed by the request header timeout (slow or
    /// no headers). "About": actix-http sets its deadline from a clock it updates every half
    /// second, so the connection may close up to that much early.
    pub(crate) fn closed(&self, header_timeout: std::time::Duration) {
        let slack = std::time::Duration::from_millis(600);
        if self.requests.get() == 0
            && !self.client_closed.get()
            && let Some(ready) = self.ready_at.get()
            && ready.elapsed() >= header_timeout.saturating_sub(slack)
        {
            self.counters
                .refused(self.listener, Limit::RequestHeaderTimeout);
        }
    }
}

/// An accepted TCP connection on one of certbind's listeners.
#[derive(Debug)]
pub struct Connection {
    tcp: TcpStream,
    state: Rc<ConnectionState>,
}

impl Connection {
    pub(crate) const fn new(tcp: TcpStream, state: Rc<ConnectionState>) -> Self {
        Self { tcp, state }
    }

    /// The TCP stream.
    #[must_use]
    pub const fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    pub(crate) fn state(&self) -> Rc<ConnectionState> {
        Rc::clone(&self.state)
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.tcp).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = buf.filled().len().saturating_sub(before);
                Poll::Ready(self.state.received(read))
            }
            other => other,
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

impl ActixStream for Connection {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        ActixStream::poll_read_ready(&self.tcp, cx)
    }

    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        ActixStream::poll_write_ready(&self.tcp, cx)
    }
}

/// A connection as actix-http holds it (TLS or plain): its state goes into the connection
/// data of its requests.
pub(crate) trait Accepted {
    /// The connection's state.
    fn state(&self) -> Rc<ConnectionState>;
    /// The stream as `on_connect` callbacks see it ([`tls_of`] reads it).
    fn connection(&self) -> &dyn Any;
}

impl Accepted for Connection {
    fn state(&self) -> Rc<ConnectionState> {
        Rc::clone(&self.state)
    }
    fn connection(&self) -> &dyn Any {
        self
    }
}

impl Accepted for TlsStream<Connection> {
    fn state(&self) -> Rc<ConnectionState> {
        self.get_ref().state()
    }
    fn connection(&self) -> &dyn Any {
        self
    }
}

/// A TLS connection whose HTTP/2 clients are sent a GOAWAY at a drain: the callbacks see the
/// TLS stream inside.
impl Accepted for GoAwayOnDrain<TlsStream<Connection>> {
    fn state(&self) -> Rc<ConnectionState> {
        self.get_ref().state()
    }
    fn connection(&self) -> &dyn Any {
        self.get_ref()
    }
}

/// The TLS session of a connection as an `on_connect` callback sees it: on certbind's own
/// listeners, or on an application's `HttpServer` (`None` for plain HTTP).
#[must_use]
pub fn tls_of(connection: &dyn Any) -> Option<&SslRef> {
    if let Some(tls) = connection.downcast_ref::<TlsStream<Connection>>() {
        return Some(tls.ssl());
    }
    connection
        .downcast_ref::<TlsStream<TcpStream>>()
        .map(|tls| tls.ssl())
}

/// The TCP stream of a connection as an `on_connect` callback sees it (TLS or plain, on
/// certbind's own listeners or on an application's `HttpServer`).
#[must_use]
pub fn tcp_of(connection: &dyn Any) -> Option<&TcpStream> {
    if let Some(tls) = connection.downcast_ref::<TlsStream<Connection>>() {
        return Some(tls.get_ref().tcp());
    }
    if let Some(plain) = connection.downcast_ref::<Connection>() {
        return Some(plain.tcp());
    }
    if let Some(tls) = connection.downcast_ref::<TlsStream<TcpStream>>() {
        return Some(tls.get_ref());
    }
    connection.downcast_ref::<TcpStream>()
}
