//! Lookups and assertions shared by the cases. Each panics with a message
//! that names the record and what was expected of it.

use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::Store;
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::{AccessTokenRecord, RefreshState, RefreshTokenRecord};

/// Returns the stored access token `hash`, panicking when it is missing.
pub async fn find_access<S: Store + ?Sized>(store: &S, hash: &SecretHash) -> AccessTokenRecord {
    store
        .find_access_token(hash)
        .await
        .expect("find_access_token failed")
        .unwrap_or_else(|| panic!("access token {hash:?} is not stored"))
}

/// Returns the stored refresh token `hash`, panicking when it is missing.
pub async fn find_refresh<S: Store + ?Sized>(store: &S, hash: &SecretHash) -> RefreshTokenRecord {
    store
        .find_refresh_token(hash)
        .await
        .expect("find_refresh_token failed")
        .unwrap_or_else(|| panic!("refresh token {hash:?} is not stored"))
}

/// Asserts that access token `hash` is stored with `revoked_at` equal to
/// `expected`, where `None` means active.
pub async fn assert_access_revoked_at<S: Store + ?Sized>(
    store: &S,
    hash: &SecretHash,
    expected: Option<Timestamp>,
    context: &str,
) {
    let access = find_access(store, hash).await;
    assert_eq!(
        access.revoked_at, expected,
        "{context}: revoked_at of access token {hash:?}"
    );
}

/// Asserts that access token `hash` is stored and revoked at any time.
pub async fn assert_access_revoked<S: Store + ?Sized>(store: &S, hash: &SecretHash, context: &str) {
    let access = find_access(store, hash).await;
    assert!(
        access.revoked_at.is_some(),
        "{context}: access token {hash:?} should be revoked, but revoked_at is None"
    );
}

/// Asserts that refresh token `hash` is stored in state `expected`.
pub async fn assert_refresh_state<S: Store + ?Sized>(
    store: &S,
    hash: &SecretHash,
    expected: RefreshState,
    context: &str,
) {
    let refresh = find_refresh(store, hash).await;
    assert_eq!(
        refresh.state, expected,
        "{context}: state of refresh token {hash:?}"
    );
}

/// Asserts that access token `hash` cannot be used: it is gone, or it is
/// revoked at `revoked_at` when that is given and at any time otherwise.
/// Used where the traits allow a backend to delete the tokens of a deleted
/// client in place of revoking them.
pub async fn assert_access_unusable<S: Store + ?Sized>(
    store: &S,
    hash: &SecretHash,
    revoked_at: Option<Timestamp>,
    context: &str,
) {
    let found = store
        .find_access_token(hash)
        .await
        .expect("find_access_token failed");
    let Some(access) = found else {
        return;
    };
    assert!(
        access.revoked_at.is_some(),
        "{context}: access token {hash:?} should be revoked or gone, but is active"
    );
    if revoked_at.is_some() {
        assert_eq!(
            access.revoked_at, revoked_at,
            "{context}: revoked_at of access token {hash:?}"
        );
    }
}

/// Asserts that refresh token `hash` cannot be used: it is gone or in
/// state `Revoked`.
pub async fn assert_refresh_unusable<S: Store + ?Sized>(
    store: &S,
    hash: &SecretHash,
    context: &str,
) {
    let found = store
        .find_refresh_token(hash)
        .await
        .expect("find_refresh_token failed");
    if let Some(refresh) = found {
        assert_eq!(
            refresh.state,
            RefreshState::Revoked,
            "{context}: state of refresh token {hash:?}, which should be revoked or gone"
        );
    }
}
