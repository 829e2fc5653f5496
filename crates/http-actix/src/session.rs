//! Keys and signed values of the bundled login: the session cookie and the
//! CSRF tokens derived from it.
//!
//! The session is stateless: the cookie contains the user ID and an expiry,
//! signed with HMAC-SHA256. Processes that share the [`SessionKey`] accept
//! each other's cookies, so no session store is needed. A session cannot be
//! ended on the server before it expires; signing out clears the cookie in
//! the browser only.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use oauth_apps_core::ids::UserId;
use oauth_apps_core::random::RandomSource;
use oauth_apps_core::time::Timestamp;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Minimum length of a session key, in bytes.
pub const MIN_SESSION_KEY_LEN: usize = 32;

/// The secret that signs session cookies and CSRF tokens. Two keys are
/// derived from it, one per purpose, so a value signed for one purpose is
/// never valid for the other. Redacts itself in `Debug`.
#[derive(Clone)]
pub struct SessionKey {
    cookie: [u8; 32],
    csrf: [u8; 32],
}

/// A session key could not be built from configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionKeyError {
    /// The key is not hexadecimal.
    #[error("the session key must be hexadecimal")]
    NotHex,
    /// The key is too short.
    #[error("the session key must be at least {MIN_SESSION_KEY_LEN} bytes ({hex} hex digits), got {0} bytes", hex = MIN_SESSION_KEY_LEN * 2)]
    TooShort(usize),
}

impl SessionKey {
    /// Derives the keys from `secret`, which must be at least
    /// [`MIN_SESSION_KEY_LEN`] bytes.
    pub fn from_bytes(secret: &[u8]) -> Result<SessionKey, SessionKeyError> {
        if secret.len() < MIN_SESSION_KEY_LEN {
            return Err(SessionKeyError::TooShort(secret.len()));
        }
        Ok(SessionKey {
            cookie: sign(secret, &[b"oauth-apps session cookie"]),
            csrf: sign(secret, &[b"oauth-apps csrf token"]),
        })
    }

    /// Parses a hexadecimal key, as given on the command line.
    pub fn from_hex(text: &str) -> Result<SessionKey, SessionKeyError> {
        let text = text.trim();
        if !text.len().is_multiple_of(2) || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(SessionKeyError::NotHex);
        }
        let bytes: Vec<u8> = (0..text.len())
            .step_by(2)
            .filter_map(|index| u8::from_str_radix(&text[index..index + 2], 16).ok())
            .collect();
        SessionKey::from_bytes(&bytes)
    }

    /// Generates a random key. Sessions signed with it end when the process
    /// stops and are not accepted by other processes.
    pub fn generate(random: &dyn RandomSource) -> SessionKey {
        let mut secret = [0u8; 32];
        random.fill(&mut secret);
        SessionKey {
            cookie: sign(&secret, &[b"oauth-apps session cookie"]),
            csrf: sign(&secret, &[b"oauth-apps csrf token"]),
        }
    }

    /// Signs a session for `user_id` that ends at `expires_at`, returning
    /// the cookie value `base64url(user_id).expiry.base64url(mac)`.
    pub(crate) fn seal_session(&self, user_id: &UserId, expires_at: Timestamp) -> String {
        let expiry = expires_at.unix_seconds().to_string();
        let mac = sign(
            &self.cookie,
            &[user_id.as_str().as_bytes(), expiry.as_bytes()],
        );
        format!(
            "{}.{expiry}.{}",
            URL_SAFE_NO_PAD.encode(user_id.as_str()),
            URL_SAFE_NO_PAD.encode(mac)
        )
    }

    /// Returns the user ID of a session cookie value whose signature is
    /// valid and whose expiry is after `now`.
    pub(crate) fn open_session(&self, value: &str, now: Timestamp) -> Option<UserId> {
        let mut parts = value.split('.');
        let (user, expiry, mac) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let user = String::from_utf8(URL_SAFE_NO_PAD.decode(user).ok()?).ok()?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        if !verify(&self.cookie, &[user.as_bytes(), expiry.as_bytes()], &mac) {
            return None;
        }

        let expires_at = Timestamp::from_unix_seconds(expiry.parse().ok()?);
        (now < expires_at).then(|| UserId::new(user))
    }

    /// Derives the CSRF token for `purpose` and a session-specific `binding`.
    pub(crate) fn csrf_token(&self, purpose: &str, binding: &str) -> String {
        URL_SAFE_NO_PAD.encode(sign(&self.csrf, &[purpose.as_bytes(), binding.as_bytes()]))
    }

    /// Checks a CSRF token in constant time.
    pub(crate) fn csrf_token_matches(&self, purpose: &str, binding: &str, token: &str) -> bool {
        let Ok(mac) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        verify(&self.csrf, &[purpose.as_bytes(), binding.as_bytes()], &mac)
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

/// Feeds each part with its length first, so that no two lists of parts
/// produce the same input.
fn keyed_mac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac
}

fn sign(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    keyed_mac(key, parts).finalize().into_bytes().into()
}

/// Compares in constant time.
fn verify(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    keyed_mac(key, parts).verify_slice(tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth_apps_core::random::SequenceRandom;

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_000);
    const LATER: Timestamp = Timestamp::from_unix_seconds(2_000);

    fn key() -> SessionKey {
        SessionKey::from_bytes(&[7u8; 32]).unwrap()
    }

    #[test]
    fn session_round_trips_until_expiry() {
        let value = key().seal_session(&UserId::new("usr_1"), LATER);
        assert_eq!(key().open_session(&value, NOW), Some(UserId::new("usr_1")));
        assert_eq!(key().open_session(&value, LATER), None);
    }

    #[test]
    fn session_with_changed_expiry_is_rejected() {
        let value = key().seal_session(&UserId::new("usr_1"), LATER);
        let forged = value.replace(".2000.", ".9000.");
        assert_ne!(forged, value);
        assert_eq!(key().open_session(&forged, NOW), None);
    }

    #[test]
    fn session_with_changed_user_is_rejected() {
        let value = key().seal_session(&UserId::new("usr_1"), LATER);
        let mac = value.rsplit('.').next().unwrap();
        let forged = format!("{}.2000.{mac}", URL_SAFE_NO_PAD.encode("usr_2"));
        assert_eq!(key().open_session(&forged, NOW), None);
    }

    #[test]
    fn session_from_other_key_is_rejected() {
        let other = SessionKey::generate(&SequenceRandom::default());
        let value = other.seal_session(&UserId::new("usr_1"), LATER);
        assert_eq!(key().open_session(&value, NOW), None);
    }

    #[test]
    fn malformed_sessions_are_rejected() {
        for value in ["", "a.b", "a.b.c.d", "!!.2000.!!", "dXNy.notanumber.AAAA"] {
            assert_eq!(key().open_session(value, NOW), None, "{value:?}");
        }
    }

    #[test]
    fn csrf_token_is_bound_to_purpose_and_binding() {
        let token = key().csrf_token("consent", "session-a");
        assert!(key().csrf_token_matches("consent", "session-a", &token));
        assert!(!key().csrf_token_matches("consent", "session-b", &token));
        assert!(!key().csrf_token_matches("login", "session-a", &token));
        assert!(!key().csrf_token_matches("consent", "session-a", "AAAA"));
        assert!(!key().csrf_token_matches("consent", "session-a", "not base64!"));
    }

    #[test]
    fn hex_key_parsing() {
        assert!(SessionKey::from_hex(&"ab".repeat(32)).is_ok());
        assert_eq!(
            SessionKey::from_hex(&"ab".repeat(31)).unwrap_err(),
            SessionKeyError::TooShort(31)
        );
        assert_eq!(
            SessionKey::from_hex("xyz").unwrap_err(),
            SessionKeyError::NotHex
        );
        assert_eq!(
            SessionKey::from_hex("abc").unwrap_err(),
            SessionKeyError::NotHex
        );
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", key()), "SessionKey(<redacted>)");
    }
}
