//! OAuth clients: [`ClientStore`] for [`MemoryStore`].

use async_trait::async_trait;
use oauth_apps_core::client::Client;
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{ClientId, WorkspaceId};
use oauth_apps_core::store::{ClientStore, StoreResult};

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
        if let Some(workspace_id) = &client.workspace_id {
            self.client_ids_by_workspace
                .entry(workspace_id.clone())
                .or_default()
                .push(client.id.clone());
        }
        self.clients.insert(client.id.clone(), client.clone());
        Ok(())
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
}
