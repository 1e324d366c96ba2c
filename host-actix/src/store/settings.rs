//! The `[store]` and `[registration]` tables of `certbind.toml`: where the state lives (the file
//! itself, or PostgreSQL) and whether clients may register themselves (RFC 7591).
//!
//! ```toml
//! [store]
//! kind = "postgres"                    # "file" (default): the clients and keys of this file
//! url = "postgres://certbind@db/certbind?sslmode=require"   # or CERTBIND_DATABASE_URL
//! pool_size = 8
//! schema = "certbind"
//! kek_file = "/etc/certbind/kek"       # or CERTBIND_KEK (64 hex digits)
//! key_activation_delay = 600           # seconds a rotated key is published before it signs
//! resync_interval = 60                 # seconds between full re-reads (safety net for NOTIFY)
//! ca_file = "/etc/ssl/db-ca.pem"       # CA of the database's TLS certificate (default: system)
//!
//! [registration]
//! initial_access_tokens = ["<SHA-256 hex of a token>"]   # `certbind registration new-token`
//! allowed_scopes = ["read", "write"]   # scopes a registered client may have (default: any)
//! max_request_bytes = 65536
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::{ConfigError, line_of};

/// Environment variable naming the database (overrides `[store] url`).
pub const DATABASE_URL_ENV: &str = "CERTBIND_DATABASE_URL";
/// Default pool size (connections per replica for writes; reads are served from memory).
pub(crate) const DEFAULT_POOL_SIZE: usize = 8;
/// Default PostgreSQL schema.
pub(crate) const DEFAULT_SCHEMA: &str = "certbind";
/// Default delay between publishing a rotated key and signing with it (10 minutes: longer than
/// the JWKS caches of common resource-server libraries).
pub(crate) const DEFAULT_KEY_ACTIVATION_DELAY: u64 = 600;
/// Default seconds between full re-reads of the store.
pub(crate) const DEFAULT_RESYNC_INTERVAL: u64 = 60;
/// Default bound on a registration request body (a few certificates in `jwks` fit easily).
pub(crate) const DEFAULT_MAX_REGISTRATION_BYTES: usize = 64 * 1024;

/// Where clients, keys and revocations live.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreSettings {
    /// The config file itself (clients, key files); revocations in memory. Nothing to run.
    #[default]
    File,
    /// PostgreSQL, shared by every replica.
    Postgres(PostgresSettings),
}

impl std::fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File => f.write_str("File"),
            Self::Postgres(p) => f.debug_tuple("Postgres").field(p).finish(),
        }
    }
}

/// `[store] kind = "postgres"`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostgresSettings {
    /// The connection URL (`postgres://user:password@host:port/db?sslmode=…`). May hold a
    /// password: never logged as it is (see [`PostgresSettings::redacted_url`]).
    pub url: String,
    /// Connections in each replica's pool.
    pub pool_size: usize,
    /// Schema of certbind's tables.
    pub schema: String,
    /// File holding the key-encryption key (64 hex digits), when `CERTBIND_KEK` is not set.
    pub kek_file: Option<PathBuf>,
    /// Seconds between publishing a rotated key and signing with it.
    pub key_activation_delay: u64,
    /// Seconds between full re-reads.
    pub resync_interval: u64,
    /// CA certificates (PEM) for the database's TLS certificate, instead of the system's.
    pub ca_file: Option<PathBuf>,
}

impl PostgresSettings {
    /// Settings with defaults for `url`.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_size: DEFAULT_POOL_SIZE,
            schema: DEFAULT_SCHEMA.into(),
            kek_file: None,
            key_activation_delay: DEFAULT_KEY_ACTIVATION_DELAY,
            resync_interval: DEFAULT_RESYNC_INTERVAL,
            ca_file: None,
        }
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    #[must_use]
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

impl std::fmt::Debug for PostgresSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSettings")
            .field("url", &self.redacted_url())
            .field("pool_size", &self.pool_size)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// `[registration]`: RFC 7591 dynamic registration, off unless an initial access token hash is
/// configured.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistrationSettings {
    /// SHA-256 of each accepted initial access token.
    pub initial_access_tokens: Vec<[u8; 32]>,
    /// Scopes a registered client may have; `None`: any scope.
    pub allowed_scopes: Option<Vec<String>>,
    /// Largest registration request body.
    pub max_request_bytes: usize,
}

impl Default for RegistrationSettings {
    fn default() -> Self {
        Self {
            initial_access_tokens: Vec::new(),
            allowed_scopes: None,
            max_request_bytes: DEFAULT_MAX_REGISTRATION_BYTES,
        }
    }
}

impl std::fmt::Debug for RegistrationSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationSettings")
            .field("initial_access_tokens", &self.initial_access_tokens.len())
            .field("allowed_scopes", &self.allowed_scopes)
            .finish_non_exhaustive()
    }
}

impl RegistrationSettings {
    /// Whether `/connect/register` is open (some initial access token is configured).
    #[must_use]
    pub fn enabled(&self) -> bool {
        !self.initial_access_tokens.is_empty()
    }
}

#[derive(Debug, Deserialize)]
struct File {
    store: Option<Spanned<StoreSection>>,
    registration: Option<Spanned<RegistrationSection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    kind: Spanned<String>,
    url: Option<Spanned<String>>,
    pool_size: Option<Spanned<usize>>,
    schema: Option<Spanned<String>>,
    kek_file: Option<String>,
    key_activation_delay: Option<Spanned<u64>>,
    resync_interval: Option<Spanned<u64>>,
    ca_file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistrationSection {
    #[serde(default)]
    initial_access_tokens: Vec<Spanned<String>>,
    allowed_scopes: Option<Vec<String>>,
    max_request_bytes: Option<Spanned<usize>>,
}

/// Reads `[store]` and `[registration]` from config text; `path` names the file in errors and
/// anchors relative paths. `database_url` is `CERTBIND_DATABASE_URL` when set.
///
/// # Errors
/// [`ConfigError`] naming the file, line and field.
pub fn parse(
    text: &str,
    path: &Path,
    database_url: Option<String>,
) -> Result<(StoreSettings, RegistrationSettings), ConfigError> {
    let err = |span: Option<std::ops::Range<usize>>, field: &str, message: String| ConfigError {
        file: path.to_owned(),
        line: span.map(|s| line_of(text, s.start)),
        field: field.to_owned(),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let message = e.message().to_owned();
        err(e.span(), "store", message)
    })?;
    let base = path.parent().unwrap_or_else(|| Path::new(""));
    let store = match file.store {
        None => StoreSettings::File,
        Some(section) => {
            let section_span = section.span();
            let s = section.into_inner();
            match s.kind.get_ref().as_str() {
                "file" => {
                    if let Some(url) = &s.url {
                        return Err(err(
                            Some(url.span()),
                            "store.url",
                            "a url is only used with kind = \"postgres\"".into(),
                        ));
                    }
                    StoreSettings::File
                }
                "postgres" => {
                    let url = database_url
                        .or_else(|| s.url.as_ref().map(|u| u.get_ref().clone()))
                        .ok_or_else(|| {
                            err(
                                Some(section_span.clone()),
                                "store.url",
                                format!(
                                    "kind = \"postgres\" needs url = \"postgres://…\" or \
                                     {DATABASE_URL_ENV}"
                                ),
                            )
                        })?;
                    let mut pg = PostgresSettings::new(url);
                    if let Some(n) = s.pool_size {
                        if !(1..=1000).contains(n.get_ref()) {
                            return Err(err(
                                Some(n.span()),
                                "store.pool_size",
                                "must be between 1 and 1000".into(),
                            ));
                        }
                        pg.pool_size = n.into_inner();
                    }
                    if let Some(schema) = s.schema {
                        if !is_identifier(schema.get_ref()) {
                            return Err(err(
                                Some(schema.span()),
                                "store.schema",
                                "a schema name is lowercase letters, digits and _, starting with \
                                 a letter or _ (at most 63)"
                                    .into(),
                            ));
                        }
                        pg.schema = schema.into_inner();
                    }
                    pg.kek_file = s.kek_file.map(|f| base.join(f));
                    pg.ca_file = s.ca_file.map(|f| base.join(f));
                    if let Some(d) = s.key_activation_delay {
                        if *d.get_ref() > 30 * 86_400 {
                            return Err(err(
                                Some(d.span()),
                                "store.key_activation_delay",
                                "must be at most 2592000 seconds (30 days)".into(),
                            ));
                        }
                        pg.key_activation_delay = d.into_inner();
                    }
                    if let Some(r) = s.resync_interval {
                        if !(1..=86_400).contains(r.get_ref()) {
                            return Err(err(
                                Some(r.span()),
                                "store.resync_interval",
                                "must be between 1 and 86400 seconds".into(),
                            ));
                        }
                        pg.resync_interval = r.into_inner();
                    }
                    StoreSettings::Postgres(pg)
                }
                other => {
                    return Err(err(
                        Some(s.kind.span()),
                        "store.kind",
                        format!("unknown store kind {other:?}: use \"file\" or \"postgres\""),
                    ));
                }
            }
        }
    };
    let registration = match file.registration {
        None => RegistrationSettings::default(),
        Some(section) => {
            let span = section.span();
            let r = section.into_inner();
            let mut settings = RegistrationSettings::default();
            for (i, token) in r.initial_access_tokens.iter().enumerate() {
                let hash = crate::registration::parse_token_hash(token.get_ref()).map_err(|m| {
                    err(
                        Some(token.span()),
                        &format!("registration.initial_access_tokens[{i}]"),
                        m,
                    )
                })?;
                settings.initial_access_tokens.push(hash);
            }
            settings.allowed_scopes = r.allowed_scopes;
            if let Some(n) = r.max_request_bytes {
                if !(1024..=1024 * 1024).contains(n.get_ref()) {
                    return Err(err(
                        Some(n.span()),
                        "registration.max_request_bytes",
                        "must be between 1024 and 1048576 bytes".into(),
                    ));
                }
                settings.max_request_bytes = n.into_inner();
            }
            if settings.enabled() && store == StoreSettings::File {
                return Err(err(
                    Some(span),
                    "registration",
                    "dynamic registration needs a shared store: [store] kind = \"postgres\"".into(),
                ));
            }
            settings
        }
    };
    Ok((store, registration))
}

/// Reads `[store]` and `[registration]` of the config file at `path` (with
/// `CERTBIND_DATABASE_URL` from the environment).
///
/// # Errors
/// [`ConfigError`] naming the file, line and field.
pub fn load(path: &Path) -> Result<(StoreSettings, RegistrationSettings), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: None,
        field: "(file)".into(),
        message: e.to_string(),
    })?;
    let url = std::env::var(DATABASE_URL_ENV)
        .ok()
        .filter(|u| !u.is_empty());
    parse(&text, path, url)
}

/// A PostgreSQL identifier certbind can use unquoted.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_shows() {
        let pg =
            PostgresSettings::new("postgres://app:s3cr%40t@db.example:5432/auth?sslmode=require");
        assert_eq!(
            pg.redacted_url(),
            "postgres://app:***@db.example:5432/auth?sslmode=require"
        );
        assert!(!format!("{pg:?}").contains("s3cr"));
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn the_store_and_registration_tables_resolve_with_lines_in_errors() {
        let path = Path::new("/etc/certbind/certbind.toml");
        let hash = "ab".repeat(32);
        let text = format!(
            "[store]\nkind = \"postgres\"\nurl = \"postgres://db/x\"\nschema = \"fleet\"\n\
             kek_file = \"kek\"\n\n[registration]\ninitial_access_tokens = [\"{hash}\"]\n"
        );
        let (store, registration) = parse(&text, path, None).unwrap();
        let StoreSettings::Postgres(pg) = store else {
            panic!("{store:?}")
        };
        assert_eq!(pg.schema, "fleet");
        assert_eq!(pg.kek_file.as_deref(), Some(Path::new("/etc/certbind/kek")));
        assert!(registration.enabled());
        let (store, _) = parse(&text, path, Some("postgres://env/y".into())).unwrap();
        assert!(matches!(store, StoreSettings::Postgres(p) if p.url == "postgres://env/y"));

        let bad_schema = text.replace("\"fleet\"", "\"Fleet; DROP\"");
        let e = parse(&bad_schema, path, None).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(4), "store.schema"), "{e}");
        let bad_token = text.replace(&hash, "not-a-hash");
        let e = parse(&bad_token, path, None).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(8), "registration.initial_access_tokens[0]"),
            "{e}"
        );
        let file_store = text.replace("kind = \"postgres\"\nurl = \"postgres://db/x\"\nschema = \"fleet\"\nkek_file = \"kek\"\n", "kind = \"file\"\n");
        let e = parse(&file_store, path, None).unwrap_err();
        assert_eq!(e.field, "registration", "{e}");
        let no_url = "[store]\nkind = \"postgres\"\n";
        assert_eq!(parse(no_url, path, None).unwrap_err().field, "store.url");
        assert_eq!(
            parse("[store]\nkind = \"redis\"\n", path, None)
                .unwrap_err()
                .field,
            "store.kind"
        );
        assert_eq!(
            parse("[server]\n", path, None).unwrap(),
            (StoreSettings::File, RegistrationSettings::default())
        );
    }
}
