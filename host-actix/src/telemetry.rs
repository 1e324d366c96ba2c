//! Logging with `tracing`: text or JSON lines on stderr, filtered like `RUST_LOG`.
//!
//! Each line is one `write` to stderr from the worker that formats it. A background writer
//! thread was measured (tracing-appender, non-blocking): more tokens/s on an idle machine, but
//! more CPU per token and +0.7 MiB RSS, so it is not used. The per-token line costs ≈ 10 µs of
//! CPU; `log = "warn"` keeps only rejected requests.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber once (later calls do nothing).
///
/// `filter` uses `tracing`'s env-filter syntax (`info`, `warn,certbind::token=info`, …); an
/// invalid filter falls back to `info` with a warning.
pub fn init(format: LogFormat, filter: &str) {
    let (env_filter, bad) = match EnvFilter::try_new(filter) {
        Ok(f) => (f, None),
        Err(e) => (EnvFilter::new("info"), Some(e)),
    };
    // Colours only on a terminal: log files and journald get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let installed = match format {
        LogFormat::Text => builder.with_target(true).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
    if installed.is_ok()
        && let Some(e) = bad
    {
        tracing::warn!("log filter {filter:?} is invalid ({e}); using \"info\"");
    }
}
