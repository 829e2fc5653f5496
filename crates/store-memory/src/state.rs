//! The records behind the lock and the indexes over them.
//!
//! A family's revocation is stored once, on the family. Each token keeps its
//! own state, and lookups merge the family's revocation into the copy they
//! return. Revoking a family therefore takes constant time, and a refresh
//! token that was rotated before its family was revoked stays recognisable
//! as rotated, so presenting it again is still reported as reuse.

use std::collections::{BTreeMap, HashMap, HashSet};

use oauth_apps_core::client::Client;
use oauth_apps_core::code::AuthorizationCode;
use oauth_apps_core::device::DeviceAuthorization;
use oauth_apps_core::directory::{Membership, User, Workspace};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::grant::Grant;
use oauth_apps_core::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{InitialAccessToken, StoreResult};
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::{
    self, AccessTokenRecord, RefreshEvent, RefreshState, RefreshTokenRecord, TokenFamily,
};

/// Map key for a [`SecretHash`]: its 32 bytes.
pub(crate) type HashKey = [u8; 32];

/// Returns the map key of `hash`.
pub(crate) fn key_of(hash: &SecretHash) -> HashKey {
    *hash.as_bytes()
}

/// The (user, client, workspace) triple that identifies a grant.
pub(crate) type GrantKey = (UserId, ClientId, WorkspaceId);

/// Every record of the store, with its indexes.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) workspaces: HashMap<WorkspaceId, Workspace>,
    pub(crate) users: HashMap<UserId, User>,
    pub(crate) user_ids_by_email: HashMap<String, UserId>,
    /// Memberships by user, then by workspace.
    pub(crate) memberships: HashMap<UserId, BTreeMap<WorkspaceId, Membership>>,
    pub(crate) clients: HashMap<ClientId, Client>,
    /// Client IDs per managing workspace, in insertion order.
    pub(crate) client_ids_by_workspace: HashMap<WorkspaceId, Vec<ClientId>>,
    pub(crate) grants: HashMap<GrantId, Grant>,
    pub(crate) grant_ids_by_key: HashMap<GrantKey, GrantId>,
    /// Grant IDs per user, in insertion order.
    pub(crate) grant_ids_by_user: HashMap<UserId, Vec<GrantId>>,
    pub(crate) codes: HashMap<HashKey, AuthorizationCode>,
    pub(crate) families: HashMap<FamilyId, FamilyEntry>,
    pub(crate) family_ids_by_grant: HashMap<GrantId, HashSet<FamilyId>>,
    pub(crate) access_tokens: HashMap<HashKey, AccessTokenRecord>,
    pub(crate) refresh_tokens: HashMap<HashKey, RefreshTokenRecord>,
    pub(crate) initial_access_tokens: HashMap<HashKey, InitialAccessToken>,
    /// Device authorizations by device code hash.
    pub(crate) devices: HashMap<HashKey, DeviceAuthorization>,
    /// Device code hash per user code hash.
    pub(crate) device_keys_by_user_code: HashMap<HashKey, HashKey>,
}

/// A token family and the hashes of the tokens stored in it.
pub(crate) struct FamilyEntry {
    pub(crate) family: TokenFamily,
    pub(crate) access: HashSet<HashKey>,
    pub(crate) refresh: HashSet<HashKey>,
}

impl FamilyEntry {
    /// Wraps a family that holds no tokens yet.
    pub(crate) fn new(family: TokenFamily) -> FamilyEntry {
        FamilyEntry {
            family,
            access: HashSet::new(),
            refresh: HashSet::new(),
        }
    }

    /// Returns whether no token of the family is stored.
    pub(crate) fn is_empty(&self) -> bool {
        self.access.is_empty() && self.refresh.is_empty()
    }
}

impl State {
    /// Stores a new family and indexes it under its grant. A family ID that
    /// is taken is a [`StoreError::Conflict`] and changes nothing.
    pub(crate) fn open_family(&mut self, family: TokenFamily) -> StoreResult<()> {
        if self.families.contains_key(&family.id) {
            return Err(StoreError::Conflict(format!(
                "token family {} already exists",
                family.id
            )));
        }
        self.family_ids_by_grant
            .entry(family.grant_id.clone())
            .or_default()
            .insert(family.id.clone());
        self.families
            .insert(family.id.clone(), FamilyEntry::new(family));
        Ok(())
    }

    /// Marks the family `id` revoked. A family revoked before keeps its first
    /// revocation time. Returns `false` when no family has this ID.
    pub(crate) fn revoke_family(&mut self, id: &FamilyId, now: Timestamp) -> bool {
        let Some(entry) = self.families.get_mut(id) else {
            return false;
        };
        entry.family.revoked_at.get_or_insert(now);
        true
    }

    /// Returns the revocation time of family `id`, if it is revoked.
    pub(crate) fn family_revoked_at(&self, id: &FamilyId) -> Option<Timestamp> {
        self.families.get(id)?.family.revoked_at
    }

    /// Returns the access token `hash` with `revoked_at` set to the earlier
    /// of its own and its family's revocation time.
    pub(crate) fn access_view(&self, hash: &SecretHash) -> Option<AccessTokenRecord> {
        let mut view = self.access_tokens.get(&key_of(hash))?.clone();
        let family_revoked_at = self.family_revoked_at(&view.family_id);
        view.revoked_at = match (view.revoked_at, family_revoked_at) {
            (Some(own), Some(family)) => Some(own.min(family)),
            (own, family) => own.or(family),
        };
        Some(view)
    }

    /// Returns the refresh token `hash`, in state `Revoked` when its family
    /// is revoked.
    pub(crate) fn refresh_view(&self, hash: &SecretHash) -> Option<RefreshTokenRecord> {
        let mut view = self.refresh_tokens.get(&key_of(hash))?.clone();
        if let Some(revoked_at) = self.family_revoked_at(&view.family_id) {
            view.state = revoked_state(&view, revoked_at);
        }
        Some(view)
    }
}

/// Returns the state the core's machine gives `refresh` for
/// [`RefreshEvent::Revoke`], which is `Revoked` from every state.
pub(crate) fn revoked_state(refresh: &RefreshTokenRecord, now: Timestamp) -> RefreshState {
    token::transition(refresh.state, RefreshEvent::Revoke, refresh.expires_at, now)
        .unwrap_or(RefreshState::Revoked)
}
