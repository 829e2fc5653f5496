//! Deletion of expired codes, device authorizations, tokens and empty token
//! families, in batches so that no statement holds locks on many rows for
//! long.
//!
//! Rows that reuse detection still needs are kept past their expiry. A
//! redeemed code stays while its family has tokens, so that replaying it
//! still revokes them. A rotated refresh token stays while its family has an
//! unexpired refresh token, so that replaying it still revokes the family.
//! A redeemed device authorization stays while its family has tokens, as
//! the memory store keeps it.
//!
//! Self-registered clients that no member approved are not purged here,
//! because their maximum age is a server setting: the server calls
//! `ClientStore::delete_unapproved_registrations` for them.

use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::store::StoreResult;
use oauth_apps_core::time::Timestamp;

use crate::error::db_error;
use crate::pool::PostgresStore;

/// Maximum number of batches per table in one call, which bounds the call's
/// run time. A call that stops here returns `complete: false`.
const MAX_BATCHES: u32 = 1000;

/// Age after which a family with no tokens left is deleted. It is far
/// longer than the gap between a code's redemption, which creates the
/// family, and the insertion of its first tokens.
const EMPTY_FAMILY_AGE_SECONDS: i64 = 3600;

const DELETE_ACCESS_TOKENS: &str = "
DELETE FROM access_tokens WHERE hash IN (
    SELECT hash FROM access_tokens WHERE expires_at <= $1 LIMIT $2
)";

const DELETE_REFRESH_TOKENS: &str = "
DELETE FROM refresh_tokens WHERE hash IN (
    SELECT expired.hash FROM refresh_tokens expired
    WHERE expired.expires_at <= $1
      AND NOT EXISTS (
          SELECT 1 FROM refresh_tokens live
          WHERE live.family_id = expired.family_id AND live.expires_at > $1
      )
    LIMIT $2
)";

const DELETE_CODES: &str = "
DELETE FROM authorization_codes WHERE hash IN (
    SELECT code.hash FROM authorization_codes code
    WHERE code.expires_at <= $1
      AND (
          code.redeemed_at IS NULL
          OR (
              NOT EXISTS (SELECT 1 FROM access_tokens a WHERE a.family_id = code.family_id)
              AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = code.family_id)
          )
      )
    LIMIT $2
)";

const DELETE_DEVICES: &str = "
DELETE FROM device_authorizations WHERE device_code_hash IN (
    SELECT device.device_code_hash FROM device_authorizations device
    WHERE device.expires_at <= $1
      AND (
          device.state <> 'redeemed'
          OR (
              NOT EXISTS (SELECT 1 FROM access_tokens a WHERE a.family_id = device.family_id)
              AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = device.family_id)
          )
      )
    LIMIT $2
)";

// NOTE: no index narrows this scan, because most families are older than
// the cutoff; the `NOT EXISTS` probes use the tokens' family indexes. A
// call with few empty families among many live ones reads the whole table.
const DELETE_FAMILIES: &str = "
DELETE FROM token_families WHERE id IN (
    SELECT family.id FROM token_families family
    WHERE family.created_at <= $1
      AND NOT EXISTS (SELECT 1 FROM access_tokens a WHERE a.family_id = family.id)
      AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = family.id)
    LIMIT $2
)";

/// Rows deleted by [`PostgresStore::purge_expired`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Authorization codes deleted.
    pub codes: u64,
    /// Access tokens deleted.
    pub access_tokens: u64,
    /// Refresh tokens deleted.
    pub refresh_tokens: u64,
    /// Device authorizations deleted.
    pub device_authorizations: u64,
    /// Token families with no tokens left, deleted.
    pub families: u64,
    /// `false` when a table still had rows to delete after the maximum
    /// number of batches; call again to continue.
    pub complete: bool,
}

impl PostgresStore {
    /// Deletes codes, device authorizations and tokens that expired at or
    /// before `now`, and token families that have had no tokens for an hour,
    /// each table in statements of at most `batch_size` rows. Fails with
    /// [`StoreError::Internal`] when `batch_size` is zero.
    pub async fn purge_expired(&self, now: Timestamp, batch_size: u32) -> StoreResult<PurgeReport> {
        if batch_size == 0 {
            return Err(StoreError::Internal(
                "purge batch size must be at least 1".to_owned(),
            ));
        }
        let mut connection = self.connection().await?;
        let now = now.unix_seconds();
        let empty_family_cutoff = now.saturating_sub(EMPTY_FAMILY_AGE_SECONDS);

        // Tokens first, so that the code and family steps see what is left.
        let access = delete_in_batches(&mut connection, DELETE_ACCESS_TOKENS, now, batch_size);
        let (access_tokens, access_done) = access.await?;
        let refresh = delete_in_batches(&mut connection, DELETE_REFRESH_TOKENS, now, batch_size);
        let (refresh_tokens, refresh_done) = refresh.await?;
        let (codes, codes_done) =
            delete_in_batches(&mut connection, DELETE_CODES, now, batch_size).await?;
        let (device_authorizations, devices_done) =
            delete_in_batches(&mut connection, DELETE_DEVICES, now, batch_size).await?;
        let families = delete_in_batches(
            &mut connection,
            DELETE_FAMILIES,
            empty_family_cutoff,
            batch_size,
        );
        let (families, families_done) = families.await?;

        Ok(PurgeReport {
            codes,
            access_tokens,
            refresh_tokens,
            device_authorizations,
            families,
            complete: access_done && refresh_done && codes_done && devices_done && families_done,
        })
    }
}

/// Runs `statement` until a batch deletes fewer than `batch_size` rows or
/// [`MAX_BATCHES`] have run. Returns the rows deleted and whether the table
/// was exhausted.
async fn delete_in_batches(
    connection: &mut AsyncPgConnection,
    statement: &'static str,
    cutoff: i64,
    batch_size: u32,
) -> StoreResult<(u64, bool)> {
    let mut deleted = 0u64;
    for _ in 0..MAX_BATCHES {
        let batch = diesel::sql_query(statement)
            .bind::<BigInt, _>(cutoff)
            .bind::<BigInt, _>(i64::from(batch_size))
            .execute(connection)
            .await
            .map_err(db_error)?;
        deleted += batch as u64;
        if batch < batch_size as usize {
            return Ok((deleted, true));
        }
    }
    Ok((deleted, false))
}
