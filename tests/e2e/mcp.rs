//! MCP authorization: protected resource metadata (RFC 9728), the bundled
//! resource at `/mcp` with resource-bound tokens (RFC 8707), and clients
//! identified by client ID metadata documents served from a local HTTPS
//! server with a self-signed certificate.

mod document_server;

use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, RefreshToken, Scope, TokenResponse};
use serde_json::{Value, json};

use crate::helpers::*;
use document_server::{Canned, DocumentServer};

const DOCUMENT_PATH: &str = "/oauth/client.json";

/// Returns the resource identifier of the bundled MCP resource.
fn mcp_resource(server: &TestServer) -> String {
    server.url("/mcp")
}

/// Sends `GET /mcp`, with a bearer token if given.
async fn call_mcp(server: &TestServer, token: Option<&str>) -> (u16, Option<String>, String) {
    let mut request = http().get(server.url("/mcp"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, challenge, response.text().await.unwrap())
}

/// Runs the code flow with PKCE for `client`, naming `resource`.
async fn token_for_resource(
    server: &TestServer,
    client: &OAuthClient,
    scopes: &[&str],
    resource: &str,
) -> oauth2::basic::BasicTokenResponse {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().map(|scope| Scope::new((*scope).to_owned())))
        .add_extra_param("resource", resource)
        .set_pkce_challenge(challenge)
        .url();
    let location = Browser::new().approve(server, url.as_str()).await;
    let code = query_param(&location, "code").expect("a code in the redirect");
    client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .add_extra_param("resource", resource)
        .request_async(&http())
        .await
        .expect("the code exchange succeeds")
}

#[tokio::test]
async fn protected_resource_metadata_document() {
    let server = TestServer::start();
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let body: Value = http()
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["resource"], json!(mcp_resource(&server)), "{path}");
        assert_eq!(
            body["authorization_servers"],
            json!([server.base]),
            "{path}"
        );
        assert_eq!(
            body["bearer_methods_supported"],
            json!(["header"]),
            "{path}"
        );
        let scopes = body["scopes_supported"].as_array().unwrap();
        assert!(scopes.contains(&json!("bugs:read")), "{path}");
    }

    let metadata: Value = http()
        .get(server.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["client_id_metadata_document_supported"], true);
}

#[tokio::test]
async fn mcp_without_token_is_challenged() {
    let server = TestServer::start();
    let expected = format!(
        "Bearer resource_metadata=\"{}\"",
        server.url("/.well-known/oauth-protected-resource/mcp")
    );

    let (status, challenge, _) = call_mcp(&server, None).await;
    assert_eq!(status, 401);
    assert_eq!(challenge.as_deref(), Some(expected.as_str()));

    let (status, challenge, _) = call_mcp(&server, Some("oat_not_a_real_token")).await;
    assert_eq!(status, 401);
    let challenge = challenge.unwrap();
    assert!(challenge.starts_with(&expected), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

#[tokio::test]
async fn token_for_mcp_works_and_introspects_with_aud() {
    let server = TestServer::start();
    let resource = mcp_resource(&server);
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let token = token_for_resource(&server, &client, &["bugs:read"], &resource).await;
    let access = token.access_token().secret();

    let (status, _, body) = call_mcp(&server, Some(access)).await;
    assert_eq!(status, 200, "{body}");
    let principal: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(principal["client_id"], PUBLIC_ID);
    assert_eq!(principal["aud"], json!(resource));
    assert_eq!(principal["scope"], "bugs:read");

    let (status, _, introspection) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &[("token", access)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["aud"], json!(resource));
}

#[tokio::test]
async fn token_for_other_resource_is_rejected_at_mcp() {
    let other = "https://api.example/v1";
    let server = TestServer::start_with_base(|base| {
        vec![
            "--resource".into(),
            format!("{base}/mcp"),
            "--resource".into(),
            other.into(),
        ]
    });
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let token = token_for_resource(&server, &client, &["profile"], other).await;

    let (status, challenge, _) = call_mcp(&server, Some(token.access_token().secret())).await;
    assert_eq!(status, 401);
    assert!(challenge.unwrap().contains("error=\"invalid_token\""));
}

#[tokio::test]
async fn token_without_resource_is_rejected_at_mcp() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let token = authorize_and_exchange(&server, &client, &["profile"]).await;

    let (status, _, _) = call_mcp(&server, Some(token.access_token().secret())).await;
    assert_eq!(status, 401);
}

/// Starts a document server and the server under test, which trusts the
/// document server's certificate and may fetch from loopback addresses.
async fn servers() -> (DocumentServer, TestServer) {
    let documents = DocumentServer::start().await;
    let ca_file = documents.ca_file.to_str().unwrap().to_owned();
    let server = TestServer::start_with(&[
        "--metadata-document-allow-loopback",
        "--metadata-document-ca-file",
        &ca_file,
    ]);
    (documents, server)
}

fn document(client_id: &str, redirect_uri: &str) -> Value {
    json!({
        "client_id": client_id,
        "client_name": "Local MCP Tool",
        "redirect_uris": [redirect_uri],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    })
}

#[tokio::test]
async fn metadata_document_client_completes_flow() {
    let (documents, server) = servers().await;
    let client_id = documents.url("localhost", DOCUMENT_PATH);
    documents.route(
        DOCUMENT_PATH,
        Canned::json(&document(&client_id, LOOPBACK_REDIRECT)),
    );
    let resource = mcp_resource(&server);
    let client = server.oauth_client(&client_id, None, "http://127.0.0.1:53682/callback");

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(["bugs:read", "offline_access"].map(|s| Scope::new(s.into())))
        .add_extra_param("resource", &resource)
        .set_pkce_challenge(challenge)
        .url();
    let browser = Browser::new();
    let consent = browser.sign_in(&server, url.as_str()).await;
    assert!(consent.body.contains("Local MCP Tool"), "{}", consent.body);
    assert!(
        consent
            .body
            .contains("verified by the domain <strong>localhost</strong>"),
        "{}",
        consent.body
    );
    assert!(consent.body.contains("Unverified app:"), "{}", consent.body);
    assert!(
        consent
            .body
            .contains("you will be sent to <strong>http://127.0.0.1:53682</strong>"),
        "{}",
        consent.body
    );
    let location = browser.decide(&server, &consent, "approve").await;
    let code = query_param(&location, "code").expect("a code in the redirect");

    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .expect("the code exchange succeeds");
    let (status, _, body) = call_mcp(&server, Some(token.access_token().secret())).await;
    assert_eq!(status, 200, "{body}");
    let principal: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(principal["client_id"], json!(client_id));

    let refresh = token
        .refresh_token()
        .expect("offline_access gives a refresh token");
    let refreshed = client
        .exchange_refresh_token(&RefreshToken::new(refresh.secret().clone()))
        .request_async(&http())
        .await;
    assert!(refreshed.is_ok(), "refresh failed: {refreshed:?}");
    assert_eq!(documents.requests(), 1, "the cached document is reused");
}

/// Opens the authorization URL for `client_id` and returns the error
/// page's status and body.
async fn authorize_page(server: &TestServer, client_id: &str, redirect_uri: &str) -> (u16, String) {
    let client = server.oauth_client(client_id, None, redirect_uri);
    let (url, _, _) = authorize_url(&client, &["profile"]);
    let page = Browser::new().get(&url).await;
    (page.status, page.body)
}

#[tokio::test]
async fn metadata_document_over_http_is_rejected() {
    let (documents, server) = servers().await;
    let client_id = format!("http://127.0.0.1:{}{DOCUMENT_PATH}", documents.port);

    let (status, body) = authorize_page(&server, &client_id, LOOPBACK_REDIRECT).await;
    assert_eq!(status, 400);
    assert!(body.contains("must be served over https"), "{body}");
    assert_eq!(documents.requests(), 0);
}

#[tokio::test]
async fn metadata_document_client_id_mismatch_is_rejected() {
    let (documents, server) = servers().await;
    let client_id = documents.url("127.0.0.1", DOCUMENT_PATH);
    let claimed = documents.url("127.0.0.1", "/other.json");
    documents.route(
        DOCUMENT_PATH,
        Canned::json(&document(&claimed, LOOPBACK_REDIRECT)),
    );

    let (status, body) = authorize_page(&server, &client_id, LOOPBACK_REDIRECT).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("is not the URL it was fetched from"),
        "{body}"
    );
}

#[tokio::test]
async fn metadata_document_redirect_to_other_host_is_rejected() {
    let (documents, server) = servers().await;
    let client_id = documents.url("127.0.0.1", DOCUMENT_PATH);
    let elsewhere = "https://evil.example/callback";
    documents.route(
        DOCUMENT_PATH,
        Canned::json(&document(&client_id, elsewhere)),
    );

    let (status, body) = authorize_page(&server, &client_id, elsewhere).await;
    assert_eq!(status, 400);
    assert!(body.contains("the host of the client_id"), "{body}");
}

#[tokio::test]
async fn metadata_document_too_large_is_rejected() {
    let (documents, server) = servers().await;
    let client_id = documents.url("127.0.0.1", DOCUMENT_PATH);
    let mut large = document(&client_id, LOOPBACK_REDIRECT);
    large["padding"] = json!("x".repeat(6 * 1024));
    documents.route(DOCUMENT_PATH, Canned::json(&large));

    let (status, body) = authorize_page(&server, &client_id, LOOPBACK_REDIRECT).await;
    assert_eq!(status, 400);
    assert!(body.contains("larger than 5120 bytes"), "{body}");
}

#[tokio::test]
async fn metadata_document_on_private_address_is_rejected() {
    let documents = DocumentServer::start().await;
    let ca_file = documents.ca_file.to_str().unwrap().to_owned();
    let server = TestServer::start_with(&["--metadata-document-ca-file", &ca_file]);
    let client_id = documents.url("127.0.0.1", DOCUMENT_PATH);
    documents.route(
        DOCUMENT_PATH,
        Canned::json(&document(&client_id, LOOPBACK_REDIRECT)),
    );

    let (status, body) = authorize_page(&server, &client_id, LOOPBACK_REDIRECT).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("does not resolve to a public internet address"),
        "{body}"
    );
    assert!(!body.contains("resolves to 127.0.0.1"), "{body}");
    assert_eq!(documents.requests(), 0, "no request may reach the address");
}

#[tokio::test]
async fn metadata_document_server_redirect_is_rejected() {
    let (documents, server) = servers().await;
    let client_id = documents.url("127.0.0.1", DOCUMENT_PATH);
    let target = documents.url("127.0.0.1", "/moved.json");
    documents.route(
        "/moved.json",
        Canned::json(&document(&target, LOOPBACK_REDIRECT)),
    );
    documents.route(
        DOCUMENT_PATH,
        Canned {
            status: "302 Found",
            headers: vec![("Location".into(), target.clone())],
            body: Vec::new(),
        },
    );

    let (status, body) = authorize_page(&server, &client_id, LOOPBACK_REDIRECT).await;
    assert_eq!(status, 400);
    assert!(body.contains("responded with a redirect"), "{body}");
    assert_eq!(documents.requests(), 1, "the redirect is not followed");
}
