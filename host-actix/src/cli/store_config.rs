//! The shared store named by a config file, for the commands that work on it.

use std::future::Future;
use std::path::Path;

use crate::config::Settings;
use crate::store::{Database, PostgresSettings, StoreSettings};

/// A config file whose `[store]` is PostgreSQL.
#[derive(Debug)]
pub(super) struct StoreConfig {
    pub(super) settings: Settings,
    pub(super) postgres: PostgresSettings,
    pub(super) database: Database,
}

/// Reads the `[server]` and `[store]` tables of `config`.
pub(super) fn open(config: &Path) -> Result<StoreConfig, String> {
    let settings = crate::config::load(config).map_err(|e| e.to_string())?;
    let (store, _) = crate::store::load_settings(config).map_err(|e| e.to_string())?;
    let StoreSettings::Postgres(postgres) = store else {
        return Err(format!(
            "{}: the store is the file itself; add [store] kind = \"postgres\" and url (or {})",
            config.display(),
            crate::store::DATABASE_URL_ENV
        ));
    };
    let database = Database::new(&postgres).map_err(|e| e.to_string())?;
    // The audit events of what the command changes go to stderr in the config's log format.
    crate::telemetry::init(settings.log_format, "warn,certbind::audit=info");
    Ok(StoreConfig {
        settings,
        postgres,
        database,
    })
}

/// Runs `work` on a runtime of its own (the commands are one-shot).
pub(super) fn block_on<T>(work: impl Future<Output = T>) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    Ok(runtime.block_on(work))
}
