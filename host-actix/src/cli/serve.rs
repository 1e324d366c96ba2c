//! `certbind serve`: the mTLS token server. Without `--config`, development mode: a dev PKI in
//! `--dir` (default `./certbind-dev`), loopback only, and a working `curl` line on stdout.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::{ListenerKind, LogFormat};
use crate::dev_pki::{self, DevPki};
use crate::startup::Application;
use crate::state::{AppState, paths};
use crate::store::StoreSettings;

/// Arguments of `certbind serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Production configuration file (listeners, TLS files, keys, clients). Without it,
    /// development mode (`--dev`).
    #[arg(
        long,
        short,
        value_name = "FILE",
        env = "CERTBIND_CONFIG",
        conflicts_with = "dev"
    )]
    config: Option<PathBuf>,
    /// Development mode (the default without --config): create or reuse a development PKI and
    /// config in --dir, and print a working curl command.
    #[arg(long)]
    dev: bool,
    /// Folder of the development PKI (dev mode). A folder that already holds ca.pem,
    /// server.pem, server.key and client.pem is used as it is.
    #[arg(long, value_name = "DIR", default_value = dev_pki::DEFAULT_DIR)]
    dir: PathBuf,
    /// Address of the mTLS listener, replacing the config's first mTLS listener
    /// [dev default: 127.0.0.1:8443; port 0 picks a free port].
    #[arg(long, value_name = "ADDR:PORT", env = "CERTBIND_LISTEN")]
    listen: Option<SocketAddr>,
    /// Serve every endpoint under this path, e.g. `/core` as IdentityServer3 was usually
    /// mounted (`/core/connect/token`) [default: the config's `base_path`, or the root].
    #[arg(long, value_name = "PATH", env = "CERTBIND_BASE_PATH", value_parser = crate::config::check_base_path)]
    base_path: Option<String>,
    /// Serve this single-file checker page at /tools/thumbprint instead of the one built into
    /// certbind, e.g. www/dist/certbind-checker.html while working on the page [default: the
    /// config's `checker_page`, or the built-in page].
    #[arg(long, value_name = "FILE", env = "CERTBIND_CHECKER_PAGE")]
    checker_page: Option<PathBuf>,
    /// Log filter (`info`, `warn`, `certbind::token=info,warn`, …) [default: the config's, or info].
    #[arg(long, value_name = "FILTER", env = "CERTBIND_LOG")]
    log: Option<String>,
    /// Log format: text or json [default: the config's, or text].
    #[arg(long, value_name = "FORMAT", env = "CERTBIND_LOG_FORMAT", value_parser = LogFormat::parse)]
    log_format: Option<LogFormat>,
    /// Worker threads [default: the config's, or one per core].
    #[arg(long, value_name = "N", env = "CERTBIND_WORKERS")]
    workers: Option<usize>,
    /// Seconds between the first SIGTERM/SIGINT and closing the listeners, while /readyz
    /// answers 503 and every connection is told to close [default: the config's
    /// `[server.shutdown] drain_delay`, or 5; 0 in development mode].
    #[arg(long, value_name = "SECONDS", env = "CERTBIND_DRAIN_DELAY", value_parser = clap::value_parser!(u64).range(0..=3600))]
    drain_delay: Option<u64>,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let dev = match &args.config {
        Some(_) => None,
        None => match dev_pki::ensure(&args.dir, crate::time::now_unix()) {
            Ok(pki) => Some(pki),
            Err(e) => {
                eprintln!("certbind serve: development PKI: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let config_path = match (&args.config, &dev) {
        (Some(path), _) => path.clone(),
        (None, Some(pki)) => pki.config_path(),
        (None, None) => return ExitCode::from(2),
    };
    let (store, registration) = match crate::store::load_settings(&config_path) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("certbind serve: {e}");
            return ExitCode::from(2);
        }
    };
    // The file store: the file's clients and key files. A shared store: only the file's
    // [server] table here; clients and keys come from the database (read once now, then
    // followed).
    let loaded = match &store {
        StoreSettings::File => crate::load::load(&config_path)
            .map(|l| (l.settings, Some((l.registry, l.keys))))
            .map_err(|e| e.to_string()),
        StoreSettings::Postgres(_) => crate::config::load(&config_path)
            .map(|s| (s, None))
            .map_err(|e| e.to_string()),
    };
    let (mut settings, from_file) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("certbind serve: {e}");
            return ExitCode::from(2);
        }
    };
    let settings = &mut settings;
    if let Some(listen) = args.listen
        && let Some(l) = settings
            .listeners
            .iter_mut()
            .find(|l| l.kind == ListenerKind::Mtls)
    {
        l.address = listen;
    }
    if let Some(base_path) = &args.base_path {
        settings.base_path.clone_from(base_path);
    }
    if let Some(page) = &args.checker_page {
        settings.checker_page = Some(page.clone());
    }
    if let Some(log) = &args.log {
        settings.log_filter.clone_from(log);
    }
    if let Some(format) = args.log_format {
        settings.log_format = format;
    }
    if let Some(workers) = args.workers {
        settings.workers = workers;
    }
    // Development mode has no load balancer to wait for: Ctrl-C stops at once (requests in
    // flight still finish).
    let drain_delay = args
        .drain_delay
        .map(std::time::Duration::from_secs)
        .or_else(|| dev.as_ref().map(|_| std::time::Duration::ZERO));
    if let Some(delay) = drain_delay {
        settings.shutdown = settings.shutdown.with_drain_delay(delay);
    }
    crate::telemetry::init(settings.log_format, &settings.log_filter);
    crate::limits::prepare_open_files(
        settings
            .listeners
            .iter()
            .map(|l| settings.max_connections(l))
            .sum(),
    );

    let shared = match &store {
        StoreSettings::File => None,
        StoreSettings::Postgres(pg) => {
            match crate::store::open(
                pg,
                registration,
                settings.max_token_lifetime,
                settings.key_files(),
            ) {
                Ok(opened) => {
                    tracing::info!(
                        target: "certbind::store", database = %pg.redacted_url(),
                        clients = opened.registry.len(), keys = opened.keys.keys().len(),
                        "clients and keys read from the shared store"
                    );
                    Some(opened)
                }
                Err(e) => {
                    eprintln!("certbind serve: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    };

    let memory_release_interval = settings.memory_release_interval;
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        // Before the listeners are bound: a stop signal from here on drains (see `shutdown`).
        let signals = crate::shutdown::StopSignals::install()
            .map_err(|e| anyhow::anyhow!("installing the SIGTERM/SIGINT handlers: {e}"))?;
        // SIGHUP too: its default action would end a replica reloaded as soon as it listens.
        let mut hangup = crate::reload::catch_sighup()
            .map_err(|e| anyhow::anyhow!("installing the SIGHUP handler: {e}"))?;
        let (app, follower) = match (shared, from_file) {
            (Some(opened), _) => (
                Application::build_with_store(
                    settings,
                    opened.registry,
                    opened.keys,
                    opened.handle,
                )?,
                Some(opened.follower),
            ),
            (None, Some((registry, keys))) => (
                Application::build_with_keys(settings, registry, keys)?,
                None,
            ),
            (None, None) => anyhow::bail!("no clients or keys to serve"),
        };
        let state = app.state();
        if let Some(follower) = follower {
            follower
                .spawn(state.clone())
                .map_err(|e| anyhow::anyhow!("starting the store follower: {e}"))?;
            // SIGHUP re-reads the store (the listeners and TLS files still need a restart).
            let resync = state.clone();
            actix_web::rt::spawn(async move {
                while hangup.recv().await.is_some() {
                    tracing::info!(target: "certbind::reload", "SIGHUP: re-reading the store");
                    crate::systemd::reloading();
                    resync.store.resync();
                    crate::systemd::ready();
                }
            });
        } else {
            let reload_path = config_path.clone();
            crate::reload::spawn_on_sighup(hangup, state.clone(), move |state: &AppState| {
                crate::systemd::reloading();
                let reloaded = crate::load::reload_snapshot(&reload_path, &state.urls);
                crate::systemd::ready();
                reloaded
            });
        }
        spawn_expiry_warnings(state.clone());
        crate::memory::spawn_releaser(memory_release_interval, state.clone());
        announce(&app, &state, dev.as_ref(), &config_path);
        app.run_with_signals(signals)
            .await
            .map_err(anyhow::Error::from)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certbind serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs the client certificates inside the warning window now and every six hours (a
/// certificate that authenticates for the first time is logged when it is seen).
fn spawn_expiry_warnings(state: actix_web::web::Data<AppState>) {
    if state.expiry_warning_days == 0 {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(std::time::Duration::from_secs(6 * 3600));
        loop {
            every.tick().await;
            let now =
                certbind_core::When(i64::try_from(crate::time::now_unix()).unwrap_or(i64::MAX));
            crate::expiry::warn(
                &state.client_certificate_expiries(),
                now,
                state.expiry_warning_days,
            );
        }
    });
}

/// Tells where the server listens (log), and in dev mode prints the files and a working curl
/// line on stdout.
fn announce(app: &Application, state: &AppState, dev: Option<&DevPki>, config: &Path) {
    for (kind, address) in app.listeners() {
        tracing::info!(target: "certbind", ?kind, %address, config = %config.display(), "listening");
    }
    let Some(pki) = dev else { return };
    // One write, errors ignored: a closed stdout (a supervisor that stopped reading) must not
    // take the server down.
    let mut out = String::new();
    let base = state.urls.endpoints_base.clone();
    let d = pki.dir.display();
    let _ = writeln!(out, "certbind development server");
    let _ = writeln!(
        out,
        "  files      {d}/ ({})",
        if pki.created { "created now" } else { "reused" }
    );
    let _ = writeln!(
        out,
        "             ca.pem  server.pem server.key  client.pem client.key  certbind.toml  keys/"
    );
    if pki.has_pfx {
        let _ = writeln!(
            out,
            "             client.pfx (password: {})",
            dev_pki::PFX_PASSWORD
        );
    }
    let _ = writeln!(
        out,
        "  client     {} (SHA-1 thumbprint {})",
        dev_pki::CLIENT_ID,
        pki.client_sha1
    );
    let _ = writeln!(out, "  token      {base}{}", paths::TOKEN);
    let _ = writeln!(out, "  discovery  {base}{}", paths::OPENID_CONFIGURATION);
    let _ = writeln!(out, "  checker    {base}{}", paths::CHECKER);
    let _ = writeln!(out, "  try:");
    let key = if pki.has_client_key {
        format!(" --key {d}/client.key")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "    curl --cacert {d}/ca.pem --cert {d}/client.pem{key} -d grant_type=client_credentials -d client_id={} -d scope=read {base}{}",
        dev_pki::CLIENT_ID,
        paths::TOKEN
    );
    let _ = writeln!(
        out,
        "  reload clients and keys: kill -HUP {}",
        std::process::id()
    );
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}
