//! `AuthorizationService::validate`: which failures end on an error page,
//! which redirect to the client, and what the redirect carries.

use std::sync::Arc;

use super::support::*;
use crate::error::{ErrorCode, OAuthError};
use crate::service::{
    AuthorizationError, AuthorizationRequest, AuthorizationService, ErrorRedirect, MAX_STATE_LEN,
    ValidatedAuthorization,
};

const STATE: &str = "af0ifjsldkj";
const MALFORMED_CHALLENGE: &str =
    "code_challenge must be the 43-character base64url SHA-256 of the code_verifier";
const NOT_REGISTERED: &str =
    "redirect_uri does not exactly match any redirect URI registered for this client";

/// Returns a valid request of the public client. Each case below changes
/// one field of it.
fn request() -> AuthorizationRequest {
    AuthorizationRequest {
        response_type: Some("code".into()),
        client_id: Some(PUBLIC_ID.into()),
        redirect_uri: Some(REDIRECT_URI.into()),
        scope: Some("bugs:read profile".into()),
        state: Some(STATE.into()),
        code_challenge: Some(RFC_CHALLENGE.into()),
        code_challenge_method: Some("S256".into()),
        resource: None,
    }
}

async fn validate(
    request: &AuthorizationRequest,
) -> Result<ValidatedAuthorization, AuthorizationError> {
    let mut store = MockStore::new();
    expect_clients(&mut store, known_clients());
    AuthorizationService::new(Arc::new(store), context())
        .validate(request)
        .await
}

fn error_page(result: Result<ValidatedAuthorization, AuthorizationError>) -> OAuthError {
    match result {
        Err(AuthorizationError::ErrorPage(error)) => error,
        other => panic!("expected an error page, got {other:?}"),
    }
}

fn error_redirect(result: Result<ValidatedAuthorization, AuthorizationError>) -> ErrorRedirect {
    match result {
        Err(AuthorizationError::Redirect(redirect)) => redirect,
        other => panic!("expected an error redirect, got {other:?}"),
    }
}

fn with_redirect_uri(uri: &str) -> AuthorizationRequest {
    AuthorizationRequest {
        redirect_uri: Some(uri.into()),
        ..request()
    }
}

#[tokio::test]
async fn unverified_client_shows_error_page() {
    use ErrorCode::{InvalidClient, InvalidRequest, UnauthorizedClient};
    let cases = [
        (
            "missing client_id",
            AuthorizationRequest {
                client_id: None,
                ..request()
            },
            InvalidRequest,
            "client_id is missing",
        ),
        (
            "empty client_id",
            AuthorizationRequest {
                client_id: Some(String::new()),
                ..request()
            },
            InvalidRequest,
            "client_id is missing",
        ),
        (
            "unknown client",
            AuthorizationRequest {
                client_id: Some("app_unknown".into()),
                ..request()
            },
            InvalidClient,
            "no client is registered with this client_id",
        ),
        (
            "unknown client with a later error",
            AuthorizationRequest {
                client_id: Some("app_unknown".into()),
                response_type: Some("token".into()),
                ..request()
            },
            InvalidClient,
            "no client is registered with this client_id",
        ),
        (
            "suspended client",
            AuthorizationRequest {
                client_id: Some(SUSPENDED_ID.into()),
                ..request()
            },
            UnauthorizedClient,
            "this app is suspended by its workspace admins",
        ),
        (
            "missing redirect_uri",
            AuthorizationRequest {
                redirect_uri: None,
                ..request()
            },
            InvalidRequest,
            "redirect_uri is missing",
        ),
    ];
    for (case, request, code, description) in cases {
        let error = error_page(validate(&request).await);
        assert_eq!(error.error, code, "{case}");
        assert_eq!(error.error_description, description, "{case}");
    }
}

#[tokio::test]
async fn unregistered_redirect_uri_shows_error_page() {
    let cases = [
        ("trailing slash", "https://app.example/callback/"),
        ("extra path", "https://app.example/callback/more"),
        ("added query", "https://app.example/callback?next=1"),
        ("host case", "https://APP.example/callback"),
        ("other port", "https://app.example:8443/callback"),
        ("default port", "https://app.example:443/callback"),
        ("plain http", "http://app.example/callback"),
    ];
    for (case, uri) in cases {
        let error = error_page(validate(&with_redirect_uri(uri)).await);
        assert_eq!(error.error, ErrorCode::InvalidRequest, "{case}");
        assert_eq!(error.error_description, NOT_REGISTERED, "{case}");
    }
}

#[tokio::test]
async fn later_errors_redirect_to_client() {
    use ErrorCode::{InvalidRequest, InvalidScope, UnsupportedResponseType};
    let cases = [
        (
            "missing response_type",
            AuthorizationRequest {
                response_type: None,
                ..request()
            },
            InvalidRequest,
            "response_type is missing",
        ),
        (
            "response_type token",
            AuthorizationRequest {
                response_type: Some("token".into()),
                ..request()
            },
            UnsupportedResponseType,
            "response_type 'token' is not supported: use 'code'",
        ),
        (
            "scope outside the catalog",
            AuthorizationRequest {
                scope: Some("admin:everything profile".into()),
                ..request()
            },
            InvalidScope,
            "unknown scope: admin:everything",
        ),
        (
            "scope outside the allowed scopes",
            AuthorizationRequest {
                scope: Some("agents:run profile".into()),
                ..request()
            },
            InvalidScope,
            "this client may not request: agents:run",
        ),
        (
            "no scope and no default scopes",
            AuthorizationRequest {
                client_id: Some(NO_DEFAULTS_ID.into()),
                scope: None,
                ..request()
            },
            InvalidScope,
            "no scope was requested and this client has no default scopes",
        ),
        (
            "public client without code_challenge",
            AuthorizationRequest {
                code_challenge: None,
                code_challenge_method: None,
                ..request()
            },
            InvalidRequest,
            "code_challenge is required for this client: send an S256 PKCE challenge",
        ),
        (
            "method plain",
            AuthorizationRequest {
                code_challenge_method: Some("plain".into()),
                ..request()
            },
            InvalidRequest,
            "code_challenge_method 'plain' is not supported: use S256",
        ),
        (
            "method missing",
            AuthorizationRequest {
                code_challenge_method: None,
                ..request()
            },
            InvalidRequest,
            "code_challenge_method is missing, and its default (plain) is not supported: \
             send code_challenge_method=S256",
        ),
        (
            "method without challenge",
            AuthorizationRequest {
                code_challenge: None,
                ..request()
            },
            InvalidRequest,
            "code_challenge_method was sent without code_challenge",
        ),
        (
            "malformed challenge",
            AuthorizationRequest {
                code_challenge: Some("too-short".into()),
                ..request()
            },
            InvalidRequest,
            MALFORMED_CHALLENGE,
        ),
        (
            "challenge one character too long",
            AuthorizationRequest {
                code_challenge: Some(format!("{RFC_CHALLENGE}A")),
                ..request()
            },
            InvalidRequest,
            MALFORMED_CHALLENGE,
        ),
        (
            "challenge with a verifier-only character",
            AuthorizationRequest {
                code_challenge: Some(format!("{}.", &RFC_CHALLENGE[..42])),
                ..request()
            },
            InvalidRequest,
            MALFORMED_CHALLENGE,
        ),
        (
            "scope with a double space",
            AuthorizationRequest {
                scope: Some("bugs:read  profile".into()),
                ..request()
            },
            InvalidScope,
            "invalid scope syntax: scopes must be separated by single spaces, and each may \
             contain only printable ASCII other than space, double quote and backslash",
        ),
    ];
    for (case, request, code, description) in cases {
        let redirect = error_redirect(validate(&request).await);
        assert_eq!(redirect.redirect_uri, REDIRECT_URI, "{case}");
        assert_eq!(redirect.error.error, code, "{case}");
        assert_eq!(redirect.error.error_description, description, "{case}");
        assert_eq!(redirect.state.as_deref(), Some(STATE), "{case}");
        assert_eq!(redirect.issuer, ISSUER, "{case}");
    }
}

#[tokio::test]
async fn error_location_is_exact() {
    let request = AuthorizationRequest {
        scope: Some("admin:everything".into()),
        state: Some("p=1&q=2".into()),
        ..request()
    };
    let redirect = error_redirect(validate(&request).await);
    assert_eq!(
        redirect.location(),
        "https://app.example/callback?error=invalid_scope\
         &error_description=unknown+scope%3A+admin%3Aeverything\
         &state=p%3D1%26q%3D2&iss=https%3A%2F%2Fauth.example"
    );
}

#[tokio::test]
async fn oversized_state_is_rejected_unechoed() {
    let request = AuthorizationRequest {
        state: Some("s".repeat(MAX_STATE_LEN + 1)),
        ..request()
    };
    let redirect = error_redirect(validate(&request).await);
    assert_eq!(redirect.error.error, ErrorCode::InvalidRequest);
    assert_eq!(
        redirect.error.error_description,
        "state is longer than 2048 bytes"
    );
    assert_eq!(redirect.state, None);
    assert!(!redirect.location().contains("state="));
}

#[tokio::test]
async fn state_of_max_length_is_accepted() {
    let state = "s".repeat(MAX_STATE_LEN);
    let request = AuthorizationRequest {
        state: Some(state.clone()),
        ..request()
    };
    let validated = validate(&request).await.unwrap();
    assert_eq!(validated.state, Some(state));
}

#[tokio::test]
async fn missing_scope_uses_client_defaults() {
    for scope in [None, Some(String::new())] {
        let request = AuthorizationRequest {
            scope: scope.clone(),
            ..request()
        };
        let validated = validate(&request).await.unwrap();
        assert_eq!(validated.scopes, scopes("profile"), "scope {scope:?}");
    }
}

#[tokio::test]
async fn valid_request_is_accepted() {
    let validated = validate(&request()).await.unwrap();
    assert_eq!(validated.client, public_client());
    assert_eq!(validated.redirect_uri, REDIRECT_URI);
    assert_eq!(validated.scopes, scopes("bugs:read profile"));
    assert_eq!(validated.state.as_deref(), Some(STATE));
    let challenge = validated.challenge.unwrap();
    assert_eq!(challenge.as_str(), RFC_CHALLENGE);
}

#[tokio::test]
async fn confidential_client_may_skip_pkce() {
    let request = AuthorizationRequest {
        client_id: Some(CONFIDENTIAL_ID.into()),
        code_challenge: None,
        code_challenge_method: None,
        ..request()
    };
    let validated = validate(&request).await.unwrap();
    assert_eq!(validated.challenge, None);
}
