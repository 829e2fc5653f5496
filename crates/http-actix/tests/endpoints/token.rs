//! The token, revocation and introspection endpoints.

use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::helpers::*;
use crate::start;

fn basic(client_id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}")))
}

async fn json_of<B: actix_web::body::MessageBody>(
    response: actix_web::dev::ServiceResponse<B>,
) -> serde_json::Value {
    serde_json::from_str(&body_text(response).await).unwrap()
}

#[actix_web::test]
async fn metadata_lists_endpoints() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = TestRequest::get()
        .uri("/.well-known/oauth-authorization-server")
        .to_request();
    let response = test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::OK);
    let json = json_of(response).await;
    assert_eq!(json["issuer"], ISSUER);
    assert_eq!(json["token_endpoint"], format!("{ISSUER}/oauth/token"));
    assert_eq!(
        json["grant_types_supported"],
        serde_json::json!([
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code"
        ])
    );
}

#[actix_web::test]
async fn token_rejects_json_body() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = TestRequest::post()
        .uri("/oauth/token")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload(r#"{"grant_type":"refresh_token"}"#)
        .to_request();
    let response = test::call_service(&app, request).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        header_text(&response, header::CACHE_CONTROL).as_deref(),
        Some("no-store")
    );
    assert_eq!(json_of(response).await["error"], "invalid_request");
}

#[actix_web::test]
async fn token_rejects_duplicate_parameter() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = form_post(
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", PUBLIC_CLIENT),
            ("grant_type", "authorization_code"),
        ],
    );
    let response = test::call_service(&app, request.to_request()).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(response).await["error"], "invalid_request");
}

#[actix_web::test]
async fn wrong_basic_secret_is_401_with_challenge() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = form_post(
        "/oauth/token",
        &[("grant_type", "refresh_token"), ("refresh_token", "ort_x")],
    )
    .insert_header((header::AUTHORIZATION, basic(CONFIDENTIAL_CLIENT, "wrong")));
    let response = test::call_service(&app, request.to_request()).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_text(&response, header::WWW_AUTHENTICATE).as_deref(),
        Some("Basic realm=\"oauth-apps\"")
    );
    assert_eq!(json_of(response).await["error"], "invalid_client");
}

#[actix_web::test]
async fn wrong_post_secret_is_401_without_challenge() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = form_post(
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "ort_x"),
            ("client_id", CONFIDENTIAL_CLIENT),
            ("client_secret", "wrong"),
        ],
    );
    let response = test::call_service(&app, request.to_request()).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header_text(&response, header::WWW_AUTHENTICATE), None);
}

#[actix_web::test]
async fn revoke_unknown_token_succeeds() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = form_post(
        "/oauth/revoke",
        &[
            ("token", "oat_unknown"),
            ("token_type_hint", "access_token"),
        ],
    )
    .insert_header((
        header::AUTHORIZATION,
        basic(CONFIDENTIAL_CLIENT, CLIENT_SECRET),
    ));
    let response = test::call_service(&app, request.to_request()).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn revoke_without_token_is_invalid_request() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = form_post("/oauth/revoke", &[("client_id", PUBLIC_CLIENT)]);
    let response = test::call_service(&app, request.to_request()).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(response).await["error"], "invalid_request");
}

#[actix_web::test]
async fn introspect_unknown_token_is_inactive() {
    let fixture = fixture().await;
    let app = start!(embedded_state(&fixture));
    let request = form_post("/oauth/introspect", &[("token", "oat_unknown")]).insert_header((
        header::AUTHORIZATION,
        basic(CONFIDENTIAL_CLIENT, CLIENT_SECRET),
    ));
    let response = test::call_service(&app, request.to_request()).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_text(&response, header::CACHE_CONTROL).as_deref(),
        Some("no-store")
    );
    assert_eq!(
        json_of(response).await,
        serde_json::json!({"active": false})
    );
}
