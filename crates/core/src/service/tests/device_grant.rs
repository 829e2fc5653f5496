//! `TokenService::token` with the device code grant (RFC 8628 section
//! 3.4): the error each poll outcome gives, and the tokens a redeemed
//! authorization issues.

use std::time::Duration;

use super::code_exchange::{assert_rejected, exchange, expect_family_revoked, expect_grant};
use super::support::*;
use crate::client::{Client, GrantType};
use crate::device::{DeviceApproval, DeviceAuthorization, DeviceRejection, DeviceState};
use crate::error::ErrorCode;
use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::random::SequenceRandom;
use crate::secret::{Secret, SecretHash, SecretKind};
use crate::service::{TokenRequest, TokenResponse};
use crate::store::DevicePoll;
use crate::token::{AccessTokenRecord, RefreshTokenRecord};

const DEVICE_ID: &str = "app_device";
const DEVICE_SCOPES: &str = "bugs:read offline_access";

/// A public command-line client registered for the device code grant.
fn device_client() -> Client {
    Client {
        id: ClientId::new(DEVICE_ID),
        grant_types: vec![GrantType::DeviceCode, GrantType::RefreshToken],
        ..public_client()
    }
}

fn device_code() -> Secret {
    Secret::generate(SecretKind::DeviceCode, &SequenceRandom::default())
}

fn device_request(code: &Secret) -> TokenRequest {
    TokenRequest {
        grant_type: Some(GrantType::DeviceCode.as_str().into()),
        device_code: Some(code.expose().into()),
        ..TokenRequest::default()
    }
}

/// Returns the authorization of `client_id` as `poll_device` returns it
/// once redeemed, approved by the test member under grant `grt_first`.
fn redeemed(code: &Secret, client_id: &str) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code_hash: code.hash(),
        user_code_hash: SecretHash::of("BCDFGHJK"),
        client_id: ClientId::new(client_id),
        scopes: scopes(DEVICE_SCOPES),
        resource: Some(RESOURCE.into()),
        family_id: FamilyId::new(FAMILY),
        issued_at: NOW,
        expires_at: NOW + Duration::from_secs(600),
        interval: 5,
        last_polled_at: Some(NOW),
        state: DeviceState::Redeemed(DeviceApproval {
            user_id: UserId::new(USER),
            workspace_id: WorkspaceId::new(WORKSPACE),
            grant_id: GrantId::new("grt_first"),
        }),
    }
}

/// Returns a store that finds the test clients and handles one poll of
/// `code` by returning `outcome`.
fn polling_store(code: &Secret, outcome: DevicePoll) -> MockStore {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client(), device_client()]);
    let hash = code.hash();
    store
        .expect_poll_device()
        .withf(move |presented, now| *presented == hash && *now == NOW)
        .times(1)
        .returning(move |_, _| Ok(outcome.clone()));
    store
}

#[tokio::test]
async fn poll_outcomes_map_to_errors() {
    let cases = [
        (
            DevicePoll::Rejected(DeviceRejection::Pending),
            ErrorCode::AuthorizationPending,
        ),
        (
            DevicePoll::Rejected(DeviceRejection::SlowDown(10)),
            ErrorCode::SlowDown,
        ),
        (
            DevicePoll::Rejected(DeviceRejection::Denied),
            ErrorCode::AccessDenied,
        ),
        (
            DevicePoll::Rejected(DeviceRejection::Expired),
            ErrorCode::ExpiredToken,
        ),
        (
            DevicePoll::Rejected(DeviceRejection::AlreadyRedeemed),
            ErrorCode::InvalidGrant,
        ),
        (DevicePoll::NotFound, ErrorCode::InvalidGrant),
    ];
    for (outcome, expected) in cases {
        let label = format!("{outcome:?}");
        let code = device_code();
        let mut store = polling_store(&code, outcome);
        store.expect_insert_tokens().times(0);
        store.expect_revoke_family().times(0);

        let request = device_request(&code);
        let result = exchange(store, public_credentials(DEVICE_ID), &request).await;
        assert_eq!(rejection(result).error, expected, "{label}");
    }
}

#[tokio::test]
async fn slow_down_names_the_new_interval() {
    let code = device_code();
    let store = polling_store(&code, DevicePoll::Rejected(DeviceRejection::SlowDown(10)));
    let result = exchange(store, public_credentials(DEVICE_ID), &device_request(&code)).await;
    assert_rejected(
        &rejection(result),
        ErrorCode::SlowDown,
        "polling too fast: wait at least 10 seconds between requests",
    );
}

#[tokio::test]
async fn client_without_device_grant_is_unauthorized() {
    let code = device_code();
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client()]);
    store.expect_poll_device().times(0);

    let result = exchange(store, public_credentials(PUBLIC_ID), &device_request(&code)).await;
    assert_rejected(
        &rejection(result),
        ErrorCode::UnauthorizedClient,
        "this client is not registered for grant_type urn:ietf:params:oauth:grant-type:device_code",
    );
}

#[tokio::test]
async fn device_client_cannot_use_authorization_code() {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![device_client()]);
    store.expect_redeem_code().times(0);
    let request = TokenRequest {
        grant_type: Some("authorization_code".into()),
        ..TokenRequest::default()
    };

    let result = exchange(store, public_credentials(DEVICE_ID), &request).await;
    assert_rejected(
        &rejection(result),
        ErrorCode::UnauthorizedClient,
        "this client is not registered for grant_type authorization_code",
    );
}

fn expect_member(store: &mut MockStore) {
    store
        .expect_find_membership()
        .withf(|workspace_id, user_id| {
            *workspace_id == WorkspaceId::new(WORKSPACE) && *user_id == UserId::new(USER)
        })
        .returning(|_, _| Ok(Some(membership(Role::Member))));
}

/// Redeems an approved device authorization and returns the response with
/// the records passed to `insert_tokens`.
async fn redeem() -> (TokenResponse, AccessTokenRecord, Option<RefreshTokenRecord>) {
    let code = device_code();
    let outcome = DevicePoll::Redeemed(redeemed(&code, DEVICE_ID));
    let mut store = polling_store(&code, outcome);
    expect_grant(&mut store, Some("grt_first"));
    expect_member(&mut store);
    store.expect_revoke_family().times(0);
    let inserted = Slot::new();
    let recorded = inserted.clone();
    store
        .expect_insert_tokens()
        .times(1)
        .returning(move |access, refresh| {
            recorded.put((access.clone(), refresh.cloned()));
            Ok(())
        });

    let request = device_request(&code);
    let response = exchange(store, public_credentials(DEVICE_ID), &request)
        .await
        .unwrap();
    let (access, refresh) = inserted.get();
    (response, access, refresh)
}

#[tokio::test]
async fn redeemed_authorization_issues_bound_tokens() {
    let (response, access, refresh) = redeem().await;
    assert_eq!(response.scope, DEVICE_SCOPES);
    assert_eq!(SecretHash::of(&response.access_token), access.hash);
    assert_eq!(access.family_id, FamilyId::new(FAMILY));
    assert_eq!(access.client_id, ClientId::new(DEVICE_ID));
    assert_eq!(access.user_id, UserId::new(USER));
    assert_eq!(access.workspace_id, WorkspaceId::new(WORKSPACE));
    assert_eq!(access.scopes, scopes(DEVICE_SCOPES));
    assert_eq!(access.audience.as_deref(), Some(RESOURCE));
    assert_eq!(access.issued_at, NOW);

    let refresh = refresh.unwrap();
    let text = response.refresh_token.unwrap();
    assert_eq!(SecretHash::of(&text), refresh.hash);
    assert_eq!(refresh.family_id, FamilyId::new(FAMILY));
    assert_eq!(refresh.resource.as_deref(), Some(RESOURCE));
}

#[tokio::test]
async fn device_code_of_other_client_revokes_family() {
    let code = device_code();
    let outcome = DevicePoll::Redeemed(redeemed(&code, PUBLIC_ID));
    let mut store = polling_store(&code, outcome);
    expect_family_revoked(&mut store);
    store.expect_find_grant().times(0);
    store.expect_insert_tokens().times(0);

    let result = exchange(store, public_credentials(DEVICE_ID), &device_request(&code)).await;
    assert_rejected(
        &rejection(result),
        ErrorCode::InvalidGrant,
        "the device code was issued to another client",
    );
}

#[tokio::test]
async fn revoked_grant_revokes_family() {
    for grant_id in [None, Some("grt_later")] {
        let code = device_code();
        let outcome = DevicePoll::Redeemed(redeemed(&code, DEVICE_ID));
        let mut store = polling_store(&code, outcome);
        expect_grant(&mut store, grant_id);
        expect_member(&mut store);
        expect_family_revoked(&mut store);
        store.expect_insert_tokens().times(0);

        let request = device_request(&code);
        let result = exchange(store, public_credentials(DEVICE_ID), &request).await;
        assert_rejected(
            &rejection(result),
            ErrorCode::InvalidGrant,
            "this authorization was revoked",
        );
    }
}

#[tokio::test]
async fn malformed_device_code_skips_polling() {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![device_client()]);
    store.expect_poll_device().times(0);
    let request = TokenRequest {
        grant_type: Some(GrantType::DeviceCode.as_str().into()),
        device_code: Some("odc_short".into()),
        ..TokenRequest::default()
    };

    let result = exchange(store, public_credentials(DEVICE_ID), &request).await;
    assert_rejected(
        &rejection(result),
        ErrorCode::InvalidGrant,
        "the device code is invalid",
    );
}
