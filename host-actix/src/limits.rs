//! Limits that keep the server up under abuse: connections per listener, the time and bytes a
//! client gets for its TLS handshake, for its request headers and body, keep-alive, the size of
//! the request headers and the requests in progress on one HTTP/2 connection. Each is
//! `[server.limits]` in the config (a listener's own `max_connections` overrides the default
//! for that listener), and each refusal is counted in `/metrics` as
//! `certbind_limit_refusals_total{listener,limit}` (docs/server.md, "Limits").
//!
//! Why certbind starts the actix server itself ([`listen`]) instead of actix-web's
//! `HttpServer`: `HttpServer`'s connection limit is per worker thread and shared by every
//! listener (a flood on the public listener would stop the mTLS one from accepting), and it
//! stops accepting instead of refusing, so that waiting connections queue behind the flood.
//! Here each listener counts its own connections from the moment they are accepted, and one
//! over the limit is closed at once and counted; the TLS handshake gets a byte budget as well
//! as a timeout. The HTTP layer (actix-http) and the application are the same as with
//! `HttpServer`.
//!
//! What the HTTP stack bounds by itself, and what it does not let an application set, is in
//! the documentation of each field of [`Limits`].

use std::time::Duration;

mod counters;
mod listen;
mod nofile;
mod requests;
mod stream;

pub use counters::{Limit, LimitCounters};
pub use listen::{Listeners, OnConnect, ServerOptions};
pub use nofile::{prepare_open_files, raise_open_files_limit};
pub use requests::RequestLimits;
pub use stream::{Connection, tcp_of, tls_of};

/// The limits of `[server.limits]`, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Connections one listener holds at once, from the moment it accepts them (TLS handshake
    /// included) until they close; one more is closed at once (`max_connections`). A
    /// listener's own `max_connections` overrides this default.
    pub max_connections: usize,
    /// Time from accepting a connection to the end of its TLS handshake; a slower handshake
    /// is closed (`tls_handshake_timeout`).
    pub tls_handshake_timeout: Duration,
    /// Bytes a client may send before its TLS handshake completes: the ClientHello and, on an
    /// mTLS listener, its certificate chain (`max_handshake_bytes`). More closes the
    /// connection during the handshake. OpenSSL's own bound on the Certificate message
    /// (100 KiB, not settable through the `openssl` crate) applies too.
    pub max_handshake_bytes: usize,
    /// Time to receive a request's line and headers once the connection is open (slowloris),
    /// and for a new connection's first request; the client gets `408` and the connection is
    /// closed (`request_header_timeout`). For HTTP/2 it bounds the connection preface.
    pub request_header_timeout: Duration,
    /// Bytes of request line and headers (`max_header_bytes`); more is answered `431`.
    /// actix-http reads at most 128 KiB and 96 headers of an HTTP/1 request head whatever
    /// this says; HTTP/2 header blocks are bounded by the h2 crate (16 MiB decoded, one block
    /// at a time per connection) and checked against this before any handler runs.
    pub max_header_bytes: usize,
    /// Time to receive a request body once its headers are in (`request_body_timeout`);
    /// `400` otherwise.
    pub request_body_timeout: Duration,
    /// Time a connection may stay idle between requests (`keep_alive`; zero: closed after
    /// each response). HTTP/2 connections are pinged at this interval and closed when the
    /// ping is not answered.
    pub keep_alive: Duration,
    /// Requests in progress at once on one HTTP/2 connection (`h2_max_concurrent_streams`);
    /// one more is answered `503` with `Retry-After` without being handled. actix-http does
    /// not let an application advertise `SETTINGS_MAX_CONCURRENT_STREAMS` (the h2 crate
    /// advertises no limit), so certbind bounds the requests itself.
    pub h2_max_concurrent_streams: usize,
}

/// Default of `max_connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

impl Limits {
    /// Every default: 4096 connections per listener, a 5 s TLS handshake of at most 64 KiB,
    /// 5 s for request headers of at most 64 KiB, 10 s for a body, 15 s keep-alive, 100
    /// requests at once per HTTP/2 connection.
    pub const DEFAULT: Self = Self {
        max_connections: DEFAULT_MAX_CONNECTIONS,
        tls_handshake_timeout: Duration::from_secs(5),
        max_handshake_bytes: 64 * 1024,
        request_header_timeout: Duration::from_secs(5),
        max_header_bytes: 64 * 1024,
        request_body_timeout: Duration::from_secs(10),
        keep_alive: Duration::from_secs(15),
        h2_max_concurrent_streams: 100,
    };

    /// The accepted range of each setting: `(name, least, most)`, for the config loader and
    /// its messages. Durations are whole seconds.
    pub const RANGES: [(&'static str, u64, u64); 8] = [
        ("max_connections", 1, 1_000_000),
        ("tls_handshake_timeout", 1, 60),
        ("max_handshake_bytes", 16 * 1024, 1024 * 1024),
        ("request_header_timeout", 1, 60),
        ("max_header_bytes", 4 * 1024, 128 * 1024),
        ("request_body_timeout", 1, 300),
        ("keep_alive", 0, 3600),
        ("h2_max_concurrent_streams", 1, 10_000),
    ];
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
