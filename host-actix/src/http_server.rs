//! The HTTP server over certbind's listeners: what actix-web's `HttpServer` assembles
//! (actix-server's workers; actix-http's HTTP/1.1 and, chosen by ALPN, HTTP/2 over actix-tls's
//! OpenSSL acceptor; the application), with one difference: every TLS connection's stream goes
//! through [`GoAwayOnDrain`], so that HTTP/2 clients get a GOAWAY when a drain starts.
//! `HttpServer` gives no hold of a connection's stream.
//!
//! The settings are `HttpServer`'s defaults (keep-alive 5 s, request head within 5 s, 1 s to
//! close, TLS handshake within 3 s, half-closed HTTP/1.1 connections allowed), the calls are the
//! ones it makes, two of them hidden from actix's documentation (`AppConfig::__priv_test_new`,
//! `HttpServiceBuilder::graceful_shutdown_signal`: the application's view of its listener, and
//! closing idle HTTP/1.1 connections when the listeners close); `Cargo.lock` pins the versions.
//! actix-server's own signal handling is always off: stop signals are [`crate::shutdown`]'s.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_http::body::{BoxBody, MessageBody};
use actix_http::{Extensions, HttpServiceBuilder, Protocol, Request, Response};
use actix_server::{GracefulShutdownSignal, Server, ServerBuilder};
use actix_service::{
    IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt as _, map_config,
};
use actix_tls::accept::TlsError;
use actix_tls::accept::openssl::{Acceptor, TlsStream};
use actix_web::dev::AppConfig;
use actix_web::rt::net::TcpStream;
use openssl::ssl::{AlpnError, SslAcceptorBuilder};

use crate::goaway::GoAwayOnDrain;
use crate::shutdown::Drain;

type OnConnect = Arc<dyn Fn(&dyn Any, &mut Extensions) + Send + Sync>;
/// The application's types, named (as `HttpServer` does) but not held.
type AppTypes<I, S, B> = fn() -> (I, S, B);

/// Builds the server: listeners, workers, then [`HttpListeners::run`]. `F` makes the
/// application (`I`: an `App`), as for `HttpServer`.
pub(crate) struct HttpListeners<F, I, S, B> {
    app: F,
    builder: ServerBuilder,
    on_connect: Option<OnConnect>,
    drain: Drain,
    types: PhantomData<AppTypes<I, S, B>>,
}

impl<F, I, S, B> fmt::Debug for HttpListeners<F, I, S, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpListeners").finish_non_exhaustive()
    }
}

/// ALPN as actix-web offers it: HTTP/2 when the client can, else HTTP/1.1.
fn with_alpn(mut builder: SslAcceptorBuilder) -> std::io::Result<openssl::ssl::SslAcceptor> {
    builder.set_alpn_select_callback(|_, offered| {
        openssl::ssl::select_next_proto(b"\x02h2\x08http/1.1", offered).ok_or(AlpnError::NOACK)
    });
    builder
        .set_alpn_protos(b"\x08http/1.1\x02h2")
        .map_err(std::io::Error::other)?;
    Ok(builder.build())
}

impl<F, I, S, B> HttpListeners<F, I, S, B>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    /// A server of `app` (called once per worker), whose connections follow `drain`.
    pub(crate) fn new(app: F, drain: Drain) -> Self {
        Self {
            app,
            builder: Server::build().disable_signals(),
            on_connect: None,
            drain,
            types: PhantomData,
        }
    }

    /// Worker threads (default: one per core).
    pub(crate) fn workers(mut self, workers: usize) -> Self {
        self.builder = self.builder.workers(workers);
        self
    }

    /// Seconds requests in flight get once the listeners close.
    pub(crate) fn shutdown_timeout(mut self, seconds: u64) -> Self {
        self.builder = self.builder.shutdown_timeout(seconds);
        self
    }

    /// Runs `f` on every new connection with its stream (a `TlsStream<TcpStream>` or a
    /// `TcpStream`) and the connection's data, as `HttpServer::on_connect` does.
    pub(crate) fn on_connect(
        mut self,
        f: impl Fn(&dyn Any, &mut Extensions) + Send + Sync + 'static,
    ) -> Self {
        self.on_connect = Some(Arc::new(f));
        self
    }

    /// A plain HTTP/1.1 listener (behind a reverse proxy).
    ///
    /// # Errors
    /// The listener cannot be registered.
    pub(crate) fn listen(mut self, tcp: TcpListener) -> std::io::Result<Self> {
        let address = tcp.local_addr()?;
        let (app, on_connect) = (self.app.clone(), self.on_connect.clone());
        let shutdown = self.builder.graceful_shutdown_signal();
        self.builder = self
            .builder
            .listen(format!("certbind-{address}"), tcp, move || {
                let on_connect = on_connect.clone();
                connection(&shutdown, address)
                    .on_connect_ext(move |io: &TcpStream, ext: &mut Extensions| {
                        if let Some(f) = &on_connect {
                            f(io as &dyn Any, ext);
                        }
                    })
                    .finish(map_config(
                        app().into_factory().map_err(|e| e.into().error_response()),
                        move |()| application_config(false, address),
                    ))
                    .tcp()
            })?;
        Ok(self)
    }

    /// A TLS listener: HTTP/2 or HTTP/1.1 by ALPN, each connection's stream in a
    /// [`GoAwayOnDrain`].
    ///
    /// # Errors
    /// ALPN cannot be set, or the listener cannot be registered.
    pub(crate) fn listen_openssl(
        mut self,
        tcp: TcpListener,
        acceptor: SslAcceptorBuilder,
    ) -> std::io::Result<Self> {
        let address = tcp.local_addr()?;
        let acceptor = with_alpn(acceptor)?;
        let (app, on_connect) = (self.app.clone(), self.on_connect.clone());
        let shutdown = self.builder.graceful_shutdown_signal();
        let drain = self.drain.clone();
        self.builder = self
            .builder
            .listen(format!("certbind-{address}"), tcp, move || {
                let on_connect = on_connect.clone();
                let drain = drain.clone();
                let http = connection(&shutdown, address)
                    .on_connect_ext(
                        move |io: &GoAwayOnDrain<TlsStream<TcpStream>>, ext: &mut Extensions| {
                            if let Some(f) = &on_connect {
                                f(io.get_ref() as &dyn Any, ext);
                            }
                        },
                    )
                    .finish(map_config(
                        app().into_factory().map_err(|e| e.into().error_response()),
                        move |()| application_config(true, address),
                    ));
                // What actix-http's `openssl()` does, with the stream wrapped.
                Acceptor::new(acceptor.clone())
                    .map_init_err(|_| ())
                    .map_err(TlsError::into_service_error)
                    .map(move |io: TlsStream<TcpStream>| {
                        let h2 = io.ssl().selected_alpn_protocol() == Some(b"h2".as_slice());
                        let peer = io.get_ref().peer_addr().ok();
                        let protocol = if h2 { Protocol::Http2 } else { Protocol::Http1 };
                        (GoAwayOnDrain::new(io, h2, &drain), protocol, peer)
                    })
                    .and_then(http.map_err(TlsError::Service))
            })?;
        Ok(self)
    }

    /// The server, not yet running: its future starts the workers at its first poll.
    pub(crate) fn run(self) -> Server {
        self.builder.run()
    }
}

/// actix-http with `HttpServer`'s settings for a connection to `address`; idle HTTP/1.1
/// connections close when the server's graceful stop begins.
fn connection<T, S>(
    shutdown: &GracefulShutdownSignal,
    address: SocketAddr,
) -> HttpServiceBuilder<T, S>
where
    S: ServiceFactory<Request, Config = ()>,
    S::Error: Into<Response<BoxBody>> + 'static,
    S::InitError: fmt::Debug,
    <S::Service as Service<Request>>::Future: 'static,
{
    let shutdown = shutdown.clone();
    HttpServiceBuilder::default()
        .graceful_shutdown_signal(move || {
            let shutdown = shutdown.clone();
            async move { shutdown.notified().await }
        })
        .client_request_timeout(Duration::from_secs(5))
        .client_disconnect_timeout(Duration::from_secs(1))
        .h1_allow_half_closed(true)
        .local_addr(address)
}

/// The application's view of its listener, as `HttpServer` gives it (`request.app_config()`:
/// the metrics route reads the local address).
fn application_config(secure: bool, address: SocketAddr) -> AppConfig {
    AppConfig::__priv_test_new(secure, address.to_string(), address)
}
