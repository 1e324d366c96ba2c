//! Starting a replica on the shared store: read everything once (before listening), then hand
//! the follower the server's state to keep current.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use tokio::sync::mpsc;

use super::StoreError;
use super::connect::Database;
use super::follow::Follower;
use super::handle::{Command, StoreHandle};
use super::kek::Kek;
use super::settings::{PostgresSettings, RegistrationSettings};
use crate::keys::KeySet;
use crate::registry::Registry;
use crate::state::AppState;

/// A follower read and ready, waiting for the server's state.
#[derive(Debug)]
pub struct PendingFollower {
    follower: Follower,
    commands: mpsc::UnboundedReceiver<Command>,
}

impl PendingFollower {
    /// Starts following on a thread of its own.
    ///
    /// # Errors
    /// The thread could not be started.
    pub fn spawn(self, state: web::Data<AppState>) -> std::io::Result<()> {
        self.follower.spawn(state, self.commands)
    }
}

/// What a replica starts with.
#[derive(Debug)]
#[non_exhaustive]
pub struct OpenedStore {
    /// The clients, as the file store would hold them.
    pub registry: Arc<Registry>,
    /// The signing keys to publish now.
    pub keys: KeySet,
    /// For the server's state.
    pub handle: StoreHandle,
    /// To start once the server's state exists.
    pub follower: PendingFollower,
}

/// Connects, checks the schema, reads every client, key and revocation.
///
/// # Errors
/// The database cannot be reached, its schema is not this build's, the KEK is missing or
/// wrong, or what the store holds does not load.
pub fn open(
    settings: &PostgresSettings,
    registration: RegistrationSettings,
    max_token_lifetime: u64,
    key_files: crate::keyfile::KeyFilePolicy,
) -> Result<OpenedStore, StoreError> {
    let db = Database::new(settings)?;
    let kek = Kek::load(settings.kek_file.as_deref(), key_files)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Config(format!("runtime: {e}")))?;
    let resync = Duration::from_secs(settings.resync_interval);
    let (follower, registry, keys, revoked) = runtime.block_on(async {
        let (follower, registry, keys) =
            Follower::start(db.clone(), kek, max_token_lifetime, resync).await?;
        let client = db.connect().await?;
        let revoked = super::revoked::live(&client).await?;
        Ok::<_, StoreError>((follower, registry, keys, revoked))
    })?;
    let pool = db.pool(settings.pool_size)?;
    let (commands_tx, commands) = mpsc::unbounded_channel();
    let handle = StoreHandle::postgres(pool, commands_tx, registration);
    handle.revoked.replace(revoked, crate::time::now_unix());
    Ok(OpenedStore {
        registry,
        keys,
        handle,
        follower: PendingFollower { follower, commands },
    })
}
