//! SIGHUP reload: re-read clients, trust anchors and signing keys, then swap the snapshot.
//! Connections and requests in flight are not touched; a bad new file is logged and the old
//! snapshot stays. Listeners and TLS files are not reloaded (restart for those).

use actix_web::web;

use crate::state::{AppState, Snapshot};

/// Builds a new snapshot (from the config file) or says why it cannot.
pub trait SnapshotLoader: Send + 'static {
    /// Loads the new snapshot.
    ///
    /// # Errors
    /// Anything that makes the new configuration unusable, in words.
    fn load(&self, state: &AppState) -> Result<Snapshot, String>;
}

impl<F> SnapshotLoader for F
where
    F: Fn(&AppState) -> Result<Snapshot, String> + Send + 'static,
{
    fn load(&self, state: &AppState) -> Result<Snapshot, String> {
        self(state)
    }
}

/// Applies one reload: swaps in the new snapshot, or keeps the old one and logs why.
/// Returns whether the new configuration was taken.
pub fn reload_now(state: &AppState, loader: &dyn SnapshotLoader) -> bool {
    match loader.load(state) {
        Ok(snapshot) => {
            let keys = snapshot.keys.keys().len();
            let kid = snapshot.keys.current().kid().to_owned();
            state.replace(snapshot);
            state.metrics.reload(true);
            tracing::info!(target: "certbind::reload", keys, signing_kid = %kid, "configuration reloaded");
            true
        }
        Err(reason) => {
            state.metrics.reload(false);
            tracing::error!(target: "certbind::reload", %reason, "reload failed; keeping the previous configuration");
            false
        }
    }
}

/// Catches SIGHUP from now on (on the current actix/tokio runtime). Make it before the listeners
/// are bound: from then on a SIGHUP is a reload, not the default instant death, and one that
/// arrives before the reload task runs is kept for it.
///
/// # Errors
/// The signal handler could not be installed.
pub fn catch_sighup() -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
}

/// Spawns a task on the current actix/tokio runtime that reloads on every SIGHUP `hangup`
/// (from [`catch_sighup`]) receives.
pub fn spawn_on_sighup(
    mut hangup: tokio::signal::unix::Signal,
    state: web::Data<AppState>,
    loader: impl SnapshotLoader,
) {
    actix_web::rt::spawn(async move {
        while hangup.recv().await.is_some() {
            tracing::info!(target: "certbind::reload", "SIGHUP: reloading");
            reload_now(&state, &loader);
        }
    });
}
