//! Initial access tokens for dynamic client registration (RFC 7591
//! section 3): [`InitialAccessTokenStore`] for [`MemoryStore`].

use async_trait::async_trait;
use oauth_apps_core::error::StoreError;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{InitialAccessToken, InitialAccessTokenStore, StoreResult};

use crate::MemoryStore;
use crate::state::key_of;

#[async_trait]
impl InitialAccessTokenStore for MemoryStore {
    async fn insert_initial_access_token(&self, token: &InitialAccessToken) -> StoreResult<()> {
        self.with_state(|state| {
            let key = key_of(&token.hash);
            if state.initial_access_tokens.contains_key(&key) {
                return Err(StoreError::Conflict(format!(
                    "an initial access token with hash {:?} already exists",
                    token.hash
                )));
            }
            state.initial_access_tokens.insert(key, token.clone());
            Ok(())
        })
    }

    /// Returns the token whether or not it has expired; the caller checks
    /// `expires_at`.
    async fn find_initial_access_token(
        &self,
        hash: &SecretHash,
    ) -> StoreResult<Option<InitialAccessToken>> {
        self.with_state(|state| Ok(state.initial_access_tokens.get(&key_of(hash)).cloned()))
    }
}
