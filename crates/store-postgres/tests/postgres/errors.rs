//! Mapping of database failures to `StoreError`, and rejected writes that
//! must leave the data unchanged.

use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::FamilyId;
use oauth_apps_core::store::{CodeStore, TokenStore};
use oauth_apps_core::token::RefreshState;
use oauth_apps_store_tests::fixtures::{Authorization, at};

use crate::support::TestDatabase;

#[tokio::test]
async fn duplicate_code_is_conflict() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    let code = ada.code("login");
    store.insert_code(&code).await.unwrap();

    let again = store.insert_code(&code).await;

    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    database.drop().await;
}

#[tokio::test]
async fn tokens_in_missing_family_are_rejected() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    let orphan = FamilyId::new("fam_missing");
    let access = ada.access_token(&orphan, "orphan", at(2));

    let result = store.insert_tokens(&access, None).await;

    let Err(StoreError::Internal(message)) = result else {
        panic!("inserting a token into a missing family returned {result:?}");
    };
    assert!(message.contains("foreign key"), "{message}");
    assert!(
        !message.contains(&access.hash.to_hex()[..16]),
        "the message repeats the token hash: {message}"
    );
    assert_eq!(store.find_access_token(&access.hash).await.unwrap(), None);
    database.drop().await;
}

#[tokio::test]
async fn rotation_into_other_family_is_rolled_back() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    let family = ada.open_family(store, "login").await;
    let other = ada.open_family(store, "other").await;
    let (_, old) = ada.issue_tokens(store, &family, "login").await;
    let access = ada.access_token(&other, "moved", at(100));
    let refresh = ada.refresh_token(&other, "moved", at(100));

    let result = store
        .rotate_refresh_token(&old.hash, &access, &refresh, at(100))
        .await;

    assert!(matches!(result, Err(StoreError::Internal(_))), "{result:?}");
    let stored = store.find_refresh_token(&old.hash).await.unwrap().unwrap();
    assert_eq!(
        stored.state,
        RefreshState::Active,
        "the old token after the rollback"
    );
    assert_eq!(store.find_access_token(&access.hash).await.unwrap(), None);
    database.drop().await;
}

#[tokio::test]
async fn tokens_split_across_families_are_rejected() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let ada = Authorization::setup(store, "ada").await;
    let laptop = ada.open_family(store, "laptop").await;
    let phone = ada.open_family(store, "phone").await;
    let access = ada.access_token(&laptop, "split", at(2));
    let refresh = ada.refresh_token(&phone, "split", at(2));

    let result = store.insert_tokens(&access, Some(&refresh)).await;

    assert!(matches!(result, Err(StoreError::Internal(_))), "{result:?}");
    assert_eq!(store.find_access_token(&access.hash).await.unwrap(), None);
    assert_eq!(store.find_refresh_token(&refresh.hash).await.unwrap(), None);
    database.drop().await;
}
