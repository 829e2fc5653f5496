//! Workspaces, users and memberships: who may approve apps, and with what
//! role.

use serde::{Deserialize, Serialize};

use crate::ids::{UserId, WorkspaceId};
use crate::permission::Role;
use crate::time::Timestamp;

/// A workspace: the unit that owns apps, members and API keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// Identifier.
    pub id: WorkspaceId,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A person who can sign in and be a member of workspaces.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Identifier.
    pub id: UserId,
    /// Email address, stored in lowercase; unique across users.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Password hash in PHC string format, or `None` for users who sign in
    /// through an embedding service.
    pub password_hash: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("display_name", &self.display_name)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// A user's role in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The member.
    pub user_id: UserId,
    /// The member's current role.
    pub role: Role,
}

/// Normalises an email address for storage and lookup: trimmed and lowercase.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
