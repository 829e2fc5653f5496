//! Authorization codes: [`CodeStore`] for [`MemoryStore`], with the
//! single-use rule of RFC 6749 section 4.1.2.

use async_trait::async_trait;
use oauth_apps_core::code::{self, AuthorizationCode, CodeEvent, CodeRejection};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{CodeRedemption, CodeStore, StoreResult};
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::TokenFamily;

use crate::MemoryStore;
use crate::state::{State, key_of};

impl State {
    fn insert_code(&mut self, code: &AuthorizationCode) -> StoreResult<()> {
        let key = key_of(&code.hash);
        if self.codes.contains_key(&key) {
            return Err(StoreError::Conflict(format!(
                "an authorization code with hash {:?} already exists",
                code.hash
            )));
        }
        self.codes.insert(key, code.clone());
        Ok(())
    }

    /// Applies [`CodeEvent::Redeem`] to the stored code: the first
    /// redemption creates the code's family, a later one revokes it.
    fn redeem_code(&mut self, hash: &SecretHash, now: Timestamp) -> StoreResult<CodeRedemption> {
        let Some(stored) = self.codes.get(&key_of(hash)) else {
            return Ok(CodeRedemption::NotFound);
        };
        let mut redeemed = stored.clone();

        match code::transition(redeemed.state, CodeEvent::Redeem, redeemed.expires_at, now) {
            Ok(next) => {
                redeemed.state = next;
                self.open_family(family_of(&redeemed, now))?;
                self.codes.insert(key_of(hash), redeemed.clone());
                Ok(CodeRedemption::Redeemed(redeemed))
            }
            Err(CodeRejection::AlreadyRedeemed) => {
                self.revoke_family(&redeemed.family_id, now);
                Ok(CodeRedemption::AlreadyRedeemed(redeemed))
            }
            Err(CodeRejection::Expired) => Ok(CodeRedemption::Expired),
        }
    }
}

/// Returns the active family that redeeming `code` at `now` creates.
fn family_of(code: &AuthorizationCode, now: Timestamp) -> TokenFamily {
    TokenFamily {
        id: code.family_id.clone(),
        grant_id: code.grant_id.clone(),
        client_id: code.client_id.clone(),
        user_id: code.user_id.clone(),
        workspace_id: code.workspace_id.clone(),
        scopes: code.scopes.clone(),
        resource: code.resource.clone(),
        created_at: now,
        revoked_at: None,
    }
}

#[async_trait]
impl CodeStore for MemoryStore {
    /// Inserts an issued code, or returns [`StoreError::Conflict`] if its hash
    /// is taken.
    async fn insert_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        self.with_state(|state| state.insert_code(code))
    }

    async fn redeem_code(&self, hash: &SecretHash, now: Timestamp) -> StoreResult<CodeRedemption> {
        self.with_state(|state| state.redeem_code(hash, now))
    }
}
