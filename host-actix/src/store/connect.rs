//! Connections to PostgreSQL: the URL read by tokio-postgres, TLS through the OpenSSL certbind
//! already links (postgres-openssl), a pool for writes and single connections for the follower
//! and the command line.
//!
//! `sslmode` follows libpq's names: `disable` (plain), `prefer` (the default: TLS when the server
//! offers it), `require`, `verify-ca`, `verify-full`. Whenever TLS is used the server's
//! certificate is verified against `[store] ca_file` (or `sslrootcert` in the URL, or the
//! system's CAs) and its name against the host, as `verify-full` does: a man in the middle
//! would otherwise see the clients and the encrypted signing keys.

use std::path::{Path, PathBuf};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use openssl::ssl::{SslConnector, SslConnectorBuilder, SslMethod, SslVerifyMode};
use postgres_openssl::MakeTlsConnector;
use tokio_postgres::config::SslMode;

use super::StoreError;
use super::settings::PostgresSettings;

/// How long to wait for a connection (or for a free one in the pool) before answering 503.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A database to connect to: the parsed URL and the TLS connector.
#[derive(Clone)]
pub struct Database {
    pub(crate) config: tokio_postgres::Config,
    pub(crate) tls: MakeTlsConnector,
    /// For messages (password hidden).
    pub(crate) shown: String,
    pub(crate) schema: String,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.shown)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Reads the URL and prepares TLS.
    ///
    /// # Errors
    /// [`StoreError::Config`] naming what is wrong in the URL or the CA file.
    pub fn new(settings: &PostgresSettings) -> Result<Self, StoreError> {
        let shown = settings.redacted_url();
        let bad = |m: String| StoreError::Config(format!("store url {shown}: {m}"));
        let (url, root_cert) = libpq_options(&settings.url);
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| bad(format!("{e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        if config.get_application_name().is_none() {
            config.application_name("certbind");
        }
        // Every connection sees certbind's tables first (the schema is a checked identifier).
        config.options(format!("-c search_path={}", settings.schema));
        let ca_file = settings.ca_file.clone().or(root_cert);
        let tls = tls_connector(ca_file.as_deref()).map_err(bad)?;
        Ok(Self {
            config,
            tls,
            shown,
            schema: settings.schema.clone(),
        })
    }

    /// Whether TLS is refused by the URL (`sslmode=disable`).
    #[must_use]
    pub fn plain(&self) -> bool {
        self.config.get_ssl_mode() == SslMode::Disable
    }

    /// The URL with the password hidden.
    #[must_use]
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// One connection, its driver spawned on the current tokio runtime.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached.
    pub(crate) async fn connect(&self) -> Result<tokio_postgres::Client, StoreError> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| StoreError::unavailable(&self.shown, &e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(target: "certbind::store", error = %e, "database connection ended");
            }
        });
        Ok(client)
    }

    /// A pool of `size` connections for writes (registration, revocation); connections are
    /// made on first use, by the runtime that asks.
    ///
    /// # Errors
    /// The pool cannot be built (a bad size).
    pub(crate) fn pool(&self, size: usize) -> Result<Pool, StoreError> {
        let manager = Manager::from_config(
            self.config.clone(),
            self.tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Config(format!("database pool: {e}")))
    }
}

/// Maps libpq's `sslmode` values that tokio-postgres does not name (`verify-ca`, `verify-full`,
/// `allow`) onto the ones it does, and takes `sslrootcert` out of the URL (tokio-postgres
/// refuses options it does not know). Returns the URL to parse and the CA file, if named.
fn libpq_options(url: &str) -> (String, Option<PathBuf>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(value))),
            "sslmode" => {
                let mode = match value {
                    "verify-ca" | "verify-full" => "require",
                    "allow" => "prefer",
                    other => other,
                };
                kept.push(format!("sslmode={mode}"));
            }
            _ => kept.push(pair.to_owned()),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, root_cert)
}

fn percent_decode(text: &str) -> String {
    let bytes: Vec<u8> =
        form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())
            .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// OpenSSL client TLS that verifies the server's certificate chain (to `ca_file` or the
/// system's CAs) and name.
fn tls_connector(ca_file: Option<&Path>) -> Result<MakeTlsConnector, String> {
    Ok(MakeTlsConnector::new(connector_builder(ca_file)?.build()))
}

fn connector_builder(ca_file: Option<&Path>) -> Result<SslConnectorBuilder, String> {
    let mut builder = SslConnector::builder(SslMethod::tls()).map_err(|e| e.to_string())?;
    builder.set_verify(SslVerifyMode::PEER);
    match ca_file {
        Some(ca) => builder
            .set_ca_file(ca)
            .map_err(|e| format!("ca_file {}: {e}", ca.display()))?,
        None => trust_system_cas(&mut builder),
    }
    Ok(builder)
}

/// Adds the system's CA certificates. OpenSSL's own default locations are compiled into the
/// library (its OPENSSLDIR): right for the system's OpenSSL, but the OpenSSL built into certbind
/// (`vendored-openssl`) would look in `/usr/local/ssl`, where Debian, Fedora and Alpine keep
/// nothing. openssl-probe finds the system's bundle and folder (and honours `SSL_CERT_FILE` and
/// `SSL_CERT_DIR`), as reqwest's TLS does for the resource-server's HTTPS.
fn trust_system_cas(builder: &mut SslConnectorBuilder) {
    let found = openssl_probe::probe();
    // A location that cannot be read only leaves its CAs out: the handshake then names the
    // certificate it could not verify.
    if let Some(file) = &found.cert_file {
        let _ = builder.load_verify_locations(Some(file), None);
    }
    for dir in &found.cert_dir {
        let _ = builder.load_verify_locations(None, Some(dir));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenSSL itself reads `SSL_CERT_FILE` and `SSL_CERT_DIR`: the case that matters is a
    /// machine without them, so the check runs again in a child process without them.
    #[test]
    fn without_a_ca_file_the_systems_cas_are_trusted() {
        const CHILD: &str = "CERTBIND_TEST_CA_PROBE_CHILD";
        if std::env::var_os(CHILD).is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "store::connect::tests::without_a_ca_file_the_systems_cas_are_trusted",
                    "--nocapture",
                ])
                .env(CHILD, "1")
                .env_remove("SSL_CERT_FILE")
                .env_remove("SSL_CERT_DIR")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return;
        }
        let Some(bundle) = openssl_probe::probe().cert_file else {
            eprintln!("no system CA bundle on this machine: nothing to check");
            return;
        };
        let connector = connector_builder(None).unwrap().build();
        let trusted = connector.context().cert_store().all_certificates().len();
        assert!(
            trusted > 0,
            "the CAs of {} are in the store ({})",
            bundle.display(),
            openssl::version::version()
        );
    }

    #[test]
    fn libpq_only_options_are_translated() {
        assert_eq!(
            libpq_options(
                "postgres://h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x"
            ),
            (
                "postgres://h/db?sslmode=require&application_name=x".to_owned(),
                Some(PathBuf::from("/etc/ca.pem"))
            )
        );
        assert_eq!(
            libpq_options("postgres://h/db"),
            ("postgres://h/db".to_owned(), None)
        );
        let db = Database::new(&PostgresSettings::new(
            "postgres://u:pw@h/db?sslmode=disable",
        ))
        .unwrap();
        assert!(db.plain());
        assert!(!format!("{db:?}").contains("pw"));
        let e =
            Database::new(&PostgresSettings::new("postgres://h/db?sslmode=sometimes")).unwrap_err();
        assert!(e.to_string().contains("sslmode"), "{e}");
    }
}
