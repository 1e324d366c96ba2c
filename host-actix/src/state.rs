//! Shared server state: an immutable [`Snapshot`] of clients and keys, swapped atomically on
//! reload (requests in flight keep the snapshot they started with), plus metrics.

use std::sync::Arc;

use actix_web::web::Bytes;
use arc_swap::ArcSwap;

use crate::keys::KeySet;
use crate::metrics::Metrics;
use crate::registry::Registry;

/// Endpoint paths (one place, used by the routes and the discovery document).
pub mod paths {
    /// Token endpoint.
    pub const TOKEN: &str = "/connect/token";
    /// Introspection endpoint.
    pub const INTROSPECT: &str = "/connect/introspect";
    /// JWKS.
    pub const JWKS: &str = "/jwks";
    /// OpenID Connect discovery location (same document as RFC 8414's).
    pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
    /// RFC 8414 metadata location.
    pub const OAUTH_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";
    /// Health.
    pub const HEALTH: &str = "/healthz";
    /// Prometheus metrics.
    pub const METRICS: &str = "/metrics";
    /// The offline thumbprint checker page.
    pub const CHECKER: &str = "/tools/thumbprint";
    /// Readiness (for load balancers): serving, and whether the store is reachable.
    pub const READY: &str = "/readyz";
    /// RFC 7009 token revocation.
    pub const REVOCATION: &str = "/connect/revocation";
    /// RFC 7591 dynamic client registration (RFC 7592 management at `{REGISTER}/{client_id}`).
    pub const REGISTER: &str = "/connect/register";
}

/// The client authentication methods the token endpoint implements.
pub const AUTH_METHODS: [&str; 4] = [
    "tls_client_auth",
    "self_signed_tls_client_auth",
    "client_secret_basic",
    "client_secret_post",
];

/// Base URLs clients use.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Urls {
    /// `iss`.
    pub issuer: String,
    /// `aud`.
    pub audience: String,
    /// Base URL of the endpoints in the main metadata: the public listener's URL when there is
    /// one, else the mTLS listener's, followed by the base path (`https://host/core`).
    pub endpoints_base: String,
    /// Base URL of the mTLS listener (with the base path), advertised in
    /// `mtls_endpoint_aliases` when there is a public listener too.
    pub mtls_base: Option<String>,
    /// Whether RFC 7591 registration is open (`registration_endpoint` in discovery).
    pub registration: bool,
}

impl Urls {
    /// The URLs of a server with one listener reached at `endpoints_base`: no mTLS aliases, no
    /// registration (for applications and tests that build the state themselves).
    #[must_use]
    pub fn new(
        issuer: impl Into<String>,
        audience: impl Into<String>,
        endpoints_base: impl Into<String>,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            endpoints_base: endpoints_base.into(),
            mtls_base: None,
            registration: false,
        }
    }
}

/// Everything a request needs that a reload may change.
#[derive(Debug)]
pub struct Snapshot {
    /// The clients.
    pub clients: Arc<Registry>,
    /// The signing keys.
    pub keys: KeySet,
    /// Longest access-token lifetime (seconds).
    pub max_token_lifetime: u64,
    /// The discovery document, serialised once.
    pub discovery_json: Bytes,
}

impl Snapshot {
    /// Builds a snapshot and its discovery document.
    #[must_use]
    pub fn new(clients: Arc<Registry>, keys: KeySet, max_token_lifetime: u64, urls: &Urls) -> Self {
        let discovery_json = discovery(urls, clients.scopes_supported(), &keys);
        Self {
            clients,
            keys,
            max_token_lifetime,
            discovery_json,
        }
    }
}

/// RFC 8414 authorization server metadata (also served as OpenID configuration).
fn discovery(urls: &Urls, scopes: &[String], keys: &KeySet) -> Bytes {
    let base = &urls.endpoints_base;
    let mut doc = serde_json::json!({
        "issuer": urls.issuer,
        "token_endpoint": format!("{base}{}", paths::TOKEN),
        "introspection_endpoint": format!("{base}{}", paths::INTROSPECT),
        "jwks_uri": format!("{base}{}", paths::JWKS),
        "revocation_endpoint": format!("{base}{}", paths::REVOCATION),
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "tls_client_certificate_bound_access_tokens": true,
        "scopes_supported": scopes,
        "access_token_signing_alg_values_supported": [keys.current().algorithm().name()],
    });
    if let (true, Some(map)) = (urls.registration, doc.as_object_mut()) {
        map.insert(
            "registration_endpoint".into(),
            format!("{base}{}", paths::REGISTER).into(),
        );
    }
    if let (Some(mtls), Some(map)) = (&urls.mtls_base, doc.as_object_mut()) {
        map.insert(
            "mtls_endpoint_aliases".into(),
            serde_json::json!({
                "token_endpoint": format!("{mtls}{}", paths::TOKEN),
                "introspection_endpoint": format!("{mtls}{}", paths::INTROSPECT),
                "revocation_endpoint": format!("{mtls}{}", paths::REVOCATION),
            }),
        );
    }
    Bytes::from(serde_json::to_vec(&doc).unwrap_or_default())
}

/// The state shared by every worker.
#[derive(Debug)]
pub struct AppState {
    snapshot: ArcSwap<Snapshot>,
    /// Counters and histograms.
    pub metrics: Metrics,
    /// Request body limit (bytes).
    pub body_limit: usize,
    /// Base URLs.
    pub urls: Urls,
    /// A checker page file served at [`paths::CHECKER`] instead of the page built into certbind.
    pub checker_page: Option<std::path::PathBuf>,
    /// The store: file or PostgreSQL, its status, the revocation list.
    pub store: crate::store::StoreHandle,
    /// The checker page as last read, served from memory while the file is unchanged.
    pub(crate) checker_cache: crate::routes::PageCache,
    /// The listeners (bound addresses) that serve [`paths::METRICS`]; `None`: every one.
    metrics_listeners: Option<Vec<std::net::SocketAddr>>,
    /// Connection and request limits (`[server.limits]`).
    pub limits: crate::limits::Limits,
    /// What the limits refused, per listener.
    pub limit_counters: Arc<crate::limits::LimitCounters>,
    /// When the last certificate that authenticated with each thumbprint or name secret
    /// expires (this process's memory).
    pub last_authenticated: crate::expiry::LastAuthenticated,
    /// Days before a client certificate's notAfter from which it is logged as a warning.
    pub expiry_warning_days: u64,
    /// Set by the first stop signal: `/readyz` answers 503 and connections are told to close.
    pub drain: crate::shutdown::Drain,
}

impl AppState {
    /// State with a first snapshot.
    #[must_use]
    pub fn new(snapshot: Snapshot, body_limit: usize, urls: Urls) -> Self {
        Self {
            snapshot: ArcSwap::from_pointee(snapshot),
            metrics: Metrics::default(),
            body_limit,
            urls,
            checker_page: None,
            store: crate::store::StoreHandle::file(),
            checker_cache: crate::routes::PageCache::default(),
            metrics_listeners: None,
            limits: crate::limits::Limits::DEFAULT,
            limit_counters: Arc::default(),
            last_authenticated: crate::expiry::LastAuthenticated::default(),
            expiry_warning_days: crate::config::DEFAULT_EXPIRY_WARNING_DAYS,
            drain: crate::shutdown::Drain::default(),
        }
    }

    /// Warns about client certificates within this many days of their notAfter (0: never).
    #[must_use]
    pub const fn with_expiry_warning_days(mut self, days: u64) -> Self {
        self.expiry_warning_days = days;
        self
    }

    /// When the clients' certificates expire: registered with their secrets, and the last
    /// one that authenticated with each secret that registers none (see [`crate::expiry`]).
    #[must_use]
    pub fn client_certificate_expiries(&self) -> Vec<crate::expiry::Expiry> {
        let snapshot = self.snapshot();
        let mut all = snapshot.clients.registered_expiries().to_vec();
        all.extend(
            self.last_authenticated
                .entries(|client, secret, _| snapshot.clients.is_undated(client, secret)),
        );
        all
    }

    /// Uses these limits, counting refusals in `counters` (the server's listeners share them).
    #[must_use]
    pub fn with_limits(
        mut self,
        limits: crate::limits::Limits,
        counters: Arc<crate::limits::LimitCounters>,
    ) -> Self {
        self.limits = limits;
        self.limit_counters = counters;
        self
    }

    /// Uses this store (the default is the file store).
    #[must_use]
    pub fn with_store(mut self, store: crate::store::StoreHandle) -> Self {
        self.store = store;
        self
    }

    /// Serves this file at [`paths::CHECKER`] (`None`: the page built into certbind; a file is
    /// read now, then again only when it changes).
    #[must_use]
    pub fn with_checker_page(mut self, page: Option<std::path::PathBuf>) -> Self {
        if let Some(path) = &page {
            self.checker_cache.load(path);
        }
        self.checker_page = page;
        self
    }

    /// Serves [`paths::METRICS`] only on the listeners bound to these addresses (the server's
    /// `metrics` listener setting); without this, every listener serves it.
    #[must_use]
    pub fn with_metrics_listeners(mut self, listeners: Vec<std::net::SocketAddr>) -> Self {
        self.metrics_listeners = Some(listeners);
        self
    }

    /// Whether the listener bound to `address` serves [`paths::METRICS`].
    #[must_use]
    pub fn serves_metrics(&self, address: std::net::SocketAddr) -> bool {
        self.metrics_listeners
            .as_ref()
            .is_none_or(|listeners| listeners.contains(&address))
    }

    /// The current snapshot (cheap: an atomic load, no lock).
    #[must_use]
    pub fn snapshot(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.snapshot.load()
    }

    /// Replaces the snapshot; requests in flight finish with the old one.
    pub fn replace(&self, snapshot: Snapshot) {
        self.snapshot.store(Arc::new(snapshot));
    }
}
