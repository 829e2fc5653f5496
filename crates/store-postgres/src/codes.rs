//! [`CodeStore`]: authorization codes (RFC 6749 section 4.1.2), redeemed
//! by a conditional `UPDATE`, so that concurrent redemptions have one
//! winner (the concurrency cases of the conformance suite check this).

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use oauth_apps_core::code::{AuthorizationCode, CodeState};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use oauth_apps_core::pkce::CodeChallenge;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{CodeRedemption, CodeStore, StoreResult};
use oauth_apps_core::time::Timestamp;

use crate::convert::{hash_from_column, scopes_from_column, timestamp};
use crate::error::{Failure, db_error};
use crate::families;
use crate::pool::PostgresStore;
use crate::schema::authorization_codes;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = authorization_codes, check_for_backend(diesel::pg::Pg))]
struct CodeRow {
    hash: Vec<u8>,
    client_id: String,
    redirect_uri: String,
    user_id: String,
    workspace_id: String,
    grant_id: String,
    scopes: String,
    code_challenge: Option<String>,
    resource: Option<String>,
    family_id: String,
    issued_at: i64,
    expires_at: i64,
    redeemed_at: Option<i64>,
}

impl CodeRow {
    fn from_code(code: &AuthorizationCode) -> CodeRow {
        let redeemed_at = match code.state {
            CodeState::Issued => None,
            CodeState::Redeemed { at } => Some(at.unix_seconds()),
        };
        CodeRow {
            hash: code.hash.as_bytes().to_vec(),
            client_id: code.client_id.as_str().to_owned(),
            redirect_uri: code.redirect_uri.clone(),
            user_id: code.user_id.as_str().to_owned(),
            workspace_id: code.workspace_id.as_str().to_owned(),
            grant_id: code.grant_id.as_str().to_owned(),
            scopes: code.scopes.to_string(),
            code_challenge: code.challenge.as_ref().map(|c| c.as_str().to_owned()),
            resource: code.resource.clone(),
            family_id: code.family_id.as_str().to_owned(),
            issued_at: code.issued_at.unix_seconds(),
            expires_at: code.expires_at.unix_seconds(),
            redeemed_at,
        }
    }

    fn into_code(self) -> StoreResult<AuthorizationCode> {
        let challenge = self
            .code_challenge
            .map(|text| CodeChallenge::parse(&text))
            .transpose()
            .map_err(|error| StoreError::Internal(format!("stored code challenge: {error}")))?;
        let state = match self.redeemed_at {
            None => CodeState::Issued,
            Some(at) => CodeState::Redeemed { at: timestamp(at) },
        };
        Ok(AuthorizationCode {
            hash: hash_from_column(self.hash)?,
            client_id: ClientId::new(self.client_id),
            redirect_uri: self.redirect_uri,
            user_id: UserId::new(self.user_id),
            workspace_id: WorkspaceId::new(self.workspace_id),
            grant_id: GrantId::new(self.grant_id),
            scopes: scopes_from_column(&self.scopes)?,
            challenge,
            resource: self.resource,
            family_id: FamilyId::new(self.family_id),
            issued_at: timestamp(self.issued_at),
            expires_at: timestamp(self.expires_at),
            state,
        })
    }
}

#[async_trait]
impl CodeStore for PostgresStore {
    async fn insert_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        let row = CodeRow::from_code(code);
        let mut connection = self.connection().await?;
        diesel::insert_into(authorization_codes::table)
            .values(&row)
            .execute(&mut connection)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn redeem_code(&self, hash: &SecretHash, now: Timestamp) -> StoreResult<CodeRedemption> {
        let mut connection = self.connection().await?;
        let redemption = connection
            .transaction(async |connection| redeem(connection, hash, now).await)
            .await?;
        Ok(redemption)
    }
}

/// Redeems inside a transaction. The conditional `UPDATE` is the only step
/// that can mark a code redeemed: under concurrent calls PostgreSQL lets one
/// update the row and makes the others re-check `redeemed_at IS NULL` after
/// it commits, so they match nothing and fall through to [`explain_failure`].
async fn redeem(
    connection: &mut AsyncPgConnection,
    hash: &SecretHash,
    now: Timestamp,
) -> Result<CodeRedemption, Failure> {
    let redeemed = diesel::update(
        authorization_codes::table
            .filter(authorization_codes::hash.eq(hash.as_bytes().as_slice()))
            .filter(authorization_codes::redeemed_at.is_null())
            .filter(authorization_codes::expires_at.gt(now.unix_seconds())),
    )
    .set(authorization_codes::redeemed_at.eq(now.unix_seconds()))
    .returning(CodeRow::as_returning())
    .get_result(connection)
    .await
    .optional()?;

    match redeemed {
        Some(row) => {
            let code = row.into_code().map_err(Failure)?;
            families::insert_for_code(connection, &code, now).await?;
            Ok(CodeRedemption::Redeemed(code))
        }
        None => explain_failure(connection, hash, now).await,
    }
}

/// Finds out why the `UPDATE` matched nothing, in the order of
/// [`oauth_apps_core::code::transition`]: a redeemed code is reported (and
/// its family revoked) even when it has also expired.
async fn explain_failure(
    connection: &mut AsyncPgConnection,
    hash: &SecretHash,
    now: Timestamp,
) -> Result<CodeRedemption, Failure> {
    let row = authorization_codes::table
        .find(hash.as_bytes().as_slice())
        .select(CodeRow::as_select())
        .first(connection)
        .await
        .optional()?;
    let Some(row) = row else {
        return Ok(CodeRedemption::NotFound);
    };

    let code = row.into_code().map_err(Failure)?;
    match code.state {
        CodeState::Redeemed { .. } => {
            families::revoke(connection, code.family_id.as_str(), now).await?;
            Ok(CodeRedemption::AlreadyRedeemed(code))
        }
        CodeState::Issued if now >= code.expires_at => Ok(CodeRedemption::Expired),
        CodeState::Issued => Err(Failure(StoreError::Internal(
            "an issued, unexpired code did not match the redemption update".to_owned(),
        ))),
    }
}
