//! [`GrantStore`]: grants (consents), and their revocation together with
//! every token issued under them.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::result::QueryResult;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use oauth_apps_core::grant::Grant;
use oauth_apps_core::ids::{ClientId, GrantId, UserId, WorkspaceId};
use oauth_apps_core::store::{GrantStore, StoreResult};
use oauth_apps_core::time::Timestamp;

use crate::convert::{scopes_from_column, timestamp};
use crate::error::{Failure, db_error};
use crate::families;
use crate::pool::PostgresStore;
use crate::schema::grants;

/// Records an approval in one statement. On a second approval for the same
/// (user, client, workspace) the row keeps its ID and `created_at`, its
/// scopes become the union of both sets, and `updated_at` the new time. The
/// union is built from the space-delimited tokens; its order does not matter
/// because the core sorts scopes when parsing them.
const SAVE_GRANT: &str = "
INSERT INTO grants (id, user_id, client_id, workspace_id, scopes, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (user_id, client_id, workspace_id) DO UPDATE SET
    scopes = (
        SELECT coalesce(string_agg(DISTINCT token, ' ' ORDER BY token), '')
        FROM unnest(string_to_array(grants.scopes, ' ') || string_to_array(excluded.scopes, ' ')) AS token
        WHERE token <> ''
    ),
    updated_at = excluded.updated_at
RETURNING id, user_id, client_id, workspace_id, scopes, created_at, updated_at";

#[derive(Queryable, QueryableByName, Selectable)]
#[diesel(table_name = grants, check_for_backend(diesel::pg::Pg))]
struct GrantRow {
    id: String,
    user_id: String,
    client_id: String,
    workspace_id: String,
    scopes: String,
    created_at: i64,
    updated_at: i64,
}

impl GrantRow {
    fn into_grant(self) -> StoreResult<Grant> {
        Ok(Grant {
            id: GrantId::new(self.id),
            user_id: UserId::new(self.user_id),
            client_id: ClientId::new(self.client_id),
            workspace_id: WorkspaceId::new(self.workspace_id),
            scopes: scopes_from_column(&self.scopes)?,
            created_at: timestamp(self.created_at),
            updated_at: timestamp(self.updated_at),
        })
    }
}

#[async_trait]
impl GrantStore for PostgresStore {
    async fn save_grant(&self, grant: &Grant) -> StoreResult<Grant> {
        let mut connection = self.connection().await?;
        let row: GrantRow = diesel::sql_query(SAVE_GRANT)
            .bind::<Text, _>(grant.id.as_str())
            .bind::<Text, _>(grant.user_id.as_str())
            .bind::<Text, _>(grant.client_id.as_str())
            .bind::<Text, _>(grant.workspace_id.as_str())
            .bind::<Text, _>(grant.scopes.to_string())
            .bind::<BigInt, _>(grant.created_at.unix_seconds())
            .bind::<BigInt, _>(grant.updated_at.unix_seconds())
            .get_result(&mut connection)
            .await
            .map_err(db_error)?;
        row.into_grant()
    }

    async fn find_grant(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
        workspace_id: &WorkspaceId,
    ) -> StoreResult<Option<Grant>> {
        let mut connection = self.connection().await?;
        let row = grants::table
            .filter(grants::user_id.eq(user_id.as_str()))
            .filter(grants::client_id.eq(client_id.as_str()))
            .filter(grants::workspace_id.eq(workspace_id.as_str()))
            .select(GrantRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        row.map(GrantRow::into_grant).transpose()
    }

    async fn grants_of_user(&self, user_id: &UserId) -> StoreResult<Vec<Grant>> {
        let mut connection = self.connection().await?;
        let rows = grants::table
            .filter(grants::user_id.eq(user_id.as_str()))
            .order((grants::created_at, grants::position))
            .select(GrantRow::as_select())
            .load(&mut connection)
            .await
            .map_err(db_error)?;
        rows.into_iter().map(GrantRow::into_grant).collect()
    }

    async fn revoke_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<bool> {
        let mut connection = self.connection().await?;
        let revoked = connection
            .transaction(async |connection| {
                let deleted = diesel::delete(grants::table.find(id.as_str()))
                    .execute(connection)
                    .await?;
                if deleted == 0 {
                    return Ok::<_, Failure>(false);
                }
                families::revoke_of_grants(connection, &[id.as_str().to_owned()], now).await?;
                Ok(true)
            })
            .await?;
        Ok(revoked)
    }

    async fn revoke_client_grants(&self, client_id: &ClientId, now: Timestamp) -> StoreResult<u64> {
        let mut connection = self.connection().await?;
        let deleted = connection
            .transaction(async |connection| {
                let client_ids = [client_id.as_str().to_owned()];
                let deleted = delete_of_clients(connection, &client_ids, now).await?;
                Ok::<_, Failure>(deleted)
            })
            .await?;
        Ok(deleted)
    }
}

/// Deletes every grant to one of the clients `client_ids` and revokes the
/// families issued under them, inside the caller's transaction. Returns how
/// many grants it deleted.
pub(crate) async fn delete_of_clients(
    connection: &mut AsyncPgConnection,
    client_ids: &[String],
    now: Timestamp,
) -> QueryResult<u64> {
    let of_clients = grants::table.filter(grants::client_id.eq_any(client_ids));
    let grant_ids: Vec<String> = diesel::delete(of_clients)
        .returning(grants::id)
        .get_results(connection)
        .await?;
    families::revoke_of_grants(connection, &grant_ids, now).await?;
    Ok(grant_ids.len() as u64)
}
