//! Token families: creation at code or device redemption, and revocation.
//!
//! A revocation is stored once, on the family row, and token lookups fold
//! it into each token: an access token shows the earlier of its own and
//! its family's revocation time, a refresh token shows `Revoked`. Revoking
//! a family is therefore one single-row `UPDATE` however many tokens it
//! holds, and tokens stored into a family after its revocation show up
//! revoked too. A refresh token keeps its own `rotated` state, so
//! presenting it again is reported as reuse even in a revoked family.
//!
//! These helpers run inside the caller's transaction, so they take a
//! connection rather than the store.

use diesel::prelude::*;
use diesel::result::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oauth_apps_core::code::AuthorizationCode;
use oauth_apps_core::device::{DeviceApproval, DeviceAuthorization};
use oauth_apps_core::time::Timestamp;

use crate::schema::{coalesce, token_families};

#[derive(Insertable)]
#[diesel(table_name = token_families, check_for_backend(diesel::pg::Pg))]
struct NewFamily<'a> {
    id: &'a str,
    grant_id: &'a str,
    client_id: &'a str,
    user_id: &'a str,
    workspace_id: &'a str,
    scopes: String,
    resource: Option<&'a str>,
    created_at: i64,
}

/// Inserts the active family that redeeming `code` at `now` creates. A
/// family with the same ID fails with a unique violation.
pub(crate) async fn insert_for_code(
    connection: &mut AsyncPgConnection,
    code: &AuthorizationCode,
    now: Timestamp,
) -> QueryResult<()> {
    let family = NewFamily {
        id: code.family_id.as_str(),
        grant_id: code.grant_id.as_str(),
        client_id: code.client_id.as_str(),
        user_id: code.user_id.as_str(),
        workspace_id: code.workspace_id.as_str(),
        scopes: code.scopes.to_string(),
        resource: code.resource.as_deref(),
        created_at: now.unix_seconds(),
    };
    insert(connection, &family).await
}

/// Inserts the active family that redeeming the device authorization
/// `device`, approved with `approval`, at `now` creates. A family with the
/// same ID fails with a unique violation.
pub(crate) async fn insert_for_device(
    connection: &mut AsyncPgConnection,
    device: &DeviceAuthorization,
    approval: &DeviceApproval,
    now: Timestamp,
) -> QueryResult<()> {
    let family = NewFamily {
        id: device.family_id.as_str(),
        grant_id: approval.grant_id.as_str(),
        client_id: device.client_id.as_str(),
        user_id: approval.user_id.as_str(),
        workspace_id: approval.workspace_id.as_str(),
        scopes: device.scopes.to_string(),
        resource: device.resource.as_deref(),
        created_at: now.unix_seconds(),
    };
    insert(connection, &family).await
}

async fn insert(connection: &mut AsyncPgConnection, family: &NewFamily<'_>) -> QueryResult<()> {
    diesel::insert_into(token_families::table)
        .values(family)
        .execute(connection)
        .await?;
    Ok(())
}

/// Revokes the family `id` and returns whether it exists. A family revoked
/// before keeps its first revocation time.
pub(crate) async fn revoke(
    connection: &mut AsyncPgConnection,
    id: &str,
    now: Timestamp,
) -> QueryResult<bool> {
    let revoked_at = coalesce(token_families::revoked_at, Some(now.unix_seconds()));
    let updated = diesel::update(token_families::table.find(id))
        .set(token_families::revoked_at.eq(revoked_at))
        .execute(connection)
        .await?;
    Ok(updated > 0)
}

/// Revokes every family issued under one of the grants `grant_ids`.
/// Families revoked before keep their first revocation time.
pub(crate) async fn revoke_of_grants(
    connection: &mut AsyncPgConnection,
    grant_ids: &[String],
    now: Timestamp,
) -> QueryResult<()> {
    diesel::update(
        token_families::table
            .filter(token_families::grant_id.eq_any(grant_ids))
            .filter(token_families::revoked_at.is_null()),
    )
    .set(token_families::revoked_at.eq(now.unix_seconds()))
    .execute(connection)
    .await?;
    Ok(())
}

/// Revokes every family issued to one of the clients `client_ids`, whether
/// or not a grant still holds it. Families revoked before keep their first
/// revocation time.
pub(crate) async fn revoke_of_clients(
    connection: &mut AsyncPgConnection,
    client_ids: &[String],
    now: Timestamp,
) -> QueryResult<()> {
    diesel::update(
        token_families::table
            .filter(token_families::client_id.eq_any(client_ids))
            .filter(token_families::revoked_at.is_null()),
    )
    .set(token_families::revoked_at.eq(now.unix_seconds()))
    .execute(connection)
    .await?;
    Ok(())
}
