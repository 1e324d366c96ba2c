//! The server's listeners on actix-server, with the limits of each listener: what actix-web's
//! `HttpServer` does for a TLS or plain listener (the same actix-http service, the same
//! application), plus a connection count of the listener's own taken when a connection is
//! accepted, a byte budget and a timeout for the TLS handshake, and the counters of what they
//! refused. See the module documentation of [`crate::limits`] for why.
//!
//! Two more differences from `HttpServer`, for stopping behind a load balancer
//! ([`crate::shutdown`]): every TLS connection's stream goes through [`GoAwayOnDrain`], so that
//! HTTP/2 clients get a GOAWAY when a drain starts (`HttpServer` gives no hold of a connection's
//! stream), and actix-server's own signal handling is off (stop signals are `shutdown`'s).

use std::any::Any;
use std::net::{SocketAddr, TcpListener};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_http::body::MessageBody;
use actix_http::error::DispatchError;
use actix_http::{Extensions, HttpService, KeepAlive, Protocol, Request, Response};
use actix_rt::net::TcpStream;
use actix_server::{GracefulShutdownSignal, Server, ServerBuilder};
use actix_service::{
    IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt as _, fn_service, map_config,
};
use actix_tls::accept::TlsError;
use actix_tls::accept::openssl::{Acceptor, TlsStream};
use actix_web::dev::AppConfig;
use futures_util::future::LocalBoxFuture;
use openssl::ssl::{AlpnError, SslAcceptor, SslAcceptorBuilder};

use super::stream::{Accepted, Connection, ConnectionState};
use super::{Limit, LimitCounters, Limits};
use crate::goaway::GoAwayOnDrain;
use crate::shutdown::Drain;

/// The `on_connect` callback of every connection (the client certificate, a proxy listener's
/// settings; see [`crate::tls::on_connect`]).
pub type OnConnect = Arc<dyn Fn(&dyn Any, &mut Extensions) + Send + Sync>;

/// HTTP/2 flow-control window of one stream: bodies are small (`body_limit`, at most 1 MiB),
/// and a small window bounds what a client can make the server buffer (actix's default is
/// 1 MiB per stream).
const H2_STREAM_WINDOW: u32 = 64 * 1024;

/// HTTP/2 flow-control window of one connection (actix's default is 2 MiB).
const H2_CONNECTION_WINDOW: u32 = 1024 * 1024;

/// How long a closing connection may take to shut down (actix-web's default).
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How the server runs: worker threads, the limits, the grace period.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ServerOptions {
    /// Worker threads (0: one per core).
    pub workers: usize,
    /// The limits of `[server.limits]`.
    pub limits: Limits,
    /// How long requests in flight may take to finish once the listeners close
    /// (`[server.shutdown] grace_period`).
    pub grace_period: Duration,
}

impl ServerOptions {
    /// `workers` threads with `limits`; requests in flight get `grace_period` at the stop.
    #[must_use]
    pub const fn new(workers: usize, limits: Limits, grace_period: Duration) -> Self {
        Self {
            workers,
            limits,
            grace_period,
        }
    }
}

/// What every listener's services are made from (cloned into each listener's factory, which
/// actix-server calls once per worker).
#[derive(Clone)]
struct Parts<F> {
    factory: F,
    on_connect: OnConnect,
    limits: Limits,
    counters: Arc<LimitCounters>,
    shutdown: GracefulShutdownSignal,
    /// Started by the first stop signal: HTTP/2 connections get a GOAWAY.
    drain: Drain,
}

/// A server being built: its listeners, each with its own connection limit.
pub struct Listeners<F> {
    builder: ServerBuilder,
    parts: Parts<F>,
    /// The sum of the listeners' `max_connections`.
    total: usize,
}

impl<F> std::fmt::Debug for Listeners<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners")
            .field("limits", &self.parts.limits)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<F: Send + Clone + 'static> Listeners<F> {
    /// A server whose every listener serves the application `factory` makes (one per worker
    /// and listener), calling `on_connect` for each connection; refusals are counted in
    /// `counters`; HTTP/2 connections are sent a GOAWAY when `drain` starts.
    pub fn new(
        factory: F,
        on_connect: OnConnect,
        options: ServerOptions,
        counters: Arc<LimitCounters>,
        drain: Drain,
    ) -> Self {
        let mut builder = Server::build()
            .disable_signals()
            .shutdown_timeout(options.grace_period.as_secs());
        if options.workers > 0 {
            builder = builder.workers(options.workers);
        }
        let shutdown = builder.graceful_shutdown_signal();
        Self {
            builder,
            parts: Parts {
                factory,
                on_connect,
                limits: options.limits,
                counters,
                shutdown,
                drain,
            },
            total: 0,
        }
    }

    /// Adds a TLS listener: at most `max_connections` at once, handshakes bounded by the
    /// limits' timeout and byte budget; ALPN `h2` and `http/1.1`; each connection's stream in
    /// a [`GoAwayOnDrain`].
    ///
    /// # Errors
    /// The listener's address cannot be read or ALPN cannot be set.
    pub fn tls<I, S, B>(
        mut self,
        tcp: TcpListener,
        acceptor: SslAcceptorBuilder,
        max_connections: usize,
    ) -> std::io::Result<Self>
    where
        F: Fn() -> I + Send + Clone + 'static,
        I: IntoServiceFactory<S, Request> + 'static,
        S: ServiceFactory<Request, Config = AppConfig> + 'static,
        S::Error: Into<actix_web::Error> + 'static,
        S::InitError: std::fmt::Debug,
        S::Response: Into<Response<B>> + 'static,
        <S::Service as Service<Request>>::Future: 'static,
        S::Service: 'static,
        B: MessageBody + 'static,
    {
        let address = tcp.local_addr()?;
        let acceptor = with_alpn(acceptor)?;
        let parts = self.parts.clone();
        let listener = ListenerLimit::new(&parts, address, max_connections, true);
        let make = move || {
            let http = http_service::<F, I, S, B, GoAwayOnDrain<TlsStream<Connection>>>(
                &parts, address, true,
            );
            let drain = parts.drain.clone();
            let mut tls = Acceptor::new(acceptor.clone());
            tls.set_handshake_timeout(parts.limits.tls_handshake_timeout);
            let counters = Arc::clone(&parts.counters);
            let inner = tls
                .map_err(
                    move |e: TlsError<openssl::ssl::Error, std::convert::Infallible>| {
                        if let Some(limit) = handshake_limit(&e) {
                            counters.refused(address, limit);
                        }
                        e.into_service_error::<DispatchError>()
                    },
                )
                .map(move |io: TlsStream<Connection>| {
                    io.get_ref().state().handshake_done();
                    let h2 = io.ssl().selected_alpn_protocol() == Some(b"h2".as_slice());
                    let protocol = if h2 { Protocol::Http2 } else { Protocol::Http1 };
                    let peer = io.get_ref().tcp().peer_addr().ok();
                    (GoAwayOnDrain::new(io, h2, &drain), protocol, peer)
                })
                .and_then(http.map_err(TlsError::Service));
            Accept {
                inner,
                listener: listener.clone(),
            }
        };
        self.total = self.total.saturating_add(max_connections);
        self.builder = self
            .builder
            .listen(format!("certbind-tls-{address}"), tcp, make)?;
        Ok(self)
    }

    /// Adds a plain HTTP/1.1 listener (behind a reverse proxy): at most `max_connections` at
    /// once.
    ///
    /// # Errors
    /// The listener's address cannot be read.
    pub fn plain<I, S, B>(
        mut self,
        tcp: TcpListener,
        max_connections: usize,
    ) -> std::io::Result<Self>
    where
        F: Fn() -> I + Send + Clone + 'static,
        I: IntoServiceFactory<S, Request> + 'static,
        S: ServiceFactory<Request, Config = AppConfig> + 'static,
        S::Error: Into<actix_web::Error> + 'static,
        S::InitError: std::fmt::Debug,
        S::Response: Into<Response<B>> + 'static,
        <S::Service as Service<Request>>::Future: 'static,
        S::Service: 'static,
        B: MessageBody + 'static,
    {
        let address = tcp.local_addr()?;
        let parts = self.parts.clone();
        let listener = ListenerLimit::new(&parts, address, max_connections, false);
        let make = move || {
            let http = http_service::<F, I, S, B, Connection>(&parts, address, false);
            let inner = fn_service(|io: Connection| {
                let peer = io.tcp().peer_addr().ok();
                std::future::ready(Ok::<_, DispatchError>((io, Protocol::Http1, peer)))
            })
            .and_then(http);
            Accept {
                inner,
                listener: listener.clone(),
            }
        };
        self.total = self.total.saturating_add(max_connections);
        self.builder = self
            .builder
            .listen(format!("certbind-http-{address}"), tcp, make)?;
        Ok(self)
    }

    /// Starts the workers and the listeners.
    ///
    /// actix's own per-worker bounds (connections, TLS handshakes in progress) are set to the
    /// sum of the listeners' limits, so that they never stop a worker from accepting before a
    /// listener's own limit refuses: a flood on one listener must not hold back the others.
    pub fn run(self) -> Server {
        let total = self.total.max(1);
        actix_tls::accept::max_concurrent_tls_connect(total);
        self.builder.max_concurrent_connections(total).run()
    }
}

/// The actix-http service of one listener (the application behind it) for streams `T`.
fn http_service<F, I, S, B, T>(
    parts: &Parts<F>,
    address: SocketAddr,
    secure: bool,
) -> impl ServiceFactory<
    (T, Protocol, Option<SocketAddr>),
    Config = (),
    Response = (),
    Error = DispatchError,
    InitError = (),
    Service: 'static,
    Future: 'static,
> + use<F, I, S, B, T>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request> + 'static,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Accepted + Unpin + 'static,
{
    let limits = parts.limits;
    let shutdown = parts.shutdown.clone();
    let on_connect = Arc::clone(&parts.on_connect);
    let host = address.to_string();
    let keep_alive = if limits.keep_alive.is_zero() {
        KeepAlive::Disabled
    } else {
        KeepAlive::Timeout(limits.keep_alive)
    };
    let application = (parts.factory)()
        .into_factory()
        .map_err(|e| e.into().error_response());
    HttpService::<T, _, _, _, _>::build()
        .graceful_shutdown_signal(move || {
            let signal = shutdown.clone();
            async move { signal.notified().await }
        })
        .keep_alive(keep_alive)
        .client_request_timeout(limits.request_header_timeout)
        .client_disconnect_timeout(DISCONNECT_TIMEOUT)
        .local_addr(address)
        .h2_initial_window_size(H2_STREAM_WINDOW)
        .h2_initial_connection_window_size(H2_CONNECTION_WINDOW)
        .on_connect_ext(move |io: &T, data: &mut Extensions| {
            // The request limits find the connection's state in the connection data.
            data.insert(io.state());
            (on_connect)(io.connection(), data);
        })
        .finish(map_config(application, move |()| {
            // The listener's bound address: `/metrics` and the proxy settings are per listener.
            AppConfig::__priv_test_new(secure, host.clone(), address)
        }))
}

/// The limit a failed TLS handshake ran into, if any: the timeout, or a certificate chain the
/// verify callback refused for its length (the mTLS acceptor refuses nothing else; see
/// [`crate::tls`]). A handshake over the byte budget is counted by the stream.
fn handshake_limit<T>(error: &TlsError<openssl::ssl::Error, T>) -> Option<Limit> {
    match error {
        TlsError::Timeout => Some(Limit::TlsHandshakeTimeout),
        TlsError::Tls(e) => e
            .ssl_error()
            .is_some_and(|stack| {
                stack
                    .errors()
                    .iter()
                    .any(|e| e.reason() == Some("certificate verify failed"))
            })
            .then_some(Limit::MaxIntermediates),
        TlsError::Service(_) => None,
    }
}

/// ALPN: `h2` when the client offers it, else `http/1.1` (as actix-web's `HttpServer`).
fn with_alpn(mut builder: SslAcceptorBuilder) -> std::io::Result<SslAcceptor> {
    builder.set_alpn_select_callback(|_, offered| {
        if offered.windows(3).any(|w| w == b"\x02h2") {
            Ok(b"h2")
        } else if offered.windows(9).any(|w| w == b"\x08http/1.1") {
            Ok(b"http/1.1")
        } else {
            Err(AlpnError::NOACK)
        }
    });
    builder.set_alpn_protos(b"\x08http/1.1\x02h2")?;
    Ok(builder.build())
}

/// One listener's connection limit, shared by its services on every worker.
#[derive(Clone)]
struct ListenerLimit {
    address: SocketAddr,
    max_connections: usize,
    /// The handshake byte budget (TLS listeners).
    handshake_budget: Option<usize>,
    header_timeout: Duration,
    counters: Arc<LimitCounters>,
    /// When the listener last logged that it is full (Unix seconds).
    warned: Arc<AtomicU64>,
}

impl ListenerLimit {
    fn new<F>(parts: &Parts<F>, address: SocketAddr, max_connections: usize, tls: bool) -> Self {
        Self {
            address,
            max_connections,
            handshake_budget: tls.then_some(parts.limits.max_handshake_bytes),
            header_timeout: parts.limits.request_header_timeout,
            counters: Arc::clone(&parts.counters),
            warned: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Logs that the listener is full, at most every ten seconds.
    fn warn_full(&self) {
        let now = crate::time::now_unix();
        let last = self.warned.load(Ordering::Relaxed);
        if now >= last.saturating_add(10)
            && self
                .warned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                target: "certbind::limits",
                listener = %self.address,
                max_connections = self.max_connections,
                "listener full: new connections are closed until some end \
                 (certbind_limit_refusals_total{{limit=\"max_connections\"}} counts them)"
            );
        }
    }
}

/// The service factory of a listener: takes the listener's connection slot, then hands the
/// connection to `inner` (TLS and HTTP).
struct Accept<T> {
    inner: T,
    listener: ListenerLimit,
}

impl<T> ServiceFactory<TcpStream> for Accept<T>
where
    T: ServiceFactory<Connection, Config = (), Response = (), InitError = ()>,
    T::Service: 'static,
    T::Future: 'static,
    T::Error: 'static,
{
    type Response = ();
    type Error = T::Error;
    type Config = ();
    type Service = AcceptService<T::Service>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Service, ()>>;

    fn new_service(&self, (): ()) -> Self::Future {
        let inner = self.inner.new_service(());
        let listener = self.listener.clone();
        Box::pin(async move {
            Ok(AcceptService {
                inner: Rc::new(inner.await?),
                listener,
            })
        })
    }
}

/// The service of a listener on one worker.
struct AcceptService<S> {
    inner: Rc<S>,
    listener: ListenerLimit,
}

impl<S> Service<TcpStream> for AcceptService<S>
where
    S: Service<Connection, Response = ()> + 'static,
    S::Error: 'static,
{
    type Response = ();
    type Error = S::Error;
    type Future = LocalBoxFuture<'static, Result<(), S::Error>>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&self, tcp: TcpStream) -> Self::Future {
        let l = &self.listener;
        if !l.counters.open(l.address, l.max_connections) {
            // Closed at once (dropped): the count of refusals is in the counters.
            drop(tcp);
            l.warn_full();
            return Box::pin(std::future::ready(Ok(())));
        }
        let state = Rc::new(ConnectionState::new(
            l.address,
            Arc::clone(&l.counters),
            l.handshake_budget,
        ));
        let served = self.inner.call(Connection::new(tcp, Rc::clone(&state)));
        let slot = Slot {
            listener: l.clone(),
            state,
        };
        Box::pin(async move {
            let result = served.await;
            drop(slot);
            result
        })
    }
}

/// A connection's slot on its listener: given back when the connection ends (its future
/// completes, or the worker drops it).
struct Slot {
    listener: ListenerLimit,
    state: Rc<ConnectionState>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.state.closed(self.listener.header_timeout);
        self.listener.counters.close(self.listener.address);
    }
}
