//! Password hashing for the bundled login: argon2id with the `argon2`
//! crate's default parameters, stored as a PHC string in
//! `User::password_hash`.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

/// A password could not be hashed, or a stored hash is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid password hash: {0}")]
pub struct PasswordHashError(String);

/// Hashes `password` with a random salt, returning a PHC string.
pub fn hash_password(password: &str) -> Result<String, PasswordHashError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|error| PasswordHashError(error.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordHashError(error.to_string()))
}

/// Checks that `hash` is an argon2 PHC string that the bundled login can use,
/// such as one printed by `oauth-apps hash-password`.
pub fn check_password_hash(hash: &str) -> Result<(), PasswordHashError> {
    let parsed = PasswordHash::new(hash).map_err(|error| PasswordHashError(error.to_string()))?;
    let algorithm = parsed.algorithm.as_str();
    if !algorithm.starts_with("argon2") {
        return Err(PasswordHashError(format!(
            "the algorithm {algorithm:?} is not supported: use an argon2 hash"
        )));
    }
    Ok(())
}

/// Returns whether `password` matches the PHC string `hash`. A malformed
/// hash matches nothing.
pub(crate) fn verify_password(hash: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A hash of a random password, verified against when the email is unknown
/// so that the response time does not reveal which emails have accounts.
pub(crate) static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut password = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut password);
    let password: String = password.iter().map(|byte| format!("{byte:02x}")).collect();
    hash_password(&password).unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_its_password() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "correct horse "));
    }

    #[test]
    fn same_password_gets_different_salts() {
        assert_ne!(hash_password("pw").unwrap(), hash_password("pw").unwrap());
    }

    #[test]
    fn malformed_hash_matches_nothing() {
        assert!(!verify_password("not a phc string", ""));
        assert!(!verify_password("", ""));
    }

    #[test]
    fn hash_check_accepts_only_argon2_phc_strings() {
        assert!(check_password_hash(&hash_password("pw").unwrap()).is_ok());
        assert!(check_password_hash("plain text").is_err());
        assert!(check_password_hash("$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA").is_err());
    }

    #[test]
    fn decoy_hash_is_a_real_hash() {
        assert!(DECOY_HASH.starts_with("$argon2id$"));
    }
}
