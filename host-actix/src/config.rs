//! The server part of `certbind.toml`: the `[server]` table (listeners, TLS files, signing keys,
//! token settings, limits, logging). The clients and trust anchors of the same file are the
//! core's registry and are read by the core's loader (see [`crate::registry`]), so `certbind
//! explain --config` and `certbind serve --config` read one file the same way.
//!
//! Every error names the file, the line and the field. Relative paths are relative to the
//! directory of the config file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::keys::Algorithm;

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
    /// Reserved for certificates forwarded by a reverse proxy (not in this version: must be
    /// false).
    pub behind_proxy: bool,
    /// Reserved: proxy addresses/CIDRs whose certificate header is trusted.
    pub trusted_proxies: Vec<String>,
    /// Reserved: the header format a proxy forwards the certificate in (e.g. `rfc9440`).
    pub client_cert_header: Option<String>,
}

impl ListenerSettings {
    /// An mTLS listener on `address`.
    #[must_use]
    pub const fn mtls(address: SocketAddr) -> Self {
        Self {
            address,
            kind: ListenerKind::Mtls,
            url: None,
            behind_proxy: false,
            trusted_proxies: Vec::new(),
            client_cert_header: None,
        }
    }

    /// A public (no client certificate) listener on `address`.
    #[must_use]
    pub fn public(address: SocketAddr) -> Self {
        Self {
            kind: ListenerKind::Public,
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
    /// `iss`; default: the URL of the public listener, else of the first mTLS listener.
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
}

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
            issuer: None,
            audience: None,
            max_token_lifetime: MAX_TOKEN_LIFETIME,
            body_limit: DEFAULT_BODY_LIMIT,
            workers: 0,
            keys,
            key_algorithm: Algorithm::Es256,
            log_format: LogFormat::Text,
            log_filter: "info".into(),
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsSection {
    certificate: Spanned<String>,
    private_key: Spanned<String>,
    #[serde(default)]
    client_ca_names: CaNames,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListenerSection {
    address: Spanned<String>,
    kind: ListenerKind,
    url: Option<Spanned<String>>,
    behind_proxy: Option<Spanned<bool>>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    client_cert_header: Option<String>,
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
        if let Some(proxy) = l.behind_proxy.as_ref().filter(|p| *p.get_ref()) {
            return Err(err(
                Some(proxy.span()),
                &field("behind_proxy"),
                "certificates forwarded by a proxy are not supported by this version".into(),
            ));
        }
        let url = match &l.url {
            Some(u) => {
                Some(check_url(u.get_ref()).map_err(|m| err(Some(u.span()), &field("url"), m))?)
            }
            None => None,
        };
        listeners.push(ListenerSettings {
            address,
            kind: l.kind,
            url,
            behind_proxy: false,
            trusted_proxies: l.trusted_proxies.clone(),
            client_cert_header: l.client_cert_header.clone(),
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

    let max_token_lifetime = match server.max_token_lifetime {
        Some(t) if *t.get_ref() == 0 || *t.get_ref() > MAX_TOKEN_LIFETIME => {
            return Err(err(
                Some(t.span()),
                "server.max_token_lifetime",
                format!("must be between 1 and {MAX_TOKEN_LIFETIME} seconds"),
            ));
        }
        Some(t) => t.into_inner(),
        None => MAX_TOKEN_LIFETIME,
    };
    let body_limit = match server.body_limit {
        Some(b) if *b.get_ref() < 1024 || *b.get_ref() > 1024 * 1024 => {
            return Err(err(
                Some(b.span()),
                "server.body_limit",
                "must be between 1024 and 1048576 bytes".into(),
            ));
        }
        Some(b) => b.into_inner(),
        None => DEFAULT_BODY_LIMIT,
    };
    let issuer = match server.issuer {
        Some(i) => {
            Some(check_url(i.get_ref()).map_err(|m| err(Some(i.span()), "server.issuer", m))?)
        }
        None => None,
    };

    Ok(Settings {
        listeners,
        tls_certificate: resolve(tls.certificate.get_ref()),
        tls_private_key: resolve(tls.private_key.get_ref()),
        client_ca_names: tls.client_ca_names,
        issuer,
        audience: server.audience,
        max_token_lifetime,
        body_limit,
        workers: server.workers.unwrap_or(0),
        keys,
        key_algorithm: keys_section.algorithm,
        log_format: server.log_format.unwrap_or_default(),
        log_filter: server.log.unwrap_or_else(|| "info".into()),
    })
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

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
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
