//! Refresh token rotation with reuse detection (OAuth 2.1 section 4.3.1,
//! RFC 9700 section 4.14.2), run inside one transaction.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::Rotation;
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::{AccessTokenRecord, RefreshState, RefreshTokenRecord};

use crate::convert::{ACTIVE, ROTATED, TextEnum};
use crate::error::Failure;
use crate::families;
use crate::schema::{refresh_tokens, token_families};
use crate::tokens;

/// Rotates `old` and stores the new tokens. The conditional `UPDATE` is the
/// only step that moves a token from active to rotated. Of concurrent
/// callers PostgreSQL lets one update the row. The others re-check
/// `state = 'active'` after it commits, match nothing, and fall through to
/// [`explain_failure`], which reports each of them as reuse.
pub(crate) async fn rotate(
    connection: &mut AsyncPgConnection,
    old: &SecretHash,
    access: &AccessTokenRecord,
    refresh: &RefreshTokenRecord,
    now: Timestamp,
) -> Result<Rotation, Failure> {
    let live_families = token_families::table
        .filter(token_families::revoked_at.is_null())
        .select(token_families::id);
    let rotated_family = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::hash.eq(old.as_bytes().as_slice()))
            .filter(refresh_tokens::state.eq(ACTIVE))
            .filter(refresh_tokens::expires_at.gt(now.unix_seconds()))
            .filter(refresh_tokens::family_id.eq_any(live_families)),
    )
    .set(refresh_tokens::state.eq(ROTATED))
    .returning(refresh_tokens::family_id)
    .get_result::<String>(connection)
    .await
    .optional()?;

    let Some(family_id) = rotated_family else {
        return explain_failure(connection, old, now).await;
    };
    // New tokens outside the family would escape its revocation on reuse.
    if access.family_id.as_str() != family_id || refresh.family_id.as_str() != family_id {
        return Err(Failure(StoreError::Internal(
            "rotated tokens must belong to the family of the refresh token they replace".to_owned(),
        )));
    }
    tokens::insert(connection, access, Some(refresh)).await?;
    Ok(Rotation::Rotated)
}

/// Finds out why the `UPDATE` matched nothing, following
/// [`oauth_apps_core::token::transition`]. A rotated token is reuse, which
/// revokes the family, again if a concurrent reuse already did. An active
/// token is revoked when its family is, and otherwise expired.
async fn explain_failure(
    connection: &mut AsyncPgConnection,
    old: &SecretHash,
    now: Timestamp,
) -> Result<Rotation, Failure> {
    let found = refresh_tokens::table
        .inner_join(token_families::table)
        .filter(refresh_tokens::hash.eq(old.as_bytes().as_slice()))
        .select((
            refresh_tokens::family_id,
            refresh_tokens::state,
            refresh_tokens::expires_at,
            token_families::revoked_at,
        ))
        .first::<(String, String, i64, Option<i64>)>(connection)
        .await
        .optional()?;
    let Some((family_id, state, expires_at, family_revoked_at)) = found else {
        return Ok(Rotation::NotFound);
    };

    // A rotated token keeps its state when its family is revoked, so its
    // state decides before the family's.
    let state = RefreshState::from_column(&state).map_err(Failure)?;
    match state {
        RefreshState::Revoked => Ok(Rotation::Revoked),
        RefreshState::Rotated => {
            families::revoke(connection, &family_id, now).await?;
            Ok(Rotation::Reused)
        }
        RefreshState::Active if family_revoked_at.is_some() => Ok(Rotation::Revoked),
        RefreshState::Active if now.unix_seconds() >= expires_at => Ok(Rotation::Expired),
        RefreshState::Active => Err(Failure(StoreError::Internal(
            "an active, unexpired refresh token did not match the rotation update".to_owned(),
        ))),
    }
}
