//! The one place where errors become HTTP responses.
//!
//! Token, revocation and introspection errors follow RFC 6749 section 5.2:
//! a JSON body `{"error", "error_description"}` with `Cache-Control:
//! no-store` and `Pragma: no-cache`. `invalid_client` is 401, with
//! `WWW-Authenticate: Basic` when the client used HTTP Basic
//! authentication. `server_error` is 500, `temporarily_unavailable` is 503
//! and every other code is 400.
//!
//! NOTE: RFC 9110 section 15.5.2 wants a `WWW-Authenticate` header on every
//! 401, but it is sent only after Basic authentication, so browsers do not
//! show a password prompt to clients that posted their credentials.
//! Authorization endpoint errors that cannot be sent to a verified redirect
//! URI become an HTML error page with status 400 and are never redirected
//! (RFC 6749 section 4.1.2.1). Every rejection is logged here, with the
//! `client_id` the request span carries.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use oauth_apps_core::error::{ErrorCode, OAuthError, ServiceError, StoreError};
use oauth_apps_core::service::AuthorizationError;

use crate::pages::error_page;
use crate::security::{html, no_store};

/// The realm of the `WWW-Authenticate` challenge.
pub const REALM: &str = "oauth-apps";

/// An error of an endpoint, ready to become a response.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// An error of the token, revocation or introspection endpoint.
    #[error("{error}")]
    Token {
        /// The rejection or store failure.
        error: ServiceError,
        /// Whether the client used HTTP Basic authentication.
        basic: bool,
    },
    /// An authorization request that cannot be verified: an error page,
    /// never a redirect.
    #[error("{0}")]
    AuthorizationPage(OAuthError),
    /// An authorization error sent back to the client's verified redirect URI.
    #[error("authorization error redirected to the client")]
    AuthorizationRedirect {
        /// The redirect location carrying `error`, `state` and `iss`.
        location: String,
        /// 302 after a GET, 303 after a POST.
        status: StatusCode,
    },
    /// A page request the server will not act on, such as a decision with a
    /// bad CSRF token; the message is shown to the user.
    #[error("{0}")]
    BadPageRequest(String),
    /// The store failed while serving a page.
    #[error(transparent)]
    PageStore(StoreError),
}

impl HttpError {
    /// Converts an authorization error; error redirects use `status`.
    pub fn authorization(error: AuthorizationError, status: StatusCode) -> HttpError {
        match error {
            AuthorizationError::ErrorPage(error) => HttpError::AuthorizationPage(error),
            AuthorizationError::Redirect(redirect) => HttpError::AuthorizationRedirect {
                location: redirect.location(),
                status,
            },
            AuthorizationError::Store(error) => HttpError::PageStore(error),
        }
    }

    /// Builds a token endpoint rejection.
    pub fn token(error: OAuthError, basic: bool) -> HttpError {
        HttpError::Token {
            error: ServiceError::Rejected(error),
            basic,
        }
    }
}

/// Returns the HTTP status of a token endpoint error code.
fn token_status(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
        ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn store_status(error: &StoreError) -> StatusCode {
    match error {
        StoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ResponseError for HttpError {
    fn status_code(&self) -> StatusCode {
        match self {
            HttpError::Token { error, .. } => token_status(error.to_oauth().error),
            HttpError::AuthorizationPage(_) | HttpError::BadPageRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            HttpError::AuthorizationRedirect { status, .. } => *status,
            HttpError::PageStore(error) => store_status(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        log(self);
        match self {
            HttpError::Token { error, basic } => token_response(&error.to_oauth(), *basic),
            HttpError::AuthorizationPage(error) => html(
                StatusCode::BAD_REQUEST,
                error_page(
                    "This request cannot be completed",
                    &error.error_description,
                    None,
                ),
                None,
            ),
            HttpError::AuthorizationRedirect { location, status } => HttpResponse::build(*status)
                .insert_header((header::LOCATION, location.as_str()))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish(),
            HttpError::BadPageRequest(message) => html(
                StatusCode::BAD_REQUEST,
                error_page("This request cannot be completed", message, None),
                None,
            ),
            HttpError::PageStore(error) => html(
                store_status(error),
                error_page(
                    "Something went wrong",
                    "The server could not complete this request. Please try again shortly.",
                    None,
                ),
                None,
            ),
        }
    }
}

/// Builds the RFC 6749 section 5.2 response for `error`.
fn token_response(error: &OAuthError, basic: bool) -> HttpResponse {
    let status = token_status(error.error);
    let mut response = HttpResponse::build(status).json(error);
    no_store(&mut response);
    if status == StatusCode::UNAUTHORIZED && basic {
        let challenge = format!("Basic realm=\"{REALM}\"");
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

/// Logs a rejection at info and a store failure at error. Descriptions are
/// the client-visible ones and carry no secret.
fn log(error: &HttpError) {
    match error {
        HttpError::Token {
            error: ServiceError::Rejected(error),
            ..
        }
        | HttpError::AuthorizationPage(error) => {
            tracing::info!(error = %error.error, description = %error.error_description, "request rejected");
        }
        HttpError::Token {
            error: ServiceError::Store(error),
            ..
        }
        | HttpError::PageStore(error) => {
            tracing::error!(%error, "store failure");
        }
        HttpError::BadPageRequest(message) => tracing::warn!(message, "page request rejected"),
        HttpError::AuthorizationRedirect { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use oauth_apps_core::service::ErrorRedirect;

    async fn body_of(response: HttpResponse) -> String {
        String::from_utf8(to_bytes(response.into_body()).await.unwrap().to_vec()).unwrap()
    }

    fn header_of(response: &HttpResponse, name: header::HeaderName) -> Option<&str> {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap())
    }

    fn rejected(code: ErrorCode, basic: bool) -> HttpResponse {
        HttpError::token(OAuthError::new(code, "why"), basic).error_response()
    }

    #[actix_web::test]
    async fn token_error_is_rfc6749_json() {
        let response = rejected(ErrorCode::InvalidGrant, false);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            Some("no-store")
        );
        assert_eq!(header_of(&response, header::PRAGMA), Some("no-cache"));
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            Some("application/json")
        );
        assert_eq!(
            body_of(response).await,
            r#"{"error":"invalid_grant","error_description":"why"}"#
        );
    }

    #[test]
    fn token_error_codes_map_to_400() {
        for code in [
            ErrorCode::InvalidRequest,
            ErrorCode::InvalidGrant,
            ErrorCode::UnauthorizedClient,
            ErrorCode::UnsupportedGrantType,
            ErrorCode::InvalidScope,
            ErrorCode::UnsupportedTokenType,
        ] {
            assert_eq!(
                rejected(code, false).status(),
                StatusCode::BAD_REQUEST,
                "{code}"
            );
        }
    }

    #[test]
    fn invalid_client_with_basic_is_401_with_challenge() {
        let response = rejected(ErrorCode::InvalidClient, true);
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            header_of(&response, header::WWW_AUTHENTICATE),
            Some("Basic realm=\"oauth-apps\"")
        );
    }

    #[test]
    fn invalid_client_without_basic_has_no_challenge() {
        let response = rejected(ErrorCode::InvalidClient, false);
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(header_of(&response, header::WWW_AUTHENTICATE), None);
    }

    #[test]
    fn other_errors_with_basic_have_no_challenge() {
        let response = rejected(ErrorCode::InvalidGrant, true);
        assert_eq!(header_of(&response, header::WWW_AUTHENTICATE), None);
    }

    #[actix_web::test]
    async fn unavailable_store_is_503_temporarily_unavailable() {
        let error = ServiceError::Store(StoreError::Unavailable("db host 10.0.0.5 down".into()));
        let response = HttpError::Token {
            error,
            basic: false,
        }
        .error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = body_of(response).await;
        assert!(body.contains("\"temporarily_unavailable\""));
        assert!(!body.contains("10.0.0.5"));
    }

    #[actix_web::test]
    async fn internal_store_failure_is_500_without_detail() {
        let error = ServiceError::Store(StoreError::Internal("row 42 corrupt".into()));
        let response = HttpError::Token {
            error,
            basic: false,
        }
        .error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            Some("no-store")
        );
        let body = body_of(response).await;
        assert!(body.contains("\"server_error\""));
        assert!(!body.contains("row 42"));
    }

    #[actix_web::test]
    async fn unverified_authorization_is_400_page_without_location() {
        let error = AuthorizationError::ErrorPage(OAuthError::new(
            ErrorCode::InvalidRequest,
            "redirect_uri is missing",
        ));
        let response = HttpError::authorization(error, StatusCode::FOUND).error_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(header_of(&response, header::LOCATION), None);
        assert!(header_of(&response, header::CONTENT_SECURITY_POLICY).is_some());
        assert!(body_of(response).await.contains("redirect_uri is missing"));
    }

    #[test]
    fn verified_authorization_error_redirects() {
        let error = AuthorizationError::Redirect(ErrorRedirect {
            redirect_uri: "https://app.example/cb".into(),
            error: OAuthError::new(ErrorCode::InvalidScope, "unknown scope"),
            state: Some("s1".into()),
            issuer: "https://issuer.example".into(),
        });
        let response = HttpError::authorization(error, StatusCode::FOUND).error_response();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = header_of(&response, header::LOCATION).unwrap();
        assert!(location.starts_with("https://app.example/cb?error=invalid_scope&"));
        assert!(location.contains("state=s1"));
    }

    #[actix_web::test]
    async fn page_store_failure_hides_detail() {
        let error = AuthorizationError::Store(StoreError::Internal("secret detail".into()));
        let response = HttpError::authorization(error, StatusCode::FOUND).error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body_of(response).await.contains("secret detail"));
    }

    #[test]
    fn bad_page_request_is_400_page() {
        let response = HttpError::BadPageRequest("The form expired.".into()).error_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(header_of(&response, header::X_FRAME_OPTIONS), Some("DENY"));
    }
}
