//! Client rows: definitions (a `[[clients]]` table as `jsonb`), the files they name, the
//! registry-level settings, and the RFC 7591/7592 bookkeeping of registered clients. Every write
//! that changes what replicas hold ends with a `NOTIFY` in the same transaction, so it is seen
//! exactly when it commits.

use tokio_postgres::GenericClient;

use super::StoreError;
use super::handle::Change;

/// The channel every replica listens on.
pub(crate) const CHANNEL: &str = "certbind_changes";

/// Tells every replica (this one included) about a change when the transaction commits.
///
/// # Errors
/// The database failed.
pub(crate) async fn notify(c: &impl GenericClient, change: &Change) -> Result<(), StoreError> {
    c.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &change.payload()])
        .await
        .map_err(StoreError::query)?;
    Ok(())
}

/// Every client definition, by client_id.
///
/// # Errors
/// The database failed.
pub(crate) async fn definitions(
    c: &impl GenericClient,
) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
    Ok(c.query(
        "SELECT client_id, definition FROM clients ORDER BY client_id",
        &[],
    )
    .await
    .map_err(StoreError::query)?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}

/// One client's definition.
///
/// # Errors
/// The database failed.
pub(crate) async fn definition(
    c: &impl GenericClient,
    client_id: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    Ok(c.query_opt(
        "SELECT definition FROM clients WHERE client_id = $1",
        &[&client_id],
    )
    .await
    .map_err(StoreError::query)?
    .map(|r| r.get(0)))
}

/// The registry's top-level settings as a document the core's loader reads
/// (`{"trust_anchors": […], "clock_skew": n}`).
///
/// # Errors
/// The database failed.
pub(crate) async fn registry_settings(
    c: &impl GenericClient,
) -> Result<serde_json::Value, StoreError> {
    let row = c
        .query_opt(
            "SELECT trust_anchors, clock_skew FROM registry_settings",
            &[],
        )
        .await
        .map_err(StoreError::query)?;
    let mut doc = serde_json::Map::new();
    if let Some(row) = row {
        doc.insert("trust_anchors".into(), row.get::<_, serde_json::Value>(0));
        if let Some(skew) = row.get::<_, Option<i64>>(1) {
            doc.insert("clock_skew".into(), skew.into());
        }
    }
    Ok(serde_json::Value::Object(doc))
}

/// Every stored file, by name.
///
/// # Errors
/// The database failed.
pub(crate) async fn files(
    c: &impl GenericClient,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, StoreError> {
    Ok(c.query("SELECT name, content FROM registry_files", &[])
        .await
        .map_err(StoreError::query)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// What an import did to one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImportOutcome {
    /// It was not there.
    Added,
    /// It was there with another definition.
    Updated,
    /// It was there as it is.
    Unchanged,
}

/// Writes an imported client (insert, or replace a different definition).
///
/// # Errors
/// The database failed.
pub(crate) async fn upsert_imported(
    c: &impl GenericClient,
    client_id: &str,
    definition: &serde_json::Value,
) -> Result<ImportOutcome, StoreError> {
    let row = c
        .query_opt(
            "INSERT INTO clients (client_id, definition, origin) VALUES ($1, $2, 'import')
             ON CONFLICT (client_id) DO UPDATE
                SET definition = EXCLUDED.definition, origin = 'import', metadata = NULL,
                    registration_token_sha256 = NULL, updated_at = now()
              WHERE clients.definition IS DISTINCT FROM EXCLUDED.definition
             RETURNING (xmax = 0)",
            &[&client_id, definition],
        )
        .await
        .map_err(StoreError::query)?;
    Ok(match row {
        None => ImportOutcome::Unchanged,
        Some(r) if r.get::<_, bool>(0) => ImportOutcome::Added,
        Some(_) => ImportOutcome::Updated,
    })
}

/// Writes the registry-level settings and the files of an import.
///
/// # Errors
/// The database failed.
pub(crate) async fn write_registry(
    c: &impl GenericClient,
    trust_anchors: &serde_json::Value,
    clock_skew: Option<i64>,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Result<(), StoreError> {
    c.execute(
        "UPDATE registry_settings SET trust_anchors = $1, clock_skew = $2",
        &[trust_anchors, &clock_skew],
    )
    .await
    .map_err(StoreError::query)?;
    for (name, content) in files {
        c.execute(
            "INSERT INTO registry_files (name, content) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET content = EXCLUDED.content, updated_at = now()
              WHERE registry_files.content IS DISTINCT FROM EXCLUDED.content",
            &[name, content],
        )
        .await
        .map_err(StoreError::query)?;
    }
    Ok(())
}

/// A client registered over RFC 7591: its metadata as registered and the hash of its
/// registration access token.
#[derive(Debug, Clone)]
pub(crate) struct RegisteredClient {
    pub(crate) metadata: serde_json::Value,
    pub(crate) token_sha256: Vec<u8>,
    pub(crate) issued_at: i64,
}

/// The registration bookkeeping of a client (`None`: no such client, or not registered over
/// RFC 7591).
///
/// # Errors
/// The database failed.
pub(crate) async fn registered(
    c: &impl GenericClient,
    client_id: &str,
) -> Result<Option<RegisteredClient>, StoreError> {
    let row = c
        .query_opt(
            "SELECT metadata, registration_token_sha256, EXTRACT(EPOCH FROM created_at)::bigint
               FROM clients
              WHERE client_id = $1 AND origin = 'registration'
                AND registration_token_sha256 IS NOT NULL",
            &[&client_id],
        )
        .await
        .map_err(StoreError::query)?;
    Ok(row.map(|r| RegisteredClient {
        metadata: r.get::<_, Option<serde_json::Value>>(0).unwrap_or_default(),
        token_sha256: r.get(1),
        issued_at: r.get(2),
    }))
}

/// Inserts a registered client; `false` when the client_id is taken.
///
/// # Errors
/// The database failed.
pub(crate) async fn insert_registered(
    c: &impl GenericClient,
    client_id: &str,
    definition: &serde_json::Value,
    metadata: &serde_json::Value,
    token_sha256: &[u8; 32],
) -> Result<bool, StoreError> {
    let n = c
        .execute(
            "INSERT INTO clients (client_id, definition, origin, metadata, registration_token_sha256)
             VALUES ($1, $2, 'registration', $3, $4) ON CONFLICT (client_id) DO NOTHING",
            &[&client_id, definition, metadata, &token_sha256.as_slice()],
        )
        .await
        .map_err(StoreError::query)?;
    Ok(n == 1)
}

/// Replaces a registered client's definition and metadata; `false` when it is gone.
///
/// # Errors
/// The database failed.
pub(crate) async fn update_registered(
    c: &impl GenericClient,
    client_id: &str,
    definition: &serde_json::Value,
    metadata: &serde_json::Value,
) -> Result<bool, StoreError> {
    let n = c
        .execute(
            "UPDATE clients SET definition = $2, metadata = $3, updated_at = now()
              WHERE client_id = $1 AND origin = 'registration'",
            &[&client_id, definition, metadata],
        )
        .await
        .map_err(StoreError::query)?;
    Ok(n == 1)
}

/// Deletes a client; `false` when it was not there.
///
/// # Errors
/// The database failed.
pub(crate) async fn delete(c: &impl GenericClient, client_id: &str) -> Result<bool, StoreError> {
    let n = c
        .execute("DELETE FROM clients WHERE client_id = $1", &[&client_id])
        .await
        .map_err(StoreError::query)?;
    Ok(n == 1)
}
