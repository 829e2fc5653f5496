//! Rows of `device_authorizations` and their conversion from and to
//! [`DeviceAuthorization`]. The state is a text column, and the approval
//! of an approved or redeemed authorization three nullable columns.

use diesel::prelude::*;
use oauth_apps_core::device::{DeviceApproval, DeviceAuthorization, DeviceState};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use oauth_apps_core::store::StoreResult;

use crate::convert::{hash_from_column, scopes_from_column, timestamp, u32_from_column};
use crate::schema::device_authorizations;

const PENDING: &str = "pending";
const APPROVED: &str = "approved";
const DENIED: &str = "denied";
const REDEEMED: &str = "redeemed";

/// A `device_authorizations` row.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = device_authorizations, check_for_backend(diesel::pg::Pg))]
pub(crate) struct DeviceRow {
    device_code_hash: Vec<u8>,
    user_code_hash: Vec<u8>,
    client_id: String,
    scopes: String,
    resource: Option<String>,
    family_id: String,
    issued_at: i64,
    expires_at: i64,
    #[diesel(embed)]
    progress: DeviceProgress,
}

/// The columns that polls and decisions change.
#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = device_authorizations, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub(crate) struct DeviceProgress {
    interval_seconds: i64,
    last_polled_at: Option<i64>,
    state: String,
    approved_by: Option<String>,
    approved_workspace_id: Option<String>,
    approved_grant_id: Option<String>,
}

impl DeviceProgress {
    /// Returns the columns that store the progress of `device`.
    pub(crate) fn of(device: &DeviceAuthorization) -> DeviceProgress {
        let (state, approval) = match &device.state {
            DeviceState::Pending => (PENDING, None),
            DeviceState::Approved(approval) => (APPROVED, Some(approval)),
            DeviceState::Denied => (DENIED, None),
            DeviceState::Redeemed(approval) => (REDEEMED, Some(approval)),
        };
        DeviceProgress {
            interval_seconds: i64::from(device.interval),
            last_polled_at: device.last_polled_at.map(|at| at.unix_seconds()),
            state: state.to_owned(),
            approved_by: approval.map(|a| a.user_id.as_str().to_owned()),
            approved_workspace_id: approval.map(|a| a.workspace_id.as_str().to_owned()),
            approved_grant_id: approval.map(|a| a.grant_id.as_str().to_owned()),
        }
    }

    fn into_state(self) -> StoreResult<DeviceState> {
        let approval = match (
            self.approved_by,
            self.approved_workspace_id,
            self.approved_grant_id,
        ) {
            (Some(user_id), Some(workspace_id), Some(grant_id)) => Some(DeviceApproval {
                user_id: UserId::new(user_id),
                workspace_id: WorkspaceId::new(workspace_id),
                grant_id: GrantId::new(grant_id),
            }),
            _ => None,
        };
        match (self.state.as_str(), approval) {
            (PENDING, _) => Ok(DeviceState::Pending),
            (DENIED, _) => Ok(DeviceState::Denied),
            (APPROVED, Some(approval)) => Ok(DeviceState::Approved(approval)),
            (REDEEMED, Some(approval)) => Ok(DeviceState::Redeemed(approval)),
            (other, _) => Err(StoreError::Internal(format!(
                "stored device state {other:?} is unknown or lacks its approval"
            ))),
        }
    }
}

impl DeviceRow {
    pub(crate) fn from_device(device: &DeviceAuthorization) -> DeviceRow {
        DeviceRow {
            device_code_hash: device.device_code_hash.as_bytes().to_vec(),
            user_code_hash: device.user_code_hash.as_bytes().to_vec(),
            client_id: device.client_id.as_str().to_owned(),
            scopes: device.scopes.to_string(),
            resource: device.resource.clone(),
            family_id: device.family_id.as_str().to_owned(),
            issued_at: device.issued_at.unix_seconds(),
            expires_at: device.expires_at.unix_seconds(),
            progress: DeviceProgress::of(device),
        }
    }

    pub(crate) fn into_device(self) -> StoreResult<DeviceAuthorization> {
        Ok(DeviceAuthorization {
            device_code_hash: hash_from_column(self.device_code_hash)?,
            user_code_hash: hash_from_column(self.user_code_hash)?,
            client_id: ClientId::new(self.client_id),
            scopes: scopes_from_column(&self.scopes)?,
            resource: self.resource,
            family_id: FamilyId::new(self.family_id),
            issued_at: timestamp(self.issued_at),
            expires_at: timestamp(self.expires_at),
            interval: u32_from_column(self.progress.interval_seconds)?,
            last_polled_at: self.progress.last_polled_at.map(timestamp),
            state: self.progress.into_state()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_core::scope::ScopeSet;
    use oauth_apps_core::secret::SecretHash;

    use super::*;

    fn device(state: DeviceState) -> DeviceAuthorization {
        DeviceAuthorization {
            device_code_hash: SecretHash::of("device"),
            user_code_hash: SecretHash::of("user"),
            client_id: ClientId::new("app_cli"),
            scopes: ScopeSet::parse("comments:write").unwrap(),
            resource: Some("https://api.example".to_owned()),
            family_id: FamilyId::new("fam_1"),
            issued_at: timestamp(1000),
            expires_at: timestamp(1600),
            interval: 10,
            last_polled_at: Some(timestamp(1005)),
            state,
        }
    }

    #[test]
    fn every_state_round_trips() {
        let approval = DeviceApproval {
            user_id: UserId::new("usr_1"),
            workspace_id: WorkspaceId::new("ws_1"),
            grant_id: GrantId::new("grt_1"),
        };
        let states = [
            DeviceState::Pending,
            DeviceState::Approved(approval.clone()),
            DeviceState::Denied,
            DeviceState::Redeemed(approval),
        ];
        for state in states {
            let original = device(state);
            let stored = DeviceRow::from_device(&original).into_device().unwrap();
            assert_eq!(stored, original);
        }
    }

    #[test]
    fn approved_state_without_approval_is_rejected() {
        let mut row = DeviceRow::from_device(&device(DeviceState::Pending));
        row.progress.state = APPROVED.to_owned();
        assert!(row.into_device().is_err());
    }
}
