//! What the limits refused, per listener, and the connections each listener holds: relaxed
//! atomics, no lock on the hot path. Rendered into `/metrics`.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// A limit that refused something (the `limit` label of `certbind_limit_refusals_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// A connection over the listener's `max_connections`: closed when accepted.
    MaxConnections,
    /// A TLS handshake not done within `tls_handshake_timeout`.
    TlsHandshakeTimeout,
    /// A client that sent more than `max_handshake_bytes` before its handshake completed.
    MaxHandshakeBytes,
    /// A client certificate chain longer than `server.tls.max_intermediates`, refused at the
    /// handshake.
    MaxIntermediates,
    /// A connection closed because its request headers (or its first request) did not come
    /// within `request_header_timeout`.
    RequestHeaderTimeout,
    /// Request headers over `max_header_bytes` (`431`).
    MaxHeaderBytes,
    /// A body over `server.body_limit` (`400`).
    BodyLimit,
    /// A body not received within `request_body_timeout` (`400`).
    RequestBodyTimeout,
    /// A request over `h2_max_concurrent_streams` on its HTTP/2 connection (`503`).
    H2MaxConcurrentStreams,
}

impl Limit {
    /// Every limit, in the order `/metrics` lists them.
    pub const ALL: [Self; 9] = [
        Self::MaxConnections,
        Self::TlsHandshakeTimeout,
        Self::MaxHandshakeBytes,
        Self::MaxIntermediates,
        Self::RequestHeaderTimeout,
        Self::MaxHeaderBytes,
        Self::BodyLimit,
        Self::RequestBodyTimeout,
        Self::H2MaxConcurrentStreams,
    ];

    /// The setting's name, which is the `limit` label.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::MaxConnections => "max_connections",
            Self::TlsHandshakeTimeout => "tls_handshake_timeout",
            Self::MaxHandshakeBytes => "max_handshake_bytes",
            Self::MaxIntermediates => "max_intermediates",
            Self::RequestHeaderTimeout => "request_header_timeout",
            Self::MaxHeaderBytes => "max_header_bytes",
            Self::BodyLimit => "body_limit",
            Self::RequestBodyTimeout => "request_body_timeout",
            Self::H2MaxConcurrentStreams => "h2_max_concurrent_streams",
        }
    }

    const fn index(self) -> usize {
        match self {
            Self::MaxConnections => 0,
            Self::TlsHandshakeTimeout => 1,
            Self::MaxHandshakeBytes => 2,
            Self::MaxIntermediates => 3,
            Self::RequestHeaderTimeout => 4,
            Self::MaxHeaderBytes => 5,
            Self::BodyLimit => 6,
            Self::RequestBodyTimeout => 7,
            Self::H2MaxConcurrentStreams => 8,
        }
    }
}

/// The counters of one listener.
#[derive(Debug)]
struct ListenerCounters {
    address: SocketAddr,
    /// Connections held now (accepted, not yet closed).
    open: AtomicUsize,
    /// Connections accepted within the limit, since the start.
    accepted: AtomicU64,
    refused: [AtomicU64; Limit::ALL.len()],
}

/// The counters of every listener of a server.
#[derive(Debug, Default)]
pub struct LimitCounters {
    listeners: Vec<ListenerCounters>,
}

impl LimitCounters {
    /// Counters for the listeners bound to `addresses`.
    #[must_use]
    pub fn new(addresses: impl IntoIterator<Item = SocketAddr>) -> Self {
        Self {
            listeners: addresses
                .into_iter()
                .map(|address| ListenerCounters {
                    address,
                    open: AtomicUsize::new(0),
                    accepted: AtomicU64::new(0),
                    refused: Default::default(),
                })
                .collect(),
        }
    }

    fn listener(&self, address: SocketAddr) -> Option<&ListenerCounters> {
        self.listeners.iter().find(|l| l.address == address)
    }

    /// Counts one refusal by `limit` on the listener bound to `listener` (an address no
    /// listener has is not counted: an application's own server).
    pub fn refused(&self, listener: SocketAddr, limit: Limit) {
        if let Some(counter) = self
            .listener(listener)
            .and_then(|l| l.refused.get(limit.index()))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Refusals by `limit` on `listener` so far.
    #[must_use]
    pub fn refusals(&self, listener: SocketAddr, limit: Limit) -> u64 {
        self.listener(listener)
            .and_then(|l| l.refused.get(limit.index()))
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Takes a connection slot on `listener` when fewer than `max` are held: `false` (and the
    /// refusal counted) when the listener is full.
    pub(crate) fn open(&self, listener: SocketAddr, max: usize) -> bool {
        let Some(l) = self.listener(listener) else {
            return true;
        };
        if l.open.fetch_add(1, Ordering::AcqRel) >= max {
            l.open.fetch_sub(1, Ordering::AcqRel);
            self.refused(listener, Limit::MaxConnections);
            return false;
        }
        l.accepted.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Gives back a slot taken by [`LimitCounters::open`].
    pub(crate) fn close(&self, listener: SocketAddr) {
        if let Some(l) = self.listener(listener) {
            l.open.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Connections `listener` holds now.
    #[must_use]
    pub fn open_connections(&self, listener: SocketAddr) -> usize {
        self.listener(listener)
            .map_or(0, |l| l.open.load(Ordering::Relaxed))
    }

    /// The Prometheus text of these counters.
    pub fn render(&self, out: &mut String) {
        out.push_str("# HELP certbind_open_connections Connections a listener holds now (TLS handshakes in progress included).\n");
        out.push_str("# TYPE certbind_open_connections gauge\n");
        for l in &self.listeners {
            let _ = writeln!(
                out,
                "certbind_open_connections{{listener=\"{}\"}} {}",
                l.address,
                l.open.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP certbind_connections_total Connections a listener accepted (within max_connections).\n");
        out.push_str("# TYPE certbind_connections_total counter\n");
        for l in &self.listeners {
            let _ = writeln!(
                out,
                "certbind_connections_total{{listener=\"{}\"}} {}",
                l.address,
                l.accepted.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP certbind_limit_refusals_total Connections and requests refused, by listener and by the limit that refused them.\n");
        out.push_str("# TYPE certbind_limit_refusals_total counter\n");
        for l in &self.listeners {
            for (counter, limit) in l.refused.iter().zip(Limit::ALL) {
                let _ = writeln!(
                    out,
                    "certbind_limit_refusals_total{{listener=\"{}\",limit=\"{}\"}} {}",
                    l.address,
                    limit.name(),
                    counter.load(Ordering::Relaxed)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_listener_refuses_and_counts_and_other_listeners_are_not_affected() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        let c = LimitCounters::new([a, b]);
        assert!(c.open(a, 2) && c.open(a, 2));
        assert!(!c.open(a, 2), "the third is over the limit");
        assert!(c.open(b, 2), "another listener has its own count");
        assert_eq!(c.open_connections(a), 2);
        assert_eq!(c.refusals(a, Limit::MaxConnections), 1);
        assert_eq!(c.refusals(b, Limit::MaxConnections), 0);
        c.close(a);
        assert!(c.open(a, 2), "a closed connection frees its slot");
        let mut text = String::new();
        c.render(&mut text);
        assert!(text.contains(
            "certbind_limit_refusals_total{listener=\"127.0.0.1:1\",limit=\"max_connections\"} 1\n"
        ));
        assert!(text.contains("certbind_open_connections{listener=\"127.0.0.1:1\"} 2\n"));
        assert!(text.contains("certbind_connections_total{listener=\"127.0.0.1:1\"} 3\n"));
    }
}
