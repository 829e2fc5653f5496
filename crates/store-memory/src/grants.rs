//! Grants (consents): [`GrantStore`] for [`MemoryStore`], and their
//! revocation with every token issued under them.

use async_trait::async_trait;
use oauth_apps_core::error::StoreError;
use oauth_apps_core::grant::Grant;
use oauth_apps_core::ids::{ClientId, GrantId, UserId, WorkspaceId};
use oauth_apps_core::store::{GrantStore, StoreResult};
use oauth_apps_core::time::Timestamp;

use crate::MemoryStore;
use crate::state::{GrantKey, State};

fn key_of(grant: &Grant) -> GrantKey {
    (
        grant.user_id.clone(),
        grant.client_id.clone(),
        grant.workspace_id.clone(),
    )
}

impl State {
    /// Merges `grant` into the stored grant with the same key, or inserts it.
    /// A new grant whose ID another grant already has is a
    /// [`StoreError::Conflict`].
    fn save_grant(&mut self, grant: &Grant) -> StoreResult<Grant> {
        let key = key_of(grant);
        if let Some(id) = self.grant_ids_by_key.get(&key) {
            let stored = self.grants.get_mut(id).ok_or_else(|| {
                StoreError::Internal(format!("grant index names {id}, which is not stored"))
            })?;
            stored.scopes = stored.scopes.union(&grant.scopes);
            stored.updated_at = grant.updated_at;
            return Ok(stored.clone());
        }

        if self.grants.contains_key(&grant.id) {
            return Err(StoreError::Conflict(format!(
                "grant {} already exists for another user, client or workspace",
                grant.id
            )));
        }
        self.grant_ids_by_key.insert(key, grant.id.clone());
        self.grant_ids_by_user
            .entry(grant.user_id.clone())
            .or_default()
            .push(grant.id.clone());
        self.grants.insert(grant.id.clone(), grant.clone());
        Ok(grant.clone())
    }

    fn find_grant(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
        workspace_id: &WorkspaceId,
    ) -> Option<Grant> {
        let key = (user_id.clone(), client_id.clone(), workspace_id.clone());
        let id = self.grant_ids_by_key.get(&key)?;
        self.grants.get(id).cloned()
    }

    /// Returns the grants of `user_id` by `created_at`. Grants created in the
    /// same second keep their insertion order.
    fn grants_of_user(&self, user_id: &UserId) -> Vec<Grant> {
        let ids = self.grant_ids_by_user.get(user_id);
        let mut grants: Vec<Grant> = ids
            .into_iter()
            .flatten()
            .filter_map(|id| self.grants.get(id).cloned())
            .collect();
        grants.sort_by_key(|grant| grant.created_at);
        grants
    }

    /// Deletes the grant and revokes every family issued under it.
    fn revoke_grant(&mut self, id: &GrantId, now: Timestamp) -> bool {
        let Some(grant) = self.grants.remove(id) else {
            return false;
        };
        self.grant_ids_by_key.remove(&key_of(&grant));
        if let Some(ids) = self.grant_ids_by_user.get_mut(&grant.user_id) {
            ids.retain(|kept| kept != id);
            if ids.is_empty() {
                self.grant_ids_by_user.remove(&grant.user_id);
            }
        }

        let family_ids = self.family_ids_by_grant.remove(id).unwrap_or_default();
        for family_id in &family_ids {
            self.revoke_family(family_id, now);
        }
        true
    }

    /// Deletes every grant to `client_id` with [`State::revoke_grant`] and
    /// returns how many it deleted.
    pub(crate) fn revoke_client_grants(&mut self, client_id: &ClientId, now: Timestamp) -> u64 {
        let ids: Vec<GrantId> = self
            .grants
            .values()
            .filter(|grant| grant.client_id == *client_id)
            .map(|grant| grant.id.clone())
            .collect();
        for id in &ids {
            self.revoke_grant(id, now);
        }
        ids.len() as u64
    }
}

#[async_trait]
impl GrantStore for MemoryStore {
    async fn save_grant(&self, grant: &Grant) -> StoreResult<Grant> {
        self.with_state(|state| state.save_grant(grant))
    }

    async fn find_grant(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
        workspace_id: &WorkspaceId,
    ) -> StoreResult<Option<Grant>> {
        self.with_state(|state| Ok(state.find_grant(user_id, client_id, workspace_id)))
    }

    async fn grants_of_user(&self, user_id: &UserId) -> StoreResult<Vec<Grant>> {
        self.with_state(|state| Ok(state.grants_of_user(user_id)))
    }

    async fn revoke_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<bool> {
        self.with_state(|state| Ok(state.revoke_grant(id, now)))
    }

    async fn revoke_client_grants(&self, client_id: &ClientId, now: Timestamp) -> StoreResult<u64> {
        self.with_state(|state| Ok(state.revoke_client_grants(client_id, now)))
    }
}
