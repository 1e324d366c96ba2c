//! Loading a whole `certbind.toml`: server settings, the client registry and the signing keys.
//! Used by `serve`, `check` and the SIGHUP reload, so all three accept and reject the same files.

use std::path::Path;
use std::sync::Arc;

use crate::config::{ConfigError, Settings};
use crate::keys::{KeyError, KeySet};
use crate::registry::{Registry, RegistryError};
use crate::startup::load_keys;
use crate::state::{Snapshot, Urls};

/// Everything read from one config file.
#[derive(Debug)]
#[non_exhaustive]
pub struct Loaded {
    /// The `[server]` table.
    pub settings: Settings,
    /// The clients and trust anchors.
    pub registry: Arc<Registry>,
    /// The signing keys.
    pub keys: KeySet,
}

/// Why a config file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The `[server]` table.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The clients or trust anchors.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The signing keys.
    #[error(transparent)]
    Keys(#[from] KeyError),
}

/// Reads and validates the whole file.
///
/// # Errors
/// [`LoadError`] naming the file, line and field (or key file).
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let settings = crate::config::load(path)?;
    let registry = Arc::new(Registry::load(path)?);
    let keys = load_keys(&settings)?;
    Ok(Loaded {
        settings,
        registry,
        keys,
    })
}

/// A reload: the clients and keys of the (possibly edited) file, with the running server's URLs.
///
/// # Errors
/// The new file's problem, in words (the caller keeps the old snapshot).
pub fn reload_snapshot(path: &Path, urls: &Urls) -> Result<Snapshot, String> {
    let loaded = load(path).map_err(|e| e.to_string())?;
    Ok(Snapshot::new(
        loaded.registry,
        loaded.keys,
        loaded.settings.max_token_lifetime,
        urls,
    ))
}
