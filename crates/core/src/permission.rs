//! Roles and permissions. A member's role decides what they may do in a
//! workspace; an access token may do only what both its scopes and the
//! member's current role allow.

use serde::{Deserialize, Serialize};

/// One thing a member may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Permission {
    /// Read the member's own profile (name, email).
    ProfileRead = 1 << 0,
    /// Read initiatives.
    InitiativesRead = 1 << 1,
    /// Create and change initiatives.
    InitiativesWrite = 1 << 2,
    /// Read comments.
    CommentsRead = 1 << 3,
    /// Write comments.
    CommentsWrite = 1 << 4,
    /// Read bugs.
    BugsRead = 1 << 5,
    /// File and change bugs.
    BugsWrite = 1 << 6,
    /// Start agents.
    AgentsRun = 1 << 7,
    /// Manage the workspace's apps and API keys.
    AppsManage = 1 << 8,
}

impl Permission {
    /// Every permission, in declaration order.
    pub const ALL: [Permission; 9] = [
        Permission::ProfileRead,
        Permission::InitiativesRead,
        Permission::InitiativesWrite,
        Permission::CommentsRead,
        Permission::CommentsWrite,
        Permission::BugsRead,
        Permission::BugsWrite,
        Permission::AgentsRun,
        Permission::AppsManage,
    ];
}

/// A set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet(u32);

impl PermissionSet {
    /// The empty set.
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// Builds a set from a list of permissions.
    pub const fn of(permissions: &[Permission]) -> PermissionSet {
        let mut bits = 0;
        let mut index = 0;
        while index < permissions.len() {
            bits |= permissions[index] as u32;
            index += 1;
        }
        PermissionSet(bits)
    }

    /// Returns whether `permission` is in the set.
    pub const fn contains(self, permission: Permission) -> bool {
        self.0 & permission as u32 != 0
    }

    /// Returns whether every permission of `other` is in this set.
    pub const fn includes(self, other: PermissionSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// Returns the permissions in both sets.
    pub const fn intersection(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 & other.0)
    }

    /// Returns the permissions in either set.
    pub const fn union(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 | other.0)
    }

    /// Returns the permissions one by one.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |permission| self.contains(*permission))
    }
}

/// A member's role in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Owns the workspace: everything an admin may do.
    Owner,
    /// Administers the workspace, its apps and its API keys.
    Admin,
    /// Works in the workspace.
    Member,
    /// Takes part with read access and comments only.
    Guest,
}

const GUEST: PermissionSet = PermissionSet::of(&[
    Permission::ProfileRead,
    Permission::InitiativesRead,
    Permission::CommentsRead,
    Permission::CommentsWrite,
    Permission::BugsRead,
]);

const MEMBER: PermissionSet = GUEST.union(PermissionSet::of(&[
    Permission::InitiativesWrite,
    Permission::BugsWrite,
    Permission::AgentsRun,
]));

const ADMIN: PermissionSet = MEMBER.union(PermissionSet::of(&[Permission::AppsManage]));

impl Role {
    /// Returns the permissions this role grants.
    pub const fn permissions(self) -> PermissionSet {
        match self {
            Role::Owner | Role::Admin => ADMIN,
            Role::Member => MEMBER,
            Role::Guest => GUEST,
        }
    }

    /// Returns the role's name as used in configuration and APIs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Guest => "guest",
        }
    }

    /// Parses a role name as returned by [`Role::as_str`].
    pub fn parse(name: &str) -> Option<Role> {
        [Role::Owner, Role::Admin, Role::Member, Role::Guest]
            .into_iter()
            .find(|role| role.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_cannot_write_bugs() {
        assert!(!Role::Guest.permissions().contains(Permission::BugsWrite));
        assert!(Role::Guest.permissions().contains(Permission::BugsRead));
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(
            Role::Owner
                .permissions()
                .includes(Role::Admin.permissions())
        );
        assert!(
            Role::Admin
                .permissions()
                .includes(Role::Member.permissions())
        );
        assert!(
            Role::Member
                .permissions()
                .includes(Role::Guest.permissions())
        );
        assert!(!Role::Member.permissions().contains(Permission::AppsManage));
    }

    #[test]
    fn role_names_round_trip() {
        for role in [Role::Owner, Role::Admin, Role::Member, Role::Guest] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
