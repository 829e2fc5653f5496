//! Token requests that must be rejected, each with the RFC 6749 section 5.2
//! error format.

use oauth2::{RefreshToken, TokenResponse};
use serde_json::Value;

use crate::helpers::*;

/// Checks the common shape of a token endpoint error.
fn assert_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    expected_status: u16,
    error: &str,
) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

async fn public_code(server: &TestServer) -> (String, String) {
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (code, verifier) = obtain_code(server, &client, &["profile"]).await;
    (code, verifier.secret().clone())
}

async fn redeem_public(
    server: &TestServer,
    code: &str,
    verifier: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    post(
        server,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", PUBLIC_ID),
            ("code", code),
            ("redirect_uri", PUBLIC_REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

#[tokio::test]
async fn wrong_verifier_is_rejected() {
    let server = TestServer::start();
    let (code, _) = public_code(&server).await;
    let (status, headers, body) = redeem_public(&server, &code, &"w".repeat(43)).await;
    assert_error(status, &headers, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn expired_code_is_rejected() {
    let server = TestServer::start_with(&["--code-lifetime", "1"]);
    let (code, verifier) = public_code(&server).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, headers, body) = redeem_public(&server, &code, &verifier).await;
    assert_error(status, &headers, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn code_of_another_client_is_rejected() {
    let server = TestServer::start();
    let (code, verifier) = public_code(&server).await;
    let (status, headers, body) = post(
        &server,
        "/oauth/token",
        Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", PUBLIC_REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_error(status, &headers, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn wrong_redirect_uri_at_token_endpoint() {
    let server = TestServer::start();
    let (code, verifier) = public_code(&server).await;
    let (status, headers, body) = post(
        &server,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", PUBLIC_ID),
            ("code", &code),
            ("redirect_uri", LOOPBACK_REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_error(status, &headers, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn verifier_without_challenge_is_downgrade() {
    let server = TestServer::start();
    let url = format!(
        "{}?response_type=code&client_id={CONFIDENTIAL_ID}&redirect_uri={CONFIDENTIAL_REDIRECT}&scope=profile",
        server.url("/oauth/authorize")
    );
    let location = Browser::new().approve(&server, &url).await;
    let code = query_param(&location, "code").unwrap();
    let (status, headers, body) = post(
        &server,
        "/oauth/token",
        Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CONFIDENTIAL_REDIRECT),
            ("code_verifier", &"v".repeat(43)),
        ],
    )
    .await;
    assert_error(status, &headers, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn unknown_grant_type_is_rejected() {
    let server = TestServer::start();
    let (status, headers, body) = post(
        &server,
        "/oauth/token",
        Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)),
        &[
            ("grant_type", "password"),
            ("username", "a"),
            ("password", "b"),
        ],
    )
    .await;
    assert_error(status, &headers, &body, 400, "unsupported_grant_type");
}

#[tokio::test]
async fn wrong_secret_is_unauthorized() {
    let server = TestServer::start();
    let (status, headers, body) = post(
        &server,
        "/oauth/token",
        Some((CONFIDENTIAL_ID, "not-the-secret")),
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", CONFIDENTIAL_REDIRECT),
        ],
    )
    .await;
    assert_error(status, &headers, &body, 401, "invalid_client");
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Basic"), "{challenge}");
}

#[tokio::test]
async fn unknown_client_matches_wrong_secret() {
    let server = TestServer::start();
    let fields = [("grant_type", "refresh_token"), ("refresh_token", "x")];
    let (_, _, unknown) = post(
        &server,
        "/oauth/token",
        Some(("no-such-client", "secret")),
        &fields,
    )
    .await;
    let (_, _, wrong) = post(
        &server,
        "/oauth/token",
        Some((CONFIDENTIAL_ID, "secret")),
        &fields,
    )
    .await;
    assert_eq!(unknown, wrong);
}

#[tokio::test]
async fn public_client_sending_secret() {
    let server = TestServer::start();
    let (code, verifier) = public_code(&server).await;
    let (status, headers, body) = post(
        &server,
        "/oauth/token",
        Some((PUBLIC_ID, "a-secret-a-public-client-cannot-keep")),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", PUBLIC_REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_error(status, &headers, &body, 401, "invalid_client");
}

#[tokio::test]
async fn widened_scope_on_refresh() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let token = authorize_and_exchange(&server, &client, &["bugs:read", "offline_access"]).await;
    let refresh: &RefreshToken = token.refresh_token().unwrap();

    let (status, headers, body) = post(
        &server,
        "/oauth/token",
        Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.secret()),
            ("scope", "bugs:read bugs:write"),
        ],
    )
    .await;
    assert_error(status, &headers, &body, 400, "invalid_scope");
}

#[tokio::test]
async fn introspection_requires_confidential_client() {
    let server = TestServer::start();
    let (status, _, body) = post(
        &server,
        "/oauth/introspect",
        None,
        &[("token", "oat_x"), ("client_id", PUBLIC_ID)],
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn introspection_of_other_apps_needs_resource_server() {
    let server = TestServer::start();
    let confidential = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let own = authorize_and_exchange(&server, &confidential, &["profile"]).await;
    let other = server.oauth_client(OTHER_ID, Some(OTHER_SECRET), OTHER_REDIRECT);
    let others = authorize_and_exchange(&server, &other, &["profile"]).await;

    // e2e-confidential is not a resource server.
    let (status, _, body) = post(
        &server,
        "/oauth/introspect",
        Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)),
        &[("token", others.access_token().secret())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({"active": false}));

    let (status, _, body) = post(
        &server,
        "/oauth/introspect",
        Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)),
        &[("token", own.access_token().secret())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], true, "{body}");
    assert_eq!(body["client_id"], CONFIDENTIAL_ID, "{body}");

    // e2e-other is a resource server, so the same token is active for it.
    let (status, _, body) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &[("token", own.access_token().secret())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], true, "{body}");
}
