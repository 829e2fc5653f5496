//! OAuth clients: [`ClientStore`] for [`MemoryStore`], including the
//! records of self-registered clients (RFC 7591) and their removal.

use async_trait::async_trait;
use oauth_apps_core::client::{Client, RegistrationSource};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{ClientId, UserId, WorkspaceId};
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{ClientStore, StoreResult};
use oauth_apps_core::time::Timestamp;

use crate::MemoryStore;
use crate::state::State;

impl State {
    fn insert_client(&mut self, client: &Client) -> StoreResult<()> {
        if self.clients.contains_key(&client.id) {
            return Err(StoreError::Conflict(format!(
                "client {} already exists",
                client.id
            )));
        }
        let fingerprint = client
            .registration
            .as_ref()
            .and_then(|registration| registration.fingerprint);
        let fingerprint_taken = fingerprint.is_some_and(|fingerprint| {
            self.clients.values().any(|other| {
                other
                    .registration
                    .as_ref()
                    .and_then(|registration| registration.fingerprint)
                    == Some(fingerprint)
            })
        });
        if fingerprint_taken {
            return Err(StoreError::Conflict(format!(
                "a client with the registration fingerprint of {} already exists",
                client.id
            )));
        }
        self.index_client(client);
        self.clients.insert(client.id.clone(), client.clone());
        Ok(())
    }

    fn index_client(&mut self, client: &Client) {
        if let Some(workspace_id) = &client.workspace_id {
            self.client_ids_by_workspace
                .entry(workspace_id.clone())
                .or_default()
                .push(client.id.clone());
        }
    }

    fn unindex_client(&mut self, client: &Client) {
        let Some(workspace_id) = &client.workspace_id else {
            return;
        };
        if let Some(ids) = self.client_ids_by_workspace.get_mut(workspace_id) {
            ids.retain(|kept| *kept != client.id);
            if ids.is_empty() {
                self.client_ids_by_workspace.remove(workspace_id);
            }
        }
    }

    /// Returns the clients of `workspace_id` by `created_at`. Clients created
    /// in the same second keep their insertion order.
    fn clients_of_workspace(&self, workspace_id: &WorkspaceId) -> Vec<Client> {
        let ids = self.client_ids_by_workspace.get(workspace_id);
        let mut clients: Vec<Client> = ids
            .into_iter()
            .flatten()
            .filter_map(|id| self.clients.get(id).cloned())
            .collect();
        clients.sort_by_key(|client| client.created_at);
        clients
    }

    /// Replaces the stored client, moving it to its new workspace's list
    /// when the workspace changed.
    fn update_client(&mut self, client: &Client) -> bool {
        let Some(stored) = self.clients.get(&client.id).cloned() else {
            return false;
        };
        if stored.workspace_id != client.workspace_id {
            self.unindex_client(&stored);
            self.index_client(client);
        }
        self.clients.insert(client.id.clone(), client.clone());
        true
    }

    /// Deletes the client, its grants and revokes every family issued to it,
    /// whether or not a grant still holds the family.
    pub(crate) fn delete_client(&mut self, id: &ClientId, now: Timestamp) -> bool {
        let Some(client) = self.clients.remove(id) else {
            return false;
        };
        self.unindex_client(&client);
        self.revoke_client_grants(id, now);
        let family_ids: Vec<_> = self
            .families
            .values()
            .filter(|entry| entry.family.client_id == *id)
            .map(|entry| entry.family.id.clone())
            .collect();
        for family_id in &family_ids {
            self.revoke_family(family_id, now);
        }
        true
    }

    /// Returns the self-registered clients matching `filter`, by creation
    /// time and then by ID, so the order is the same on every call.
    fn registered_clients_where(&self, filter: impl Fn(&Client) -> bool) -> Vec<Client> {
        let mut clients: Vec<Client> = self
            .clients
            .values()
            .filter(|client| client.source != RegistrationSource::Dashboard)
            .filter(|client| filter(client))
            .cloned()
            .collect();
        clients.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        clients
    }

    /// Returns the oldest client whose registration has `fingerprint`.
    fn find_client_by_fingerprint(&self, fingerprint: &SecretHash) -> Option<Client> {
        let matches = |client: &Client| {
            let registration = client.registration.as_ref();
            registration.and_then(|details| details.fingerprint.as_ref()) == Some(fingerprint)
        };
        let mut clients: Vec<&Client> = self.clients.values().filter(|c| matches(c)).collect();
        clients.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        clients.first().map(|client| (*client).clone())
    }

    /// Sets the first approval of a client with registration details unless
    /// one is recorded. Unknown clients and clients without registration
    /// details are left as they are.
    fn record_first_approval(&mut self, id: &ClientId, user_id: &UserId, now: Timestamp) {
        let registration = self
            .clients
            .get_mut(id)
            .and_then(|client| client.registration.as_mut());
        let Some(registration) = registration else {
            return;
        };
        if registration.first_approved_at.is_none() {
            registration.first_approved_by = Some(user_id.clone());
            registration.first_approved_at = Some(now);
        }
    }

    /// Deletes self-registered clients created before `created_before`
    /// that have no recorded first approval. A self-registered client
    /// without registration details counts as never approved.
    fn delete_unapproved_registrations(&mut self, created_before: Timestamp) -> u64 {
        let unapproved = self.registered_clients_where(|client| {
            let approved = client
                .registration
                .as_ref()
                .is_some_and(|details| details.first_approved_at.is_some());
            !approved && client.created_at < created_before
        });
        for client in &unapproved {
            self.delete_client(&client.id, created_before);
        }
        unapproved.len() as u64
    }
}

#[async_trait]
impl ClientStore for MemoryStore {
    async fn insert_client(&self, client: &Client) -> StoreResult<()> {
        self.with_state(|state| state.insert_client(client))
    }

    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>> {
        self.with_state(|state| Ok(state.clients.get(id).cloned()))
    }

    async fn clients_of_workspace(&self, workspace_id: &WorkspaceId) -> StoreResult<Vec<Client>> {
        self.with_state(|state| Ok(state.clients_of_workspace(workspace_id)))
    }

    async fn update_client(&self, client: &Client) -> StoreResult<bool> {
        self.with_state(|state| Ok(state.update_client(client)))
    }

    async fn delete_client(&self, id: &ClientId, now: Timestamp) -> StoreResult<bool> {
        self.with_state(|state| Ok(state.delete_client(id, now)))
    }

    /// Returns the oldest matching client when several share a fingerprint.
    async fn find_client_by_fingerprint(
        &self,
        fingerprint: &SecretHash,
    ) -> StoreResult<Option<Client>> {
        self.with_state(|state| Ok(state.find_client_by_fingerprint(fingerprint)))
    }

    /// Orders clients created in the same second by ID.
    async fn registered_clients(&self) -> StoreResult<Vec<Client>> {
        self.with_state(|state| Ok(state.registered_clients_where(|_| true)))
    }

    /// Does nothing for an unknown client.
    async fn record_first_approval(
        &self,
        id: &ClientId,
        user_id: &UserId,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.with_state(|state| {
            state.record_first_approval(id, user_id, now);
            Ok(())
        })
    }

    /// Revokes the families of the deleted clients at `created_before`,
    /// because the trait passes no other time.
    async fn delete_unapproved_registrations(&self, created_before: Timestamp) -> StoreResult<u64> {
        self.with_state(|state| Ok(state.delete_unapproved_registrations(created_before)))
    }
}
