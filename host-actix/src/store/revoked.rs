//! Revoked access tokens (RFC 7009): the `jti` of each, kept until the token's `exp` (after
//! which it is inactive anyway) and then purged. Every replica holds the list in memory, so
//! introspection never waits on the database.

use std::collections::HashMap;
use std::sync::RwLock;

use tokio_postgres::GenericClient;

use super::StoreError;

/// The revoked token ids this replica knows, with their expiry (Unix seconds).
#[derive(Debug, Default)]
pub(crate) struct RevokedTokens {
    jtis: RwLock<HashMap<String, u64>>,
}

impl RevokedTokens {
    /// Whether `jti` is revoked.
    pub(crate) fn contains(&self, jti: &str) -> bool {
        self.jtis.read().is_ok_and(|m| m.contains_key(jti))
    }

    /// Records a revocation.
    pub(crate) fn insert(&self, jti: String, expires_at: u64) {
        if let Ok(mut m) = self.jtis.write() {
            m.insert(jti, expires_at);
        }
    }

    /// Replaces the whole list (a full re-read), dropping what has expired by `now`.
    pub(crate) fn replace(&self, all: HashMap<String, u64>, now: u64) {
        if let Ok(mut m) = self.jtis.write() {
            *m = all;
            m.retain(|_, exp| *exp > now);
        }
    }

    /// Forgets what has expired by `now`.
    pub(crate) fn purge(&self, now: u64) {
        if let Ok(mut m) = self.jtis.write() {
            m.retain(|_, exp| *exp > now);
        }
    }

    /// How many are held.
    pub(crate) fn len(&self) -> usize {
        self.jtis.read().map_or(0, |m| m.len())
    }
}

/// Stores a revocation (a repeat is not an error).
///
/// # Errors
/// The database failed.
pub(crate) async fn insert(
    c: &impl GenericClient,
    jti: &str,
    client_id: &str,
    expires_at: i64,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO revoked_tokens (jti, client_id, expires_at)
         VALUES ($1, $2, to_timestamp($3::bigint)) ON CONFLICT (jti) DO NOTHING",
        &[&jti, &client_id, &expires_at],
    )
    .await
    .map_err(StoreError::query)?;
    Ok(())
}

/// Every revocation that has not expired, with its expiry.
///
/// # Errors
/// The database failed.
pub(crate) async fn live(c: &impl GenericClient) -> Result<HashMap<String, u64>, StoreError> {
    Ok(c.query(
        "SELECT jti, EXTRACT(EPOCH FROM expires_at)::bigint FROM revoked_tokens
              WHERE expires_at > now()",
        &[],
    )
    .await
    .map_err(StoreError::query)?
    .iter()
    .map(|r| (r.get(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0)))
    .collect())
}

/// One revocation's expiry, when stored.
///
/// # Errors
/// The database failed.
pub(crate) async fn get(c: &impl GenericClient, jti: &str) -> Result<Option<u64>, StoreError> {
    Ok(c.query_opt(
        "SELECT EXTRACT(EPOCH FROM expires_at)::bigint FROM revoked_tokens WHERE jti = $1",
        &[&jti],
    )
    .await
    .map_err(StoreError::query)?
    .map(|r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0)))
}

/// Deletes revocations of tokens that have expired.
///
/// # Errors
/// The database failed.
pub(crate) async fn purge(c: &impl GenericClient) -> Result<u64, StoreError> {
    c.execute("DELETE FROM revoked_tokens WHERE expires_at <= now()", &[])
        .await
        .map_err(StoreError::query)
}
