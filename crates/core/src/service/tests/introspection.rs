//! `TokenService::introspect`: who may call it, when a token is inactive,
//! and how the member's current role narrows an active token's scope.

use std::sync::Arc;

use super::issued::{self, Issued};
use super::support::*;
use crate::client::{Client, ClientStatus};
use crate::error::{ErrorCode, ServiceError};
use crate::permission::Role;
use crate::service::{Introspection, TokenService};
use crate::time::Timestamp;
use crate::token::{AccessTokenRecord, RefreshState};

const TOKEN_SCOPES: &str = "bugs:read bugs:write profile";

fn access_token() -> Issued<AccessTokenRecord> {
    issued::access_token(PUBLIC_ID, TOKEN_SCOPES)
}

/// Returns a store that finds `clients` and `token`, and in which the
/// test member has `role`, or is no member when `None`.
fn token_store(
    token: &Issued<AccessTokenRecord>,
    clients: Vec<Client>,
    role: Option<Role>,
) -> MockStore {
    let mut store = MockStore::new();
    expect_clients(&mut store, clients);
    let record = token.record.clone();
    store
        .expect_find_access_token()
        .withf(move |hash| *hash == record.hash)
        .returning(move |_| Ok(Some(record.clone())));
    store
        .expect_find_membership()
        .returning(move |_, _| Ok(role.map(membership)));
    store
}

/// Returns the public client, which owns the test tokens, and the
/// confidential client, which introspects them as a resource server.
fn both_clients() -> Vec<Client> {
    let resource_server = Client {
        resource_server: true,
        ..confidential_client()
    };
    vec![public_client(), resource_server]
}

async fn introspect(store: MockStore, token: &str) -> Result<Introspection, ServiceError> {
    TokenService::new(Arc::new(store), context())
        .introspect(secret_credentials(CONFIDENTIAL_ID, CLIENT_SECRET), token)
        .await
}

/// Asserts that introspecting the access token stored as `record` returns
/// exactly the inactive response.
async fn assert_inactive(record: AccessTokenRecord, clients: Vec<Client>, role: Option<Role>) {
    let token = Issued {
        text: access_token().text,
        record,
    };
    let store = token_store(&token, clients, role);
    let introspection = introspect(store, &token.text).await.unwrap();
    assert_eq!(introspection, Introspection::default());
}

#[tokio::test]
async fn public_caller_cannot_introspect() {
    let mut store = MockStore::new();
    expect_clients(&mut store, both_clients());
    store.expect_find_access_token().times(0);

    let service = TokenService::new(Arc::new(store), context());
    let result = service
        .introspect(public_credentials(PUBLIC_ID), &access_token().text)
        .await;
    let error = rejection(result);
    assert_eq!(error.error, ErrorCode::InvalidClient);
    assert_eq!(
        error.error_description,
        "introspection requires a confidential client"
    );
}

#[tokio::test]
async fn unknown_token_is_inactive() {
    let mut store = MockStore::new();
    expect_clients(&mut store, both_clients());
    store.expect_find_access_token().returning(|_| Ok(None));

    let introspection = introspect(store, &access_token().text).await.unwrap();
    assert_eq!(introspection, Introspection::default());
    assert!(!introspection.active);
}

#[tokio::test]
async fn non_token_text_is_inactive() {
    let mut store = MockStore::new();
    expect_clients(&mut store, both_clients());
    store.expect_find_access_token().times(0);
    store.expect_find_refresh_token().times(0);

    let introspection = introspect(store, "not-a-token").await.unwrap();
    assert_eq!(introspection, Introspection::default());
}

#[tokio::test]
async fn revoked_token_is_inactive() {
    let revoked_at = Timestamp::from_unix_seconds(NOW.unix_seconds() - 5);
    let record = AccessTokenRecord {
        revoked_at: Some(revoked_at),
        ..access_token().record
    };
    assert_inactive(record, both_clients(), Some(Role::Member)).await;
}

#[tokio::test]
async fn expired_token_is_inactive() {
    let record = AccessTokenRecord {
        expires_at: NOW,
        ..access_token().record
    };
    assert_inactive(record, both_clients(), Some(Role::Member)).await;
}

#[tokio::test]
async fn removed_member_token_is_inactive() {
    assert_inactive(access_token().record, both_clients(), None).await;
}

#[tokio::test]
async fn suspended_client_token_is_inactive() {
    let suspended = Client {
        status: ClientStatus::Suspended,
        ..public_client()
    };
    let clients = vec![suspended, both_clients().remove(1)];
    assert_inactive(access_token().record, clients, Some(Role::Member)).await;
}

#[tokio::test]
async fn deleted_client_token_is_inactive() {
    let clients = vec![both_clients().remove(1)];
    assert_inactive(access_token().record, clients, Some(Role::Member)).await;
}

#[tokio::test]
async fn guest_role_narrows_token_scope() {
    let token = access_token();
    let store = token_store(&token, both_clients(), Some(Role::Guest));

    let introspection = introspect(store, &token.text).await.unwrap();
    assert!(introspection.active);
    assert_eq!(introspection.scope.as_deref(), Some("bugs:read profile"));
}

#[tokio::test]
async fn active_token_reports_every_field() {
    let token = access_token();
    let store = token_store(&token, both_clients(), Some(Role::Member));

    let introspection = introspect(store, &token.text).await.unwrap();
    assert!(introspection.active);
    assert_eq!(introspection.scope.as_deref(), Some(TOKEN_SCOPES));
    assert_eq!(introspection.client_id.as_deref(), Some(PUBLIC_ID));
    assert_eq!(introspection.token_type, Some("Bearer"));
    let exp = token.record.expires_at.unix_seconds();
    assert_eq!(introspection.exp, Some(exp));
    let iat = token.record.issued_at.unix_seconds();
    assert_eq!(introspection.iat, Some(iat));
    assert_eq!(introspection.sub.as_deref(), Some(USER));
    assert_eq!(introspection.iss.as_deref(), Some(ISSUER));
    assert_eq!(introspection.workspace_id.as_deref(), Some(WORKSPACE));
    assert_eq!(introspection.aud, None);
}

#[tokio::test]
async fn audience_is_reported_as_aud() {
    let mut token = access_token();
    token.record.audience = Some(RESOURCE.into());
    let store = token_store(&token, both_clients(), Some(Role::Member));

    let introspection = introspect(store, &token.text).await.unwrap();
    assert!(introspection.active);
    assert_eq!(introspection.aud.as_deref(), Some(RESOURCE));
}

#[tokio::test]
async fn foreign_token_inactive_for_plain_client() {
    let token = access_token();
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client(), confidential_client()]);
    let record = token.record.clone();
    store
        .expect_find_access_token()
        .returning(move |_| Ok(Some(record.clone())));
    store.expect_find_membership().times(0);

    let introspection = introspect(store, &token.text).await.unwrap();
    assert_eq!(introspection, Introspection::default());
}

#[tokio::test]
async fn own_token_active_for_plain_client() {
    let token = issued::access_token(CONFIDENTIAL_ID, TOKEN_SCOPES);
    let clients = vec![public_client(), confidential_client()];
    let store = token_store(&token, clients, Some(Role::Member));

    let introspection = introspect(store, &token.text).await.unwrap();
    assert!(introspection.active);
    assert_eq!(introspection.client_id.as_deref(), Some(CONFIDENTIAL_ID));
}

#[tokio::test]
async fn refresh_token_introspects_by_state() {
    for (state, active) in [
        (RefreshState::Active, true),
        (RefreshState::Rotated, false),
        (RefreshState::Revoked, false),
    ] {
        let mut token = issued::refresh_token(PUBLIC_ID, "bugs:read offline_access");
        token.record.state = state;
        let mut store = MockStore::new();
        expect_clients(&mut store, both_clients());
        let record = token.record.clone();
        store
            .expect_find_refresh_token()
            .returning(move |_| Ok(Some(record.clone())));
        store
            .expect_find_membership()
            .returning(|_, _| Ok(Some(membership(Role::Member))));

        let introspection = introspect(store, &token.text).await.unwrap();
        assert_eq!(introspection.active, active, "{state:?}");
        let token_type = active.then_some("refresh_token");
        assert_eq!(introspection.token_type, token_type, "{state:?}");
    }
}
