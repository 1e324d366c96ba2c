//! What the request handlers see of the store: its state (file, connected, degraded), the
//! revocation list, the pool for writes, and a way to wait until this replica's follower has
//! taken in a change it just committed.

use std::sync::Mutex;
use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};

use super::StoreError;
use super::revoked::RevokedTokens;
use super::settings::RegistrationSettings;

/// A change every replica must take in; also the `NOTIFY` payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A client was added, changed or removed.
    Client(String),
    /// A token was revoked.
    Revoked(String),
    /// Signing keys were added or removed.
    Keys,
    /// Anything (an import): re-read everything.
    All,
}

impl Change {
    /// The `NOTIFY` payload.
    #[must_use]
    pub fn payload(&self) -> String {
        match self {
            Self::Client(id) => format!("client:{id}"),
            Self::Revoked(jti) => format!("revoked:{jti}"),
            Self::Keys => "keys".into(),
            Self::All => "all".into(),
        }
    }

    /// Reads a payload; anything unknown (a newer replica's) means "re-read everything".
    #[must_use]
    pub fn parse(payload: &str) -> Self {
        if let Some(id) = payload.strip_prefix("client:") {
            Self::Client(id.to_owned())
        } else if let Some(jti) = payload.strip_prefix("revoked:") {
            Self::Revoked(jti.to_owned())
        } else if payload == "keys" {
            Self::Keys
        } else {
            Self::All
        }
    }
}

/// Whether this replica can reach the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreStatus {
    /// The file store: nothing to reach.
    File,
    /// PostgreSQL is reachable and followed.
    Connected,
    /// PostgreSQL is not reachable: serving from memory since `since` (Unix seconds).
    Degraded {
        /// When the connection was lost.
        since: u64,
        /// Why, in words (no secret).
        reason: String,
    },
}

/// A request to the follower.
#[derive(Debug)]
pub(crate) enum Command {
    /// Take in this change (just committed by this replica), then answer.
    Apply(Change, oneshot::Sender<()>),
    /// Re-read everything (SIGHUP).
    Resync,
}

/// The store as the request handlers see it.
#[derive(Debug)]
pub struct StoreHandle {
    pool: Option<Pool>,
    follower: Option<mpsc::UnboundedSender<Command>>,
    status: Mutex<StoreStatus>,
    pub(crate) revoked: RevokedTokens,
    /// `[registration]`.
    pub registration: RegistrationSettings,
}

impl Default for StoreHandle {
    fn default() -> Self {
        Self::file()
    }
}

impl StoreHandle {
    /// The file store: no database, revocations in this process's memory only.
    #[must_use]
    pub fn file() -> Self {
        Self {
            pool: None,
            follower: None,
            status: Mutex::new(StoreStatus::File),
            revoked: RevokedTokens::default(),
            registration: RegistrationSettings::default(),
        }
    }

    /// A PostgreSQL store with its pool and the channel to its follower.
    pub(crate) fn postgres(
        pool: Pool,
        follower: mpsc::UnboundedSender<Command>,
        registration: RegistrationSettings,
    ) -> Self {
        Self {
            pool: Some(pool),
            follower: Some(follower),
            status: Mutex::new(StoreStatus::Connected),
            revoked: RevokedTokens::default(),
            registration,
        }
    }

    /// Whether the state is shared through a database.
    #[must_use]
    pub fn shared(&self) -> bool {
        self.pool.is_some()
    }

    /// The current status.
    #[must_use]
    pub fn status(&self) -> StoreStatus {
        self.status
            .lock()
            .map_or(StoreStatus::Connected, |s| s.clone())
    }

    pub(crate) fn set_status(&self, status: StoreStatus) {
        if let Ok(mut s) = self.status.lock() {
            *s = status;
        }
    }

    /// A pooled connection for a write.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached within the pool's
    /// timeout (or this is the file store).
    pub(crate) async fn connection(&self) -> Result<deadpool_postgres::Object, StoreError> {
        let Some(pool) = &self.pool else {
            return Err(StoreError::Unavailable("no shared store".into()));
        };
        pool.get()
            .await
            .map_err(|e| StoreError::Unavailable(pool_message(&e)))
    }

    /// Waits (at most a second) until this replica's follower has taken in `change`, so that a
    /// client's next request to this replica sees what it just did.
    pub(crate) async fn applied(&self, change: Change) {
        let Some(follower) = &self.follower else {
            return;
        };
        let (ack, done) = oneshot::channel();
        if follower.send(Command::Apply(change, ack)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), done).await;
        }
    }

    /// Asks the follower to re-read everything.
    pub fn resync(&self) {
        if let Some(follower) = &self.follower {
            let _ = follower.send(Command::Resync);
        }
    }

    /// Revoked token ids held in memory.
    #[must_use]
    pub fn revoked_count(&self) -> usize {
        self.revoked.len()
    }
}

fn pool_message(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => super::db_message(e),
        other => other.to_string(),
    }
}
