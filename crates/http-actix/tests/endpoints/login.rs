//! The bundled login, and the whole flow through it.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::ServiceResponse;
use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use oauth_apps_http_actix::login::{LOGIN_NONCE_COOKIE, SESSION_COOKIE};

use crate::helpers::*;
use crate::start;

/// The login page for a fresh authorization request: its nonce cookie,
/// CSRF token and return path.
struct LoginForm {
    nonce: Cookie<'static>,
    csrf_token: String,
    return_to: String,
}

/// Requests the authorization URL without a session.
fn anonymous_authorize() -> TestRequest {
    TestRequest::get().uri(&format!("/oauth/authorize?{}", authorize_query(&[])))
}

/// Reads the login page a visitor without a session gets.
async fn login_form<B: MessageBody>(response: ServiceResponse<B>) -> LoginForm {
    assert_eq!(response.status(), StatusCode::OK);
    let nonce = cookie_set(&response, LOGIN_NONCE_COOKIE).unwrap();
    let html = body_text(response).await;
    LoginForm {
        nonce,
        csrf_token: hidden_value(&html, "csrf_token").unwrap(),
        return_to: hidden_value(&html, "return_to").unwrap(),
    }
}

fn login_post(form: &LoginForm, password: &str) -> TestRequest {
    form_post(
        "/oauth/login",
        &[
            ("email", " Ada@Example.com "),
            ("password", password),
            ("csrf_token", &form.csrf_token),
            ("return_to", &form.return_to),
        ],
    )
    .cookie(form.nonce.clone())
}

#[actix_web::test]
async fn login_sets_session_and_returns() {
    let fixture = fixture().await;
    let app = start!(bundled_state(&fixture));
    let form = login_form(test::call_service(&app, anonymous_authorize().to_request()).await).await;
    assert!(form.return_to.starts_with("/oauth/authorize?"));

    let response = test::call_service(&app, login_post(&form, PASSWORD).to_request()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        header_text(&response, header::LOCATION),
        Some(form.return_to.clone())
    );
    let session = cookie_set(&response, SESSION_COOKIE).unwrap();
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(session.same_site(), Some(SameSite::Lax));
    assert_eq!(session.path(), Some("/"));
    assert_eq!(session.secure(), Some(true), "the issuer is https");
}

#[actix_web::test]
async fn wrong_password_reshows_form_without_session() {
    let fixture = fixture().await;
    let app = start!(bundled_state(&fixture));
    let form = login_form(test::call_service(&app, anonymous_authorize().to_request()).await).await;

    let response = test::call_service(&app, login_post(&form, "wrong").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(cookie_set(&response, SESSION_COOKIE).is_none());
    let html = body_text(response).await;
    assert!(html.contains("The email or password is incorrect."));
    assert!(!html.contains("wrong"));
}

#[actix_web::test]
async fn login_without_nonce_cookie_is_rejected() {
    let fixture = fixture().await;
    let app = start!(bundled_state(&fixture));
    let form = login_form(test::call_service(&app, anonymous_authorize().to_request()).await).await;
    let request = form_post(
        "/oauth/login",
        &[
            ("email", EMAIL),
            ("password", PASSWORD),
            ("csrf_token", &form.csrf_token),
            ("return_to", &form.return_to),
        ],
    );

    let response = test::call_service(&app, request.to_request()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(cookie_set(&response, SESSION_COOKIE).is_none());
}

#[actix_web::test]
async fn login_rejects_offsite_return_path() {
    let fixture = fixture().await;
    let app = start!(bundled_state(&fixture));
    let mut form =
        login_form(test::call_service(&app, anonymous_authorize().to_request()).await).await;
    form.return_to = "//evil.example/".to_owned();

    let response = test::call_service(&app, login_post(&form, PASSWORD).to_request()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header_text(&response, header::LOCATION), None);
}

#[actix_web::test]
async fn full_flow_through_bundled_login() {
    let fixture = fixture().await;
    let app = start!(bundled_state(&fixture));
    let form = login_form(test::call_service(&app, anonymous_authorize().to_request()).await).await;
    let response = test::call_service(&app, login_post(&form, PASSWORD).to_request()).await;
    let session = cookie_set(&response, SESSION_COOKIE).unwrap();

    let consent = TestRequest::get()
        .uri(&form.return_to)
        .cookie(session.clone())
        .to_request();
    let html = body_text(test::call_service(&app, consent).await).await;
    let field = |name| hidden_value(&html, name).unwrap();
    let fields = [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "workspace_id",
        "csrf_token",
    ];
    let values: Vec<(&str, String)> = fields.iter().map(|name| (*name, field(name))).collect();
    let mut pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    pairs.push(("decision", "approve"));

    let decision = form_post("/oauth/authorize", &pairs)
        .cookie(session)
        .to_request();
    let response = test::call_service(&app, decision).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let code = query_param(&header_text(&response, header::LOCATION).unwrap(), "code").unwrap();

    let token = form_post(
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", PUBLIC_CLIENT),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("code", &code),
        ],
    );
    let response = test::call_service(&app, token.to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
    assert!(body["access_token"].as_str().unwrap().starts_with("oat_"));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("ort_"));
}
