//! `purge_expired`: what it deletes, what reuse detection needs it to keep,
//! and batching.

use oauth_apps_core::code::CodeState;
use oauth_apps_core::device::DeviceRejection;
use oauth_apps_core::error::StoreError;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{
    CodeRedemption, CodeStore, DevicePoll, DeviceStore, Rotation, TokenStore,
};
use oauth_apps_core::time::Timestamp;
use oauth_apps_store_postgres::PurgeReport;
use oauth_apps_store_tests::fixtures::{
    ACCESS_LIFETIME, Authorization, DEVICE_LIFETIME, REFRESH_LIFETIME, at,
};

use crate::support::TestDatabase;

/// Batch size large enough for every test here to finish in one batch.
const BATCH: u32 = 100;

#[tokio::test]
async fn purge_deletes_expired_and_keeps_live() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    let family = ada.open_family(store, "login").await;
    let (access, refresh) = ada.issue_tokens(store, &family, "login").await;
    let never_redeemed = ada.code("stale");
    store.insert_code(&never_redeemed).await.unwrap();

    let report = store
        .purge_expired(at(2 + ACCESS_LIFETIME), BATCH)
        .await
        .unwrap();

    let expected = PurgeReport {
        codes: 1,
        access_tokens: 1,
        refresh_tokens: 0,
        device_authorizations: 0,
        families: 0,
        complete: true,
    };
    assert_eq!(report, expected);
    assert_eq!(store.find_access_token(&access.hash).await.unwrap(), None);
    assert!(
        store
            .find_refresh_token(&refresh.hash)
            .await
            .unwrap()
            .is_some()
    );
    let stale = store
        .redeem_code(&never_redeemed.hash, at(5000))
        .await
        .unwrap();
    assert_eq!(
        stale,
        CodeRedemption::NotFound,
        "the expired, unredeemed code"
    );
    // The redeemed code stays while its family has a token, so a replay
    // still revokes it.
    let replay = store
        .redeem_code(&ada.code("login").hash, at(5000))
        .await
        .unwrap();
    assert!(
        matches!(replay, CodeRedemption::AlreadyRedeemed(_)),
        "{replay:?}"
    );
    database.drop().await;
}

#[tokio::test]
async fn purge_keeps_rotated_token_while_family_lives() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    let family = ada.open_family(store, "login").await;
    let (_, first) = ada.issue_tokens(store, &family, "first").await;
    let (rotation, _, second) = ada.rotate(store, &first, "second", at(100)).await;
    assert_eq!(rotation, Rotation::Rotated);

    // `first` has expired, `second` has not: `first` must stay for reuse detection.
    let first_expired = first.expires_at;
    let report = store.purge_expired(first_expired, BATCH).await.unwrap();
    assert_eq!(report.refresh_tokens, 0, "{report:?}");
    assert_eq!(report.access_tokens, 2, "{report:?}");

    let everything_expired = second.expires_at;
    let report = store
        .purge_expired(everything_expired, BATCH)
        .await
        .unwrap();
    let expected = PurgeReport {
        codes: 1,
        access_tokens: 0,
        refresh_tokens: 2,
        device_authorizations: 0,
        families: 1,
        complete: true,
    };
    assert_eq!(report, expected);
    let (rotation, _, _) = ada.rotate(store, &first, "late", everything_expired).await;
    assert_eq!(rotation, Rotation::NotFound, "a purged rotated token");
    database.drop().await;
}

#[tokio::test]
async fn purge_spares_new_empty_family() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    let family = ada.open_family(store, "login").await;

    // The code has expired and its family has no token yet, but the
    // family is younger than an hour.
    let report = store.purge_expired(at(1000), BATCH).await.unwrap();
    assert_eq!(report.codes, 1, "{report:?}");
    assert_eq!(report.families, 0, "{report:?}");
    ada.issue_tokens(store, &family, "late").await;

    let report = store
        .purge_expired(at(2 + REFRESH_LIFETIME), BATCH)
        .await
        .unwrap();
    assert_eq!(report.families, 1, "{report:?}");
    database.drop().await;
}

#[tokio::test]
async fn purge_runs_in_batches() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    for index in 0..5 {
        let mut code = ada.code(&format!("batch_{index}"));
        code.hash = SecretHash::of(&format!("oac_batch_{index}"));
        code.state = CodeState::Issued;
        store.insert_code(&code).await.unwrap();
    }

    let report = store.purge_expired(at(5000), 2).await.unwrap();

    assert_eq!(report.codes, 5, "{report:?}");
    assert!(report.complete, "{report:?}");
    let zero = store
        .purge_expired(Timestamp::from_unix_seconds(0), 0)
        .await;
    assert!(matches!(zero, Err(StoreError::Internal(_))), "{zero:?}");
    database.drop().await;
}

#[tokio::test]
async fn purge_keeps_redeemed_device_while_tokens_live() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    let pending = ada.device("pending");
    store.insert_device_authorization(&pending).await.unwrap();
    let laptop = ada.redeem_device(store, "laptop", at(20)).await;
    let (_, refresh) = ada.issue_tokens(store, &laptop.family_id, "laptop").await;

    let report = store
        .purge_expired(at(DEVICE_LIFETIME), BATCH)
        .await
        .unwrap();
    assert_eq!(report.device_authorizations, 1, "{report:?}");
    let expired_pending = store
        .poll_device(&pending.device_code_hash, at(DEVICE_LIFETIME))
        .await;
    assert_eq!(
        expired_pending.unwrap(),
        DevicePoll::NotFound,
        "the expired pending device"
    );
    let replay = store
        .poll_device(&laptop.device_code_hash, at(DEVICE_LIFETIME))
        .await;
    assert_eq!(
        replay.unwrap(),
        DevicePoll::Rejected(DeviceRejection::AlreadyRedeemed),
        "the redeemed device while its family has tokens"
    );

    let report = store
        .purge_expired(refresh.expires_at, BATCH)
        .await
        .unwrap();
    assert_eq!(report.device_authorizations, 1, "{report:?}");
    assert_eq!(report.families, 1, "{report:?}");
    let replay = store
        .poll_device(&laptop.device_code_hash, refresh.expires_at)
        .await;
    assert_eq!(
        replay.unwrap(),
        DevicePoll::NotFound,
        "the purged redeemed device"
    );
    database.drop().await;
}
