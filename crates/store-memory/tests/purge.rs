//! Tests of `MemoryStore::purge_expired`: what it drops, what it keeps, and
//! that a replayed code keeps revoking tokens until they have all expired.

use oauth_apps_core::store::{CodeRedemption, CodeStore, TokenStore};
use oauth_apps_core::token::RefreshState;
use oauth_apps_store_memory::MemoryStore;
use oauth_apps_store_tests::checks::{assert_refresh_state, find_refresh};
use oauth_apps_store_tests::fixtures::{
    ACCESS_LIFETIME, Authorization, CODE_LIFETIME, REFRESH_LIFETIME, at,
};

#[tokio::test]
async fn purge_keeps_unexpired_records() {
    let store = MemoryStore::new();
    let ada = Authorization::setup(&store, "ada").await;
    let family_id = ada.open_family(&store, "login").await;
    let (access, refresh) = ada.issue_tokens(&store, &family_id, "login").await;
    let pending = ada.code("pending");
    store.insert_code(&pending).await.unwrap();

    assert_eq!(store.purge_expired(at(10)).unwrap(), 0);

    assert!(
        store
            .find_access_token(&access.hash)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(find_refresh(&store, &refresh.hash).await, refresh);
    let redemption = store.redeem_code(&pending.hash, at(11)).await.unwrap();
    assert!(
        matches!(redemption, CodeRedemption::Redeemed(_)),
        "{redemption:?}"
    );
}

#[tokio::test]
async fn purge_drops_expired_unredeemed_code() {
    let store = MemoryStore::new();
    let ada = Authorization::setup(&store, "ada").await;
    let code = ada.code("login");
    store.insert_code(&code).await.unwrap();

    assert_eq!(store.purge_expired(at(CODE_LIFETIME)).unwrap(), 1);

    let redemption = store
        .redeem_code(&code.hash, at(CODE_LIFETIME))
        .await
        .unwrap();
    assert_eq!(redemption, CodeRedemption::NotFound);
}

#[tokio::test]
async fn purge_drops_tokens_at_expiry() {
    let store = MemoryStore::new();
    let ada = Authorization::setup(&store, "ada").await;
    let family_id = ada.open_family(&store, "login").await;
    let (access, refresh) = ada.issue_tokens(&store, &family_id, "login").await;

    let dropped = store.purge_expired(at(2 + ACCESS_LIFETIME)).unwrap();

    assert_eq!(dropped, 1, "only the access token has expired");
    assert_eq!(store.find_access_token(&access.hash).await.unwrap(), None);
    assert_refresh_state(&store, &refresh.hash, RefreshState::Active, "after purge").await;
}

#[tokio::test]
async fn purge_keeps_redeemed_code_while_family_has_tokens() {
    let store = MemoryStore::new();
    let ada = Authorization::setup(&store, "ada").await;
    let family_id = ada.open_family(&store, "login").await;
    let (_, refresh) = ada.issue_tokens(&store, &family_id, "login").await;

    assert_eq!(store.purge_expired(at(CODE_LIFETIME + 1)).unwrap(), 0);

    let code = ada.code("login");
    let replay = store
        .redeem_code(&code.hash, at(CODE_LIFETIME + 2))
        .await
        .unwrap();
    assert!(
        matches!(replay, CodeRedemption::AlreadyRedeemed(_)),
        "{replay:?}"
    );
    assert_refresh_state(&store, &refresh.hash, RefreshState::Revoked, "after replay").await;
}

#[tokio::test]
async fn purge_drops_code_and_family_after_last_token() {
    let store = MemoryStore::new();
    let ada = Authorization::setup(&store, "ada").await;
    let family_id = ada.open_family(&store, "login").await;
    let (_, refresh) = ada.issue_tokens(&store, &family_id, "login").await;
    let end = at(2 + REFRESH_LIFETIME);

    let dropped = store.purge_expired(end).unwrap();

    assert_eq!(dropped, 3, "access token, refresh token and redeemed code");
    assert_eq!(store.find_refresh_token(&refresh.hash).await.unwrap(), None);
    let replay = store
        .redeem_code(&ada.code("login").hash, end)
        .await
        .unwrap();
    assert_eq!(replay, CodeRedemption::NotFound, "the code is gone");
    assert!(
        !store.revoke_family(&family_id, end).await.unwrap(),
        "the family is gone"
    );
    assert_eq!(
        store.purge_expired(end).unwrap(),
        0,
        "a second purge finds nothing"
    );
}

#[tokio::test]
async fn purge_drops_redeemed_code_without_tokens() {
    let store = MemoryStore::new();
    let ada = Authorization::setup(&store, "ada").await;
    let family_id = ada.open_family(&store, "login").await;

    assert_eq!(store.purge_expired(at(CODE_LIFETIME)).unwrap(), 1);

    assert!(
        !store
            .revoke_family(&family_id, at(CODE_LIFETIME))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn purge_drops_rotated_and_revoked_tokens() {
    let store = MemoryStore::new();
    let ada = Authorization::setup(&store, "ada").await;
    let family_id = ada.open_family(&store, "login").await;
    let (_, first) = ada.issue_tokens(&store, &family_id, "first").await;
    let (_, _, next) = ada.rotate(&store, &first, "next", at(100)).await;
    assert!(store.revoke_family(&family_id, at(200)).await.unwrap());

    let dropped = store.purge_expired(at(100 + REFRESH_LIFETIME)).unwrap();

    assert_eq!(
        dropped, 5,
        "two access tokens, two refresh tokens and the code"
    );
    assert_eq!(store.find_refresh_token(&first.hash).await.unwrap(), None);
    assert_eq!(store.find_refresh_token(&next.hash).await.unwrap(), None);
}

#[tokio::test]
async fn purge_drops_expired_device_authorizations() {
    use oauth_apps_core::store::{DevicePoll, DeviceStore};
    use oauth_apps_store_tests::fixtures::DEVICE_LIFETIME;

    let store = MemoryStore::new();
    let ada = Authorization::setup(&store, "ada").await;
    let pending = ada.device("pending");
    store.insert_device_authorization(&pending).await.unwrap();
    let redeemed = ada.redeem_device(&store, "redeemed", at(20)).await;
    let (_, refresh) = ada
        .issue_tokens(&store, &redeemed.family_id, "device")
        .await;
    let end = at(DEVICE_LIFETIME);

    assert_eq!(store.purge_expired(end).unwrap(), 1, "the pending one");
    let polled = store
        .poll_device(&pending.device_code_hash, end)
        .await
        .unwrap();
    assert_eq!(polled, DevicePoll::NotFound);
    assert!(
        store
            .find_device_by_user_code(&pending.user_code_hash)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_device_by_user_code(&redeemed.user_code_hash)
            .await
            .unwrap()
            .is_some()
    );

    let dropped = store.purge_expired(at(2 + REFRESH_LIFETIME)).unwrap();
    assert_eq!(dropped, 3, "two tokens and the redeemed authorization");
    assert_eq!(store.find_refresh_token(&refresh.hash).await.unwrap(), None);
    assert!(
        !store.revoke_family(&redeemed.family_id, end).await.unwrap(),
        "the family is gone"
    );
}
