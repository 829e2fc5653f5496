//! Resource indicators (RFC 8707): the `resource` of an authorization
//! request, its binding to the code and tokens, and the audience check of
//! `verify_access_token`.

use std::sync::Arc;

use super::code_exchange::{
    assert_rejected, code_request, exchange, expect_family_revoked, expect_grant, expect_member,
    redeeming_store,
};
use super::issued::{self, Issued};
use super::support::*;
use crate::code::AuthorizationCode;
use crate::error::ErrorCode;
use crate::permission::Role;
use crate::service::{
    AuthorizationError, AuthorizationRequest, AuthorizationService, TokenRequest, TokenService,
};
use crate::store::{CodeRedemption, Rotation};
use crate::token::{AccessTokenRecord, RefreshTokenRecord};

fn authorization_request(resource: &str) -> AuthorizationRequest {
    AuthorizationRequest {
        response_type: Some("code".into()),
        client_id: Some(PUBLIC_ID.into()),
        redirect_uri: Some(REDIRECT_URI.into()),
        scope: Some("bugs:read".into()),
        state: None,
        code_challenge: Some(RFC_CHALLENGE.into()),
        code_challenge_method: Some("S256".into()),
        resource: Some(resource.into()),
    }
}

async fn validate(resource: &str) -> Result<Option<String>, AuthorizationError> {
    let mut store = MockStore::new();
    expect_clients(&mut store, known_clients());
    AuthorizationService::new(Arc::new(store), context())
        .validate(&authorization_request(resource))
        .await
        .map(|validated| validated.resource)
}

#[tokio::test]
async fn invalid_resources_redirect_invalid_target() {
    let cases = [
        (
            "https://unknown.example/api",
            "resource 'https://unknown.example/api' is not a protected resource of this server",
        ),
        (
            "https://bugs.example/api#part",
            "resource 'https://bugs.example/api#part' must not contain a fragment",
        ),
        ("/api", "resource '/api' is not an absolute URI"),
    ];
    for (resource, description) in cases {
        let Err(AuthorizationError::Redirect(redirect)) = validate(resource).await else {
            panic!("{resource} must be redirected as an error");
        };
        assert_eq!(redirect.redirect_uri, REDIRECT_URI, "{resource}");
        assert_eq!(redirect.error.error, ErrorCode::InvalidTarget, "{resource}");
        assert_eq!(redirect.error.error_description, description, "{resource}");
    }
}

#[tokio::test]
async fn known_resource_is_kept() {
    let resource = validate(RESOURCE).await.unwrap();
    assert_eq!(resource.as_deref(), Some(RESOURCE));
    assert_eq!(validate("").await.unwrap(), None, "empty means none");
}

fn code_for(resource: Option<&str>) -> Issued<AuthorizationCode> {
    let mut code = issued::code(PUBLIC_ID, "bugs:read offline_access", Some(RFC_CHALLENGE));
    code.record.resource = resource.map(Into::into);
    code
}

fn with_resource(request: TokenRequest, resource: Option<&str>) -> TokenRequest {
    TokenRequest {
        resource: resource.map(Into::into),
        ..request
    }
}

const MISMATCH: &str = "is not the resource this authorization was granted for";

#[tokio::test]
async fn code_exchange_for_other_resource_is_invalid_target() {
    for (bound, requested) in [(Some(RESOURCE), OTHER_RESOURCE), (None, RESOURCE)] {
        let code = code_for(bound);
        let mut store = redeeming_store(&code, CodeRedemption::Redeemed(code.record.clone()));
        expect_family_revoked(&mut store);
        store.expect_insert_tokens().times(0);

        let request = code_request(&code.text, Some(RFC_VERIFIER));
        let request = with_resource(request, Some(requested));
        let result = exchange(store, public_credentials(PUBLIC_ID), &request).await;
        let description = format!("resource '{requested}' {MISMATCH}");
        assert_rejected(&rejection(result), ErrorCode::InvalidTarget, &description);
    }
}

/// Redeems a code bound to [`RESOURCE`], sending `requested`, and returns
/// the records of the tokens issued.
async fn redeem_bound_code(requested: Option<&str>) -> (AccessTokenRecord, RefreshTokenRecord) {
    let code = code_for(Some(RESOURCE));
    let mut store = redeeming_store(&code, CodeRedemption::Redeemed(code.record.clone()));
    expect_grant(&mut store, Some("grt_first"));
    expect_member(&mut store, true);
    let inserted = Slot::new();
    let recorded = inserted.clone();
    store
        .expect_insert_tokens()
        .times(1)
        .returning(move |access, refresh| {
            recorded.put((access.clone(), refresh.cloned()));
            Ok(())
        });

    let request = with_resource(code_request(&code.text, Some(RFC_VERIFIER)), requested);
    exchange(store, public_credentials(PUBLIC_ID), &request)
        .await
        .unwrap();
    let (access, refresh) = inserted.get();
    (access, refresh.unwrap())
}

#[tokio::test]
async fn tokens_carry_the_code_resource() {
    for requested in [Some(RESOURCE), None] {
        let (access, refresh) = redeem_bound_code(requested).await;
        assert_eq!(access.audience.as_deref(), Some(RESOURCE), "{requested:?}");
        assert_eq!(refresh.resource.as_deref(), Some(RESOURCE), "{requested:?}");
    }
}

/// Refreshes a token bound to [`RESOURCE`], sending `requested`; returns
/// the result and the access token the rotation stored, if any.
async fn refresh_bound_token(
    requested: Option<&str>,
) -> (
    Result<(), crate::error::OAuthError>,
    Option<AccessTokenRecord>,
) {
    let mut token = issued::refresh_token(PUBLIC_ID, "bugs:read offline_access");
    token.record.resource = Some(RESOURCE.into());
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client()]);
    let record = token.record.clone();
    store
        .expect_find_refresh_token()
        .returning(move |_| Ok(Some(record.clone())));
    store
        .expect_find_membership()
        .returning(|_, _| Ok(Some(membership(Role::Member))));
    let rotated = Slot::new();
    let recorded = rotated.clone();
    store
        .expect_rotate_refresh_token()
        .returning(move |_, access, _, _| {
            recorded.put(access.clone());
            Ok(Rotation::Rotated)
        });

    let request = TokenRequest {
        grant_type: Some("refresh_token".into()),
        refresh_token: Some(token.text.clone()),
        resource: requested.map(Into::into),
        ..TokenRequest::default()
    };
    let result = exchange(store, public_credentials(PUBLIC_ID), &request).await;
    match result {
        Ok(_) => (Ok(()), Some(rotated.get())),
        Err(_) => (Err(rejection(result)), None),
    }
}

#[tokio::test]
async fn refresh_for_other_resource_is_invalid_target() {
    let (result, rotated) = refresh_bound_token(Some(OTHER_RESOURCE)).await;
    let description = format!("resource '{OTHER_RESOURCE}' {MISMATCH}");
    assert_rejected(&result.unwrap_err(), ErrorCode::InvalidTarget, &description);
    assert_eq!(rotated, None);
}

#[tokio::test]
async fn refresh_keeps_the_audience() {
    for requested in [Some(RESOURCE), None] {
        let (result, rotated) = refresh_bound_token(requested).await;
        assert_eq!(result, Ok(()), "{requested:?}");
        let audience = rotated.unwrap().audience;
        assert_eq!(audience.as_deref(), Some(RESOURCE), "{requested:?}");
    }
}

/// Verifies an access token with `audience`, as presented to `resource`,
/// and returns whether a principal came back.
async fn verifies(audience: Option<&str>, resource: Option<&str>) -> bool {
    let mut token = issued::access_token(PUBLIC_ID, "bugs:read");
    token.record.audience = audience.map(Into::into);
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![public_client()]);
    let record = token.record.clone();
    store
        .expect_find_access_token()
        .returning(move |_| Ok(Some(record.clone())));
    store
        .expect_find_membership()
        .returning(|_, _| Ok(Some(membership(Role::Member))));
    let principal = TokenService::new(Arc::new(store), context())
        .verify_access_token(&token.text, resource)
        .await
        .unwrap();
    if let Some(principal) = &principal {
        assert_eq!(principal.audience.as_deref(), audience);
    }
    principal.is_some()
}

#[tokio::test]
async fn verification_checks_the_audience() {
    let cases = [
        (
            "other resource",
            Some(RESOURCE),
            Some(OTHER_RESOURCE),
            false,
        ),
        ("same resource", Some(RESOURCE), Some(RESOURCE), true),
        ("no resource named", Some(RESOURCE), None, true),
        ("token without audience", None, Some(RESOURCE), true),
    ];
    for (case, audience, resource, expected) in cases {
        assert_eq!(verifies(audience, resource).await, expected, "{case}");
    }
}
