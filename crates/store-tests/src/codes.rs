//! Cases for [`CodeStore`]: a code is redeemed once before it expires, the
//! redemption creates its token family, and any later redemption revokes
//! that family (RFC 6749 section 4.1.2).
//!
//! [`CodeStore`]: oauth_apps_core::store::CodeStore

use std::sync::Arc;

use oauth_apps_core::code::CodeState;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{CodeRedemption, Store};
use oauth_apps_core::token::RefreshState;

use crate::checks::{assert_access_revoked, assert_access_revoked_at, assert_refresh_state};
use crate::fixtures::{Authorization, CODE_LIFETIME, at};

/// The first redemption returns the code, now in state `Redeemed` at the
/// redemption time, with every other field as issued.
pub async fn redeem_code_first_time<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let code = ada.code("login");
    store.insert_code(&code).await.expect("insert_code failed");

    let redemption = store
        .redeem_code(&code.hash, at(5))
        .await
        .expect("redeem_code failed");

    let mut expected = code.clone();
    expected.state = CodeState::Redeemed { at: at(5) };
    assert_eq!(redemption, CodeRedemption::Redeemed(expected));
}

/// Redemption creates the code's family as active: tokens inserted into it
/// are active, and revoking it finds it.
pub async fn redeem_creates_active_family<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;

    let (access, refresh) = ada.issue_tokens(&*store, &family_id, "login").await;

    let context = "tokens of a freshly redeemed code";
    assert_access_revoked_at(&*store, &access.hash, None, context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Active, context).await;
    let revoked = store
        .revoke_family(&family_id, at(10))
        .await
        .expect("revoke_family failed");
    assert!(revoked, "the family created by the redemption must exist");
}

/// A second redemption returns `AlreadyRedeemed` with the code as the first
/// redemption left it, and revokes the tokens issued from the first.
pub async fn redeem_twice_revokes_family<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (access, refresh) = ada.issue_tokens(&*store, &family_id, "login").await;
    let code = ada.code("login");

    let replay = store
        .redeem_code(&code.hash, at(20))
        .await
        .expect("redeem_code failed");

    let mut expected = code.clone();
    expected.state = CodeState::Redeemed { at: at(1) };
    assert_eq!(
        replay,
        CodeRedemption::AlreadyRedeemed(expected.clone()),
        "second redemption"
    );
    let context = "after the second redemption";
    assert_access_revoked_at(&*store, &access.hash, Some(at(20)), context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;

    let third = store
        .redeem_code(&code.hash, at(30))
        .await
        .expect("redeem_code failed");
    assert_eq!(
        third,
        CodeRedemption::AlreadyRedeemed(expected),
        "third redemption"
    );
}

/// Tokens inserted into a family after a second redemption revoked it are
/// reported revoked. This is the race where the replay arrives between the
/// first redemption and the storing of its tokens.
pub async fn redeem_twice_revokes_later_tokens<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let code = ada.code("login");
    let replay = store
        .redeem_code(&code.hash, at(2))
        .await
        .expect("redeem_code failed");
    assert!(
        matches!(replay, CodeRedemption::AlreadyRedeemed(_)),
        "second redemption returned {replay:?}, expected AlreadyRedeemed"
    );

    let (access, refresh) = ada.issue_tokens(&*store, &family_id, "late").await;

    let context = "tokens stored after the family was revoked";
    assert_access_revoked(&*store, &access.hash, context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
}

/// A code presented at exactly its `expires_at` is `Expired`, and the failed
/// attempt changes nothing: no family exists, and the code still redeems
/// before its expiry.
pub async fn redeem_at_expiry_is_expired<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let code = ada.code("login");
    store.insert_code(&code).await.expect("insert_code failed");

    for now in [at(CODE_LIFETIME), at(CODE_LIFETIME + 1)] {
        let redemption = store
            .redeem_code(&code.hash, now)
            .await
            .expect("redeem_code failed");
        assert_eq!(redemption, CodeRedemption::Expired, "redemption at {now:?}");
    }
    let family_exists = store
        .revoke_family(&code.family_id, at(CODE_LIFETIME + 2))
        .await
        .expect("revoke_family failed");
    assert!(
        !family_exists,
        "an expired redemption must not create the family"
    );

    let before_expiry = at(CODE_LIFETIME - 1);
    let redemption = store
        .redeem_code(&code.hash, before_expiry)
        .await
        .expect("redeem_code failed");
    assert!(
        matches!(redemption, CodeRedemption::Redeemed(_)),
        "redemption one second before expiry returned {redemption:?}, expected Redeemed"
    );
}

/// Replaying a redeemed code after its expiry is still detected as reuse
/// and revokes the family, since the code's state is checked before its
/// lifetime.
pub async fn redeem_after_expiry_still_detects_reuse<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let family_id = ada.open_family(&*store, "login").await;
    let (access, refresh) = ada.issue_tokens(&*store, &family_id, "login").await;
    let late = at(CODE_LIFETIME + 10);

    let replay = store
        .redeem_code(&ada.code("login").hash, late)
        .await
        .expect("redeem_code failed");

    assert!(
        matches!(replay, CodeRedemption::AlreadyRedeemed(_)),
        "replay after expiry returned {replay:?}, expected AlreadyRedeemed"
    );
    let context = "after a replay past the code's expiry";
    assert_access_revoked_at(&*store, &access.hash, Some(late), context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
}

/// Redeeming a hash that no code has returns `NotFound`.
pub async fn redeem_unknown_code_not_found<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    store
        .insert_code(&ada.code("login"))
        .await
        .expect("insert_code failed");

    let unknown = SecretHash::of("oac_missing");
    let redemption = store
        .redeem_code(&unknown, at(5))
        .await
        .expect("redeem_code failed");
    assert_eq!(redemption, CodeRedemption::NotFound);
}
