//! The device authorization grant (RFC 8628): a client polls the token
//! endpoint like a command-line tool while the member enters the user code
//! on the verification page.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::*;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Starts a device authorization for the device client and returns the
/// response body.
async fn start(server: &TestServer, scope: &str) -> Value {
    let (status, headers, body) = post(
        server,
        "/oauth/device_authorization",
        None,
        &[("client_id", DEVICE_ID), ("scope", scope)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    body
}

/// Polls the token endpoint once with `device_code`.
async fn poll(server: &TestServer, device_code: &str) -> (u16, Value) {
    let fields = [
        ("grant_type", DEVICE_GRANT),
        ("client_id", DEVICE_ID),
        ("device_code", device_code),
    ];
    let (status, _, body) = post(server, "/oauth/token", None, &fields).await;
    (status, body)
}

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {body}"))
}

/// Signs the member in through the verification page and submits
/// `user_code`; returns the browser and the page that follows.
async fn enter_code(server: &TestServer, user_code: &str) -> (Browser, Page) {
    let browser = Browser::new();
    let form_page = browser.sign_in(server, &server.url("/device")).await;
    assert_eq!(form_page.status, 200, "{}", form_page.body);
    let page = submit_code(&browser, server, &form_page, user_code).await;
    (browser, page)
}

async fn submit_code(browser: &Browser, server: &TestServer, form: &Page, code: &str) -> Page {
    let form = Form::parse(&form.body);
    let mut fields = form.fields.clone();
    set_field(&mut fields, "user_code", code);
    browser.post_form(&server.url(&form.action), &fields).await
}

/// Signs in with the complete verification URI, confirms the prefilled
/// code and submits `decision` on the consent page; returns the result page.
async fn decide(server: &TestServer, complete_uri: &str, decision: &str) -> Page {
    let browser = Browser::new();
    let form_page = browser.sign_in(server, complete_uri).await;
    assert_eq!(form_page.status, 200, "{}", form_page.body);
    let form = Form::parse(&form_page.body);
    let consent = browser
        .post_form(&server.url(&form.action), &form.fields)
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("E2E Device"), "{}", consent.body);
    assert!(
        !consent.body.contains("in your connected apps"),
        "no page for connected apps exists"
    );
    assert!(
        consent.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );

    let form = Form::parse(&consent.body);
    let mut fields = form.fields.clone();
    fields.push(("decision".to_owned(), decision.to_owned()));
    browser.post_form(&server.url(&form.action), &fields).await
}

#[tokio::test]
async fn polling_client_gets_tokens_after_approval() {
    let server = TestServer::start();
    let started = start(&server, "profile offline_access").await;
    let device_code = text(&started, "device_code").to_owned();
    let user_code = text(&started, "user_code").to_owned();
    assert_eq!(
        text(&started, "verification_uri"),
        server.url("/device").as_str()
    );
    assert_eq!(started["expires_in"], 600);
    assert_eq!(started["interval"], 5);

    // The client polls as a command-line tool would, at the interval it was
    // given, and gives up after 60 seconds.
    let poller = {
        let base = server.base.clone();
        let device_code = device_code.clone();
        tokio::spawn(async move {
            let client = http();
            let mut interval = 5;
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut answers = Vec::new();
            while Instant::now() < deadline {
                tokio::time::sleep(Duration::from_secs(interval)).await;
                let response = client
                    .post(format!("{base}/oauth/token"))
                    .form(&[
                        ("grant_type", DEVICE_GRANT),
                        ("client_id", DEVICE_ID),
                        ("device_code", device_code.as_str()),
                    ])
                    .send()
                    .await
                    .unwrap();
                let body: Value = response.json().await.unwrap();
                match body["error"].as_str() {
                    None => return (body, answers),
                    Some("slow_down") => interval += 5,
                    Some(error) => answers.push(error.to_owned()),
                }
            }
            panic!("no tokens within 60 s; answers: {answers:?}");
        })
    };

    let result = decide(
        &server,
        text(&started, "verification_uri_complete"),
        "approve",
    )
    .await;
    assert_eq!(result.status, 200, "{}", result.body);
    assert!(result.body.contains("You can return to your device"));
    assert!(
        started["verification_uri_complete"]
            .as_str()
            .unwrap()
            .ends_with(&format!("?user_code={user_code}"))
    );

    let (tokens, answers) = poller.await.unwrap();
    assert!(text(&tokens, "access_token").starts_with("oat_"));
    assert!(text(&tokens, "refresh_token").starts_with("ort_"));
    assert_eq!(text(&tokens, "scope"), "offline_access profile");
    assert!(
        answers
            .iter()
            .all(|answer| answer == "authorization_pending"),
        "{answers:?}"
    );

    let (status, again) = poll(&server, &device_code).await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_grant", "a second redemption");
}

#[tokio::test]
async fn polling_too_fast_slows_down() {
    let server = TestServer::start();
    let started = start(&server, "profile").await;
    let device_code = text(&started, "device_code");

    let (status, first) = poll(&server, device_code).await;
    assert_eq!(status, 400);
    assert_eq!(first["error"], "authorization_pending");
    let (_, second) = poll(&server, device_code).await;
    assert_eq!(second["error"], "slow_down");
    assert!(text(&second, "error_description").contains("10 seconds"));
    let (_, third) = poll(&server, device_code).await;
    assert_eq!(third["error"], "slow_down");
    assert!(
        text(&third, "error_description").contains("15 seconds"),
        "the interval grows by 5 s at each slow_down"
    );
}

#[tokio::test]
async fn denied_request_is_access_denied() {
    let server = TestServer::start();
    let started = start(&server, "profile").await;
    let result = decide(&server, text(&started, "verification_uri_complete"), "deny").await;
    assert_eq!(result.status, 200, "{}", result.body);
    assert!(result.body.contains("Access denied"));

    let (status, body) = poll(&server, text(&started, "device_code")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "access_denied");
}

#[tokio::test]
async fn expired_device_code_is_rejected() {
    let server = TestServer::start_with(&["--device-code-lifetime", "1"]);
    let started = start(&server, "profile").await;
    assert_eq!(started["expires_in"], 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let (status, body) = poll(&server, text(&started, "device_code")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "expired_token");
    let (_, page) = enter_code(&server, text(&started, "user_code")).await;
    assert_eq!(
        page.status, 400,
        "an expired code is not accepted on the page"
    );
}

#[tokio::test]
async fn client_without_device_grant_is_unauthorized() {
    let server = TestServer::start();
    let (status, headers, body) = post(
        &server,
        "/oauth/device_authorization",
        None,
        &[("client_id", PUBLIC_ID)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unauthorized_client");
    assert_eq!(headers["cache-control"], "no-store");

    let (status, _, body) = post(
        &server,
        "/oauth/device_authorization",
        Some((CONFIDENTIAL_ID, "wrong-secret")),
        &[],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn unknown_scope_is_invalid_scope() {
    let server = TestServer::start();
    let (status, _, body) = post(
        &server,
        "/oauth/device_authorization",
        None,
        &[("client_id", DEVICE_ID), ("scope", "bugs:write")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_scope");
}

#[tokio::test]
async fn wrong_user_code_shows_form_again() {
    let server = TestServer::start();
    start(&server, "profile").await;
    let (_, page) = enter_code(&server, "ZZZZ-ZZZZ").await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("That code is not valid"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"name="user_code""#),
        "the form is shown again"
    );
}

#[tokio::test]
async fn user_code_guessing_is_limited() {
    let server = TestServer::start();
    let started = start(&server, "profile").await;
    let (browser, mut page) = enter_code(&server, "ZZZZ-ZZZZ").await;
    for attempt in 2..=10 {
        assert_eq!(page.status, 400, "attempt {attempt}");
        page = submit_code(&browser, &server, &page, "ZZZZ-ZZZZ").await;
    }
    assert_eq!(page.status, 400, "the tenth wrong code is still answered");
    let limited = submit_code(&browser, &server, &page, text(&started, "user_code")).await;
    assert_eq!(limited.status, 429, "even the right code is rejected now");
    assert_eq!(limited.headers["retry-after"], "600");
}

#[tokio::test]
async fn decision_without_csrf_token_is_rejected() {
    let server = TestServer::start();
    let started = start(&server, "profile").await;
    let (browser, consent) = enter_code(&server, text(&started, "user_code")).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let mut fields = Form::parse(&consent.body).fields;
    set_field(&mut fields, "csrf_token", "forged");
    fields.push(("decision".to_owned(), "approve".to_owned()));
    let page = browser.post_form(&server.url("/device"), &fields).await;
    assert_eq!(page.status, 400);

    let (_, body) = poll(&server, text(&started, "device_code")).await;
    assert_eq!(body["error"], "authorization_pending");
}

#[tokio::test]
async fn metadata_names_device_endpoint() {
    let server = TestServer::start();
    let body: Value = http()
        .get(server.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["device_authorization_endpoint"],
        server.url("/oauth/device_authorization")
    );
    let grants = body["grant_types_supported"].as_array().unwrap();
    assert!(grants.contains(&Value::from(DEVICE_GRANT)));
}
