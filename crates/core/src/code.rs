//! Authorization codes (RFC 6749 section 4.1.2) and their state machine.
//!
//! A code is issued, then redeemed exactly once before it expires. A second
//! redemption is an attack or a bug: it fails and the token family issued
//! from the first redemption is revoked.

use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::pkce::CodeChallenge;
use crate::scope::ScopeSet;
use crate::secret::SecretHash;
use crate::time::Timestamp;

/// State of an authorization code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeState {
    /// Issued and not yet redeemed.
    Issued,
    /// Redeemed at the given time.
    Redeemed {
        /// When the code was redeemed.
        at: Timestamp,
    },
}

/// Something that happens to a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeEvent {
    /// A client presents the code at the token endpoint.
    Redeem,
}

/// Why a code cannot be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRejection {
    /// The code was redeemed before: the tokens issued from it must be revoked.
    #[error("the authorization code was already redeemed")]
    AlreadyRedeemed,
    /// The code's lifetime has passed.
    #[error("the authorization code has expired")]
    Expired,
}

/// Applies `event` to a code in `state` that expires at `expires_at`.
pub fn transition(
    state: CodeState,
    event: CodeEvent,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<CodeState, CodeRejection> {
    match (state, event) {
        (CodeState::Redeemed { .. }, CodeEvent::Redeem) => Err(CodeRejection::AlreadyRedeemed),
        (CodeState::Issued, CodeEvent::Redeem) if now >= expires_at => Err(CodeRejection::Expired),
        (CodeState::Issued, CodeEvent::Redeem) => Ok(CodeState::Redeemed { at: now }),
    }
}

/// An issued authorization code, as stored: only its hash, and everything it
/// is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// SHA-256 of the code text.
    pub hash: SecretHash,
    /// The client the code was issued to.
    pub client_id: ClientId,
    /// The exact `redirect_uri` of the authorization request.
    pub redirect_uri: String,
    /// The member who approved.
    pub user_id: UserId,
    /// The workspace the approval is for.
    pub workspace_id: WorkspaceId,
    /// The grant the approval recorded.
    pub grant_id: GrantId,
    /// Approved scopes.
    pub scopes: ScopeSet,
    /// PKCE challenge, when the request had one.
    pub challenge: Option<CodeChallenge>,
    /// Resource the tokens are for (RFC 8707), when the request named one.
    pub resource: Option<String>,
    /// The token family that redemption creates.
    pub family_id: FamilyId,
    /// Issue time.
    pub issued_at: Timestamp,
    /// End of validity.
    pub expires_at: Timestamp,
    /// Issued or redeemed.
    pub state: CodeState,
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPIRES: Timestamp = Timestamp::from_unix_seconds(160);
    const BEFORE: Timestamp = Timestamp::from_unix_seconds(159);
    const AT_EXPIRY: Timestamp = Timestamp::from_unix_seconds(160);
    const EARLIER: Timestamp = Timestamp::from_unix_seconds(120);

    #[test]
    fn transition_table() {
        let redeemed = CodeState::Redeemed { at: EARLIER };
        let cases = [
            (
                CodeState::Issued,
                BEFORE,
                Ok(CodeState::Redeemed { at: BEFORE }),
            ),
            (CodeState::Issued, AT_EXPIRY, Err(CodeRejection::Expired)),
            (redeemed, BEFORE, Err(CodeRejection::AlreadyRedeemed)),
            (redeemed, AT_EXPIRY, Err(CodeRejection::AlreadyRedeemed)),
        ];
        for (state, now, expected) in cases {
            assert_eq!(
                transition(state, CodeEvent::Redeem, EXPIRES, now),
                expected,
                "state {state:?} at {now:?}"
            );
        }
    }
}
