//! The [`ClientStore`](oauth_apps_core::store::ClientStore) operations on
//! self-registered clients: clients of dynamic registration (RFC 7591),
//! metadata documents and the device flow, whose `registration_source` is
//! anything but `dashboard`.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use oauth_apps_core::client::Client;
use oauth_apps_core::ids::{ClientId, UserId};
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::StoreResult;
use oauth_apps_core::time::Timestamp;

use crate::client_rows::{self, ClientRow};
use crate::convert::DASHBOARD;
use crate::error::{Failure, db_error};
use crate::pool::PostgresStore;
use crate::schema::clients;
use crate::{families, grants};

/// Returns the client whose registration fingerprint is `fingerprint`. The
/// partial unique index allows at most one.
pub(crate) async fn find_by_fingerprint(
    store: &PostgresStore,
    fingerprint: &SecretHash,
) -> StoreResult<Option<Client>> {
    let mut connection = store.connection().await?;
    let row = clients::table
        .filter(clients::registration_fingerprint.eq(fingerprint.as_bytes().as_slice()))
        .select(ClientRow::as_select())
        .first(&mut connection)
        .await
        .optional()
        .map_err(db_error)?;
    client_rows::first_with_secrets(&mut connection, row).await
}

/// Returns every self-registered client, oldest first and by ID within one
/// second, as the memory store orders them.
pub(crate) async fn registered_clients(store: &PostgresStore) -> StoreResult<Vec<Client>> {
    let mut connection = store.connection().await?;
    let rows = clients::table
        .filter(clients::registration_source.ne(DASHBOARD))
        .order((clients::created_at, clients::id))
        .select(ClientRow::as_select())
        .load(&mut connection)
        .await
        .map_err(db_error)?;
    client_rows::with_secrets(&mut connection, rows).await
}

/// Sets the first approval of a client that has registration details,
/// unless one is recorded. The condition sits in the `UPDATE`, so of
/// concurrent approvals the first to commit is kept.
pub(crate) async fn record_first_approval(
    store: &PostgresStore,
    id: &ClientId,
    user_id: &UserId,
    now: Timestamp,
) -> StoreResult<()> {
    let mut connection = store.connection().await?;
    diesel::update(
        clients::table
            .find(id.as_str())
            .filter(clients::has_registration)
            .filter(clients::first_approved_at.is_null()),
    )
    .set((
        clients::first_approved_by.eq(user_id.as_str()),
        clients::first_approved_at.eq(now.unix_seconds()),
    ))
    .execute(&mut connection)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Deletes the self-registered clients created before `created_before`
/// that have no recorded first approval, with their secrets and grants,
/// and revokes their token families, in one transaction. A client without
/// registration details counts as never approved. The families are revoked
/// at `created_before`, because the trait passes no other time.
pub(crate) async fn delete_unapproved(
    store: &PostgresStore,
    created_before: Timestamp,
) -> StoreResult<u64> {
    let unapproved = clients::table
        .filter(clients::registration_source.ne(DASHBOARD))
        .filter(clients::first_approved_at.is_null())
        .filter(clients::created_at.lt(created_before.unix_seconds()));
    let mut connection = store.connection().await?;
    let deleted = connection
        .transaction(async |connection| {
            let client_ids: Vec<String> = diesel::delete(unapproved)
                .returning(clients::id)
                .get_results(connection)
                .await?;
            grants::delete_of_clients(connection, &client_ids, created_before).await?;
            families::revoke_of_clients(connection, &client_ids, created_before).await?;
            Ok::<_, Failure>(client_ids.len() as u64)
        })
        .await?;
    Ok(deleted)
}
