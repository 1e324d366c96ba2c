//! A listener behind a reverse proxy, at run time: which connections arrived on it (recorded at
//! connect time), and the certificate of each request on it.

use std::any::Any;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::Extensions;
use actix_web::http::header::HeaderMap;

use super::warn_once::{Warn, WarnOnce};
use super::{ForwardedError, Problem, ProxySettings};
use crate::metrics::{ForwardedOutcome, Metrics};
use crate::tls::PresentedCertificate;

/// A listener's proxy settings and the addresses already warned about.
#[derive(Debug)]
pub struct ProxyListener {
    settings: ProxySettings,
    warned: WarnOnce,
}

/// Connection data: this connection arrived on a listener behind a proxy.
#[derive(Debug, Clone)]
pub struct BehindProxy(pub Arc<ProxyListener>);

impl ProxyListener {
    /// A listener with these settings.
    #[must_use]
    pub fn new(settings: ProxySettings) -> Self {
        Self {
            settings,
            warned: WarnOnce::default(),
        }
    }

    /// The settings.
    #[must_use]
    pub const fn settings(&self) -> &ProxySettings {
        &self.settings
    }

    /// The client certificate of a request that arrived on this listener from TCP peer `peer`,
    /// whose own TLS connection carried `connection` (if any):
    ///
    /// - from a trusted proxy: the forwarded certificate (none without the header); the
    ///   connection's certificate is the proxy's own and is never used;
    /// - from any other address: the connection's certificate; the header is ignored (and
    ///   logged once per address).
    ///
    /// # Errors
    /// A malformed header from a trusted proxy (logged here, counted in `metrics`).
    pub fn certificate(
        &self,
        peer: Option<IpAddr>,
        headers: &HeaderMap,
        connection: Option<Rc<PresentedCertificate>>,
        metrics: Option<&Metrics>,
    ) -> Result<Option<Rc<PresentedCertificate>>, ForwardedError> {
        let count = |outcome| {
            if let Some(m) = metrics {
                m.forwarded(outcome);
            }
        };
        let header = &self.settings.header;
        let trusted = peer.filter(|ip| self.settings.trusted.contains(*ip));
        let Some(proxy) = trusted else {
            if self.settings.present(headers) {
                count(ForwardedOutcome::IgnoredUntrusted);
                self.warn_untrusted(peer);
            }
            return Ok(connection);
        };
        if let Some(own) = &connection {
            tracing::debug!(
                target: "certbind::proxy",
                %proxy, proxy_cert_sha256 = own.sha256_hex(),
                "the trusted proxy's own TLS client certificate is not the client's: not used"
            );
        }
        let forwarded = super::read(&self.settings, headers).and_then(|f| {
            let Some(f) = f else { return Ok(None) };
            let presented = PresentedCertificate::from_proxy(f.leaf, f.chain);
            match &presented.core {
                Ok(_) => Ok(Some(Rc::new(presented))),
                Err(error) => Err(ForwardedError::new(
                    header,
                    self.settings.format,
                    Problem::NotACertificate {
                        index: 0,
                        error: Box::new(error.clone()),
                    },
                )),
            }
        });
        match &forwarded {
            Ok(Some(_)) => count(ForwardedOutcome::Used),
            Ok(None) => {}
            Err(error) => {
                count(ForwardedOutcome::Malformed);
                tracing::warn!(
                    target: "certbind::proxy",
                    %proxy, %error,
                    "malformed certificate header from a trusted proxy: the request gets invalid_client"
                );
            }
        }
        forwarded
    }

    fn warn_untrusted(&self, peer: Option<IpAddr>) {
        let Some(ip) = peer else {
            return;
        };
        let header = self.settings.header.as_str();
        match self.warned.check(ip) {
            Warn::Quiet => {}
            Warn::First => tracing::warn!(
                target: "certbind::proxy",
                peer = %ip, header,
                "a certificate header came from an address that is not a trusted proxy: ignored \
                 (logged once per address)"
            ),
            Warn::Last => tracing::warn!(
                target: "certbind::proxy",
                peer = %ip, header,
                "a certificate header came from an address that is not a trusted proxy: ignored; \
                 too many such addresses, further ones are only counted in \
                 certbind_forwarded_certificates_total{{result=\"ignored_untrusted\"}}"
            ),
        }
    }
}

/// The `HttpServer::on_connect` callback of a server with listeners behind proxies: records the
/// connection's own client certificate ([`crate::tls::on_connect`]) and, when the connection
/// arrived on one of `listeners` (bound addresses), that listener's [`BehindProxy`].
pub fn on_connect(
    listeners: Vec<(SocketAddr, Arc<ProxyListener>)>,
) -> impl Fn(&dyn Any, &mut Extensions) + Send + Sync + 'static {
    move |connection, data| {
        crate::tls::on_connect(connection, data);
        if listeners.is_empty() {
            return;
        }
        let local = crate::limits::tcp_of(connection).and_then(|tcp| tcp.local_addr().ok());
        let Some(local) = local else { return };
        // A listener on 0.0.0.0 or [::] sees the interface's address as the local one.
        let found = listeners.iter().find(|(bound, _)| {
            bound.port() == local.port()
                && (bound.ip() == local.ip() || bound.ip().is_unspecified())
        });
        if let Some((_, listener)) = found {
            data.insert(BehindProxy(Arc::clone(listener)));
        }
    }
}
