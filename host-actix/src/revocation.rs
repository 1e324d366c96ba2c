//! Recording a revoked access token (RFC 7009): in the shared store (every replica's
//! introspection answers `active: false` within a second) or, with the file store, in this
//! process's memory only (lost at restart; documented in docs/server.md).

use crate::state::AppState;
use crate::store::clients as client_rows;
use crate::store::revoked as revoked_rows;
use crate::store::{Change, StoreError, StoreHandle};

/// Revokes the token `jti` of `client_id`, which expires at `expires_at` (Unix seconds).
///
/// # Errors
/// [`StoreError::Unavailable`] when the shared store cannot be written (the caller answers 503);
/// other [`StoreError`]s for database faults.
pub(crate) async fn revoke(
    state: &AppState,
    jti: &str,
    client_id: &str,
    expires_at: u64,
) -> Result<(), StoreError> {
    let store: &StoreHandle = &state.store;
    if store.shared() {
        let exp = i64::try_from(expires_at).unwrap_or(i64::MAX);
        let mut connection = store.connection().await?;
        let tx = connection.transaction().await.map_err(StoreError::query)?;
        revoked_rows::insert(&*tx, jti, client_id, exp).await?;
        client_rows::notify(&*tx, &Change::Revoked(jti.to_owned())).await?;
        tx.commit().await.map_err(StoreError::query)?;
        store.applied(Change::Revoked(jti.to_owned())).await;
    }
    // Held here at once either way (the follower will agree).
    store.revoked.insert(jti.to_owned(), expires_at);
    Ok(())
}
