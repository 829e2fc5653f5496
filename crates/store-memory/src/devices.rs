//! Device authorizations (RFC 8628): [`DeviceStore`] for [`MemoryStore`].
//!
//! Decisions and polls run the core's state machine
//! ([`oauth_apps_core::device::transition`]) under the store's lock and
//! store its result, the poll time and interval of a rejected poll
//! included. The poll that redeems an approved authorization creates its
//! token family in the same step.

use async_trait::async_trait;
use oauth_apps_core::device::{
    self, DeviceApproval, DeviceAuthorization, DeviceEvent, DeviceRejection, DeviceState,
};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{DevicePoll, DeviceStore, StoreResult};
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::TokenFamily;

use crate::MemoryStore;
use crate::state::{HashKey, State, key_of};

impl State {
    fn insert_device(&mut self, authorization: &DeviceAuthorization) -> StoreResult<()> {
        let device_key = key_of(&authorization.device_code_hash);
        let user_key = key_of(&authorization.user_code_hash);
        if self.devices.contains_key(&device_key) {
            return Err(StoreError::Conflict(format!(
                "a device authorization with device code hash {:?} already exists",
                authorization.device_code_hash
            )));
        }
        if self.device_keys_by_user_code.contains_key(&user_key) {
            return Err(StoreError::Conflict(format!(
                "a device authorization with user code hash {:?} already exists",
                authorization.user_code_hash
            )));
        }
        self.device_keys_by_user_code.insert(user_key, device_key);
        self.devices.insert(device_key, authorization.clone());
        Ok(())
    }

    fn device_key_of_user_code(&self, user_code_hash: &SecretHash) -> Option<HashKey> {
        self.device_keys_by_user_code
            .get(&key_of(user_code_hash))
            .copied()
    }

    /// Applies a member's decision. A poll is not a decision, so it is
    /// [`StoreError::Internal`] and changes nothing.
    fn decide_device(
        &mut self,
        user_code_hash: &SecretHash,
        event: DeviceEvent,
        now: Timestamp,
    ) -> StoreResult<Option<Result<(), DeviceRejection>>> {
        if event == DeviceEvent::Poll {
            return Err(StoreError::Internal(
                "decide_device takes an approval or a denial, not a poll".to_owned(),
            ));
        }
        let Some(key) = self.device_key_of_user_code(user_code_hash) else {
            return Ok(None);
        };
        let Some(stored) = self.devices.get_mut(&key) else {
            return Err(StoreError::Internal(
                "the user code index names a device authorization that is not stored".to_owned(),
            ));
        };
        let (next, outcome) = device::transition(stored, event, now);
        *stored = next;
        Ok(Some(outcome))
    }

    /// Applies a poll and stores the result. The poll that redeems also
    /// creates the family; if that fails, nothing is stored.
    fn poll_device(
        &mut self,
        device_code_hash: &SecretHash,
        now: Timestamp,
    ) -> StoreResult<DevicePoll> {
        let key = key_of(device_code_hash);
        let Some(stored) = self.devices.get(&key) else {
            return Ok(DevicePoll::NotFound);
        };
        let (next, outcome) = device::transition(stored, DeviceEvent::Poll, now);

        if let Err(rejection) = outcome {
            self.devices.insert(key, next);
            return Ok(DevicePoll::Rejected(rejection));
        }
        let DeviceState::Redeemed(approval) = &next.state else {
            return Err(StoreError::Internal(
                "a successful poll left the device authorization unredeemed".to_owned(),
            ));
        };
        self.open_family(family_of(&next, approval, now))?;
        self.devices.insert(key, next.clone());
        Ok(DevicePoll::Redeemed(next))
    }
}

/// Returns the active family that redeeming `authorization`, approved with
/// `approval`, creates at `now`.
fn family_of(
    authorization: &DeviceAuthorization,
    approval: &DeviceApproval,
    now: Timestamp,
) -> TokenFamily {
    TokenFamily {
        id: authorization.family_id.clone(),
        grant_id: approval.grant_id.clone(),
        client_id: authorization.client_id.clone(),
        user_id: approval.user_id.clone(),
        workspace_id: approval.workspace_id.clone(),
        scopes: authorization.scopes.clone(),
        resource: authorization.resource.clone(),
        created_at: now,
        revoked_at: None,
    }
}

#[async_trait]
impl DeviceStore for MemoryStore {
    async fn insert_device_authorization(
        &self,
        authorization: &DeviceAuthorization,
    ) -> StoreResult<()> {
        self.with_state(|state| state.insert_device(authorization))
    }

    async fn find_device_by_user_code(
        &self,
        user_code_hash: &SecretHash,
    ) -> StoreResult<Option<DeviceAuthorization>> {
        self.with_state(|state| {
            let key = state.device_key_of_user_code(user_code_hash);
            Ok(key.and_then(|key| state.devices.get(&key).cloned()))
        })
    }

    /// Returns [`StoreError::Internal`] when `event` is a poll.
    async fn decide_device(
        &self,
        user_code_hash: &SecretHash,
        event: DeviceEvent,
        now: Timestamp,
    ) -> StoreResult<Option<Result<(), DeviceRejection>>> {
        self.with_state(|state| state.decide_device(user_code_hash, event, now))
    }

    /// Returns [`StoreError::Conflict`], storing nothing, when the
    /// authorization's family ID is taken.
    async fn poll_device(
        &self,
        device_code_hash: &SecretHash,
        now: Timestamp,
    ) -> StoreResult<DevicePoll> {
        self.with_state(|state| state.poll_device(device_code_hash, now))
    }
}
