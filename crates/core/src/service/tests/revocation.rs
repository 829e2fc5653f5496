//! `TokenService::revoke` (RFC 7009): a refresh token revokes its family,
//! an access token only itself, and tokens of other clients nothing.

use std::sync::Arc;

use super::issued;
use super::support::*;
use crate::error::{ErrorCode, ServiceError};
use crate::ids::FamilyId;
use crate::service::{ClientCredentials, TokenService};

/// Returns a store that finds the test clients. Any other store call fails
/// the test unless the test expects it.
fn client_store() -> MockStore {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client(), confidential_client()]);
    store
}

async fn revoke(
    store: MockStore,
    credentials: ClientCredentials,
    token: &str,
) -> Result<(), ServiceError> {
    TokenService::new(Arc::new(store), context())
        .revoke(credentials, token)
        .await
}

#[tokio::test]
async fn own_refresh_token_revokes_family() {
    let token = issued::refresh_token(PUBLIC_ID, "bugs:read offline_access");
    let mut store = client_store();
    let record = token.record.clone();
    store
        .expect_find_refresh_token()
        .withf(move |hash| *hash == record.hash)
        .returning(move |_| Ok(Some(record.clone())));
    store
        .expect_revoke_family()
        .withf(|id, now| *id == FamilyId::new(FAMILY) && *now == NOW)
        .times(1)
        .returning(|_, _| Ok(true));
    store.expect_revoke_access_token().times(0);

    let result = revoke(store, public_credentials(PUBLIC_ID), &token.text).await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn own_access_token_revokes_only_itself() {
    let token = issued::access_token(PUBLIC_ID, "bugs:read");
    let mut store = client_store();
    let record = token.record.clone();
    store
        .expect_find_access_token()
        .returning(move |_| Ok(Some(record.clone())));
    let hash = token.record.hash;
    store
        .expect_revoke_access_token()
        .withf(move |presented, now| *presented == hash && *now == NOW)
        .times(1)
        .returning(|_, _| Ok(true));
    store.expect_revoke_family().times(0);

    let result = revoke(store, public_credentials(PUBLIC_ID), &token.text).await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn other_client_access_token_is_untouched() {
    let token = issued::access_token(CONFIDENTIAL_ID, "bugs:read");
    let mut store = client_store();
    let record = token.record.clone();
    store
        .expect_find_access_token()
        .returning(move |_| Ok(Some(record.clone())));
    store.expect_revoke_access_token().times(0);
    store.expect_revoke_family().times(0);

    let result = revoke(store, public_credentials(PUBLIC_ID), &token.text).await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn other_client_refresh_token_is_untouched() {
    let token = issued::refresh_token(CONFIDENTIAL_ID, "bugs:read offline_access");
    let mut store = client_store();
    let record = token.record.clone();
    store
        .expect_find_refresh_token()
        .returning(move |_| Ok(Some(record.clone())));
    store.expect_revoke_family().times(0);

    let result = revoke(store, public_credentials(PUBLIC_ID), &token.text).await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn unknown_token_revocation_succeeds() {
    let token = issued::access_token(PUBLIC_ID, "bugs:read");
    let mut store = client_store();
    store.expect_find_access_token().returning(|_| Ok(None));
    store.expect_revoke_access_token().times(0);

    let result = revoke(store, public_credentials(PUBLIC_ID), &token.text).await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn non_token_text_touches_nothing() {
    let mut store = client_store();
    store.expect_find_access_token().times(0);
    store.expect_find_refresh_token().times(0);

    let result = revoke(store, public_credentials(PUBLIC_ID), "not-a-token").await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn unauthenticated_revocation_is_rejected() {
    let token = issued::refresh_token(CONFIDENTIAL_ID, "bugs:read offline_access");
    let mut store = client_store();
    store.expect_find_refresh_token().times(0);
    store.expect_revoke_family().times(0);

    let credentials = secret_credentials(CONFIDENTIAL_ID, "not-the-secret");
    let error = rejection(revoke(store, credentials, &token.text).await);
    assert_eq!(error.error, ErrorCode::InvalidClient);
}
