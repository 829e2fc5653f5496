//! In-process store for oauth-apps: every trait of [`oauth_apps_core::store`]
//! on plain hash maps behind one mutex.
//!
//! [`MemoryStore`] suits tests, demos and single-process deployments. Its
//! data lives as long as the value, so a restart forgets every client,
//! grant and token, and several server processes cannot share it.
//!
//! Each operation takes the lock once, checks everything it needs, then
//! changes the state, so [`CodeStore::redeem_code`],
//! [`TokenStore::rotate_refresh_token`], [`TokenStore::revoke_family`],
//! [`GrantStore::revoke_grant`], [`ClientStore::delete_client`] and the
//! device decisions and polls of [`DeviceStore`] are atomic: concurrent
//! callers see them either complete or not started. The decisions
//! themselves come from the core's state machines
//! ([`oauth_apps_core::code::transition`],
//! [`oauth_apps_core::token::transition`] and
//! [`oauth_apps_core::device::transition`]). The lock is never held across an
//! `.await`, because no operation awaits.
//!
//! Expired codes, device authorizations and tokens stay until [`MemoryStore::purge_expired`] drops
//! them. Call it periodically so memory does not grow without bound.
//!
//! ```
//! use oauth_apps_core::store::DirectoryStore;
//! use oauth_apps_core::directory::Workspace;
//! use oauth_apps_core::ids::WorkspaceId;
//! use oauth_apps_core::time::Timestamp;
//! use oauth_apps_store_memory::MemoryStore;
//!
//! # async fn demo() -> Result<(), oauth_apps_core::error::StoreError> {
//! let store = MemoryStore::new();
//! let workspace = Workspace {
//!     id: WorkspaceId::new("ws_acme"),
//!     name: "Acme".into(),
//!     created_at: Timestamp::from_unix_seconds(1_700_000_000),
//! };
//! store.insert_workspace(&workspace).await?;
//! assert_eq!(store.find_workspace(&workspace.id).await?, Some(workspace));
//! # Ok(())
//! # }
//! ```
//!
//! [`CodeStore::redeem_code`]: oauth_apps_core::store::CodeStore::redeem_code
//! [`TokenStore::rotate_refresh_token`]: oauth_apps_core::store::TokenStore::rotate_refresh_token
//! [`TokenStore::revoke_family`]: oauth_apps_core::store::TokenStore::revoke_family
//! [`GrantStore::revoke_grant`]: oauth_apps_core::store::GrantStore::revoke_grant
//! [`ClientStore::delete_client`]: oauth_apps_core::store::ClientStore::delete_client
//! [`DeviceStore`]: oauth_apps_core::store::DeviceStore

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]

mod clients;
mod codes;
mod devices;
mod directory;
mod grants;
mod initial_access;
mod purge;
mod state;
mod tokens;

use std::fmt;
use std::sync::Mutex;

use oauth_apps_core::error::StoreError;
use oauth_apps_core::store::StoreResult;

use crate::state::State;

/// A complete store kept in process memory. It is cheap to create, and
/// tasks share it behind an `Arc`.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// Creates an empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Runs `operation` on the state while holding the lock. A lock poisoned
    /// by a panic in another thread becomes [`StoreError::Internal`], because
    /// the state may be half changed.
    fn with_state<T>(
        &self,
        operation: impl FnOnce(&mut State) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut state = self.state.lock().map_err(|_| {
            StoreError::Internal(
                "the memory store's lock is poisoned because a thread panicked while holding it"
                    .to_owned(),
            )
        })?;
        operation(&mut state)
    }
}

impl fmt::Debug for MemoryStore {
    /// Shows no records, because users and tokens must not reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use oauth_apps_core::ids::WorkspaceId;
    use oauth_apps_core::store::DirectoryStore;

    use super::*;

    #[tokio::test]
    async fn poisoned_lock_becomes_internal_error() {
        let store = Arc::new(MemoryStore::new());
        let holder = Arc::clone(&store);
        let panicked = std::thread::spawn(move || {
            let _guard = holder.state.lock();
            panic!("poison the lock on purpose");
        })
        .join();
        assert!(panicked.is_err(), "the helper thread should have panicked");

        let result = store.find_workspace(&WorkspaceId::new("ws_any")).await;
        assert!(
            matches!(result, Err(StoreError::Internal(_))),
            "expected Internal, got {result:?}"
        );
    }

    #[test]
    fn debug_shows_no_records() {
        assert_eq!(format!("{:?}", MemoryStore::new()), "MemoryStore { .. }");
    }
}
