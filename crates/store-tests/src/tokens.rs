//! Cases for [`TokenStore`]: storing and finding tokens, refresh token
//! rotation with reuse detection (OAuth 2.1 section 4.3.1, RFC 9700 section
//! 4.14.2), and revocation of one access token or a whole family.
//!
//! [`TokenStore`]: oauth_apps_core::store::TokenStore

use std::sync::Arc;

use oauth_apps_core::ids::FamilyId;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{Rotation, Store};
use oauth_apps_core::token::RefreshState;

use crate::checks::{assert_access_revoked_at, assert_refresh_state, find_access, find_refresh};
use crate::fixtures::{Authorization, REFRESH_LIFETIME, at};

/// Asserts that neither token named `name` is stored.
async fn assert_not_stored<S: Store + ?Sized>(store: &S, name: &str, context: &str) {
    let access = store
        .find_access_token(&SecretHash::of(&format!("oat_{name}")))
        .await
        .expect("find_access_token failed");
    assert_eq!(access, None, "{context}: access token {name}");
    let refresh = store
        .find_refresh_token(&SecretHash::of(&format!("ort_{name}")))
        .await
        .expect("find_refresh_token failed");
    assert_eq!(refresh, None, "{context}: refresh token {name}");
}

/// Stored tokens are found by hash, unchanged.
pub async fn tokens_insert_then_find<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;

    let (access, refresh) = ada.issue_tokens(&*store, &family_id, "login").await;

    assert_eq!(find_access(&*store, &access.hash).await, access);
    assert_eq!(find_refresh(&*store, &refresh.hash).await, refresh);
}

/// An access token may be stored without a refresh token.
pub async fn access_token_without_refresh<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let access = ada.access_token(&family_id, "alone", at(2));

    store
        .insert_tokens(&access, None)
        .await
        .expect("insert_tokens failed");

    assert_eq!(find_access(&*store, &access.hash).await, access);
    let refresh = store
        .find_refresh_token(&SecretHash::of("ort_alone"))
        .await
        .expect("find_refresh_token failed");
    assert_eq!(refresh, None, "no refresh token was stored");
}

/// Looking up hashes that no token has returns `None`, and an access
/// token's hash is not found as a refresh token.
pub async fn unknown_tokens_not_found<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (access, _) = ada.issue_tokens(&*store, &family_id, "login").await;

    assert_not_stored(&*store, "missing", "unknown hashes").await;
    let crossed = store
        .find_refresh_token(&access.hash)
        .await
        .expect("find_refresh_token failed");
    assert_eq!(
        crossed, None,
        "an access token's hash looked up as a refresh token"
    );
}

/// Rotation marks the old refresh token `Rotated` and stores the new
/// tokens as given.
pub async fn rotate_refresh_token_rotates<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (_, old) = ada.issue_tokens(&*store, &family_id, "login").await;

    let (rotation, access, refresh) = ada.rotate(&*store, &old, "next", at(100)).await;

    assert_eq!(rotation, Rotation::Rotated);
    assert_refresh_state(&*store, &old.hash, RefreshState::Rotated, "after rotation").await;
    assert_eq!(
        find_access(&*store, &access.hash).await,
        access,
        "new access token"
    );
    assert_eq!(
        find_refresh(&*store, &refresh.hash).await,
        refresh,
        "new refresh token"
    );
}

/// The refresh token a rotation issued rotates in turn.
pub async fn rotate_new_token_again<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (_, first) = ada.issue_tokens(&*store, &family_id, "first").await;
    let (rotation, _, second) = ada.rotate(&*store, &first, "second", at(100)).await;
    assert_eq!(rotation, Rotation::Rotated, "first rotation");

    let (rotation, _, third) = ada.rotate(&*store, &second, "third", at(200)).await;

    assert_eq!(rotation, Rotation::Rotated, "second rotation");
    let context = "after two rotations";
    assert_refresh_state(&*store, &first.hash, RefreshState::Rotated, context).await;
    assert_refresh_state(&*store, &second.hash, RefreshState::Rotated, context).await;
    assert_refresh_state(&*store, &third.hash, RefreshState::Active, context).await;
}

/// Presenting a rotated refresh token again returns `Reused`, stores
/// nothing, and revokes the family, including the tokens the rotation
/// issued.
pub async fn rotate_reused_token_revokes_family<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (first_access, first) = ada.issue_tokens(&*store, &family_id, "first").await;
    let (_, next_access, next) = ada.rotate(&*store, &first, "next", at(100)).await;

    let (rotation, _, _) = ada.rotate(&*store, &first, "replay", at(200)).await;

    assert_eq!(
        rotation,
        Rotation::Reused,
        "rotating an already rotated token"
    );
    let context = "after reuse of a rotated refresh token";
    assert_not_stored(&*store, "replay", context).await;
    for access in [&first_access, &next_access] {
        assert_access_revoked_at(&*store, &access.hash, Some(at(200)), context).await;
    }
    for refresh in [&first, &next] {
        assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
    }
    let (rotation, _, _) = ada.rotate(&*store, &next, "after", at(300)).await;
    assert_eq!(
        rotation,
        Rotation::Revoked,
        "{context}: rotating the newest token"
    );
    let (rotation, _, _) = ada.rotate(&*store, &first, "second_replay", at(300)).await;
    assert_eq!(
        rotation,
        Rotation::Reused,
        "{context}: presenting the rotated token again"
    );
}

/// A refresh token presented at exactly its `expires_at` is `Expired`, and
/// the failed attempt changes nothing.
pub async fn rotate_at_expiry_is_expired<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (_, old) = ada.issue_tokens(&*store, &family_id, "login").await;

    let (rotation, _, _) = ada.rotate(&*store, &old, "late", old.expires_at).await;

    assert_eq!(rotation, Rotation::Expired, "rotation at expires_at");
    let context = "after an expired rotation";
    assert_not_stored(&*store, "late", context).await;
    assert_refresh_state(&*store, &old.hash, RefreshState::Active, context).await;
    let just_before = at(2 + REFRESH_LIFETIME - 1);
    let (rotation, _, _) = ada.rotate(&*store, &old, "in_time", just_before).await;
    assert_eq!(
        rotation,
        Rotation::Rotated,
        "rotation one second before expiry"
    );
}

/// In a family revoked by `revoke_family`, rotating the active refresh
/// token returns `Revoked`, while presenting a token rotated before the
/// revocation is still reuse and returns `Reused`. Neither stores tokens.
pub async fn rotate_in_revoked_family_is_revoked<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (_, first) = ada.issue_tokens(&*store, &family_id, "first").await;
    let (_, _, current) = ada.rotate(&*store, &first, "current", at(100)).await;
    let revoked = store
        .revoke_family(&family_id, at(150))
        .await
        .expect("revoke_family failed");
    assert!(revoked, "revoke_family of a stored family must return true");

    let (rotation, _, _) = ada.rotate(&*store, &current, "from_current", at(200)).await;
    assert_eq!(
        rotation,
        Rotation::Revoked,
        "rotating the active token of a revoked family"
    );
    let (rotation, _, _) = ada.rotate(&*store, &first, "from_first", at(200)).await;
    assert_eq!(
        rotation,
        Rotation::Reused,
        "rotating a rotated token of a revoked family"
    );

    let context = "after rotations in a revoked family";
    assert_not_stored(&*store, "from_current", context).await;
    assert_not_stored(&*store, "from_first", context).await;
}

/// Rotating a hash that no refresh token has returns `NotFound` and stores
/// nothing.
pub async fn rotate_unknown_token_not_found<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let unknown = ada.refresh_token(&family_id, "missing", at(2));

    let (rotation, _, _) = ada.rotate(&*store, &unknown, "next", at(100)).await;

    assert_eq!(rotation, Rotation::NotFound);
    assert_not_stored(&*store, "next", "after rotating an unknown token").await;
}

/// Revoking an access token revokes that token only: its family's other
/// tokens stay active and the refresh token still rotates.
pub async fn revoke_access_token_revokes_one<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (access, refresh) = ada.issue_tokens(&*store, &family_id, "login").await;
    let sibling = ada.access_token(&family_id, "sibling", at(3));
    store
        .insert_tokens(&sibling, None)
        .await
        .expect("insert_tokens failed");

    let revoked = store
        .revoke_access_token(&access.hash, at(30))
        .await
        .expect("revoke_access_token failed");

    assert!(
        revoked,
        "revoke_access_token of a stored token must return true"
    );
    let context = "after revoking one access token";
    assert_access_revoked_at(&*store, &access.hash, Some(at(30)), context).await;
    assert_access_revoked_at(&*store, &sibling.hash, None, context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Active, context).await;
    let (rotation, _, _) = ada.rotate(&*store, &refresh, "next", at(40)).await;
    assert_eq!(
        rotation,
        Rotation::Rotated,
        "{context}: rotating the refresh token"
    );
}

/// Revoking an access token that does not exist returns `false`.
pub async fn revoke_unknown_access_token_returns_false<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    ada.issue_tokens(&*store, &family_id, "login").await;

    let revoked = store
        .revoke_access_token(&SecretHash::of("oat_missing"), at(30))
        .await
        .expect("revoke_access_token failed");
    assert!(
        !revoked,
        "revoke_access_token of an unknown token must return false"
    );
}

/// Revoking a family revokes every token in it, rotated ones included, at
/// the revocation time.
pub async fn revoke_family_revokes_tokens<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (first_access, first) = ada.issue_tokens(&*store, &family_id, "first").await;
    let (_, next_access, next) = ada.rotate(&*store, &first, "next", at(100)).await;

    let revoked = store
        .revoke_family(&family_id, at(300))
        .await
        .expect("revoke_family failed");

    assert!(revoked, "revoke_family of a stored family must return true");
    let context = "after revoke_family";
    for access in [&first_access, &next_access] {
        assert_access_revoked_at(&*store, &access.hash, Some(at(300)), context).await;
    }
    for refresh in [&first, &next] {
        assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
    }
}

/// Revoking one family leaves the other families of the same grant active.
pub async fn revoke_family_spares_other_families<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let laptop = ada.open_family(&*store, "laptop").await;
    let phone = ada.open_family(&*store, "phone").await;
    ada.issue_tokens(&*store, &laptop, "laptop").await;
    let (access, refresh) = ada.issue_tokens(&*store, &phone, "phone").await;

    let revoked = store
        .revoke_family(&laptop, at(300))
        .await
        .expect("revoke_family failed");

    assert!(revoked, "revoke_family of a stored family must return true");
    let context = "another family was revoked";
    assert_access_revoked_at(&*store, &access.hash, None, context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Active, context).await;
}

/// Revoking a family that does not exist returns `false`.
pub async fn revoke_unknown_family_returns_false<S: Store + 'static>(store: Arc<S>) {
    Authorization::setup(&*store, "ada").await;

    let revoked = store
        .revoke_family(&FamilyId::new("fam_missing"), at(300))
        .await
        .expect("revoke_family failed");
    assert!(
        !revoked,
        "revoke_family of an unknown family must return false"
    );
}
