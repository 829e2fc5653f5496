//! [`InitialAccessTokenStore`]: the tokens an admin mints to allow dynamic
//! client registration when it is not open (RFC 7591 section 3), stored by
//! SHA-256 hash.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{InitialAccessToken, InitialAccessTokenStore, StoreResult};

use crate::convert::{hash_from_column, timestamp};
use crate::error::db_error;
use crate::pool::PostgresStore;
use crate::schema::initial_access_tokens;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = initial_access_tokens, check_for_backend(diesel::pg::Pg))]
struct InitialTokenRow {
    hash: Vec<u8>,
    label: String,
    created_at: i64,
    expires_at: Option<i64>,
}

impl InitialTokenRow {
    fn from_token(token: &InitialAccessToken) -> InitialTokenRow {
        InitialTokenRow {
            hash: token.hash.as_bytes().to_vec(),
            label: token.label.clone(),
            created_at: token.created_at.unix_seconds(),
            expires_at: token.expires_at.map(|at| at.unix_seconds()),
        }
    }

    fn into_token(self) -> StoreResult<InitialAccessToken> {
        Ok(InitialAccessToken {
            hash: hash_from_column(self.hash)?,
            label: self.label,
            created_at: timestamp(self.created_at),
            expires_at: self.expires_at.map(timestamp),
        })
    }
}

#[async_trait]
impl InitialAccessTokenStore for PostgresStore {
    async fn insert_initial_access_token(&self, token: &InitialAccessToken) -> StoreResult<()> {
        let mut connection = self.connection().await?;
        diesel::insert_into(initial_access_tokens::table)
            .values(InitialTokenRow::from_token(token))
            .execute(&mut connection)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find_initial_access_token(
        &self,
        hash: &SecretHash,
    ) -> StoreResult<Option<InitialAccessToken>> {
        let mut connection = self.connection().await?;
        let row = initial_access_tokens::table
            .find(hash.as_bytes().as_slice())
            .select(InitialTokenRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        row.map(InitialTokenRow::into_token).transpose()
    }
}
