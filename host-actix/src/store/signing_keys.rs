//! Signing key rows: private keys sealed under the key-encryption key, each with the time from
//! which it signs; the key set a replica publishes is built from them by [`super::key_schedule`].

use std::path::Path;

use tokio_postgres::GenericClient;

use super::StoreError;
use super::kek::Kek;
use super::key_schedule::{Plan, ScheduledKey, plan};
use crate::keys::{Algorithm, KeySet, SigningKey};

/// A stored key.
#[derive(Debug, Clone)]
pub(crate) struct StoredKey {
    pub(crate) kid: String,
    pub(crate) algorithm: String,
    pub(crate) sealed: Vec<u8>,
    pub(crate) signs_from: i64,
}

/// Every stored key.
///
/// # Errors
/// The database failed.
pub(crate) async fn all(c: &impl GenericClient) -> Result<Vec<StoredKey>, StoreError> {
    Ok(c.query(
        "SELECT kid, algorithm, sealed_key, EXTRACT(EPOCH FROM signs_from)::bigint
               FROM signing_keys ORDER BY signs_from, kid",
        &[],
    )
    .await
    .map_err(StoreError::query)?
    .iter()
    .map(|r| StoredKey {
        kid: r.get(0),
        algorithm: r.get(1),
        sealed: r.get(2),
        signs_from: r.get(3),
    })
    .collect())
}

/// Seals a PEM private key and stores it, signing from `signs_from` (Unix seconds). Returns
/// its kid; a key already stored is left as it is.
///
/// # Errors
/// The key is unusable, or the database failed.
pub(crate) async fn insert(
    c: &impl GenericClient,
    kek: &Kek,
    pem: &[u8],
    rsa_algorithm: Algorithm,
    signs_from: i64,
) -> Result<String, StoreError> {
    let key = SigningKey::from_pem(pem, rsa_algorithm, Path::new("(new key)"))
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let kid = key.kid().to_owned();
    let sealed = kek.seal(&kid, pem)?;
    c.execute(
        "INSERT INTO signing_keys (kid, algorithm, sealed_key, kek_id, signs_from)
         VALUES ($1, $2, $3, $4, to_timestamp($5::bigint)) ON CONFLICT (kid) DO NOTHING",
        &[
            &kid,
            &key.algorithm().name(),
            &sealed,
            &kek.id(),
            &signs_from,
        ],
    )
    .await
    .map_err(StoreError::query)?;
    Ok(kid)
}

/// Deletes keys no replica publishes any more.
///
/// # Errors
/// The database failed.
pub(crate) async fn delete(c: &impl GenericClient, kids: &[String]) -> Result<u64, StoreError> {
    c.execute("DELETE FROM signing_keys WHERE kid = ANY($1)", &[&kids])
        .await
        .map_err(StoreError::query)
}

/// The schedule of the stored keys at `now`.
pub(crate) fn schedule(keys: &[StoredKey], now: i64, max_lifetime: u64) -> Option<Plan> {
    let scheduled: Vec<ScheduledKey> = keys
        .iter()
        .map(|k| ScheduledKey {
            kid: k.kid.clone(),
            signs_from: k.signs_from,
        })
        .collect();
    let lifetime = i64::try_from(max_lifetime).unwrap_or(i64::MAX);
    // Replicas' clocks differ a little: keep old keys a minute longer.
    plan(&scheduled, now, lifetime, 60)
}

/// The key set to publish at `now`: the planned keys, opened with the KEK.
///
/// # Errors
/// No key is stored, a key does not open with this KEK, or does not load.
pub(crate) fn key_set(
    keys: &[StoredKey],
    kek: &Kek,
    now: i64,
    max_lifetime: u64,
) -> Result<(KeySet, Option<i64>), StoreError> {
    let plan = schedule(keys, now, max_lifetime).ok_or_else(|| {
        StoreError::Invalid(
            "the store holds no signing key: run `certbind db migrate --config …` (it imports \
             or creates one) or `certbind keys rotate --config …`"
                .into(),
        )
    })?;
    let mut set = Vec::with_capacity(plan.published.len());
    for kid in &plan.published {
        let Some(stored) = keys.iter().find(|k| &k.kid == kid) else {
            continue;
        };
        let pem = kek.open(kid, &stored.sealed)?;
        let algorithm = Algorithm::parse(&stored.algorithm)
            .map_err(|e| StoreError::Invalid(format!("signing key {kid}: {e}")))?;
        let key = SigningKey::from_pem(&pem, algorithm, Path::new(&format!("store:{kid}")))
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        if key.kid() != kid {
            return Err(StoreError::Invalid(format!(
                "signing key {kid}: the key inside has kid {}",
                key.kid()
            )));
        }
        set.push(key);
    }
    let key_set =
        KeySet::with_signer(set, plan.signer).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((key_set, plan.next_change))
}
