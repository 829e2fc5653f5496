//! Removal of expired records, so that a long-running [`MemoryStore`] does
//! not grow without bound.
//!
//! A redeemed code is kept past its expiry while its family still holds
//! tokens, so that replaying it still revokes them (RFC 6749 section
//! 4.1.2). It is dropped, with its family, once the family's last token has
//! expired. After that a replay returns `NotFound` in place of
//! `AlreadyRedeemed`, and a rotated refresh token dropped at its expiry is
//! likewise `NotFound` in place of `Reused`: neither can yield tokens, but
//! neither revokes anything. A redeemed device authorization is kept and
//! dropped the same way as a redeemed code.

use oauth_apps_core::code::CodeState;
use oauth_apps_core::device::DeviceState;
use oauth_apps_core::ids::FamilyId;
use oauth_apps_core::store::StoreResult;
use oauth_apps_core::time::Timestamp;

use crate::MemoryStore;
use crate::state::{HashKey, State, key_of};

impl MemoryStore {
    /// Drops the codes, device authorizations and tokens that have expired
    /// at `now` and returns how many it dropped. Token families go with the
    /// last of their tokens and their code or device authorization, and are
    /// not counted. Grants, clients, initial access tokens and the directory
    /// stay.
    ///
    /// Fails only when the lock is poisoned ([`StoreError::Internal`]).
    ///
    /// [`StoreError::Internal`]: oauth_apps_core::error::StoreError::Internal
    pub fn purge_expired(&self, now: Timestamp) -> StoreResult<usize> {
        self.with_state(|state| Ok(state.purge_expired(now)))
    }
}

impl State {
    fn purge_expired(&mut self, now: Timestamp) -> usize {
        self.purge_access_tokens(now)
            + self.purge_refresh_tokens(now)
            + self.purge_codes(now)
            + self.purge_devices(now)
    }

    fn purge_access_tokens(&mut self, now: Timestamp) -> usize {
        let expired: Vec<(HashKey, FamilyId)> = self
            .access_tokens
            .iter()
            .filter(|(_, access)| now >= access.expires_at)
            .map(|(key, access)| (*key, access.family_id.clone()))
            .collect();
        for (key, family_id) in &expired {
            self.access_tokens.remove(key);
            if let Some(entry) = self.families.get_mut(family_id) {
                entry.access.remove(key);
            }
        }
        expired.len()
    }

    fn purge_refresh_tokens(&mut self, now: Timestamp) -> usize {
        let expired: Vec<(HashKey, FamilyId)> = self
            .refresh_tokens
            .iter()
            .filter(|(_, refresh)| now >= refresh.expires_at)
            .map(|(key, refresh)| (*key, refresh.family_id.clone()))
            .collect();
        for (key, family_id) in &expired {
            self.refresh_tokens.remove(key);
            if let Some(entry) = self.families.get_mut(family_id) {
                entry.refresh.remove(key);
            }
        }
        expired.len()
    }

    /// Drops expired codes that were never redeemed, and expired redeemed
    /// codes whose family holds no tokens, together with that family.
    ///
    /// NOTE: a code redeemed just before its expiry whose tokens are not yet
    /// inserted loses its family here if a purge runs in between, and the
    /// following `insert_tokens` then fails.
    fn purge_codes(&mut self, now: Timestamp) -> usize {
        let droppable: Vec<(HashKey, Option<FamilyId>)> = self
            .codes
            .iter()
            .filter(|(_, code)| now >= code.expires_at)
            .filter_map(|(key, code)| match code.state {
                CodeState::Issued => Some((*key, None)),
                CodeState::Redeemed { .. } => {
                    let family = self.families.get(&code.family_id);
                    let holds_tokens = family.is_some_and(|entry| !entry.is_empty());
                    (!holds_tokens).then(|| (*key, Some(code.family_id.clone())))
                }
            })
            .collect();

        for (key, family_id) in &droppable {
            self.codes.remove(key);
            if let Some(family_id) = family_id {
                self.drop_family(family_id);
            }
        }
        droppable.len()
    }

    /// Drops expired device authorizations that were never redeemed, and
    /// expired redeemed ones whose family holds no tokens, together with
    /// that family. Like a redeemed code, a redeemed authorization stays
    /// while its family holds tokens, because its family is dropped with it.
    fn purge_devices(&mut self, now: Timestamp) -> usize {
        let droppable: Vec<(HashKey, Option<FamilyId>)> = self
            .devices
            .iter()
            .filter(|(_, device)| now >= device.expires_at)
            .filter_map(|(key, device)| match device.state {
                DeviceState::Redeemed(_) => {
                    let family = self.families.get(&device.family_id);
                    let holds_tokens = family.is_some_and(|entry| !entry.is_empty());
                    (!holds_tokens).then(|| (*key, Some(device.family_id.clone())))
                }
                _ => Some((*key, None)),
            })
            .collect();

        for (key, family_id) in &droppable {
            if let Some(device) = self.devices.remove(key) {
                self.device_keys_by_user_code
                    .remove(&key_of(&device.user_code_hash));
            }
            if let Some(family_id) = family_id {
                self.drop_family(family_id);
            }
        }
        droppable.len()
    }

    fn drop_family(&mut self, id: &FamilyId) {
        let Some(entry) = self.families.remove(id) else {
            return;
        };
        let grant_id = &entry.family.grant_id;
        if let Some(family_ids) = self.family_ids_by_grant.get_mut(grant_id) {
            family_ids.remove(id);
            if family_ids.is_empty() {
                self.family_ids_by_grant.remove(grant_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_core::store::{CodeStore, TokenStore};
    use oauth_apps_store_tests::fixtures::{Authorization, REFRESH_LIFETIME, at};

    use super::*;

    fn lock(store: &MemoryStore) -> std::sync::MutexGuard<'_, State> {
        store.state.lock().unwrap()
    }

    #[tokio::test]
    async fn purge_empties_every_token_index() {
        let store = MemoryStore::new();
        let ada = Authorization::setup(&store, "ada").await;
        for name in ["laptop", "phone"] {
            let family_id = ada.open_family(&store, name).await;
            ada.issue_tokens(&store, &family_id, name).await;
        }
        let pending = ada.code("pending");
        store.insert_code(&pending).await.unwrap();
        let laptop = FamilyId::new("fam_laptop");
        assert!(store.revoke_family(&laptop, at(50)).await.unwrap());

        let dropped = store.purge_expired(at(2 + REFRESH_LIFETIME)).unwrap();

        assert_eq!(dropped, 7, "four tokens and three codes");
        let state = lock(&store);
        assert!(state.codes.is_empty(), "codes");
        assert!(state.families.is_empty(), "families");
        assert!(state.family_ids_by_grant.is_empty(), "families by grant");
        assert!(state.access_tokens.is_empty(), "access tokens");
        assert!(state.refresh_tokens.is_empty(), "refresh tokens");
    }
}
