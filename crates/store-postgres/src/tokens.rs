//! [`TokenStore`]: access and refresh tokens, looked up by hash with the
//! revocation state of their family folded in.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{ClientId, FamilyId, UserId, WorkspaceId};
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{Rotation, StoreResult, TokenStore};
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::{AccessTokenRecord, RefreshState, RefreshTokenRecord};

use crate::convert::{TextEnum, hash_from_column, scopes_from_column, timestamp};
use crate::error::{Failure, db_error};
use crate::families;
use crate::pool::PostgresStore;
use crate::rotation;
use crate::schema::{access_tokens, coalesce, refresh_tokens, token_families};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = access_tokens, check_for_backend(diesel::pg::Pg))]
pub(crate) struct AccessRow {
    hash: Vec<u8>,
    family_id: String,
    client_id: String,
    user_id: String,
    workspace_id: String,
    scopes: String,
    audience: Option<String>,
    issued_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
}

impl AccessRow {
    pub(crate) fn from_record(record: &AccessTokenRecord) -> AccessRow {
        AccessRow {
            hash: record.hash.as_bytes().to_vec(),
            family_id: record.family_id.as_str().to_owned(),
            client_id: record.client_id.as_str().to_owned(),
            user_id: record.user_id.as_str().to_owned(),
            workspace_id: record.workspace_id.as_str().to_owned(),
            scopes: record.scopes.to_string(),
            audience: record.audience.clone(),
            issued_at: record.issued_at.unix_seconds(),
            expires_at: record.expires_at.unix_seconds(),
            revoked_at: record.revoked_at.map(|at| at.unix_seconds()),
        }
    }

    /// Builds the record; `revoked_at` is the earlier of the token's own
    /// revocation time and its family's.
    fn into_record(self, family_revoked_at: Option<i64>) -> StoreResult<AccessTokenRecord> {
        let revoked_at = match (self.revoked_at, family_revoked_at) {
            (Some(own), Some(family)) => Some(own.min(family)),
            (own, family) => own.or(family),
        };
        Ok(AccessTokenRecord {
            hash: hash_from_column(self.hash)?,
            family_id: FamilyId::new(self.family_id),
            client_id: ClientId::new(self.client_id),
            user_id: UserId::new(self.user_id),
            workspace_id: WorkspaceId::new(self.workspace_id),
            scopes: scopes_from_column(&self.scopes)?,
            audience: self.audience,
            issued_at: timestamp(self.issued_at),
            expires_at: timestamp(self.expires_at),
            revoked_at: revoked_at.map(timestamp),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub(crate) struct RefreshRow {
    hash: Vec<u8>,
    family_id: String,
    client_id: String,
    user_id: String,
    workspace_id: String,
    scopes: String,
    resource: Option<String>,
    issued_at: i64,
    expires_at: i64,
    state: String,
}

impl RefreshRow {
    pub(crate) fn from_record(record: &RefreshTokenRecord) -> RefreshRow {
        RefreshRow {
            hash: record.hash.as_bytes().to_vec(),
            family_id: record.family_id.as_str().to_owned(),
            client_id: record.client_id.as_str().to_owned(),
            user_id: record.user_id.as_str().to_owned(),
            workspace_id: record.workspace_id.as_str().to_owned(),
            scopes: record.scopes.to_string(),
            resource: record.resource.clone(),
            issued_at: record.issued_at.unix_seconds(),
            expires_at: record.expires_at.unix_seconds(),
            state: record.state.to_column().to_owned(),
        }
    }

    /// Builds the record; the state is `Revoked` when the family is revoked.
    fn into_record(self, family_revoked: bool) -> StoreResult<RefreshTokenRecord> {
        let state = if family_revoked {
            RefreshState::Revoked
        } else {
            RefreshState::from_column(&self.state)?
        };
        Ok(RefreshTokenRecord {
            hash: hash_from_column(self.hash)?,
            family_id: FamilyId::new(self.family_id),
            client_id: ClientId::new(self.client_id),
            user_id: UserId::new(self.user_id),
            workspace_id: WorkspaceId::new(self.workspace_id),
            scopes: scopes_from_column(&self.scopes)?,
            resource: self.resource,
            issued_at: timestamp(self.issued_at),
            expires_at: timestamp(self.expires_at),
            state,
        })
    }
}

/// Inserts an access token and, when given, a refresh token. The family
/// must exist: a foreign key rejects tokens that no revocation could reach.
pub(crate) async fn insert(
    connection: &mut AsyncPgConnection,
    access: &AccessTokenRecord,
    refresh: Option<&RefreshTokenRecord>,
) -> QueryResult<()> {
    diesel::insert_into(access_tokens::table)
        .values(AccessRow::from_record(access))
        .execute(connection)
        .await?;
    if let Some(refresh) = refresh {
        diesel::insert_into(refresh_tokens::table)
            .values(RefreshRow::from_record(refresh))
            .execute(connection)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl TokenStore for PostgresStore {
    async fn insert_tokens(
        &self,
        access: &AccessTokenRecord,
        refresh: Option<&RefreshTokenRecord>,
    ) -> StoreResult<()> {
        if refresh.is_some_and(|refresh| refresh.family_id != access.family_id) {
            return Err(StoreError::Internal(format!(
                "the access token is in family {} but the refresh token in another",
                access.family_id
            )));
        }
        let mut connection = self.connection().await?;
        connection
            .transaction(async |connection| {
                insert(connection, access, refresh).await?;
                Ok::<_, Failure>(())
            })
            .await?;
        Ok(())
    }

    async fn find_access_token(&self, hash: &SecretHash) -> StoreResult<Option<AccessTokenRecord>> {
        let mut connection = self.connection().await?;
        let found = access_tokens::table
            .inner_join(token_families::table)
            .filter(access_tokens::hash.eq(hash.as_bytes().as_slice()))
            .select((AccessRow::as_select(), token_families::revoked_at))
            .first::<(AccessRow, Option<i64>)>(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        found
            .map(|(row, family_revoked_at)| row.into_record(family_revoked_at))
            .transpose()
    }

    async fn find_refresh_token(
        &self,
        hash: &SecretHash,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let mut connection = self.connection().await?;
        let found = refresh_tokens::table
            .inner_join(token_families::table)
            .filter(refresh_tokens::hash.eq(hash.as_bytes().as_slice()))
            .select((RefreshRow::as_select(), token_families::revoked_at))
            .first::<(RefreshRow, Option<i64>)>(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        found
            .map(|(row, family_revoked_at)| row.into_record(family_revoked_at.is_some()))
            .transpose()
    }

    async fn rotate_refresh_token(
        &self,
        old: &SecretHash,
        access: &AccessTokenRecord,
        refresh: &RefreshTokenRecord,
        now: Timestamp,
    ) -> StoreResult<Rotation> {
        let mut connection = self.connection().await?;
        let rotation = connection
            .transaction(async |connection| {
                rotation::rotate(connection, old, access, refresh, now).await
            })
            .await?;
        Ok(rotation)
    }

    async fn revoke_access_token(&self, hash: &SecretHash, now: Timestamp) -> StoreResult<bool> {
        let mut connection = self.connection().await?;
        // `coalesce` keeps the first revocation time of a token revoked before.
        let revoked_at = coalesce(access_tokens::revoked_at, Some(now.unix_seconds()));
        let updated = diesel::update(access_tokens::table.find(hash.as_bytes().as_slice()))
            .set(access_tokens::revoked_at.eq(revoked_at))
            .execute(&mut connection)
            .await
            .map_err(db_error)?;
        Ok(updated > 0)
    }

    async fn revoke_family(&self, id: &FamilyId, now: Timestamp) -> StoreResult<bool> {
        let mut connection = self.connection().await?;
        families::revoke(&mut connection, id.as_str(), now)
            .await
            .map_err(db_error)
    }
}
