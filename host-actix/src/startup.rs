//! Building and running the server: [`Application::build`] binds its own listeners (port 0
//! picks a free port), so tests and `certbind serve` start it the same way.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, web};
use openssl::x509::X509;

use crate::config::{CaNames, KeySource, ListenerKind, Settings};
use crate::forwarded::{self, ProxyListener};
use crate::keys::KeySet;
use crate::limits::{LimitCounters, Listeners, RequestLimits, ServerOptions};
use crate::registry::Registry;
use crate::shutdown::ShutdownSettings;
use crate::state::{AppState, Snapshot, Urls};
use crate::store::StoreHandle;
use crate::{routes, shutdown, tls};

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    listeners: Vec<(ListenerKind, SocketAddr)>,
    state: web::Data<AppState>,
    shutdown: ShutdownSettings,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("listeners", &self.listeners)
            .finish_non_exhaustive()
    }
}

/// Why the server could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// A listener could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// TLS files unusable.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// Signing keys unusable.
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
    /// The TLS private key file can be read by other users.
    #[error(transparent)]
    KeyFile(#[from] crate::keyfile::KeyFileError),
    /// A trust anchor given for the CA names is not a certificate.
    #[error("trust anchor #{index} cannot be sent as a CA name: {reason}")]
    CaName {
        /// Index in the registry's trust anchors.
        index: usize,
        /// Why.
        reason: String,
    },
}

/// Loads the signing keys a config names.
///
/// # Errors
/// As [`KeySet::load_dir`] / [`KeySet::load_files`].
pub fn load_keys(settings: &Settings) -> Result<KeySet, crate::keys::KeyError> {
    match &settings.keys {
        KeySource::Dir(dir) => KeySet::load_dir(dir, settings.key_algorithm, settings.key_files()),
        KeySource::Files(files) => {
            KeySet::load_files(files, settings.key_algorithm, settings.key_files())
        }
    }
}

/// `https://host:port` for a bound address: loopback and unspecified addresses become
/// `localhost` (which the server certificate names in dev mode).
fn url_of(address: SocketAddr) -> String {
    let ip = address.ip();
    if ip.is_loopback() || ip.is_unspecified() {
        format!("https://localhost:{}", address.port())
    } else if address.is_ipv6() {
        format!("https://[{ip}]:{}", address.port())
    } else {
        format!("https://{ip}:{}", address.port())
    }
}

impl Application {
    /// Binds the listeners, loads the keys and builds the server (not yet running).
    ///
    /// # Errors
    /// [`StartupError`] naming the listener, file or key.
    pub fn build(settings: &Settings, clients: Arc<Registry>) -> Result<Self, StartupError> {
        let keys = load_keys(settings)?;
        Self::build_with_keys(settings, clients, keys)
    }

    /// Like [`Application::build`] with keys already loaded.
    ///
    /// # Errors
    /// As [`Application::build`].
    pub fn build_with_keys(
        settings: &Settings,
        clients: Arc<Registry>,
        keys: KeySet,
    ) -> Result<Self, StartupError> {
        Self::build_with_store(settings, clients, keys, StoreHandle::file())
    }

    /// Like [`Application::build_with_keys`] with a store (PostgreSQL: its pool, follower and
    /// registration settings).
    ///
    /// # Errors
    /// As [`Application::build`].
    pub fn build_with_store(
        settings: &Settings,
        clients: Arc<Registry>,
        keys: KeySet,
        store: StoreHandle,
    ) -> Result<Self, StartupError> {
        let mut bound = Vec::new();
        for listener in &settings.listeners {
            let tcp = TcpListener::bind(listener.address).map_err(|source| StartupError::Bind {
                address: listener.address,
                source,
            })?;
            let address = tcp.local_addr().map_err(|source| StartupError::Bind {
                address: listener.address,
                source,
            })?;
            // Every endpoint is under the base path, so every advertised URL is too.
            let url = listener.url.clone().unwrap_or_else(|| url_of(address));
            let url = format!("{url}{}", settings.base_path);
            bound.push((listener, tcp, address, url));
        }
        let mtls_url = bound
            .iter()
            .find(|b| b.0.kind == ListenerKind::Mtls)
            .map(|b| b.3.clone());
        let public_url = bound
            .iter()
            .find(|b| b.0.kind == ListenerKind::Public)
            .map(|b| b.3.clone());
        let endpoints_base = public_url
            .clone()
            .or_else(|| mtls_url.clone())
            .unwrap_or_default();
        let issuer = settings
            .issuer
            .clone()
            .unwrap_or_else(|| endpoints_base.clone());
        let urls = Urls {
            audience: settings
                .audience
                .clone()
                .unwrap_or_else(|| format!("{issuer}/resources")),
            issuer,
            endpoints_base,
            mtls_base: public_url.and(mtls_url),
            registration: store.registration.enabled(),
        };

        let ca_names = match settings.client_ca_names {
            CaNames::None => Vec::new(),
            CaNames::TrustAnchors => clients
                .trust_anchors()
                .iter()
                .enumerate()
                .map(|(index, der)| {
                    X509::from_der(der).map_err(|e| StartupError::CaName {
                        index,
                        reason: e.to_string(),
                    })
                })
                .collect::<Result<_, _>>()?,
        };

        // Checked before OpenSSL reads it (the signing keys were checked when loaded).
        crate::keyfile::check(&settings.tls_private_key, settings.key_files())?;
        let snapshot = Snapshot::new(clients, keys, settings.max_token_lifetime, &urls);
        let checker_page = settings.checker_page.clone();
        let checker_at = format!("{}{}", settings.base_path, crate::state::paths::CHECKER);
        match &checker_page {
            Some(page) => tracing::info!(page = %page.display(), "checker page at {checker_at}"),
            None => tracing::info!("checker page at {checker_at} (built into certbind)"),
        }
        // Where `GET /metrics` is served: the listeners that say so (by bound address, which
        // is what a request's app config names).
        let metrics_listeners = bound
            .iter()
            .filter(|(l, ..)| l.metrics)
            .map(|(_, _, address, _)| *address)
            .collect();
        let counters = Arc::new(LimitCounters::new(bound.iter().map(|b| b.2)));
        let state = web::Data::new(
            AppState::new(snapshot, settings.body_limit, urls)
                .with_checker_page(checker_page)
                .with_store(store)
                .with_metrics_listeners(metrics_listeners)
                .with_limits(settings.limits, Arc::clone(&counters))
                .with_expiry_warning_days(settings.expiry_warning_days),
        );
        let app_state = state.clone();
        // Listeners behind a reverse proxy, by bound address: connections on them carry their
        // proxy settings (see `forwarded`).
        let proxied: Vec<(SocketAddr, Arc<ProxyListener>)> = bound
            .iter()
            .filter_map(|(l, _, address, _)| {
                let proxy = l.proxy.clone()?;
                Some((*address, Arc::new(ProxyListener::new(proxy))))
            })
            .collect();
        let connected = forwarded::on_connect(proxied);
        let connection_state = state.clone();
        let base_path = settings.base_path.clone();
        let request_limits = RequestLimits::new(&settings.limits);
        let on_connect: crate::limits::OnConnect = Arc::new(move |connection, data| {
            connected(connection, data);
            if let Some(session) = data.get::<tls::TlsSession>() {
                connection_state.metrics.tls_session(session.resumed);
            }
        });
        // actix-web's HttpServer, assembled with each listener's limits and where a drain can
        // reach each HTTP/2 connection; its stop signals are `shutdown::run`'s (actix-server's
        // own handling would close the listeners at the first signal, before a load balancer
        // noticed). Closing while draining is the outermost middleware, so that the limits'
        // own answers tell clients to go elsewhere too.
        let mut server = Listeners::new(
            move || {
                App::new()
                    .app_data(app_state.clone())
                    .wrap(request_limits)
                    .wrap(actix_web::middleware::from_fn(
                        shutdown::close_while_draining,
                    ))
                    .configure(routes::configure_at(&base_path))
            },
            on_connect,
            ServerOptions::new(
                settings.workers,
                settings.limits,
                settings.shutdown.grace_period,
            ),
            counters,
            state.drain.clone(),
        );
        let mut listeners = Vec::new();
        for (listener, tcp, address, _) in bound {
            let kind = listener.kind;
            let max_connections = settings.max_connections(listener);
            if !listener.tls {
                // Plain HTTP from a reverse proxy (config allows it only behind one).
                server = server
                    .plain(tcp, max_connections)
                    .map_err(|source| StartupError::Bind { address, source })?;
                listeners.push((kind, address));
                continue;
            }
            let acceptor = match kind {
                ListenerKind::Mtls => {
                    let mut acceptor = tls::mtls_acceptor(
                        &settings.tls_certificate,
                        &settings.tls_private_key,
                        &ca_names,
                        settings.max_intermediates,
                    )?;
                    tls::set_session_cache_size(&mut acceptor, settings.session_cache_size);
                    acceptor
                }
                ListenerKind::Public => {
                    tls::public_acceptor(&settings.tls_certificate, &settings.tls_private_key)?
                }
            };
            server = server
                .tls(tcp, acceptor, max_connections)
                .map_err(|source| StartupError::Bind { address, source })?;
            listeners.push((kind, address));
        }
        Ok(Self {
            server: server.run(),
            listeners,
            state,
            shutdown: settings.shutdown,
        })
    }

    /// The port of the first mTLS listener.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.listeners
            .iter()
            .find(|(k, _)| *k == ListenerKind::Mtls)
            .map_or(0, |(_, a)| a.port())
    }

    /// Every bound listener with its real address.
    #[must_use]
    pub fn listeners(&self) -> &[(ListenerKind, SocketAddr)] {
        &self.listeners
    }

    /// The shared state (for reloads and for tests).
    #[must_use]
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle to stop the server.
    #[must_use]
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs until [`ServerHandle::stop`] (signals are not handled: see [`Application::run`]).
    ///
    /// # Errors
    /// The server failed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Runs until a stop signal (SIGTERM, SIGINT) or [`ServerHandle::stop`]. A signal starts
    /// the drain of [`crate::shutdown`] (not ready, connections told to close, then the
    /// listeners close after the configured drain delay and requests in flight get the grace
    /// period); a second signal exits the process at once. Tells systemd when the listeners
    /// accept and when the drain starts, when started by it (`Type=notify`).
    ///
    /// # Errors
    /// The signal handlers could not be installed, or the server failed.
    pub async fn run(self) -> std::io::Result<()> {
        let signals = shutdown::StopSignals::install()?;
        self.run_with_signals(signals).await
    }

    /// [`Application::run`] with stop signals caught earlier, before the listeners were bound
    /// (what `certbind serve` does: a signal sent as soon as the port accepts still drains).
    ///
    /// # Errors
    /// The server failed.
    pub async fn run_with_signals(self, signals: shutdown::StopSignals) -> std::io::Result<()> {
        let handle = self.server.handle();
        let drain = self.state.drain.clone();
        shutdown::run(self.server, handle, drain, self.shutdown, signals).await
    }
}
