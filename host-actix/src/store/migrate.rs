//! Versioned schema migrations: SQL files in `host-actix/migrations/`, compiled in, applied by
//! `certbind db migrate` in one transaction each and recorded in `schema_migrations` with a
//! checksum. A transaction-scoped advisory lock makes replicas that migrate at the same moment
//! take turns: the second finds the work done.

use tokio_postgres::Client;

use super::StoreError;

/// One migration: its version, name and SQL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    pub(crate) version: i32,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

/// Every migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "fleet_store",
    sql: include_str!("../../migrations/0001_fleet_store.sql"),
}];

/// The schema version this build needs.
pub(crate) fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// `pg_advisory_xact_lock` key: "certbind" in ASCII.
const LOCK_KEY: i64 = 0x6365_7274_6269_6E64;

/// SHA-256 (hex) of a migration's SQL: an applied migration edited afterwards is reported.
fn checksum(sql: &str) -> String {
    openssl::sha::sha256(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What `db status` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchemaStatus {
    /// Highest applied version (0: none).
    pub version: i32,
    /// Versions this build knows and the database has not applied, with their names.
    pub pending: Vec<(i32, &'static str)>,
    /// Applied versions this build does not know (the database is newer than this binary).
    pub unknown: Vec<i32>,
    /// Applied migrations whose SQL differs from this build's.
    pub changed: Vec<i32>,
}

impl SchemaStatus {
    /// Whether the schema is exactly what this build expects.
    #[must_use]
    pub fn current(&self) -> bool {
        self.pending.is_empty() && self.unknown.is_empty() && self.changed.is_empty()
    }
}

const PREPARE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)";

/// Reads the applied versions (none when the table does not exist yet).
///
/// # Errors
/// The database cannot be read.
pub(crate) async fn status(client: &Client, schema: &str) -> Result<SchemaStatus, StoreError> {
    let exists = client
        .query_one(
            "SELECT to_regclass($1::text || '.schema_migrations') IS NOT NULL",
            &[&schema],
        )
        .await
        .map_err(StoreError::query)?;
    let applied: Vec<(i32, String)> = if exists.get::<_, bool>(0) {
        client
            .query(
                "SELECT version, checksum FROM schema_migrations ORDER BY version",
                &[],
            )
            .await
            .map_err(StoreError::query)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    } else {
        Vec::new()
    };
    let version = applied.iter().map(|(v, _)| *v).max().unwrap_or(0);
    let pending = MIGRATIONS
        .iter()
        .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
        .map(|m| (m.version, m.name))
        .collect();
    let unknown = applied
        .iter()
        .filter(|(v, _)| !MIGRATIONS.iter().any(|m| m.version == *v))
        .map(|(v, _)| *v)
        .collect();
    let changed = applied
        .iter()
        .filter(|(v, sum)| {
            MIGRATIONS
                .iter()
                .any(|m| m.version == *v && checksum(m.sql) != *sum)
        })
        .map(|(v, _)| *v)
        .collect();
    Ok(SchemaStatus {
        version,
        pending,
        unknown,
        changed,
    })
}

/// Applies every pending migration, each in its own transaction under the advisory lock.
/// Returns the versions applied by this call (another replica may have applied the rest).
///
/// # Errors
/// A migration failed (its transaction is rolled back; earlier ones stay), or an applied
/// migration's SQL differs from this build's.
pub(crate) async fn migrate(client: &mut Client, schema: &str) -> Result<Vec<i32>, StoreError> {
    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let tx = client.transaction().await.map_err(StoreError::query)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .await
            .map_err(StoreError::query)?;
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}; {PREPARE}"))
            .await
            .map_err(StoreError::query)?;
        let done = tx
            .query_opt(
                "SELECT checksum FROM schema_migrations WHERE version = $1",
                &[&migration.version],
            )
            .await
            .map_err(StoreError::query)?;
        if let Some(row) = done {
            let sum: String = row.get(0);
            if sum != checksum(migration.sql) {
                return Err(StoreError::Schema(format!(
                    "migration {} ({}) was applied with different SQL than this build's; \
                     migrations must never change once applied",
                    migration.version, migration.name
                )));
            }
            tx.commit().await.map_err(StoreError::query)?;
            continue;
        }
        tx.batch_execute(migration.sql).await.map_err(|e| {
            StoreError::Schema(format!(
                "migration {} ({}) failed and was rolled back: {}",
                migration.version,
                migration.name,
                super::db_message(&e)
            ))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            &[
                &migration.version,
                &migration.name,
                &checksum(migration.sql),
            ],
        )
        .await
        .map_err(StoreError::query)?;
        tx.commit().await.map_err(StoreError::query)?;
        applied.push(migration.version);
    }
    Ok(applied)
}

/// Refuses a schema this build cannot use, saying what to run.
///
/// # Errors
/// [`StoreError::Schema`].
pub(crate) async fn require_current(client: &Client, schema: &str) -> Result<(), StoreError> {
    let s = status(client, schema).await?;
    if !s.unknown.is_empty() {
        return Err(StoreError::Schema(format!(
            "the database schema has versions {:?} that this certbind does not know: it is \
             newer than this binary",
            s.unknown
        )));
    }
    if !s.changed.is_empty() {
        return Err(StoreError::Schema(format!(
            "applied migrations {:?} differ from this build's",
            s.changed
        )));
    }
    if !s.pending.is_empty() {
        return Err(StoreError::Schema(format!(
            "the database schema is at version {} and this certbind needs {}: run `certbind db \
             migrate --config …`",
            s.version,
            latest_version()
        )));
    }
    Ok(())
}
