//! [`ClientStore`]: OAuth clients, with their secret hashes in a child
//! table. Deleting a client also deletes its grants and revokes its token
//! families, in one transaction.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use oauth_apps_core::client::Client;
use oauth_apps_core::ids::{ClientId, UserId, WorkspaceId};
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{ClientStore, StoreResult};
use oauth_apps_core::time::Timestamp;

use crate::client_rows::{self, ClientRow, insert_secrets};
use crate::error::{Failure, db_error};
use crate::pool::PostgresStore;
use crate::registrations;
use crate::schema::{client_secrets, clients};
use crate::{families, grants};

#[async_trait]
impl ClientStore for PostgresStore {
    async fn insert_client(&self, client: &Client) -> StoreResult<()> {
        let row = ClientRow::from_client(client);
        let mut connection = self.connection().await?;
        connection
            .transaction(async |connection| {
                diesel::insert_into(clients::table)
                    .values(&row)
                    .execute(connection)
                    .await?;
                insert_secrets(connection, client).await
            })
            .await?;
        Ok(())
    }

    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>> {
        let mut connection = self.connection().await?;
        let row = clients::table
            .find(id.as_str())
            .select(ClientRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        client_rows::first_with_secrets(&mut connection, row).await
    }

    async fn clients_of_workspace(&self, workspace_id: &WorkspaceId) -> StoreResult<Vec<Client>> {
        let mut connection = self.connection().await?;
        let rows = clients::table
            .filter(clients::workspace_id.eq(workspace_id.as_str()))
            .order((clients::created_at, clients::position))
            .select(ClientRow::as_select())
            .load(&mut connection)
            .await
            .map_err(db_error)?;
        client_rows::with_secrets(&mut connection, rows).await
    }

    async fn update_client(&self, client: &Client) -> StoreResult<bool> {
        let row = ClientRow::from_client(client);
        let mut connection = self.connection().await?;
        let updated = connection
            .transaction(async |connection| {
                let updated = diesel::update(clients::table.find(client.id.as_str()))
                    .set(&row)
                    .execute(connection)
                    .await?;
                if updated == 0 {
                    return Ok::<_, Failure>(false);
                }
                diesel::delete(
                    client_secrets::table.filter(client_secrets::client_id.eq(client.id.as_str())),
                )
                .execute(connection)
                .await?;
                insert_secrets(connection, client).await?;
                Ok(true)
            })
            .await?;
        Ok(updated)
    }

    async fn delete_client(&self, id: &ClientId, now: Timestamp) -> StoreResult<bool> {
        let mut connection = self.connection().await?;
        let deleted = connection
            .transaction(async |connection| {
                // Deleting the row first locks it, so a concurrent update or
                // delete of the same client waits for this transaction.
                let deleted = diesel::delete(clients::table.find(id.as_str()))
                    .execute(connection)
                    .await?;
                if deleted == 0 {
                    return Ok::<_, Failure>(false);
                }
                let client_ids = [id.as_str().to_owned()];
                grants::delete_of_clients(connection, &client_ids, now).await?;
                families::revoke_of_clients(connection, &client_ids, now).await?;
                Ok(true)
            })
            .await?;
        Ok(deleted)
    }

    async fn find_client_by_fingerprint(
        &self,
        fingerprint: &SecretHash,
    ) -> StoreResult<Option<Client>> {
        registrations::find_by_fingerprint(self, fingerprint).await
    }

    async fn registered_clients(&self) -> StoreResult<Vec<Client>> {
        registrations::registered_clients(self).await
    }

    async fn record_first_approval(
        &self,
        id: &ClientId,
        user_id: &UserId,
        now: Timestamp,
    ) -> StoreResult<()> {
        registrations::record_first_approval(self, id, user_id, now).await
    }

    async fn delete_unapproved_registrations(&self, created_before: Timestamp) -> StoreResult<u64> {
        registrations::delete_unapproved(self, created_before).await
    }
}
