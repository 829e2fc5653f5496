//! Whole flows that must succeed.

use oauth2::{
    AuthType, AuthorizationCode, RefreshToken, TokenIntrospectionResponse, TokenResponse,
};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn public_client_with_pkce() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (code, verifier) = obtain_code(&server, &client, &["bugs:read"]).await;

    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .expect("the code exchange succeeds");

    assert!(token.access_token().secret().starts_with("oat_"));
    assert_eq!(token.token_type().as_ref(), "bearer");
    assert!(
        token.refresh_token().is_none(),
        "no offline_access, no refresh token"
    );
    let scopes: Vec<_> = token
        .scopes()
        .unwrap()
        .iter()
        .map(|scope| scope.to_string())
        .collect();
    assert_eq!(scopes, ["bugs:read"]);
}

#[tokio::test]
async fn loopback_redirect_with_any_port() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, "http://127.0.0.1:49321/callback");
    let (code, verifier) = obtain_code(&server, &client, &["profile"]).await;

    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await;
    assert!(token.is_ok(), "exchange failed: {token:?}");
}

#[tokio::test]
async fn confidential_client_basic_auth() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let (code, verifier) = obtain_code(&server, &client, &["profile"]).await;

    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await;
    assert!(token.is_ok(), "exchange failed: {token:?}");
}

#[tokio::test]
async fn confidential_client_post_auth() {
    let server = TestServer::start();
    let client = server
        .oauth_client(
            CONFIDENTIAL_ID,
            Some(CONFIDENTIAL_SECRET),
            CONFIDENTIAL_REDIRECT,
        )
        .set_auth_type(AuthType::RequestBody);
    let (code, verifier) = obtain_code(&server, &client, &["profile"]).await;

    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await;
    assert!(token.is_ok(), "exchange failed: {token:?}");
}

#[tokio::test]
async fn confidential_client_without_pkce() {
    let server = TestServer::start();
    let url = format!(
        "{}?response_type=code&client_id={CONFIDENTIAL_ID}&redirect_uri={CONFIDENTIAL_REDIRECT}&scope=profile&state=s1",
        server.url("/oauth/authorize")
    );
    let location = Browser::new().approve(&server, &url).await;
    let code = query_param(&location, "code").expect("a code");

    let (status, _, body) = post(
        &server,
        "/oauth/token",
        Some((CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CONFIDENTIAL_REDIRECT),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_family() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let first = authorize_and_exchange(&server, &client, &["bugs:read", "offline_access"]).await;
    let first_refresh = first
        .refresh_token()
        .expect("offline_access gives a refresh token")
        .clone();
    assert!(first_refresh.secret().starts_with("ort_"));

    let second = client
        .exchange_refresh_token(&first_refresh)
        .request_async(&http())
        .await
        .expect("the first refresh succeeds");
    let second_refresh = second
        .refresh_token()
        .expect("rotation returns a new refresh token")
        .clone();
    assert_ne!(second_refresh.secret(), first_refresh.secret());

    let reuse = client
        .exchange_refresh_token(&first_refresh)
        .request_async(&http())
        .await;
    assert!(reuse.is_err(), "a rotated refresh token must be rejected");

    let after_reuse = client
        .exchange_refresh_token(&second_refresh)
        .request_async(&http())
        .await;
    assert!(
        after_reuse.is_err(),
        "reuse must revoke the newer refresh token too"
    );
    let introspection = client
        .introspect(second.access_token())
        .request_async(&http())
        .await
        .unwrap();
    assert!(
        !introspection.active(),
        "reuse must revoke the newer access token too"
    );
}

#[tokio::test]
async fn refresh_may_narrow_scope() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let (code, verifier) = obtain_code(
        &server,
        &client,
        &["bugs:read", "bugs:write", "offline_access"],
    )
    .await;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap();

    let narrowed = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .add_scope(oauth2::Scope::new("bugs:read".into()))
        .request_async(&http())
        .await
        .expect("narrowing is allowed");
    let scopes: Vec<_> = narrowed
        .scopes()
        .unwrap()
        .iter()
        .map(|scope| scope.to_string())
        .collect();
    assert_eq!(scopes, ["bugs:read"]);
}

#[tokio::test]
async fn revoked_token_introspects_inactive() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let token = authorize_and_exchange(&server, &client, &["profile"]).await;
    let access = token.access_token().secret().as_str();

    let (status, _, active) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &[("token", access)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], CONFIDENTIAL_ID);
    assert_eq!(active["scope"], "profile");
    assert_eq!(active["iss"], server.base.as_str());

    let revoke = http()
        .post(server.url("/oauth/revoke"))
        .basic_auth(CONFIDENTIAL_ID, Some(CONFIDENTIAL_SECRET))
        .form(&[("token", access), ("token_type_hint", "access_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status().as_u16(), 200);

    let (status, _, inactive) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &[("token", access)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(inactive, json!({"active": false}));
}

#[tokio::test]
async fn revoking_refresh_token_ends_family() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let token = authorize_and_exchange(&server, &client, &["profile", "offline_access"]).await;
    let refresh = token.refresh_token().unwrap().secret().clone();

    let revoke = http()
        .post(server.url("/oauth/revoke"))
        .basic_auth(CONFIDENTIAL_ID, Some(CONFIDENTIAL_SECRET))
        .form(&[("token", refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status().as_u16(), 200);

    let access = token.access_token().secret().as_str();
    let (_, _, body) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &[("token", access)],
    )
    .await;
    assert_eq!(body, json!({"active": false}));
    let refreshed = client
        .exchange_refresh_token(&RefreshToken::new(refresh))
        .request_async(&http())
        .await;
    assert!(
        refreshed.is_err(),
        "a revoked refresh token must be rejected"
    );
}

#[tokio::test]
async fn reused_code_revokes_first_tokens() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (code, verifier) = obtain_code(&server, &client, &["profile"]).await;
    let verifier_text = verifier.secret().clone();
    let first = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap();

    let (status, headers, body) = post(
        &server,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", PUBLIC_ID),
            ("code", &code),
            ("redirect_uri", PUBLIC_REDIRECT),
            ("code_verifier", &verifier_text),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(headers["cache-control"], "no-store");

    let access = first.access_token().secret().as_str();
    let (_, _, introspection) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &[("token", access)],
    )
    .await;
    assert_eq!(introspection, json!({"active": false}));
}

#[tokio::test]
async fn remembered_consent_skips_page() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let browser = Browser::new();
    let (url, _, _) = authorize_url(&client, &["bugs:read", "bugs:write"]);
    browser.approve(&server, &url).await;

    let (narrower, state, _) = authorize_url(&client, &["bugs:read"]);
    let again = browser.get(&narrower).await;
    assert_eq!(
        again.status, 302,
        "a covered request skips consent: {}",
        again.body
    );
    let location = again.location.unwrap();
    assert!(location.starts_with(CONFIDENTIAL_REDIRECT), "{location}");
    assert!(query_param(&location, "code").is_some());
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some(state.secret().as_str())
    );

    let (wider, _, _) = authorize_url(&client, &["bugs:read", "offline_access"]);
    let consent = browser.get(&wider).await;
    assert_eq!(consent.status, 200, "new scopes need consent again");
}

#[tokio::test]
async fn public_client_always_gets_consent_page() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let browser = Browser::new();
    let (url, _, _) = authorize_url(&client, &["bugs:read", "bugs:write"]);
    browser.approve(&server, &url).await;

    let (narrower, _, _) = authorize_url(&client, &["bugs:read"]);
    let again = browser.get(&narrower).await;
    assert_eq!(
        again.status, 200,
        "a public client gets the consent page despite a covering grant"
    );
    assert!(again.location.is_none());
    assert!(again.body.contains("name=\"decision\""), "{}", again.body);
    let location = browser.decide(&server, &again, "approve").await;
    assert!(query_param(&location, "code").is_some(), "{location}");
}

#[tokio::test]
async fn prompt_consent_shows_page_despite_grant() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let browser = Browser::new();
    let (url, _, _) = authorize_url(&client, &["bugs:read"]);
    browser.approve(&server, &url).await;

    let (again, _, _) = authorize_url(&client, &["bugs:read"]);
    let page = browser.get(&format!("{again}&prompt=consent")).await;
    assert_eq!(page.status, 200, "prompt=consent shows the consent page");
    let form = Form::parse(&page.body);
    assert!(
        form.fields
            .contains(&("prompt".to_owned(), "consent".to_owned())),
        "the consent form carries prompt"
    );
    let location = browser.decide(&server, &page, "approve").await;
    assert!(query_param(&location, "code").is_some(), "{location}");
}

#[tokio::test]
async fn prompt_none_with_grant_returns_code() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let browser = Browser::new();
    let (url, _, _) = authorize_url(&client, &["bugs:read"]);
    browser.approve(&server, &url).await;

    let (again, state, _) = authorize_url(&client, &["bugs:read"]);
    let page = browser.get(&format!("{again}&prompt=none")).await;
    assert_eq!(page.status, 302, "{}", page.body);
    let location = page.location.unwrap();
    assert!(location.starts_with(CONFIDENTIAL_REDIRECT), "{location}");
    assert!(query_param(&location, "code").is_some(), "{location}");
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some(state.secret().as_str())
    );
}

#[tokio::test]
async fn prompt_none_needing_consent_redirects() {
    let server = TestServer::start();
    let browser = Browser::new();
    let public = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (url, _, _) = authorize_url(&public, &["profile"]);
    browser.approve(&server, &url).await;

    // The public client needs consent despite its grant, the confidential
    // client because it has no grant yet.
    let confidential = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    for (client, redirect) in [
        (&public, PUBLIC_REDIRECT),
        (&confidential, CONFIDENTIAL_REDIRECT),
    ] {
        let (again, state, _) = authorize_url(client, &["profile"]);
        let page = browser.get(&format!("{again}&prompt=none")).await;
        assert_eq!(page.status, 302, "{}", page.body);
        let location = page.location.unwrap();
        assert!(location.starts_with(redirect), "{location}");
        assert_eq!(
            query_param(&location, "error").as_deref(),
            Some("consent_required"),
            "{location}"
        );
        assert_eq!(
            query_param(&location, "state").as_deref(),
            Some(state.secret().as_str())
        );
        assert_eq!(
            query_param(&location, "iss").as_deref(),
            Some(server.base.as_str())
        );
        assert!(query_param(&location, "code").is_none(), "{location}");
    }
}

#[tokio::test]
async fn denied_consent_redirects_access_denied() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (url, state, _) = authorize_url(&client, &["profile"]);
    let browser = Browser::new();
    let consent = browser.sign_in(&server, &url).await;
    let location = browser.decide(&server, &consent, "deny").await;

    assert!(location.starts_with(PUBLIC_REDIRECT));
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(
        query_param(&location, "iss").as_deref(),
        Some(server.base.as_str())
    );
    assert!(query_param(&location, "code").is_none());
}

#[tokio::test]
async fn consent_page_names_app_and_scopes() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (url, _, _) = authorize_url(&client, &["bugs:write"]);
    let consent = Browser::new().sign_in(&server, &url).await;

    assert_eq!(consent.status, 200);
    assert!(consent.body.contains("E2E Public"));
    assert!(consent.body.contains("https://public.example/"));
    assert!(consent.body.contains("File and change bugs"));
    let csp = consent.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
}

#[tokio::test]
async fn metadata_lists_endpoints_and_methods() {
    let server = TestServer::start();
    let response = http()
        .get(server.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let metadata: serde_json::Value = response.json().await.unwrap();

    assert_eq!(metadata["issuer"], server.base.as_str());
    assert_eq!(
        metadata["authorization_endpoint"],
        server.url("/oauth/authorize")
    );
    assert_eq!(metadata["token_endpoint"], server.url("/oauth/token"));
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
    let methods = metadata["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    for method in ["client_secret_basic", "client_secret_post", "none"] {
        assert!(methods.contains(&json!(method)), "missing {method}");
    }
}

#[tokio::test]
async fn wrong_password_shows_login_again() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (url, _, _) = authorize_url(&client, &["profile"]);
    let browser = Browser::new();
    let login = browser.get(&url).await;
    let form = Form::parse(&login.body);
    let mut fields = form.fields.clone();
    fields.retain(|(name, _)| name != "email" && name != "password");
    fields.push(("email".into(), MEMBER_EMAIL.into()));
    fields.push(("password".into(), "wrong password".into()));

    let retry = browser.post_form(&server.url(&form.action), &fields).await;
    assert!(retry.location.is_none(), "a failed login must not redirect");
    assert!(
        retry.body.contains("name=\"password\""),
        "the login form is shown again"
    );
    let again = browser.get(&url).await;
    assert!(
        again.body.contains("name=\"password\""),
        "no session was created"
    );
}

#[tokio::test]
async fn failed_login_allows_only_validated_origin() {
    let server = TestServer::start();
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (url, _, _) = authorize_url(&client, &["profile"]);
    let browser = Browser::new();
    let login = browser.get(&url).await;
    let form = Form::parse(&login.body);
    let mut fields = form.fields.clone();
    set_field(&mut fields, "email", MEMBER_EMAIL);
    set_field(&mut fields, "password", "wrong password");

    let retry = browser.post_form(&server.url(&form.action), &fields).await;
    assert_eq!(retry.status, 200, "{}", retry.body);
    let csp = retry.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("form-action 'self' https://public.example;"),
        "{csp}"
    );

    // The same form posted with a return address whose redirect URI is not
    // registered for the client.
    let mut form = Form::parse(&retry.body);
    let return_to = form
        .fields
        .iter()
        .find(|(name, _)| name == "return_to")
        .map(|(_, value)| value.clone())
        .unwrap();
    let tampered = return_to.replace(
        "https%3A%2F%2Fpublic.example%2Fcb",
        "https%3A%2F%2Fevil.example%2Fcb",
    );
    assert_ne!(tampered, return_to);
    set_field(&mut form.fields, "return_to", &tampered);
    set_field(&mut form.fields, "email", MEMBER_EMAIL);
    set_field(&mut form.fields, "password", "wrong password");
    let rejected = browser
        .post_form(&server.url(&form.action), &form.fields)
        .await;
    assert_eq!(rejected.status, 400, "{}", rejected.body);
    assert!(!rejected.body.contains("name=\"password\""));
    let csp = rejected.headers["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(!csp.contains("evil.example"), "{csp}");
}

#[tokio::test]
async fn revoking_access_token_keeps_refresh_token() {
    let server = TestServer::start();
    let client = server.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let token = authorize_and_exchange(&server, &client, &["profile", "offline_access"]).await;
    let revoke = http()
        .post(server.url("/oauth/revoke"))
        .basic_auth(CONFIDENTIAL_ID, Some(CONFIDENTIAL_SECRET))
        .form(&[("token", token.access_token().secret().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status().as_u16(), 200);

    let refreshed = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http())
        .await;
    assert!(
        refreshed.is_ok(),
        "the refresh token still works: {refreshed:?}"
    );
}
