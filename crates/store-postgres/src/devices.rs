//! [`DeviceStore`]: device authorizations (RFC 8628). A decision or a poll
//! locks the row with `SELECT ... FOR UPDATE`, applies
//! [`oauth_apps_core::device::transition`] and writes the result back in
//! the same transaction, so concurrent decisions and polls of one
//! authorization run one after the other. The poll that redeems an approved
//! authorization creates its token family in that transaction too.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use oauth_apps_core::device::{
    self, DeviceAuthorization, DeviceEvent, DeviceRejection, DeviceState,
};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{DevicePoll, DeviceStore, StoreResult};
use oauth_apps_core::time::Timestamp;

use crate::device_rows::{DeviceProgress, DeviceRow};
use crate::error::{Failure, db_error};
use crate::families;
use crate::pool::PostgresStore;
use crate::schema::device_authorizations as devices;

#[async_trait]
impl DeviceStore for PostgresStore {
    async fn insert_device_authorization(
        &self,
        authorization: &DeviceAuthorization,
    ) -> StoreResult<()> {
        let mut connection = self.connection().await?;
        diesel::insert_into(devices::table)
            .values(DeviceRow::from_device(authorization))
            .execute(&mut connection)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find_device_by_user_code(
        &self,
        user_code_hash: &SecretHash,
    ) -> StoreResult<Option<DeviceAuthorization>> {
        let mut connection = self.connection().await?;
        let row = devices::table
            .filter(devices::user_code_hash.eq(user_code_hash.as_bytes().as_slice()))
            .select(DeviceRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        row.map(DeviceRow::into_device).transpose()
    }

    /// Returns [`StoreError::Internal`] when `event` is a poll.
    async fn decide_device(
        &self,
        user_code_hash: &SecretHash,
        event: DeviceEvent,
        now: Timestamp,
    ) -> StoreResult<Option<Result<(), DeviceRejection>>> {
        if event == DeviceEvent::Poll {
            return Err(StoreError::Internal(
                "decide_device takes an approval or a denial, not a poll".to_owned(),
            ));
        }
        let mut connection = self.connection().await?;
        let outcome = connection
            .transaction(async |connection| {
                let Some(current) = lock(connection, Code::User(user_code_hash)).await? else {
                    return Ok::<_, Failure>(None);
                };
                let (next, outcome) = device::transition(&current, event, now);
                store_progress(connection, &next).await?;
                Ok(Some(outcome))
            })
            .await?;
        Ok(outcome)
    }

    /// Returns [`StoreError::Conflict`], storing nothing, when the
    /// authorization's family ID is taken.
    async fn poll_device(
        &self,
        device_code_hash: &SecretHash,
        now: Timestamp,
    ) -> StoreResult<DevicePoll> {
        let mut connection = self.connection().await?;
        let poll = connection
            .transaction(async |connection| {
                let Some(current) = lock(connection, Code::Device(device_code_hash)).await? else {
                    return Ok::<_, Failure>(DevicePoll::NotFound);
                };
                let (next, outcome) = device::transition(&current, DeviceEvent::Poll, now);
                store_progress(connection, &next).await?;
                if let Err(rejection) = outcome {
                    return Ok(DevicePoll::Rejected(rejection));
                }
                let DeviceState::Redeemed(approval) = &next.state else {
                    return Err(Failure(StoreError::Internal(
                        "a successful poll did not redeem the device authorization".to_owned(),
                    )));
                };
                families::insert_for_device(connection, &next, approval, now).await?;
                Ok(DevicePoll::Redeemed(next))
            })
            .await?;
        Ok(poll)
    }
}

/// The hash a device authorization is looked up by.
#[derive(Clone, Copy)]
enum Code<'a> {
    /// The user code a member typed in.
    User(&'a SecretHash),
    /// The device code the client polls with.
    Device(&'a SecretHash),
}

/// Reads the authorization with `code` and locks its row until the
/// transaction ends. A caller that waited for the lock reads the row as the
/// previous holder left it.
async fn lock(
    connection: &mut AsyncPgConnection,
    code: Code<'_>,
) -> Result<Option<DeviceAuthorization>, Failure> {
    let query = devices::table.select(DeviceRow::as_select()).for_update();
    let row = match code {
        Code::User(hash) => {
            query
                .filter(devices::user_code_hash.eq(hash.as_bytes().as_slice()))
                .first(connection)
                .await
        }
        Code::Device(hash) => {
            query
                .filter(devices::device_code_hash.eq(hash.as_bytes().as_slice()))
                .first(connection)
                .await
        }
    }
    .optional()?;
    row.map(DeviceRow::into_device).transpose().map_err(Failure)
}

/// Writes the state, interval and poll time of `device` back to its row.
async fn store_progress(
    connection: &mut AsyncPgConnection,
    device: &DeviceAuthorization,
) -> Result<(), Failure> {
    diesel::update(devices::table.find(device.device_code_hash.as_bytes().as_slice()))
        .set(DeviceProgress::of(device))
        .execute(connection)
        .await?;
    Ok(())
}
