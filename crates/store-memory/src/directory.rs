//! Workspaces, users and memberships: [`DirectoryStore`] for [`MemoryStore`].

use async_trait::async_trait;
use oauth_apps_core::directory::{Membership, User, Workspace};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{UserId, WorkspaceId};
use oauth_apps_core::store::{DirectoryStore, StoreResult};

use crate::MemoryStore;
use crate::state::State;

impl State {
    fn insert_workspace(&mut self, workspace: &Workspace) -> StoreResult<()> {
        if self.workspaces.contains_key(&workspace.id) {
            return Err(StoreError::Conflict(format!(
                "workspace {} already exists",
                workspace.id
            )));
        }
        self.workspaces
            .insert(workspace.id.clone(), workspace.clone());
        Ok(())
    }

    fn insert_user(&mut self, user: &User) -> StoreResult<()> {
        if self.users.contains_key(&user.id) {
            return Err(StoreError::Conflict(format!(
                "user {} already exists",
                user.id
            )));
        }
        // The email stays out of the message, because messages reach logs.
        if self.user_ids_by_email.contains_key(&user.email) {
            return Err(StoreError::Conflict(format!(
                "the email of user {} belongs to another user",
                user.id
            )));
        }
        self.user_ids_by_email
            .insert(user.email.clone(), user.id.clone());
        self.users.insert(user.id.clone(), user.clone());
        Ok(())
    }

    fn find_user_by_email(&self, email: &str) -> Option<User> {
        let id = self.user_ids_by_email.get(email)?;
        self.users.get(id).cloned()
    }

    fn put_membership(&mut self, membership: &Membership) {
        self.memberships
            .entry(membership.user_id.clone())
            .or_default()
            .insert(membership.workspace_id.clone(), membership.clone());
    }

    fn find_membership(&self, workspace_id: &WorkspaceId, user_id: &UserId) -> Option<Membership> {
        self.memberships.get(user_id)?.get(workspace_id).cloned()
    }

    /// Returns the memberships of `user_id`, ordered by workspace ID.
    fn memberships_of_user(&self, user_id: &UserId) -> Vec<Membership> {
        self.memberships
            .get(user_id)
            .map(|by_workspace| by_workspace.values().cloned().collect())
            .unwrap_or_default()
    }
}

#[async_trait]
impl DirectoryStore for MemoryStore {
    async fn insert_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        self.with_state(|state| state.insert_workspace(workspace))
    }

    async fn find_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        self.with_state(|state| Ok(state.workspaces.get(id).cloned()))
    }

    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        self.with_state(|state| state.insert_user(user))
    }

    async fn find_user(&self, id: &UserId) -> StoreResult<Option<User>> {
        self.with_state(|state| Ok(state.users.get(id).cloned()))
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.with_state(|state| Ok(state.find_user_by_email(email)))
    }

    async fn put_membership(&self, membership: &Membership) -> StoreResult<()> {
        self.with_state(|state| {
            state.put_membership(membership);
            Ok(())
        })
    }

    async fn find_membership(
        &self,
        workspace_id: &WorkspaceId,
        user_id: &UserId,
    ) -> StoreResult<Option<Membership>> {
        self.with_state(|state| Ok(state.find_membership(workspace_id, user_id)))
    }

    /// Returns the memberships ordered by workspace ID.
    async fn memberships_of_user(&self, user_id: &UserId) -> StoreResult<Vec<Membership>> {
        self.with_state(|state| Ok(state.memberships_of_user(user_id)))
    }
}
