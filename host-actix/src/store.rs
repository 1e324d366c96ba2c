//! Where certbind's state lives when several replicas share it: PostgreSQL.
//!
//! The database holds the truth (clients, the files they name, signing keys sealed under the
//! key-encryption key, revoked token ids); every replica holds all of it in memory, as the
//! same certbind-core registry the file store builds, and follows changes through
//! `LISTEN/NOTIFY` with a full re-read on reconnect and on a timer ([`follow`]). A token request
//! never waits on the database; registration and revocation write to it and answer 503 while it
//! is away.
//!
//! With the file store (`[store] kind = "file"`, the default) nothing here runs but the
//! in-memory revocation list.

mod admin;
pub(crate) mod clients;
mod connect;
mod definition;
mod files;
mod follow;
mod handle;
mod kek;
mod key_schedule;
pub(crate) mod migrate;
mod replica;
pub(crate) mod revoked;
mod settings;
pub(crate) mod signing_keys;

pub use admin::{
    ImportReport, MigrateReport, RotateReport, export, import, migrate as migrate_and_seed_keys,
    remove, rotate, status,
};
pub use connect::Database;
pub use follow::Follower;
pub use handle::{Change, StoreHandle, StoreStatus};
pub use kek::{KEK_ENV, Kek};
pub use migrate::SchemaStatus;
pub use replica::{OpenedStore, PendingFollower, open};
pub use settings::{
    DATABASE_URL_ENV, PostgresSettings, RegistrationSettings, StoreSettings, load as load_settings,
    parse as parse_settings,
};

/// Why the store cannot do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The `[store]` settings or the URL are unusable.
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached (down, refused, timed out, connection lost): writes answer
    /// 503 and are retried by the caller.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database answered with an error.
    #[error("database error: {0}")]
    Query(String),
    /// The schema is missing, older or newer than this build.
    #[error("{0}")]
    Schema(String),
    /// The key-encryption key is missing, malformed or does not open a key.
    #[error("{0}")]
    Kek(String),
    /// What the database holds does not load (a client the validator refuses, a key that does
    /// not parse).
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    /// A failed query: lost connections are [`StoreError::Unavailable`], the rest
    /// [`StoreError::Query`].
    pub(crate) fn query(e: tokio_postgres::Error) -> Self {
        if e.is_closed() || e.as_db_error().is_none() {
            Self::Unavailable(db_message(&e))
        } else {
            Self::Query(db_message(&e))
        }
    }

    /// A connection that could not be made.
    pub(crate) fn unavailable(database: &str, e: &tokio_postgres::Error) -> Self {
        Self::Unavailable(format!("{database}: {}", db_message(e)))
    }

    /// Whether this is the database being away (503), not a fault.
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// A database error in words: the server's message when there is one, with the cause chain
/// otherwise (tokio-postgres's own Display says only "db error").
pub(crate) fn db_message(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.code().code(), db.message());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
