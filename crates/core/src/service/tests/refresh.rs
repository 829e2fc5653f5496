//! `TokenService::token` with the `refresh_token` grant: scope narrowing,
//! rotation outcomes and the checks made before rotating.

use std::sync::Arc;

use super::issued::{self, Issued};
use super::support::*;
use crate::error::{ErrorCode, ServiceError};
use crate::ids::{FamilyId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::secret::SecretHash;
use crate::service::{TokenRequest, TokenResponse, TokenService};
use crate::store::Rotation;
use crate::token::RefreshTokenRecord;

const FAMILY_SCOPES: &str = "bugs:read bugs:write offline_access";

fn issued_refresh(client_id: &str) -> Issued<RefreshTokenRecord> {
    issued::refresh_token(client_id, FAMILY_SCOPES)
}

fn refresh_request(token: &Issued<RefreshTokenRecord>, scope: Option<&str>) -> TokenRequest {
    TokenRequest {
        grant_type: Some("refresh_token".into()),
        refresh_token: Some(token.text.clone()),
        scope: scope.map(Into::into),
        ..TokenRequest::default()
    }
}

/// Returns a store that finds the test clients and finds `token`.
fn refresh_store(token: &Issued<RefreshTokenRecord>) -> MockStore {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client(), confidential_client()]);
    let record = token.record.clone();
    store
        .expect_find_refresh_token()
        .withf(move |hash| *hash == record.hash)
        .returning(move |_| Ok(Some(record.clone())));
    store
}

fn expect_member(store: &mut MockStore) {
    store
        .expect_find_membership()
        .withf(|workspace_id, user_id| {
            *workspace_id == WorkspaceId::new(WORKSPACE) && *user_id == UserId::new(USER)
        })
        .returning(|_, _| Ok(Some(membership(Role::Member))));
}

async fn refresh(store: MockStore, request: &TokenRequest) -> Result<TokenResponse, ServiceError> {
    TokenService::new(Arc::new(store), context())
        .token(public_credentials(PUBLIC_ID), request)
        .await
}

#[tokio::test]
async fn widened_refresh_scope_is_rejected() {
    let token = issued_refresh(PUBLIC_ID);
    let mut store = refresh_store(&token);
    store.expect_rotate_refresh_token().times(0);

    let request = refresh_request(&token, Some("agents:run bugs:read"));
    let error = rejection(refresh(store, &request).await);
    assert_eq!(error.error, ErrorCode::InvalidScope);
    assert_eq!(
        error.error_description,
        "a refresh may narrow the scope but not widen it; not granted: agents:run"
    );
}

#[tokio::test]
async fn narrowed_scope_keeps_family_scopes() {
    let token = issued_refresh(PUBLIC_ID);
    let mut store = refresh_store(&token);
    expect_member(&mut store);
    let rotated = Slot::new();
    let recorded = rotated.clone();
    store
        .expect_rotate_refresh_token()
        .times(1)
        .returning(move |old, access, refresh, now| {
            recorded.put((*old, access.clone(), refresh.clone(), now));
            Ok(Rotation::Rotated)
        });

    let request = refresh_request(&token, Some("bugs:read"));
    let response = refresh(store, &request).await.unwrap();
    let (old, access, new_refresh, now) = rotated.get();

    assert_eq!(old, token.record.hash);
    assert_eq!(now, NOW);
    assert_eq!(response.scope, "bugs:read");
    assert_eq!(access.scopes, scopes("bugs:read"));
    assert_eq!(new_refresh.scopes, scopes(FAMILY_SCOPES));
    assert_eq!(new_refresh.family_id, FamilyId::new(FAMILY));
    assert_eq!(access.family_id, FamilyId::new(FAMILY));
    assert_eq!(SecretHash::of(&response.access_token), access.hash);
    let new_text = response.refresh_token.unwrap();
    assert_eq!(SecretHash::of(&new_text), new_refresh.hash);
    assert_ne!(new_refresh.hash, token.record.hash);
}

#[tokio::test]
async fn refresh_without_scope_keeps_all() {
    let token = issued_refresh(PUBLIC_ID);
    let mut store = refresh_store(&token);
    expect_member(&mut store);
    store
        .expect_rotate_refresh_token()
        .withf(|_, access, _, _| access.scopes == scopes(FAMILY_SCOPES))
        .times(1)
        .returning(|_, _, _, _| Ok(Rotation::Rotated));

    let response = refresh(store, &refresh_request(&token, None))
        .await
        .unwrap();
    assert_eq!(response.scope, FAMILY_SCOPES);
}

/// Asserts that a rotation ending in `outcome` fails with `invalid_grant`
/// and `description`.
async fn assert_rotation_rejected(outcome: Rotation, description: &str) {
    let token = issued_refresh(PUBLIC_ID);
    let mut store = refresh_store(&token);
    expect_member(&mut store);
    store
        .expect_rotate_refresh_token()
        .times(1)
        .returning(move |_, _, _, _| Ok(outcome.clone()));

    let error = rejection(refresh(store, &refresh_request(&token, None)).await);
    assert_eq!(error.error, ErrorCode::InvalidGrant, "{description}");
    assert_eq!(error.error_description, description);
}

#[tokio::test]
async fn reused_refresh_token_is_rejected() {
    assert_rotation_rejected(
        Rotation::Reused,
        "the refresh token was already used; every token of this authorization is revoked",
    )
    .await;
}

#[tokio::test]
async fn ended_refresh_token_is_rejected() {
    assert_rotation_rejected(Rotation::Revoked, "the refresh token was revoked").await;
    assert_rotation_rejected(Rotation::Expired, "the refresh token has expired").await;
    assert_rotation_rejected(Rotation::NotFound, "the refresh token is invalid").await;
}

#[tokio::test]
async fn refresh_of_other_client_is_rejected() {
    let token = issued_refresh(CONFIDENTIAL_ID);
    let mut store = refresh_store(&token);
    store.expect_rotate_refresh_token().times(0);
    store.expect_revoke_family().times(0);

    let error = rejection(refresh(store, &refresh_request(&token, None)).await);
    assert_eq!(error.error, ErrorCode::InvalidGrant);
    assert_eq!(
        error.error_description,
        "the refresh token was issued to another client"
    );
}

#[tokio::test]
async fn removed_member_loses_family() {
    let token = issued_refresh(PUBLIC_ID);
    let mut store = refresh_store(&token);
    store.expect_find_membership().returning(|_, _| Ok(None));
    store
        .expect_revoke_family()
        .withf(|id, now| *id == FamilyId::new(FAMILY) && *now == NOW)
        .times(1)
        .returning(|_, _| Ok(true));
    store.expect_rotate_refresh_token().times(0);

    let error = rejection(refresh(store, &refresh_request(&token, None)).await);
    assert_eq!(error.error, ErrorCode::InvalidGrant);
    assert_eq!(
        error.error_description,
        "the member is no longer in the workspace"
    );
}

#[tokio::test]
async fn unknown_refresh_token_is_rejected() {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client()]);
    store.expect_find_refresh_token().returning(|_| Ok(None));
    store.expect_rotate_refresh_token().times(0);

    let token = issued_refresh(PUBLIC_ID);
    let error = rejection(refresh(store, &refresh_request(&token, None)).await);
    assert_eq!(error.error, ErrorCode::InvalidGrant);
    assert_eq!(error.error_description, "the refresh token is invalid");
}
