//! The authorization endpoint with an embedding service's authenticator.

use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};

use crate::helpers::*;
use crate::start;

fn get_authorize(query: &str) -> TestRequest {
    TestRequest::get().uri(&format!("/oauth/authorize?{query}"))
}

#[actix_web::test]
async fn unknown_client_gets_error_page_not_redirect() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let query = authorize_query(&[
        ("client_id", "nope"),
        ("redirect_uri", "https://evil.example/cb"),
    ]);
    let response = test::call_service(&app, get_authorize(&query).to_request()).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header_text(&response, header::LOCATION), None);
    assert!(
        header_text(&response, header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(
        body_text(response)
            .await
            .contains("no client is registered")
    );
}

#[actix_web::test]
async fn unregistered_redirect_uri_gets_error_page() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let query = authorize_query(&[("redirect_uri", "http://127.0.0.1:4000/other")]);
    let response = test::call_service(&app, get_authorize(&query).to_request()).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header_text(&response, header::LOCATION), None);
}

#[actix_web::test]
async fn unknown_scope_redirects_with_state_and_iss() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let query = authorize_query(&[("scope", "admin")]);
    let response = test::call_service(&app, get_authorize(&query).to_request()).await;

    assert_eq!(response.status(), StatusCode::FOUND);
    let location = header_text(&response, header::LOCATION).unwrap();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_scope")
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some("st&te"));
    assert_eq!(query_param(&location, "iss").as_deref(), Some(ISSUER));
}

#[actix_web::test]
async fn duplicate_parameter_gets_error_page() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let query = format!("{}&state=again", authorize_query(&[]));
    let response = test::call_service(&app, get_authorize(&query).to_request()).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header_text(&response, header::LOCATION), None);
}

#[actix_web::test]
async fn anonymous_visitor_is_sent_to_authenticator_login() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let query = authorize_query(&[]);
    let response = test::call_service(&app, get_authorize(&query).to_request()).await;

    assert_eq!(response.status(), StatusCode::FOUND);
    let location = header_text(&response, header::LOCATION).unwrap();
    assert_eq!(location, format!("/sign-in?next=/oauth/authorize?{query}"));
}

#[actix_web::test]
async fn consent_page_names_app_and_scopes() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = get_authorize(&authorize_query(&[]))
        .insert_header((TEST_USER_HEADER, fixture.user_id.as_str()))
        .to_request();
    let response = test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::OK);
    let csp = header_text(&response, header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:4000;"),
        "{csp}"
    );
    assert_eq!(
        header_text(&response, header::X_FRAME_OPTIONS).as_deref(),
        Some("DENY")
    );
    let html = body_text(response).await;
    assert!(html.contains("App public-app"));
    assert!(html.contains("See bugs"));
    assert!(html.contains("Staging"));
    assert!(
        html.contains("you will be sent to <strong>http://127.0.0.1:4000</strong>"),
        "the page names the redirect URI's origin"
    );
    assert!(!html.contains("Unverified app"));
    assert_eq!(hidden_value(&html, "state").as_deref(), Some("st&te"));
    assert_eq!(hidden_value(&html, "workspace_id").as_deref(), Some("ws_1"));
}

/// Posts a decision with the consent page's fields.
async fn decide(
    fixture: &Fixture,
    decision: &str,
    csrf_override: Option<&str>,
) -> (StatusCode, Option<String>) {
    let app = start!(embedded_state(fixture));
    let user = fixture.user_id.as_str();
    let page = test::call_service(
        &app,
        get_authorize(&authorize_query(&[]))
            .insert_header((TEST_USER_HEADER, user))
            .to_request(),
    )
    .await;
    let html = body_text(page).await;

    let names = [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "workspace_id",
    ];
    let values: Vec<(String, String)> = names
        .iter()
        .map(|name| (name.to_string(), hidden_value(&html, name).unwrap()))
        .collect();
    let csrf = csrf_override
        .map(str::to_owned)
        .unwrap_or_else(|| hidden_value(&html, "csrf_token").unwrap());
    let mut pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    pairs.push(("csrf_token", &csrf));
    pairs.push(("decision", decision));

    let request = form_post("/oauth/authorize", &pairs)
        .insert_header((TEST_USER_HEADER, user))
        .to_request();
    let response = test::call_service(&app, request).await;
    (response.status(), header_text(&response, header::LOCATION))
}

#[actix_web::test]
async fn approval_redirects_with_code_state_and_iss() {
    let fixture = fixture().await;
    let (status, location) = decide(&fixture, "approve", None).await;

    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(query_param(&location, "code").unwrap().starts_with("oac_"));
    assert_eq!(query_param(&location, "state").as_deref(), Some("st&te"));
    assert_eq!(query_param(&location, "iss").as_deref(), Some(ISSUER));
}

#[actix_web::test]
async fn denial_redirects_with_access_denied() {
    let fixture = fixture().await;
    let (status, location) = decide(&fixture, "deny", None).await;

    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        query_param(&location.unwrap(), "error").as_deref(),
        Some("access_denied")
    );
}

#[actix_web::test]
async fn decision_with_bad_csrf_token_is_rejected() {
    let fixture = fixture().await;
    let (status, location) = decide(&fixture, "approve", Some("forged")).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(location, None);
}

#[actix_web::test]
async fn public_client_asks_despite_grant() {
    let fixture = fixture().await;
    let (status, _) = decide(&fixture, "approve", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let app = start!(embedded_state(&fixture));
    let narrower = authorize_query(&[("scope", "bugs:read")]);
    let request = get_authorize(&narrower)
        .insert_header((TEST_USER_HEADER, fixture.user_id.as_str()))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK, "the consent page again");
    assert!(header_text(&response, header::LOCATION).is_none());
}

#[actix_web::test]
async fn member_without_workspace_sees_explanation() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = get_authorize(&authorize_query(&[]))
        .insert_header((TEST_USER_HEADER, "usr_stranger"))
        .to_request();
    let response = test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let html = body_text(response).await;
    assert!(html.contains("error=access_denied"));
}
