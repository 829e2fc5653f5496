//! Access tokens, refresh tokens and token families: [`TokenStore`] for
//! [`MemoryStore`], with refresh token rotation and reuse detection
//! (OAuth 2.1 section 4.3.1, RFC 9700 section 4.14.2) and revocation
//! (RFC 7009).

use async_trait::async_trait;
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::FamilyId;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{Rotation, StoreResult, TokenStore};
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::{
    self, AccessTokenRecord, RefreshEvent, RefreshRejection, RefreshState, RefreshTokenRecord,
};

use crate::MemoryStore;
use crate::state::{State, key_of, revoked_state};

impl State {
    /// Rejects new tokens that name a missing family, disagree on their
    /// family, or reuse a stored hash.
    fn check_new_tokens(
        &self,
        access: &AccessTokenRecord,
        refresh: Option<&RefreshTokenRecord>,
    ) -> StoreResult<()> {
        if !self.families.contains_key(&access.family_id) {
            return Err(StoreError::Internal(format!(
                "token family {} not found: redeem its code before storing tokens in it",
                access.family_id
            )));
        }
        if let Some(refresh) = refresh {
            if refresh.family_id != access.family_id {
                return Err(StoreError::Internal(format!(
                    "the refresh token is in family {} but the access token in {}",
                    refresh.family_id, access.family_id
                )));
            }
            if self.refresh_tokens.contains_key(&key_of(&refresh.hash)) {
                return Err(StoreError::Conflict(format!(
                    "a refresh token with hash {:?} already exists",
                    refresh.hash
                )));
            }
        }
        if self.access_tokens.contains_key(&key_of(&access.hash)) {
            return Err(StoreError::Conflict(format!(
                "an access token with hash {:?} already exists",
                access.hash
            )));
        }
        Ok(())
    }

    /// Stores tokens that passed [`State::check_new_tokens`] and indexes
    /// them under their family.
    fn store_tokens(&mut self, access: AccessTokenRecord, refresh: Option<RefreshTokenRecord>) {
        let Some(entry) = self.families.get_mut(&access.family_id) else {
            return;
        };
        let access_key = key_of(&access.hash);
        entry.access.insert(access_key);
        self.access_tokens.insert(access_key, access);
        if let Some(refresh) = refresh {
            let refresh_key = key_of(&refresh.hash);
            entry.refresh.insert(refresh_key);
            self.refresh_tokens.insert(refresh_key, refresh);
        }
    }

    fn insert_tokens(
        &mut self,
        access: &AccessTokenRecord,
        refresh: Option<&RefreshTokenRecord>,
    ) -> StoreResult<()> {
        self.check_new_tokens(access, refresh)?;
        self.store_tokens(access.clone(), refresh.cloned());
        Ok(())
    }

    /// Applies [`RefreshEvent::Rotate`] to the stored token `old`: on success
    /// stores the new tokens, on reuse revokes the family.
    fn rotate_refresh_token(
        &mut self,
        old: &SecretHash,
        access: &AccessTokenRecord,
        refresh: &RefreshTokenRecord,
        now: Timestamp,
    ) -> StoreResult<Rotation> {
        let Some(stored) = self.refresh_tokens.get(&key_of(old)) else {
            return Ok(Rotation::NotFound);
        };
        let family_id = stored.family_id.clone();
        if access.family_id != family_id {
            return Err(StoreError::Internal(format!(
                "new tokens must stay in family {family_id}, not move to {}",
                access.family_id
            )));
        }
        let state = self.rotation_start_state(stored, now);

        match token::transition(state, RefreshEvent::Rotate, stored.expires_at, now) {
            Ok(next) => {
                self.check_new_tokens(access, Some(refresh))?;
                if let Some(stored) = self.refresh_tokens.get_mut(&key_of(old)) {
                    stored.state = next;
                }
                self.store_tokens(access.clone(), Some(refresh.clone()));
                Ok(Rotation::Rotated)
            }
            Err(RefreshRejection::Reused) => {
                self.revoke_family(&family_id, now);
                Ok(Rotation::Reused)
            }
            Err(RefreshRejection::Revoked) => Ok(Rotation::Revoked),
            Err(RefreshRejection::Expired) => Ok(Rotation::Expired),
        }
    }

    /// Returns the state a rotation of `stored` starts from. A revoked
    /// family revokes its active token, but a token rotated earlier stays
    /// `Rotated`: presenting it is reuse whether or not the family has been
    /// revoked since, so every caller that loses a race for one token gets
    /// [`Rotation::Reused`].
    fn rotation_start_state(&self, stored: &RefreshTokenRecord, now: Timestamp) -> RefreshState {
        let family_revoked = self.family_revoked_at(&stored.family_id).is_some();
        match stored.state {
            RefreshState::Active if family_revoked => revoked_state(stored, now),
            state => state,
        }
    }

    /// Marks one access token revoked, keeping an earlier revocation time.
    fn revoke_access_token(&mut self, hash: &SecretHash, now: Timestamp) -> bool {
        let Some(access) = self.access_tokens.get_mut(&key_of(hash)) else {
            return false;
        };
        access.revoked_at.get_or_insert(now);
        true
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    /// Stores the tokens. In a revoked family they are reported revoked. A
    /// missing family is [`StoreError::Internal`] and a stored hash is
    /// [`StoreError::Conflict`].
    async fn insert_tokens(
        &self,
        access: &AccessTokenRecord,
        refresh: Option<&RefreshTokenRecord>,
    ) -> StoreResult<()> {
        self.with_state(|state| state.insert_tokens(access, refresh))
    }

    async fn find_access_token(&self, hash: &SecretHash) -> StoreResult<Option<AccessTokenRecord>> {
        self.with_state(|state| Ok(state.access_view(hash)))
    }

    async fn find_refresh_token(
        &self,
        hash: &SecretHash,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        self.with_state(|state| Ok(state.refresh_view(hash)))
    }

    async fn rotate_refresh_token(
        &self,
        old: &SecretHash,
        access: &AccessTokenRecord,
        refresh: &RefreshTokenRecord,
        now: Timestamp,
    ) -> StoreResult<Rotation> {
        self.with_state(|state| state.rotate_refresh_token(old, access, refresh, now))
    }

    async fn revoke_access_token(&self, hash: &SecretHash, now: Timestamp) -> StoreResult<bool> {
        self.with_state(|state| Ok(state.revoke_access_token(hash, now)))
    }

    async fn revoke_family(&self, id: &FamilyId, now: Timestamp) -> StoreResult<bool> {
        self.with_state(|state| Ok(state.revoke_family(id, now)))
    }
}
