//! Grants: the consent one member gave one client in one workspace.
//!
//! A grant is remembered, so a later request for a subset of its scopes
//! skips the consent page. Revoking it ends every token issued under it.

use crate::ids::{ClientId, GrantId, UserId, WorkspaceId};
use crate::scope::ScopeSet;
use crate::time::Timestamp;

/// A member's consent to a client in a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Identifier.
    pub id: GrantId,
    /// The member who approved.
    pub user_id: UserId,
    /// The approved client.
    pub client_id: ClientId,
    /// The workspace the approval is for.
    pub workspace_id: WorkspaceId,
    /// Every scope the member has approved for this client.
    pub scopes: ScopeSet,
    /// Time of the first approval.
    pub created_at: Timestamp,
    /// Time of the latest approval.
    pub updated_at: Timestamp,
}

impl Grant {
    /// Returns whether this grant already covers `requested`, so that the
    /// consent page can be skipped.
    pub fn covers(&self, requested: &ScopeSet) -> bool {
        requested.is_subset(&self.scopes)
    }
}
