//! The server part of `certbind.toml`: the `[server]` table (listeners, TLS files, signing keys,
//! token settings, limits, logging). The clients and trust anchors of the same file are the
//! core's registry and are read by the core's loader (see [`crate::registry`]), so `certbind
//! explain --config` and `certbind serve --config` read one file the same way.
//!
//! Every error names the file, the line and the field. Relative paths are relative to the
//! directory of the config file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use actix_web::http::header::HeaderName;
use serde::Deserialize;
use toml::Spanned;

use crate::forwarded::{HeaderFormat, ProxyNet, ProxySettings, TrustedProxies};
use crate::keyfile::KeyFilePolicy;
use crate::keys::Algorithm;
use crate::limits::Limits;

/// Default listen address of `certbind serve` (loopback only).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
/// Default request body limit of the token and introspection endpoints (16 KiB).
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;
/// Upper bound on access-token lifetimes (one day), and the default of
/// `server.max_token_lifetime`: a client's `access_token_lifetime` (registry, default 1 hour)
/// is capped to it.
pub const MAX_TOKEN_LIFETIME: u64 = 86_400;

/// A problem in the config file: where and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {field}: {message}", .file.display(), .line.map(|l| format!(":{l}")).unwrap_or_default())]
#[non_exhaustive]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Dotted path of the field (e.g. `server.listeners[0].address`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What a listener is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ListenerKind {
    /// Asks every client for a certificate (without requiring one); serves every endpoint.
    Mtls,
    /// Never asks for a certificate: discovery, JWKS, health, and the token endpoint for
    /// secret-based clients. The mTLS listener is advertised in `mtls_endpoint_aliases`.
    Public,
}

/// Which CA names the mTLS listener sends in its CertificateRequest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaNames {
    /// None: clients offer whatever certificate they have (works for self-signed clients).
    #[default]
    None,
    /// The subjects of the registry's trust anchors: helps clients with several certificates
    /// (browsers, Windows) pick the right one, but some clients then offer none for a
    /// self-signed registration.
    TrustAnchors,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// Parses `text` or `json`.
    ///
    /// # Errors
    /// Any other value.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("log format {other:?}: use \"text\" or \"json\"")),
        }
    }
}

/// One listener, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenerSettings {
    /// Address to bind (port 0 picks a free port).
    pub address: SocketAddr,
    /// mTLS or public.
    pub kind: ListenerKind,
    /// The base URL clients use for this listener (`https://host[:port]`), when it differs
    /// from what the bound address gives.
    pub url: Option<String>,
    /// TLS on this listener (the default). `false` (plain HTTP) is allowed only behind a proxy,
    /// on a network only the proxy reaches.
    pub tls: bool,
    /// Certificates forwarded by a reverse proxy: set when the listener is `behind_proxy`.
    pub proxy: Option<ProxySettings>,
    /// Whether it serves `GET /metrics` (default: on an mTLS listener, not on a public one).
    pub metrics: bool,
    /// Its own `max_connections` (default: `[server.limits] max_connections`).
    pub max_connections: Option<usize>,
}

impl ListenerSettings {
    /// An mTLS listener on `address`.
    #[must_use]
    pub const fn mtls(address: SocketAddr) -> Self {
        Self {
            address,
            kind: ListenerKind::Mtls,
            url: None,
            tls: true,
            proxy: None,
            metrics: true,
            max_connections: None,
        }
    }

    /// A public (no client certificate) listener on `address`.
    #[must_use]
    pub fn public(address: SocketAddr) -> Self {
        Self {
            kind: ListenerKind::Public,
            metrics: false,
            ..Self::mtls(address)
        }
    }
}

/// Where the signing keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// Every `*.pem` in the directory, by name; the last signs.
    Dir(PathBuf),
    /// These files; the last signs.
    Files(Vec<PathBuf>),
}

/// The server settings, resolved (paths absolute or relative to the working directory).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Listeners; at least one mTLS listener.
    pub listeners: Vec<ListenerSettings>,
    /// Server certificate chain (PEM, leaf first).
    pub tls_certificate: PathBuf,
    /// Server private key (PEM).
    pub tls_private_key: PathBuf,
    /// CA names sent in the CertificateRequest.
    pub client_ca_names: CaNames,
    /// Most certificates a client may send after its own on a TLS connection
    /// (`server.tls.max_intermediates`).
    pub max_intermediates: usize,
    /// Sessions the mTLS listeners keep for resumption (`server.tls.session_cache_size`; 0:
    /// none).
    pub session_cache_size: usize,
    /// `iss`; default: the URL of the public listener, else of the first mTLS listener, followed
    /// by the base path.
    pub issuer: Option<String>,
    /// `aud`; default: `{issuer}/resources` (as IdentityServer3).
    pub audience: Option<String>,
    /// Longest access-token lifetime in seconds; each client's own `access_token_lifetime`
    /// (registry, default 1 hour) is capped to it.
    pub max_token_lifetime: u64,
    /// Request body limit in bytes.
    pub body_limit: usize,
    /// Worker threads (0 = one per core).
    pub workers: usize,
    /// Signing keys.
    pub keys: KeySource,
    /// Algorithm for new keys and for RSA key files (RS256 or PS256).
    pub key_algorithm: Algorithm,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter (`tracing` env-filter syntax), e.g. `info` or `certbind=debug`.
    pub log_filter: String,
    /// A single-file checker page to serve at `/tools/thumbprint` instead of the one compiled
    /// into the binary (e.g. `www/dist/certbind-checker.html` while working on the page).
    pub checker_page: Option<PathBuf>,
    /// The path every endpoint is served under (`/core`, where IdentityServer3 is usually
    /// mounted), without a trailing `/`; empty for the root. See [`check_base_path`].
    pub base_path: String,
    /// Connection and request limits (`[server.limits]`).
    pub limits: Limits,
    /// Start even when a private key file (TLS key, signing keys, KEK file) can be read by
    /// other users (`allow_readable_keys`; default: refuse, naming the file and the fix).
    pub allow_readable_keys: bool,
    /// Days before a client certificate's notAfter from which the server logs a warning for
    /// it (`expiry_warning_days`; 0: no warning).
    pub expiry_warning_days: u64,
    /// How the server stops: drain delay and grace period (`[server.shutdown]`).
    pub shutdown: crate::shutdown::ShutdownSettings,
    /// How often the server gives the memory freed by closed connections back to the system
    /// (`memory_release_interval`, whole seconds; zero: never). See [`crate::memory`].
    pub memory_release_interval: std::time::Duration,
}

impl Settings {
    /// The connection limit of `listener`: its own, else the server's.
    #[must_use]
    pub fn max_connections(&self, listener: &ListenerSettings) -> usize {
        listener
            .max_connections
            .unwrap_or(self.limits.max_connections)
    }

    /// How private key files are checked before they are read.
    #[must_use]
    pub const fn key_files(&self) -> KeyFilePolicy {
        if self.allow_readable_keys {
            KeyFilePolicy::AllowReadable
        } else {
            KeyFilePolicy::OwnerOnly
        }
    }
}

/// Default of `expiry_warning_days`.
pub const DEFAULT_EXPIRY_WARNING_DAYS: u64 = 30;

impl Settings {
    /// Settings with every default: one mTLS listener on [`DEFAULT_LISTEN`], no CA names,
    /// tokens capped at one day, 16 KiB bodies, one worker per core, text logs at `info`.
    #[must_use]
    pub fn new(tls_certificate: PathBuf, tls_private_key: PathBuf, keys: KeySource) -> Self {
        let listen = DEFAULT_LISTEN
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8443)));
        Self {
            listeners: vec![ListenerSettings::mtls(listen)],
            tls_certificate,
            tls_private_key,
            client_ca_names: CaNames::None,
            max_intermediates: crate::tls::DEFAULT_MAX_INTERMEDIATES,
            session_cache_size: crate::tls::DEFAULT_SESSION_CACHE_SIZE,
            issuer: None,
            audience: None,
            max_token_lifetime: MAX_TOKEN_LIFETIME,
            body_limit: DEFAULT_BODY_LIMIT,
            workers: 0,
            keys,
            key_algorithm: Algorithm::Es256,
            log_format: LogFormat::Text,
            log_filter: "info".into(),
            checker_page: None,
            base_path: String::new(),
            limits: Limits::DEFAULT,
            allow_readable_keys: false,
            expiry_warning_days: DEFAULT_EXPIRY_WARNING_DAYS,
            memory_release_interval: crate::memory::DEFAULT_RELEASE_INTERVAL,
            shutdown: crate::shutdown::ShutdownSettings::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct File {
    server: Option<Spanned<ServerSection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    issuer: Option<Spanned<String>>,
    audience: Option<String>,
    max_token_lifetime: Option<Spanned<u64>>,
    body_limit: Option<Spanned<usize>>,
    workers: Option<usize>,
    log_format: Option<LogFormat>,
    log: Option<String>,
    tls: Spanned<TlsSection>,
    #[serde(default)]
    listeners: Vec<Spanned<ListenerSection>>,
    keys: Spanned<KeysSection>,
    checker_page: Option<String>,
    base_path: Option<Spanned<String>>,
    limits: Option<LimitsSection>,
    allow_readable_keys: Option<bool>,
    expiry_warning_days: Option<Spanned<u64>>,
    memory_release_interval: Option<Spanned<u64>>,
    shutdown: Option<crate::shutdown::ShutdownSection>,
}

/// `[server.limits]`: every value is checked against [`Limits::RANGES`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    max_connections: Option<Spanned<u64>>,
    tls_handshake_timeout: Option<Spanned<u64>>,
    max_handshake_bytes: Option<Spanned<u64>>,
    request_header_timeout: Option<Spanned<u64>>,
    max_header_bytes: Option<Spanned<u64>>,
    request_body_timeout: Option<Spanned<u64>>,
    keep_alive: Option<Spanned<u64>>,
    h2_max_concurrent_streams: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsSection {
    certificate: Spanned<String>,
    private_key: Spanned<String>,
    #[serde(default)]
    client_ca_names: CaNames,
    max_intermediates: Option<Spanned<usize>>,
    session_cache_size: Option<Spanned<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListenerSection {
    address: Spanned<String>,
    kind: ListenerKind,
    url: Option<Spanned<String>>,
    tls: Option<Spanned<bool>>,
    behind_proxy: Option<Spanned<bool>>,
    trusted_proxies: Option<Spanned<Vec<Spanned<String>>>>,
    client_cert_header: Option<Spanned<String>>,
    client_cert_header_name: Option<Spanned<String>>,
    metrics: Option<bool>,
    max_connections: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysSection {
    dir: Option<String>,
    files: Option<Vec<String>>,
    #[serde(default)]
    algorithm: Algorithm,
}

/// Reads the `[server]` table of a config file.
///
/// # Errors
/// [`ConfigError`] naming the file, line and field.
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: None,
        field: "(file)".into(),
        message: e.to_string(),
    })?;
    parse(&text, path)
}

/// Parses config text; `path` names the file in errors and anchors relative paths.
///
/// # Errors
/// [`ConfigError`] naming the file, line and field.
pub fn parse(text: &str, path: &Path) -> Result<Settings, ConfigError> {
    let err = |span: Option<std::ops::Range<usize>>, field: &str, message: String| ConfigError {
        file: path.to_owned(),
        line: span.map(|s| line_of(text, s.start)),
        field: field.to_owned(),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let message = e.message().to_owned();
        let field = field_of_message(&message);
        err(e.span(), &field, message)
    })?;
    let Some(server) = file.server else {
        return Err(err(None, "server", "missing [server] table".into()));
    };
    let server_span = server.span();
    let server = server.into_inner();
    let base = path.parent().unwrap_or_else(|| Path::new(""));
    let resolve = |p: &str| base.join(p);

    let mut listeners = Vec::new();
    for (i, l) in server.listeners.iter().enumerate() {
        let field = |f: &str| format!("server.listeners[{i}].{f}");
        let l = l.get_ref();
        let address = l.address.get_ref().parse::<SocketAddr>().map_err(|e| {
            err(
                Some(l.address.span()),
                &field("address"),
                format!("{e} (expected ADDR:PORT)"),
            )
        })?;
        let proxy = proxy_settings(l).map_err(|(span, f, m)| err(span, &field(f), m))?;
        let tls = l.tls.as_ref().is_none_or(|t| *t.get_ref());
        if let Some(t) = l.tls.as_ref().filter(|_| !tls && proxy.is_none()) {
            return Err(err(
                Some(t.span()),
                &field("tls"),
                "plain HTTP (tls = false) is only for a listener behind a proxy (behind_proxy = true)"
                    .into(),
            ));
        }
        let url = match &l.url {
            Some(u) => {
                Some(check_url(u.get_ref()).map_err(|m| err(Some(u.span()), &field("url"), m))?)
            }
            None => None,
        };
        let max_connections = l
            .max_connections
            .as_ref()
            .map(|n| {
                in_range(n, "max_connections")
                    .map_err(|m| err(Some(n.span()), &field("max_connections"), m))
            })
            .transpose()?;
        listeners.push(ListenerSettings {
            address,
            kind: l.kind,
            url,
            tls,
            proxy,
            metrics: l.metrics.unwrap_or(l.kind == ListenerKind::Mtls),
            max_connections,
        });
    }
    if !listeners.iter().any(|l| l.kind == ListenerKind::Mtls) {
        return Err(err(
            Some(server_span.clone()),
            "server.listeners",
            "at least one listener with kind = \"mtls\" is needed".into(),
        ));
    }

    let tls = server.tls.into_inner();
    let max_intermediates = within(
        tls.max_intermediates.as_ref(),
        0..=crate::tls::MAX_INTERMEDIATES_LIMIT,
        crate::tls::DEFAULT_MAX_INTERMEDIATES,
        || {
            let most = crate::tls::MAX_INTERMEDIATES_LIMIT;
            format!("must be between 0 and {most} certificates")
        },
    )
    .map_err(|(span, m)| err(Some(span), "server.tls.max_intermediates", m))?;
    let session_cache_size = within(
        tls.session_cache_size.as_ref(),
        0..=crate::tls::SESSION_CACHE_SIZE_LIMIT,
        crate::tls::DEFAULT_SESSION_CACHE_SIZE,
        || {
            let most = crate::tls::SESSION_CACHE_SIZE_LIMIT;
            format!("must be between 0 (no resumption) and {most} sessions")
        },
    )
    .map_err(|(span, m)| err(Some(span), "server.tls.session_cache_size", m))?;
    for (f, value) in [
        ("certificate", &tls.certificate),
        ("private_key", &tls.private_key),
    ] {
        let p = resolve(value.get_ref());
        if !p.is_file() {
            return Err(err(
                Some(value.span()),
                &format!("server.tls.{f}"),
                format!("{} does not exist or is not a file", p.display()),
            ));
        }
    }

    let keys_span = server.keys.span();
    let keys_section = server.keys.into_inner();
    let keys = match (keys_section.dir, keys_section.files) {
        (Some(dir), None) => KeySource::Dir(resolve(&dir)),
        (None, Some(files)) if !files.is_empty() => {
            KeySource::Files(files.iter().map(|f| resolve(f)).collect())
        }
        _ => {
            return Err(err(
                Some(keys_span),
                "server.keys",
                "give exactly one of `dir` (every *.pem in it) or `files` (a non-empty list)"
                    .into(),
            ));
        }
    };

    let max_token_lifetime = within(
        server.max_token_lifetime.as_ref(),
        1..=MAX_TOKEN_LIFETIME,
        MAX_TOKEN_LIFETIME,
        || format!("must be between 1 and {MAX_TOKEN_LIFETIME} seconds"),
    )
    .map_err(|(span, m)| err(Some(span), "server.max_token_lifetime", m))?;
    let body_limit = within(
        server.body_limit.as_ref(),
        1024..=1024 * 1024,
        DEFAULT_BODY_LIMIT,
        || "must be between 1024 and 1048576 bytes".into(),
    )
    .map_err(|(span, m)| err(Some(span), "server.body_limit", m))?;
    let base_path = match &server.base_path {
        Some(b) => {
            check_base_path(b.get_ref()).map_err(|m| err(Some(b.span()), "server.base_path", m))?
        }
        None => String::new(),
    };
    let shutdown = match &server.shutdown {
        Some(section) => section
            .settings()
            .map_err(|(span, field, message)| err(Some(span), field, message))?,
        None => crate::shutdown::ShutdownSettings::default(),
    };
    let issuer = match server.issuer {
        Some(i) => {
            Some(check_url(i.get_ref()).map_err(|m| err(Some(i.span()), "server.issuer", m))?)
        }
        None => None,
    };

    let limits = match &server.limits {
        Some(section) => parse_limits(section)
            .map_err(|(span, f, m)| err(Some(span), &format!("server.limits.{f}"), m))?,
        None => Limits::DEFAULT,
    };
    let expiry_warning_days = within(
        server.expiry_warning_days.as_ref(),
        0..=MAX_EXPIRY_WARNING_DAYS,
        DEFAULT_EXPIRY_WARNING_DAYS,
        || format!("must be between 0 and {MAX_EXPIRY_WARNING_DAYS} days"),
    )
    .map_err(|(span, m)| err(Some(span), "server.expiry_warning_days", m))?;
    let memory_release_interval = within(
        server.memory_release_interval.as_ref(),
        0..=crate::memory::MAX_RELEASE_INTERVAL_SECS,
        crate::memory::DEFAULT_RELEASE_INTERVAL.as_secs(),
        || {
            let most = crate::memory::MAX_RELEASE_INTERVAL_SECS;
            format!("must be between 0 (never) and {most} seconds")
        },
    )
    .map(std::time::Duration::from_secs)
    .map_err(|(span, m)| err(Some(span), "server.memory_release_interval", m))?;

    Ok(Settings {
        listeners,
        tls_certificate: resolve(tls.certificate.get_ref()),
        tls_private_key: resolve(tls.private_key.get_ref()),
        client_ca_names: tls.client_ca_names,
        max_intermediates,
        session_cache_size,
        issuer,
        audience: server.audience,
        max_token_lifetime,
        body_limit,
        workers: server.workers.unwrap_or(0),
        keys,
        key_algorithm: keys_section.algorithm,
        log_format: server.log_format.unwrap_or_default(),
        log_filter: server.log.unwrap_or_else(|| "info".into()),
        checker_page: server.checker_page.as_deref().map(resolve),
        base_path,
        limits,
        allow_readable_keys: server.allow_readable_keys.unwrap_or(false),
        expiry_warning_days,
        shutdown,
        memory_release_interval,
    })
}

/// Largest `expiry_warning_days` (ten years).
const MAX_EXPIRY_WARNING_DAYS: u64 = 3650;

/// A number from the file within `range`, or `default` where the file has none; else the
/// value's span and `message`, which names the range.
fn within<T: Copy + PartialOrd>(
    value: Option<&Spanned<T>>,
    range: std::ops::RangeInclusive<T>,
    default: T,
    message: impl FnOnce() -> String,
) -> Result<T, (std::ops::Range<usize>, String)> {
    match value {
        None => Ok(default),
        Some(v) if range.contains(v.get_ref()) => Ok(*v.get_ref()),
        Some(v) => Err((v.span(), message())),
    }
}

/// A value of `[server.limits]` (or a listener's `max_connections`) within its range of
/// [`Limits::RANGES`].
fn in_range(value: &Spanned<u64>, name: &str) -> Result<usize, String> {
    let (_, least, most) = Limits::RANGES
        .iter()
        .find(|(n, ..)| *n == name)
        .copied()
        .unwrap_or((name, 0, u64::MAX));
    let v = *value.get_ref();
    let unit = if name.ends_with("timeout") || name == "keep_alive" {
        " seconds"
    } else if name.ends_with("bytes") {
        " bytes"
    } else {
        ""
    };
    if v < least || v > most {
        return Err(format!("must be between {least} and {most}{unit}"));
    }
    usize::try_from(v).map_err(|_| format!("must be between {least} and {most}{unit}"))
}

/// `[server.limits]`, each value checked; errors carry the value's span and name.
fn parse_limits(
    section: &LimitsSection,
) -> Result<Limits, (std::ops::Range<usize>, &'static str, String)> {
    let mut limits = Limits::DEFAULT;
    let seconds = |n: usize| std::time::Duration::from_secs(n as u64);
    let get = |value: &Option<Spanned<u64>>, name: &'static str| {
        value
            .as_ref()
            .map(|v| in_range(v, name).map_err(|m| (v.span(), name, m)))
            .transpose()
    };
    if let Some(n) = get(&section.max_connections, "max_connections")? {
        limits.max_connections = n;
    }
    if let Some(n) = get(&section.tls_handshake_timeout, "tls_handshake_timeout")? {
        limits.tls_handshake_timeout = seconds(n);
    }
    if let Some(n) = get(&section.max_handshake_bytes, "max_handshake_bytes")? {
        limits.max_handshake_bytes = n;
    }
    if let Some(n) = get(&section.request_header_timeout, "request_header_timeout")? {
        limits.request_header_timeout = seconds(n);
    }
    if let Some(n) = get(&section.max_header_bytes, "max_header_bytes")? {
        limits.max_header_bytes = n;
    }
    if let Some(n) = get(&section.request_body_timeout, "request_body_timeout")? {
        limits.request_body_timeout = seconds(n);
    }
    if let Some(n) = get(&section.keep_alive, "keep_alive")? {
        limits.keep_alive = seconds(n);
    }
    if let Some(n) = get(
        &section.h2_max_concurrent_streams,
        "h2_max_concurrent_streams",
    )? {
        limits.h2_max_concurrent_streams = n;
    }
    Ok(limits)
}

/// A config problem: where (span), which field of the listener, what.
type FieldError = (Option<std::ops::Range<usize>>, &'static str, String);

/// The reverse-proxy part of a listener: `behind_proxy = true` needs `trusted_proxies` and
/// `client_cert_header` (and allows `client_cert_header_name`); without it they are errors, so
/// a half-configured proxy listener never starts.
fn proxy_settings(l: &ListenerSection) -> Result<Option<ProxySettings>, FieldError> {
    let behind = l.behind_proxy.as_ref().is_some_and(|b| *b.get_ref());
    if !behind {
        let stray = [
            (
                "trusted_proxies",
                l.trusted_proxies.as_ref().map(Spanned::span),
            ),
            (
                "client_cert_header",
                l.client_cert_header.as_ref().map(Spanned::span),
            ),
            (
                "client_cert_header_name",
                l.client_cert_header_name.as_ref().map(Spanned::span),
            ),
        ];
        if let Some((f, span)) = stray.into_iter().find(|(_, span)| span.is_some()) {
            return Err((
                span,
                f,
                format!("{f} is only used with behind_proxy = true"),
            ));
        }
        return Ok(None);
    }
    let behind_span = l.behind_proxy.as_ref().map(Spanned::span);
    if l.kind != ListenerKind::Mtls {
        return Err((
            behind_span,
            "behind_proxy",
            "only a kind = \"mtls\" listener can take client certificates from a proxy".into(),
        ));
    }
    let Some(list) = l
        .trusted_proxies
        .as_ref()
        .filter(|t| !t.get_ref().is_empty())
    else {
        return Err((
            l.trusted_proxies
                .as_ref()
                .map(Spanned::span)
                .or(behind_span),
            "trusted_proxies",
            "behind_proxy = true needs trusted_proxies: the proxies' addresses or CIDR blocks, \
             e.g. [\"127.0.0.1\", \"10.0.0.0/8\"]"
                .into(),
        ));
    };
    let mut nets = Vec::new();
    for (i, entry) in list.get_ref().iter().enumerate() {
        let net = entry.get_ref().parse::<ProxyNet>().map_err(|m| {
            (
                Some(entry.span()),
                "trusted_proxies",
                format!("entry {i}: {m}"),
            )
        })?;
        nets.push(net);
    }
    let Some(format) = &l.client_cert_header else {
        return Err((
            behind_span,
            "client_cert_header",
            format!(
                "behind_proxy = true needs client_cert_header, the proxy's header format: {}",
                HeaderFormat::ALL.map(HeaderFormat::name).join(", ")
            ),
        ));
    };
    let format = format
        .get_ref()
        .parse::<HeaderFormat>()
        .map_err(|m| (Some(format.span()), "client_cert_header", m))?;
    let mut settings = ProxySettings::new(TrustedProxies::new(nets), format);
    if let Some(name) = &l.client_cert_header_name {
        settings.header = HeaderName::try_from(name.get_ref().as_str()).map_err(|_| {
            (
                Some(name.span()),
                "client_cert_header_name",
                format!("{:?} is not a valid HTTP header name", name.get_ref()),
            )
        })?;
    }
    Ok(Some(settings))
}

/// An `https://` URL without a trailing slash, query or fragment (issuer rules, RFC 8414 §2).
fn check_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("{url:?} must start with https://"))?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(format!(
            "{url:?} must be https://host[:port][/path] without query or fragment"
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Checks a `base_path` (`/core`, `/identity/core`) and returns it as the routes use it. An
/// absolute path of one or more segments of RFC 3986 unreserved characters (letters, digits,
/// `-`, `.`, `_`, `~`): no trailing `/`, no empty, `.` or `..` segment, no query or fragment,
/// nothing that needs percent-encoding. `""` is the root (the same as no base path).
///
/// # Errors
/// What is wrong with the path, in words.
pub fn check_base_path(path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Ok(String::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("{path:?} must start with \"/\" (e.g. \"/core\")"));
    };
    if rest.is_empty() {
        return Err("\"/\" is the root: leave base_path out (or \"\") to serve at the root".into());
    }
    if let Some(c) = path.chars().find(|c| matches!(c, '?' | '#')) {
        return Err(format!(
            "{path:?} has a {}: a base path is a path only",
            if c == '?' { "query" } else { "fragment" }
        ));
    }
    if path.ends_with('/') {
        return Err(format!(
            "{path:?} ends with \"/\": write {:?}",
            path.trim_end_matches('/')
        ));
    }
    for segment in rest.split('/') {
        match segment {
            "" => return Err(format!("{path:?} has an empty segment (\"//\")")),
            "." | ".." => {
                return Err(format!(
                    "{path:?} has a {segment:?} segment: write the path it means"
                ));
            }
            _ => {}
        }
        if let Some(c) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        {
            return Err(format!(
                "{path:?}: {} is not allowed; use letters, digits, '-', '.', '_' and '~' \
                 between the '/'",
                certbind_core::describe_char(c)
            ));
        }
    }
    Ok(path.to_owned())
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// The field a serde message names (`unknown field `x``, `missing field `y``), if any.
fn field_of_message(message: &str) -> String {
    for prefix in ["unknown field `", "missing field `", "duplicate key `"] {
        if let Some(rest) = message.split(prefix).nth(1)
            && let Some(name) = rest.split('`').next()
        {
            return name.to_owned();
        }
    }
    "(syntax)".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with_tls() -> tempdir::Dir {
        let d = tempdir::Dir::new();
        std::fs::write(d.path().join("server.pem"), "x").unwrap();
        std::fs::write(d.path().join("server.key"), "x").unwrap();
        d
    }

    const GOOD: &str = r#"
[server]
issuer = "https://auth.example.com/"
max_token_lifetime = 600

[server.tls]
certificate = "server.pem"
private_key = "server.key"
client_ca_names = "trust_anchors"

[[server.listeners]]
address = "127.0.0.1:0"
kind = "mtls"

[[server.listeners]]
address = "[::1]:8080"
kind = "public"
url = "https://auth.example.com"

[server.keys]
dir = "keys"
algorithm = "PS256"

[[clients]]
client_id = "ignored-here"
"#;

    #[test]
    fn a_full_server_table_resolves() {
        let d = dir_with_tls();
        let s = parse(GOOD, &d.path().join("certbind.toml")).unwrap();
        assert_eq!(s.issuer.as_deref(), Some("https://auth.example.com"));
        assert_eq!(s.listeners.len(), 2);
        assert_eq!(s.listeners[1].kind, ListenerKind::Public);
        assert_eq!(s.keys, KeySource::Dir(d.path().join("keys")));
        assert_eq!(s.key_algorithm, Algorithm::Ps256);
        assert_eq!(s.client_ca_names, CaNames::TrustAnchors);
        assert_eq!(s.max_token_lifetime, 600);
        assert_eq!(s.body_limit, DEFAULT_BODY_LIMIT);
    }

    #[test]
    fn errors_name_line_and_field() {
        let d = dir_with_tls();
        let path = d.path().join("certbind.toml");
        let bad_addr = GOOD.replace("127.0.0.1:0", "localhost");
        let e = parse(&bad_addr, &path).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(12), "server.listeners[0].address")
        );
        let unknown = GOOD.replace("max_token_lifetime = 600", "max_token_lifetme = 600");
        let e = parse(&unknown, &path).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(4), "max_token_lifetme"),
            "{e}"
        );
        let missing = GOOD.replace("certificate = \"server.pem\"", "certificate = \"nope.pem\"");
        let e = parse(&missing, &path).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(7), "server.tls.certificate")
        );
        assert!(
            e.to_string()
                .starts_with(&format!("{}:7: server.tls.certificate:", path.display()))
        );
        let zero = GOOD.replace("max_token_lifetime = 600", "max_token_lifetime = 0");
        assert_eq!(
            parse(&zero, &path).unwrap_err().field,
            "server.max_token_lifetime"
        );
        let no_mtls = GOOD.replace("kind = \"mtls\"", "kind = \"public\"");
        assert_eq!(
            parse(&no_mtls, &path).unwrap_err().field,
            "server.listeners"
        );
    }

    #[test]
    fn the_shutdown_table_sets_drain_and_grace_and_names_a_bad_value() {
        let d = dir_with_tls();
        let path = d.path().join("certbind.toml");
        let s = parse(GOOD, &path).unwrap();
        assert_eq!(s.shutdown, crate::shutdown::ShutdownSettings::default());
        let with = GOOD.replace(
            "[server.keys]",
            "[server.shutdown]\ndrain_delay = 2\ngrace_period = 20\n\n[server.keys]",
        );
        let s = parse(&with, &path).unwrap();
        assert_eq!(s.shutdown.drain_delay, std::time::Duration::from_secs(2));
        assert_eq!(s.shutdown.grace_period, std::time::Duration::from_secs(20));
        let e = parse(&with.replace("= 20", "= 7200"), &path).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(22), "server.shutdown.grace_period"),
            "{e}"
        );
        let e = parse(&with.replace("drain_delay", "drain_dealy"), &path).unwrap_err();
        assert_eq!(e.field, "drain_dealy", "{e}");
    }

    #[test]
    fn metrics_follow_the_listener_kind_unless_set_and_max_intermediates_is_bounded() {
        let d = dir_with_tls();
        let path = d.path().join("certbind.toml");
        let s = parse(GOOD, &path).unwrap();
        assert_eq!(
            s.listeners.iter().map(|l| l.metrics).collect::<Vec<_>>(),
            [true, false],
            "mTLS serves /metrics, public does not"
        );
        assert_eq!(s.max_intermediates, crate::tls::DEFAULT_MAX_INTERMEDIATES);
        let set = GOOD
            .replacen("kind = \"mtls\"\n", "kind = \"mtls\"\nmetrics = false\n", 1)
            .replacen(
                "kind = \"public\"\n",
                "kind = \"public\"\nmetrics = true\n",
                1,
            )
            .replacen(
                "client_ca_names = \"trust_anchors\"\n",
                "client_ca_names = \"trust_anchors\"\nmax_intermediates = 0\n",
                1,
            );
        let s = parse(&set, &path).unwrap();
        assert_eq!(
            s.listeners.iter().map(|l| l.metrics).collect::<Vec<_>>(),
            [false, true]
        );
        assert_eq!(s.max_intermediates, 0);
        assert_eq!(
            parse(GOOD, &path).unwrap().session_cache_size,
            crate::tls::DEFAULT_SESSION_CACHE_SIZE
        );
        let sessions = GOOD.replacen(
            "client_ca_names = \"trust_anchors\"\n",
            "client_ca_names = \"trust_anchors\"\nsession_cache_size = 0\n",
            1,
        );
        assert_eq!(parse(&sessions, &path).unwrap().session_cache_size, 0);
        let e = parse(&sessions.replacen("= 0\n", "= 1000001\n", 1), &path).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(10), "server.tls.session_cache_size"),
            "{e}"
        );
        let over = GOOD.replacen(
            "client_ca_names = \"trust_anchors\"\n",
            "client_ca_names = \"trust_anchors\"\nmax_intermediates = 33\n",
            1,
        );
        let e = parse(&over, &path).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(10), "server.tls.max_intermediates"),
            "{e}"
        );
    }

    #[test]
    fn memory_release_interval_is_seconds_up_to_an_hour() {
        let d = dir_with_tls();
        let path = d.path().join("certbind.toml");
        assert_eq!(
            parse(GOOD, &path).unwrap().memory_release_interval,
            crate::memory::DEFAULT_RELEASE_INTERVAL
        );
        let with = |value: &str| {
            GOOD.replacen(
                "max_token_lifetime = 600\n",
                &format!("max_token_lifetime = 600\nmemory_release_interval = {value}\n"),
                1,
            )
        };
        assert_eq!(
            parse(&with("0"), &path).unwrap().memory_release_interval,
            std::time::Duration::ZERO
        );
        assert_eq!(
            parse(&with("60"), &path).unwrap().memory_release_interval,
            std::time::Duration::from_secs(60)
        );
        let e = parse(&with("3601"), &path).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(5), "server.memory_release_interval"),
            "{e}"
        );
    }

    #[test]
    fn every_bounded_number_takes_its_edges_and_names_a_value_past_them() {
        let d = dir_with_tls();
        let path = d.path().join("certbind.toml");
        // (table header the line goes under, key, least, most); the line lands on line 3 or 6.
        let cases: [(&str, &str, u64, u64); 6] = [
            ("[server]", "max_token_lifetime", 1, MAX_TOKEN_LIFETIME),
            ("[server]", "body_limit", 1024, 1024 * 1024),
            (
                "[server]",
                "expiry_warning_days",
                0,
                MAX_EXPIRY_WARNING_DAYS,
            ),
            (
                "[server]",
                "memory_release_interval",
                0,
                crate::memory::MAX_RELEASE_INTERVAL_SECS,
            ),
            (
                "[server.tls]",
                "max_intermediates",
                0,
                crate::tls::MAX_INTERMEDIATES_LIMIT as u64,
            ),
            (
                "[server.tls]",
                "session_cache_size",
                0,
                crate::tls::SESSION_CACHE_SIZE_LIMIT as u64,
            ),
        ];
        for (table, key, least, most) in cases {
            let with = |value: u64| {
                let text = GOOD.replace("max_token_lifetime = 600\n", "");
                text.replacen(
                    &format!("{table}\n"),
                    &format!("{table}\n{key} = {value}\n"),
                    1,
                )
            };
            for value in [least, most] {
                assert!(parse(&with(value), &path).is_ok(), "{key} = {value}");
            }
            let past = [least.checked_sub(1), Some(most + 1)];
            for value in past.into_iter().flatten() {
                let e = parse(&with(value), &path).unwrap_err();
                let line = if table == "[server]" { 3 } else { 6 };
                assert_eq!(
                    (e.line, e.field.as_str()),
                    (
                        Some(line),
                        format!("{}.{key}", table.trim_matches(['[', ']'])).as_str()
                    ),
                    "{key} = {value}: {e}"
                );
                assert!(
                    e.message.starts_with(&format!("must be between {least}")),
                    "{key} = {value}: {e}"
                );
            }
        }
    }

    #[test]
    fn base_path_is_checked_and_errors_name_line_and_field() {
        let d = dir_with_tls();
        let path = d.path().join("certbind.toml");
        let with = |value: &str| {
            GOOD.replace(
                "max_token_lifetime = 600",
                &format!("max_token_lifetime = 600\nbase_path = {value:?}"),
            )
        };
        assert_eq!(parse(GOOD, &path).unwrap().base_path, "");
        for good in ["/core", "/identity/core", "/id-srv_3.x~"] {
            assert_eq!(parse(&with(good), &path).unwrap().base_path, good);
        }
        assert_eq!(parse(&with(""), &path).unwrap().base_path, "");
        for (bad, says) in [
            ("core", "must start with \"/\""),
            ("/core/", "ends with \"/\": write \"/core\""),
            ("/", "is the root"),
            ("/a/../core", "\"..\" segment"),
            ("/./core", "\".\" segment"),
            ("//core", "empty segment"),
            ("/core?x=1", "has a query"),
            ("/core#top", "has a fragment"),
            ("/co re", "U+0020 SPACE is not allowed"),
            ("/%63ore", "'%' is not allowed"),
            ("/{tail}", "'{' is not allowed"),
        ] {
            let e = parse(&with(bad), &path).unwrap_err();
            assert_eq!(
                (e.line, e.field.as_str()),
                (Some(5), "server.base_path"),
                "{bad}: {e}"
            );
            assert!(e.message.contains(says), "{bad}: {e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("{}:5: server.base_path: ", path.display())),
                "{e}"
            );
        }
    }

    const PROXY: &str = r#"
[server]

[server.tls]
certificate = "server.pem"
private_key = "server.key"

[[server.listeners]]
address = "127.0.0.1:0"
kind = "mtls"
tls = false
behind_proxy = true
trusted_proxies = ["127.0.0.1", "10.0.0.0/8", "::1"]
client_cert_header = "nginx-escaped"

[server.keys]
dir = "keys"
"#;

    #[test]
    fn a_listener_behind_a_proxy_resolves() {
        let d = dir_with_tls();
        let path = d.path().join("certbind.toml");
        let s = parse(PROXY, &path).unwrap();
        let l = &s.listeners[0];
        assert!(!l.tls);
        let proxy = l.proxy.as_ref().unwrap();
        assert_eq!(proxy.format, HeaderFormat::NginxEscaped);
        assert_eq!(proxy.header.as_str(), "x-ssl-client-cert");
        assert_eq!(proxy.trusted.to_string(), "127.0.0.1, 10.0.0.0/8, ::1");
        assert!(proxy.trusted.contains("10.9.8.7".parse().unwrap()));
        let named = PROXY.replace(
            "client_cert_header = \"nginx-escaped\"",
            "client_cert_header = \"rfc9440\"\nclient_cert_header_name = \"X-Client-Cert\"",
        );
        let proxy = parse(&named, &path).unwrap().listeners[0]
            .proxy
            .clone()
            .unwrap();
        assert_eq!(proxy.header.as_str(), "x-client-cert");
        assert_eq!(
            proxy.chain_header().unwrap().as_str(),
            "x-client-cert-chain"
        );
    }

    #[test]
    fn proxy_errors_name_line_and_field() {
        let d = dir_with_tls();
        let path = d.path().join("certbind.toml");
        let field = "server.listeners[0].trusted_proxies";
        for (from, to, line, field, says) in [
            (
                "\"10.0.0.0/8\"",
                "\"10.0.0.1/8\"",
                13,
                field,
                "write 10.0.0.0/8",
            ),
            ("\"::1\"", "\"localhost\"", 13, field, "not an IP address"),
            (
                "\"127.0.0.1\", ",
                "\"0.0.0.0/0\", ",
                13,
                field,
                "trusts every address",
            ),
            (
                "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]",
                "trusted_proxies = []",
                13,
                field,
                "needs trusted_proxies",
            ),
            (
                "\"nginx-escaped\"",
                "\"nginx\"",
                14,
                "server.listeners[0].client_cert_header",
                "use one of \"rfc9440\"",
            ),
            (
                "client_cert_header = \"nginx-escaped\"",
                "client_cert_header = \"haproxy-base64\"\nclient_cert_header_name = \"X SSL\"",
                15,
                "server.listeners[0].client_cert_header_name",
                "not a valid HTTP header name",
            ),
            (
                "behind_proxy = true",
                "behind_proxy = false",
                13,
                field,
                "only used with behind_proxy = true",
            ),
            (
                "kind = \"mtls\"",
                "kind = \"public\"",
                12,
                "server.listeners[0].behind_proxy",
                "only a kind = \"mtls\" listener",
            ),
        ] {
            let text = PROXY.replace(from, to);
            assert_ne!(text, PROXY, "{from}");
            let e = parse(&text, &path).unwrap_err();
            assert_eq!((e.line, e.field.as_str()), (Some(line), field), "{to}: {e}");
            assert!(e.message.contains(says), "{to}: {e}");
        }
        let no_format = PROXY.replace("client_cert_header = \"nginx-escaped\"\n", "");
        let e = parse(&no_format, &path).unwrap_err();
        assert_eq!(e.field, "server.listeners[0].client_cert_header", "{e}");
        assert!(e.message.contains("aws-alb"), "{e}");
        let plain_without_proxy =
            GOOD.replace("kind = \"mtls\"\n", "kind = \"mtls\"\ntls = false\n");
        let e = parse(&plain_without_proxy, &path).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(14), "server.listeners[0].tls"),
            "{e}"
        );
    }

    /// A throwaway directory removed on drop (no extra dependency for one test).
    mod tempdir {
        pub(super) struct Dir(std::path::PathBuf);
        impl Dir {
            pub(super) fn new() -> Self {
                let mut bytes = [0_u8; 8];
                openssl::rand::rand_bytes(&mut bytes).unwrap();
                let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let p = std::env::temp_dir().join(format!("certbind-test-{name}"));
                std::fs::create_dir_all(&p).unwrap();
                Self(p)
            }
            pub(super) fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
