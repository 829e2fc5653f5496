//! `TokenService::token` with the `authorization_code` grant: the outcomes
//! of redemption, the code's bindings, and the tokens issued.

use std::sync::Arc;
use std::time::Duration;

use super::issued::{self, Issued};
use super::support::*;
use crate::code::AuthorizationCode;
use crate::error::{ErrorCode, OAuthError, ServiceError};
use crate::grant::Grant;
use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::random::SequenceRandom;
use crate::secret::{Secret, SecretHash, SecretKind};
use crate::service::{ClientCredentials, TokenRequest, TokenResponse, TokenService};
use crate::store::CodeRedemption;
use crate::token::{AccessTokenRecord, RefreshState, RefreshTokenRecord};

fn public_code() -> Issued<AuthorizationCode> {
    issued::code(PUBLIC_ID, "bugs:read profile", Some(RFC_CHALLENGE))
}

pub(super) fn code_request(code: &str, verifier: Option<&str>) -> TokenRequest {
    TokenRequest {
        grant_type: Some("authorization_code".into()),
        code: Some(code.into()),
        redirect_uri: Some(REDIRECT_URI.into()),
        code_verifier: verifier.map(Into::into),
        ..TokenRequest::default()
    }
}

/// Returns a store that finds the test clients and redeems `code` once,
/// with `outcome`.
pub(super) fn redeeming_store(
    code: &Issued<AuthorizationCode>,
    outcome: CodeRedemption,
) -> MockStore {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client(), confidential_client()]);
    let hash = code.record.hash;
    store
        .expect_redeem_code()
        .withf(move |presented, now| *presented == hash && *now == NOW)
        .times(1)
        .returning(move |_, _| Ok(outcome.clone()));
    store
}

pub(super) fn expect_family_revoked(store: &mut MockStore) {
    store
        .expect_revoke_family()
        .withf(|id, now| *id == FamilyId::new(FAMILY) && *now == NOW)
        .times(1)
        .returning(|_, _| Ok(true));
}

/// Makes the store return a grant with `grant_id` for the code's member,
/// client and workspace, or none.
pub(super) fn expect_grant(store: &mut MockStore, grant_id: Option<&'static str>) {
    store
        .expect_find_grant()
        .returning(move |user_id, client_id, workspace_id| {
            Ok(grant_id.map(|id| Grant {
                id: GrantId::new(id),
                user_id: user_id.clone(),
                client_id: client_id.clone(),
                workspace_id: workspace_id.clone(),
                scopes: scopes("bugs:read profile offline_access"),
                created_at: NOW,
                updated_at: NOW,
            }))
        });
}

pub(super) fn expect_member(store: &mut MockStore, member: bool) {
    store
        .expect_find_membership()
        .returning(move |_, _| Ok(member.then(|| membership(Role::Member))));
}

pub(super) async fn exchange(
    store: MockStore,
    credentials: ClientCredentials,
    request: &TokenRequest,
) -> Result<TokenResponse, ServiceError> {
    TokenService::new(Arc::new(store), context())
        .token(credentials, request)
        .await
}

pub(super) fn assert_rejected(error: &OAuthError, code: ErrorCode, description: &str) {
    assert_eq!(error.error, code);
    assert_eq!(error.error_description, description);
}

#[tokio::test]
async fn unknown_grant_type_is_unsupported() {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client()]);
    store.expect_redeem_code().times(0);
    let request = TokenRequest {
        grant_type: Some("password".into()),
        ..TokenRequest::default()
    };

    let result = exchange(store, public_credentials(PUBLIC_ID), &request).await;
    assert_rejected(
        &rejection(result),
        ErrorCode::UnsupportedGrantType,
        "grant_type 'password' is not supported: use authorization_code, \
         refresh_token or urn:ietf:params:oauth:grant-type:device_code",
    );
}

#[tokio::test]
async fn missing_grant_type_is_rejected() {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client()]);
    let request = TokenRequest::default();

    let result = exchange(store, public_credentials(PUBLIC_ID), &request).await;
    assert_rejected(
        &rejection(result),
        ErrorCode::InvalidRequest,
        "grant_type is missing",
    );
}

/// Asserts that redeeming the public code with `outcome` fails with
/// `invalid_grant` and `description`, issuing nothing and revoking nothing
/// beyond what the store's redemption did itself.
async fn assert_redemption_rejected(outcome: CodeRedemption, description: &str) {
    let code = public_code();
    let mut store = redeeming_store(&code, outcome);
    store.expect_insert_tokens().times(0);
    store.expect_revoke_family().times(0);

    let request = code_request(&code.text, Some(RFC_VERIFIER));
    let result = exchange(store, public_credentials(PUBLIC_ID), &request).await;
    assert_rejected(&rejection(result), ErrorCode::InvalidGrant, description);
}

#[tokio::test]
async fn reused_code_is_rejected() {
    assert_redemption_rejected(
        CodeRedemption::AlreadyRedeemed(public_code().record),
        "the authorization code is no longer valid: it was presented before, \
         and any tokens issued from it are revoked",
    )
    .await;
}

#[tokio::test]
async fn expired_code_is_rejected() {
    assert_redemption_rejected(
        CodeRedemption::Expired,
        "the authorization code has expired",
    )
    .await;
}

#[tokio::test]
async fn unknown_code_is_rejected() {
    assert_redemption_rejected(
        CodeRedemption::NotFound,
        "the authorization code is invalid",
    )
    .await;
}

#[tokio::test]
async fn malformed_code_skips_redemption() {
    let valid = public_code().text;
    let mistyped = format!("{}0", &valid[..valid.len() - 1]);
    let access_token = Secret::generate(SecretKind::AccessToken, &SequenceRandom::default());
    for text in [mistyped.as_str(), "oac_short", access_token.expose()] {
        let mut store = MockStore::new();
        expect_clients(&mut store, vec![public_client()]);
        store.expect_redeem_code().times(0);

        let request = code_request(text, Some(RFC_VERIFIER));
        let result = exchange(store, public_credentials(PUBLIC_ID), &request).await;
        let error = rejection(result);
        assert_eq!(error.error, ErrorCode::InvalidGrant, "code {text}");
        assert_eq!(
            error.error_description, "the authorization code is invalid",
            "code {text}"
        );
    }
}

/// Asserts that a redeemed `code` presented with `request` fails its
/// binding checks, and that the family its redemption created is revoked.
async fn assert_binding_rejected(
    code: Issued<AuthorizationCode>,
    credentials: ClientCredentials,
    request: TokenRequest,
    expected: ErrorCode,
    description: &str,
) {
    let mut store = redeeming_store(&code, CodeRedemption::Redeemed(code.record.clone()));
    expect_family_revoked(&mut store);
    store.expect_insert_tokens().times(0);

    let result = exchange(store, credentials, &request).await;
    assert_rejected(&rejection(result), expected, description);
}

#[tokio::test]
async fn code_of_other_client_revokes_family() {
    let code = issued::code(CONFIDENTIAL_ID, "bugs:read", Some(RFC_CHALLENGE));
    let request = code_request(&code.text, Some(RFC_VERIFIER));
    assert_binding_rejected(
        code,
        public_credentials(PUBLIC_ID),
        request,
        ErrorCode::InvalidGrant,
        "the authorization code was issued to another client",
    )
    .await;
}

#[tokio::test]
async fn wrong_redirect_uri_revokes_family() {
    let code = public_code();
    let request = TokenRequest {
        redirect_uri: Some("https://app.example/callback/".into()),
        ..code_request(&code.text, Some(RFC_VERIFIER))
    };
    assert_binding_rejected(
        code,
        public_credentials(PUBLIC_ID),
        request,
        ErrorCode::InvalidGrant,
        "redirect_uri differs from the one in the authorization request",
    )
    .await;
}

#[tokio::test]
async fn wrong_verifier_revokes_family() {
    let code = public_code();
    let request = code_request(&code.text, Some(&"a".repeat(43)));
    assert_binding_rejected(
        code,
        public_credentials(PUBLIC_ID),
        request,
        ErrorCode::InvalidGrant,
        "code_verifier does not match the code_challenge",
    )
    .await;
}

#[tokio::test]
async fn verifier_without_challenge_is_rejected() {
    let code = issued::code(CONFIDENTIAL_ID, "bugs:read", None);
    let request = code_request(&code.text, Some(RFC_VERIFIER));
    assert_binding_rejected(
        code,
        secret_credentials(CONFIDENTIAL_ID, CLIENT_SECRET),
        request,
        ErrorCode::InvalidGrant,
        "code_verifier was sent but the authorization request had no code_challenge",
    )
    .await;
}

#[tokio::test]
async fn missing_verifier_is_rejected() {
    let code = public_code();
    let request = code_request(&code.text, None);
    assert_binding_rejected(
        code,
        public_credentials(PUBLIC_ID),
        request,
        ErrorCode::InvalidRequest,
        "code_verifier is missing",
    )
    .await;
}

#[tokio::test]
async fn malformed_verifier_is_rejected() {
    let code = public_code();
    let request = code_request(&code.text, Some("too-short"));
    assert_binding_rejected(
        code,
        public_credentials(PUBLIC_ID),
        request,
        ErrorCode::InvalidRequest,
        "code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'",
    )
    .await;
}

/// Redeems `code` successfully and returns the response with the records
/// passed to `insert_tokens`.
async fn redeem(
    code: Issued<AuthorizationCode>,
    credentials: ClientCredentials,
    verifier: Option<&str>,
) -> (TokenResponse, AccessTokenRecord, Option<RefreshTokenRecord>) {
    let mut store = redeeming_store(&code, CodeRedemption::Redeemed(code.record.clone()));
    expect_grant(&mut store, Some("grt_first"));
    expect_member(&mut store, true);
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

    let request = code_request(&code.text, verifier);
    let response = exchange(store, credentials, &request).await.unwrap();
    let (access, refresh) = inserted.get();
    (response, access, refresh)
}

#[tokio::test]
async fn code_without_offline_access_gets_no_refresh() {
    let credentials = public_credentials(PUBLIC_ID);
    let (response, access, refresh) = redeem(public_code(), credentials, Some(RFC_VERIFIER)).await;

    assert_eq!(refresh, None);
    assert_eq!(response.refresh_token, None);
    assert_eq!(response.token_type, "Bearer");
    assert_eq!(response.expires_in, 3600);
    assert_eq!(response.scope, "bugs:read profile");
    assert!(response.access_token.starts_with("oat_"));
    assert_eq!(SecretHash::of(&response.access_token), access.hash);
}

#[tokio::test]
async fn issued_access_token_keeps_code_bindings() {
    let credentials = public_credentials(PUBLIC_ID);
    let (_, access, _) = redeem(public_code(), credentials, Some(RFC_VERIFIER)).await;

    assert_eq!(access.family_id, FamilyId::new(FAMILY));
    assert_eq!(access.client_id, ClientId::new(PUBLIC_ID));
    assert_eq!(access.user_id, UserId::new(USER));
    assert_eq!(access.workspace_id, WorkspaceId::new(WORKSPACE));
    assert_eq!(access.scopes, scopes("bugs:read profile"));
    assert_eq!(access.issued_at, NOW);
    assert_eq!(access.expires_at, NOW + Duration::from_secs(3600));
    assert_eq!(access.revoked_at, None);
}

#[tokio::test]
async fn offline_access_code_gets_refresh_token() {
    let code = issued::code(PUBLIC_ID, "bugs:read offline_access", Some(RFC_CHALLENGE));
    let credentials = public_credentials(PUBLIC_ID);
    let (response, _, refresh) = redeem(code, credentials, Some(RFC_VERIFIER)).await;

    let text = response.refresh_token.unwrap();
    let record = refresh.unwrap();
    assert!(text.starts_with("ort_"));
    assert_eq!(SecretHash::of(&text), record.hash);
    assert_eq!(record.family_id, FamilyId::new(FAMILY));
    assert_eq!(record.client_id, ClientId::new(PUBLIC_ID));
    assert_eq!(record.scopes, scopes("bugs:read offline_access"));
    assert_eq!(record.expires_at, NOW + Duration::from_secs(30 * 24 * 3600));
    assert_eq!(record.state, RefreshState::Active);
}

#[tokio::test]
async fn confidential_code_without_pkce_succeeds() {
    let code = issued::code(CONFIDENTIAL_ID, "bugs:read", None);
    let credentials = secret_credentials(CONFIDENTIAL_ID, CLIENT_SECRET);
    let (response, access, _) = redeem(code, credentials, None).await;

    assert_eq!(response.scope, "bugs:read");
    assert_eq!(access.client_id, ClientId::new(CONFIDENTIAL_ID));
}

/// Redeems a valid public code against a store whose grant or membership
/// is in the given state, and checks the rejection.
async fn assert_revoked_authorization_rejected(
    grant_id: Option<&'static str>,
    member: bool,
    description: &str,
) {
    let code = public_code();
    let mut store = redeeming_store(&code, CodeRedemption::Redeemed(code.record.clone()));
    expect_grant(&mut store, grant_id);
    expect_member(&mut store, member);
    expect_family_revoked(&mut store);
    store.expect_insert_tokens().times(0);

    let request = code_request(&code.text, Some(RFC_VERIFIER));
    let error = rejection(exchange(store, public_credentials(PUBLIC_ID), &request).await);
    assert_rejected(&error, ErrorCode::InvalidGrant, description);
}

#[tokio::test]
async fn code_of_revoked_grant_is_rejected() {
    assert_revoked_authorization_rejected(None, true, "this authorization was revoked").await;
}

#[tokio::test]
async fn code_of_replaced_grant_is_rejected() {
    assert_revoked_authorization_rejected(
        Some("grt_later"),
        true,
        "this authorization was revoked",
    )
    .await;
}

#[tokio::test]
async fn code_of_removed_member_is_rejected() {
    assert_revoked_authorization_rejected(
        Some("grt_first"),
        false,
        "the member is no longer in the workspace",
    )
    .await;
}
