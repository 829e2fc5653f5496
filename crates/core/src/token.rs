//! Access tokens, refresh tokens and token families, with the refresh
//! token's state machine.
//!
//! One authorization creates one family. Refresh tokens rotate on every use:
//! the used token becomes `Rotated` and a new one is issued. Presenting a
//! rotated token again means it leaked, so the whole family is revoked
//! (OAuth 2.1 section 4.3.1, RFC 9700 section 4.14.2).

use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::scope::ScopeSet;
use crate::secret::SecretHash;
use crate::time::Timestamp;

/// Every token issued from one authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFamily {
    /// Identifier.
    pub id: FamilyId,
    /// The grant the authorization recorded.
    pub grant_id: GrantId,
    /// The client.
    pub client_id: ClientId,
    /// The member.
    pub user_id: UserId,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// Scopes approved for the authorization: the most any refresh may ask.
    pub scopes: ScopeSet,
    /// Resource the authorization is for (RFC 8707), if one was named.
    pub resource: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Revocation time, if revoked.
    pub revoked_at: Option<Timestamp>,
}

/// An issued access token, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenRecord {
    /// SHA-256 of the token text.
    pub hash: SecretHash,
    /// The family the token belongs to.
    pub family_id: FamilyId,
    /// The client it was issued to.
    pub client_id: ClientId,
    /// The member it acts for.
    pub user_id: UserId,
    /// The workspace it acts in.
    pub workspace_id: WorkspaceId,
    /// Scopes of this token; a subset of the family's.
    pub scopes: ScopeSet,
    /// Audience: the resource server the token is for (RFC 8707), if any.
    pub audience: Option<String>,
    /// Issue time.
    pub issued_at: Timestamp,
    /// End of validity.
    pub expires_at: Timestamp,
    /// Revocation time of the token or of its family, whichever is set.
    pub revoked_at: Option<Timestamp>,
}

impl AccessTokenRecord {
    /// Returns whether the token may be used at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// State of a refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshState {
    /// Current token of its family.
    Active,
    /// Used once and replaced by a newer token.
    Rotated,
    /// Revoked, alone or with its family.
    Revoked,
}

/// Something that happens to a refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshEvent {
    /// A client presents the token to get new tokens.
    Rotate,
    /// The token or its family is revoked.
    Revoke,
}

/// Why a refresh token cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefreshRejection {
    /// A rotated token was presented again: the family must be revoked.
    #[error("the refresh token was already used")]
    Reused,
    /// The token or its family was revoked.
    #[error("the refresh token was revoked")]
    Revoked,
    /// The token's lifetime has passed.
    #[error("the refresh token has expired")]
    Expired,
}

/// Applies `event` to a refresh token in `state` that expires at `expires_at`.
pub fn transition(
    state: RefreshState,
    event: RefreshEvent,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<RefreshState, RefreshRejection> {
    match (state, event) {
        (_, RefreshEvent::Revoke) => Ok(RefreshState::Revoked),
        (RefreshState::Revoked, RefreshEvent::Rotate) => Err(RefreshRejection::Revoked),
        (RefreshState::Rotated, RefreshEvent::Rotate) => Err(RefreshRejection::Reused),
        (RefreshState::Active, RefreshEvent::Rotate) if now >= expires_at => {
            Err(RefreshRejection::Expired)
        }
        (RefreshState::Active, RefreshEvent::Rotate) => Ok(RefreshState::Rotated),
    }
}

/// An issued refresh token, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// SHA-256 of the token text.
    pub hash: SecretHash,
    /// The family the token belongs to.
    pub family_id: FamilyId,
    /// The client it was issued to.
    pub client_id: ClientId,
    /// The member it acts for.
    pub user_id: UserId,
    /// The workspace it acts in.
    pub workspace_id: WorkspaceId,
    /// Scopes a refresh may request; equal to the family's.
    pub scopes: ScopeSet,
    /// Resource of the authorization (RFC 8707), if one was named.
    pub resource: Option<String>,
    /// Issue time.
    pub issued_at: Timestamp,
    /// End of validity.
    pub expires_at: Timestamp,
    /// Active, rotated or revoked. Lookups report `Revoked` when the family
    /// is revoked; rotation still sees a rotated token as `Rotated`.
    pub state: RefreshState,
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPIRES: Timestamp = Timestamp::from_unix_seconds(1000);
    const BEFORE: Timestamp = Timestamp::from_unix_seconds(999);
    const AFTER: Timestamp = Timestamp::from_unix_seconds(1000);

    #[test]
    fn transition_table() {
        use RefreshEvent::{Revoke, Rotate};
        use RefreshState::{Active, Revoked, Rotated};
        let cases = [
            (Active, Rotate, BEFORE, Ok(Rotated)),
            (Active, Rotate, AFTER, Err(RefreshRejection::Expired)),
            (Active, Revoke, BEFORE, Ok(Revoked)),
            (Active, Revoke, AFTER, Ok(Revoked)),
            (Rotated, Rotate, BEFORE, Err(RefreshRejection::Reused)),
            (Rotated, Rotate, AFTER, Err(RefreshRejection::Reused)),
            (Rotated, Revoke, BEFORE, Ok(Revoked)),
            (Revoked, Rotate, BEFORE, Err(RefreshRejection::Revoked)),
            (Revoked, Rotate, AFTER, Err(RefreshRejection::Revoked)),
            (Revoked, Revoke, BEFORE, Ok(Revoked)),
        ];
        for (state, event, now, expected) in cases {
            assert_eq!(
                transition(state, event, EXPIRES, now),
                expected,
                "{state:?} x {event:?} at {now:?}"
            );
        }
    }
}
