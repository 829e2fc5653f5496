//! Device authorization (RFC 8628): the device code a command-line tool
//! polls with, the user code a member types on another device, and their
//! state machine.
//!
//! A device authorization is pending until a member approves or denies it,
//! or until it expires. Polling a pending one returns
//! `authorization_pending`, or `slow_down` when the client polls faster
//! than its interval, which then grows by 5 seconds (RFC 8628 section 3.5)
//! up to [`MAX_POLL_INTERVAL`].
//! An approved one is redeemed by exactly one poll.

use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::scope::ScopeSet;
use crate::secret::SecretHash;
use crate::time::Timestamp;

/// Seconds added to the polling interval at each `slow_down`.
pub const SLOW_DOWN_STEP: u32 = 5;

/// Maximum polling interval, in seconds, that `slow_down` grows to, so a
/// client that kept polling too fast still learns of a decision within a
/// minute. An interval issued above it is kept as it is.
pub const MAX_POLL_INTERVAL: u32 = 60;

/// Characters of user codes: consonants only, so codes cannot spell words
/// and no two characters look alike (RFC 8628 section 6.1).
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Number of characters in a user code: 20^8, about 2^34.6 codes, shown
/// as `XXXX-XXXX`.
pub const USER_CODE_LEN: usize = 8;

/// Normalises a user code as typed: uppercase, with dashes and spaces
/// removed. Returns `None` when the result is not a well-formed code.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid =
        code.len() == USER_CODE_LEN && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b));
    valid.then_some(code)
}

/// Formats a normalised user code for display: `BCDF-GHJK`.
pub fn format_user_code(code: &str) -> String {
    let (first, second) = code.split_at(code.len() / 2);
    format!("{first}-{second}")
}

/// A member's approval, with what it binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceApproval {
    /// The member who approved.
    pub user_id: UserId,
    /// The workspace the approval is for.
    pub workspace_id: WorkspaceId,
    /// The grant the approval recorded.
    pub grant_id: GrantId,
}

/// State of a device authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    /// Waiting for a member.
    Pending,
    /// Approved; the next poll redeems it.
    Approved(DeviceApproval),
    /// Denied by the member.
    Denied,
    /// Redeemed by a poll; tokens were issued.
    Redeemed(DeviceApproval),
}

/// A device authorization, as stored: only hashes of its codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// SHA-256 of the device code.
    pub device_code_hash: SecretHash,
    /// SHA-256 of the normalised user code.
    pub user_code_hash: SecretHash,
    /// The requesting client.
    pub client_id: ClientId,
    /// Requested scopes.
    pub scopes: ScopeSet,
    /// Requested resource (RFC 8707), if any.
    pub resource: Option<String>,
    /// The token family that redemption creates.
    pub family_id: FamilyId,
    /// Issue time.
    pub issued_at: Timestamp,
    /// End of validity of both codes.
    pub expires_at: Timestamp,
    /// Minimum seconds between polls.
    pub interval: u32,
    /// Time of the latest poll.
    pub last_polled_at: Option<Timestamp>,
    /// Current state.
    pub state: DeviceState,
}

/// Something that happens to a device authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// A member approved.
    Approve(DeviceApproval),
    /// A member denied.
    Deny,
    /// The client polled the token endpoint.
    Poll,
}

/// Reason a poll or decision did not succeed, returned with the new state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceRejection {
    /// No member has decided yet (`authorization_pending`).
    #[error("the member has not decided yet")]
    Pending,
    /// The client polled too fast; the interval is now this many seconds.
    #[error("polling too fast; the interval is now {0} s")]
    SlowDown(u32),
    /// The member denied (`access_denied`).
    #[error("the member denied the request")]
    Denied,
    /// The codes expired (`expired_token`).
    #[error("the device code has expired")]
    Expired,
    /// The device code was already redeemed (`invalid_grant`).
    #[error("the device code was already used")]
    AlreadyRedeemed,
    /// A decision arrived for an authorization that is no longer pending.
    #[error("the request was already decided")]
    AlreadyDecided,
}

/// Applies `event` to `authorization` at `now`. On success returns the
/// updated authorization; a poll rejected with an error still
/// updates the poll time and interval, so the error comes with the
/// authorization to store.
pub fn transition(
    authorization: &DeviceAuthorization,
    event: DeviceEvent,
    now: Timestamp,
) -> (DeviceAuthorization, Result<(), DeviceRejection>) {
    let mut next = authorization.clone();
    let expired = now >= authorization.expires_at;
    let outcome = match (&authorization.state, event) {
        (DeviceState::Redeemed(_), DeviceEvent::Poll) => Err(DeviceRejection::AlreadyRedeemed),
        (_, DeviceEvent::Poll) if expired => Err(DeviceRejection::Expired),
        (state, DeviceEvent::Poll) => {
            let too_fast = authorization
                .last_polled_at
                .is_some_and(|last| now - last < i64::from(authorization.interval));
            next.last_polled_at = Some(now);
            match state {
                _ if too_fast => {
                    next.interval = slowed_down(authorization.interval);
                    Err(DeviceRejection::SlowDown(next.interval))
                }
                DeviceState::Pending => Err(DeviceRejection::Pending),
                DeviceState::Denied => Err(DeviceRejection::Denied),
                DeviceState::Approved(approval) => {
                    next.state = DeviceState::Redeemed(approval.clone());
                    Ok(())
                }
                DeviceState::Redeemed(_) => Err(DeviceRejection::AlreadyRedeemed),
            }
        }
        (_, DeviceEvent::Approve(_) | DeviceEvent::Deny) if expired => {
            Err(DeviceRejection::Expired)
        }
        (DeviceState::Pending, DeviceEvent::Approve(approval)) => {
            next.state = DeviceState::Approved(approval);
            Ok(())
        }
        (DeviceState::Pending, DeviceEvent::Deny) => {
            next.state = DeviceState::Denied;
            Ok(())
        }
        (_, DeviceEvent::Approve(_) | DeviceEvent::Deny) => Err(DeviceRejection::AlreadyDecided),
    };
    (next, outcome)
}

/// Returns the interval after a `slow_down`: [`SLOW_DOWN_STEP`] longer,
/// but not beyond [`MAX_POLL_INTERVAL`] or below `interval`.
fn slowed_down(interval: u32) -> u32 {
    let cap = MAX_POLL_INTERVAL.max(interval);
    interval.saturating_add(SLOW_DOWN_STEP).min(cap)
}

#[cfg(test)]
mod tests;
