//! Authorization requests that must be rejected: on an error page when the
//! client or redirect URI cannot be trusted, otherwise by a redirect that
//! carries the error, the state and the issuer.

use crate::helpers::*;

/// Builds an authorization URL from raw parameters.
fn authorize(server: &TestServer, params: &[(&str, &str)]) -> String {
    url::Url::parse_with_params(&server.url("/oauth/authorize"), params)
        .unwrap()
        .to_string()
}

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn public_request(redirect_uri: &str) -> Vec<(&str, &str)> {
    vec![
        ("response_type", "code"),
        ("client_id", PUBLIC_ID),
        ("redirect_uri", redirect_uri),
        ("scope", "profile"),
        ("state", "xyz"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

async fn assert_error_page(url: &str) {
    let page = Browser::new().get(url).await;
    assert_eq!(
        page.status, 400,
        "expected an error page for {url}: {}",
        page.body
    );
    assert!(page.location.is_none(), "must not redirect for {url}");
    assert!(
        !page.body.contains("name=\"password\""),
        "must not show the login page for {url}"
    );
}

#[tokio::test]
async fn redirect_uri_with_trailing_slash() {
    let server = TestServer::start();
    let url = authorize(&server, &public_request("https://public.example/cb/"));
    assert_error_page(&url).await;
}

#[tokio::test]
async fn redirect_uri_with_added_path() {
    let server = TestServer::start();
    let url = authorize(&server, &public_request("https://public.example/cb/evil"));
    assert_error_page(&url).await;
}

#[tokio::test]
async fn redirect_uri_with_added_query() {
    let server = TestServer::start();
    let url = authorize(
        &server,
        &public_request("https://public.example/cb?next=evil"),
    );
    assert_error_page(&url).await;
}

#[tokio::test]
async fn redirect_uri_with_other_host_case() {
    let server = TestServer::start();
    let url = authorize(&server, &public_request("https://PUBLIC.example/cb"));
    assert_error_page(&url).await;
}

#[tokio::test]
async fn redirect_uri_with_other_port() {
    let server = TestServer::start();
    let url = authorize(&server, &public_request("https://public.example:8443/cb"));
    assert_error_page(&url).await;
}

#[tokio::test]
async fn unknown_client_shows_error_page() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params[1] = ("client_id", "no-such-client");
    assert_error_page(&authorize(&server, &params)).await;
}

#[tokio::test]
async fn missing_redirect_uri_shows_error_page() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params.retain(|(name, _)| *name != "redirect_uri");
    assert_error_page(&authorize(&server, &params)).await;
}

/// Requests `params` and checks the error redirect to the public client.
async fn assert_error_redirect(server: &TestServer, params: &[(&str, &str)], error: &str) {
    let page = Browser::new().get(&authorize(server, params)).await;
    assert_eq!(page.status, 302, "expected a redirect: {}", page.body);
    let location = page.location.unwrap();
    assert!(location.starts_with(PUBLIC_REDIRECT), "{location}");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some(error),
        "{location}"
    );
    assert!(
        query_param(&location, "error_description").is_some(),
        "{location}"
    );
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some("xyz"),
        "{location}"
    );
    assert_eq!(
        query_param(&location, "iss").as_deref(),
        Some(server.base.as_str()),
        "{location}"
    );
}

#[tokio::test]
async fn public_client_without_pkce() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params.retain(|(name, _)| !name.starts_with("code_challenge"));
    assert_error_redirect(&server, &params, "invalid_request").await;
}

#[tokio::test]
async fn plain_pkce_method() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params[6] = ("code_challenge_method", "plain");
    assert_error_redirect(&server, &params, "invalid_request").await;
}

#[tokio::test]
async fn scope_outside_catalog() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params[3] = ("scope", "profile admin:everything");
    assert_error_redirect(&server, &params, "invalid_scope").await;
}

#[tokio::test]
async fn scope_outside_app_allowance() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params[3] = ("scope", "agents:run");
    assert_error_redirect(&server, &params, "invalid_scope").await;
}

#[tokio::test]
async fn unsupported_response_type() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params[0] = ("response_type", "token");
    assert_error_redirect(&server, &params, "unsupported_response_type").await;
}

#[tokio::test]
async fn prompt_none_without_session() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params.push(("prompt", "none"));
    assert_error_redirect(&server, &params, "login_required").await;
}

#[tokio::test]
async fn prompt_none_with_consent() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params.push(("prompt", "none consent"));
    assert_error_redirect(&server, &params, "invalid_request").await;
}

#[tokio::test]
async fn unknown_prompt_is_ignored() {
    let server = TestServer::start();
    let mut params = public_request(PUBLIC_REDIRECT);
    params.push(("prompt", "select_account unknown"));
    let page = Browser::new().get(&authorize(&server, &params)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"password\""), "the login page");
}

#[tokio::test]
async fn non_utf8_state_shows_error_page() {
    let server = TestServer::start();
    let valid = authorize(&server, &public_request(PUBLIC_REDIRECT));
    // 0xFF never occurs in UTF-8; decoding it lossily would yield U+FFFD.
    let url = valid.replace("state=xyz", "state=x%FFz");
    assert_ne!(url, valid);
    assert_error_page(&url).await;
    let page = Browser::new().get(&url).await;
    assert!(page.body.contains("not valid UTF-8"), "{}", page.body);
}

#[tokio::test]
async fn non_utf8_redirect_uri_shows_error_page() {
    let server = TestServer::start();
    let valid = authorize(&server, &public_request(PUBLIC_REDIRECT));
    // An overlong encoding of "/", which a lossy decoder turns into U+FFFD.
    let url = valid.replace("%2Fcb", "%C0%AFcb");
    assert_ne!(url, valid);
    assert_error_page(&url).await;
}
