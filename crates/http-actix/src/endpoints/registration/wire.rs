//! The JSON of the registration endpoints: the client information response
//! (RFC 7591 section 3.2.1, RFC 7592 section 3) and the error responses.
//!
//! Errors are `{"error", "error_description"}` with `Cache-Control:
//! no-store`: `invalid_redirect_uri` and `invalid_client_metadata` are 400
//! (RFC 7591 section 3.2.2), a missing or invalid initial or registration
//! access token is 401 `invalid_token` with a `WWW-Authenticate: Bearer`
//! challenge (RFC 6750 section 3), and too many registrations from one
//! address are 429 `temporarily_unavailable` with `Retry-After`.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use oauth_apps_core::client::{Client, ClientType, GrantType, TokenEndpointAuthMethod};
use oauth_apps_core::error::{ErrorCode, OAuthError, ServiceError, StoreError};
use serde::Serialize;

use crate::error::REALM;
use crate::paths;
use crate::security::no_store;

/// A client as the registration endpoints return it. Holds secrets, so it
/// has no `Debug` and is never logged.
#[derive(Serialize)]
pub(crate) struct ClientInformation<'a> {
    client_id: &'a str,
    client_id_issued_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    /// 0 (never expires) when `client_secret` is sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_expires_at: Option<i64>,
    /// Absent when an identical earlier registration was returned, together
    /// with `registration_client_uri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_access_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_client_uri: Option<String>,
    client_name: &'a str,
    redirect_uris: Vec<&'a str>,
    grant_types: Vec<&'static str>,
    response_types: Vec<&'static str>,
    token_endpoint_auth_method: &'static str,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    software_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    software_version: Option<&'a str>,
}

impl<'a> ClientInformation<'a> {
    /// Describes `client`, with the secrets to send in this response.
    pub(crate) fn new(
        client: &'a Client,
        registration_access_token: Option<&'a str>,
        client_secret: Option<&'a str>,
        issuer: &str,
    ) -> ClientInformation<'a> {
        let registration = client.registration.as_ref();
        let auth_method = client.auth_method.unwrap_or(match client.client_type {
            ClientType::Public => TokenEndpointAuthMethod::None,
            ClientType::Confidential => TokenEndpointAuthMethod::ClientSecretBasic,
        });
        let response_types = if client.allows_grant(GrantType::AuthorizationCode) {
            vec!["code"]
        } else {
            Vec::new()
        };
        ClientInformation {
            client_id: client.id.as_str(),
            client_id_issued_at: client.created_at.unix_seconds(),
            client_secret,
            client_secret_expires_at: client_secret.map(|_| 0),
            registration_access_token,
            registration_client_uri: registration_access_token.map(|_| {
                format!(
                    "{}{}/{}",
                    issuer.trim_end_matches('/'),
                    paths::REGISTER,
                    client.id
                )
            }),
            client_name: &client.name,
            redirect_uris: client
                .redirect_uris
                .iter()
                .map(|uri| uri.as_str())
                .collect(),
            grant_types: client
                .grant_types
                .iter()
                .map(|grant| grant.as_str())
                .collect(),
            response_types,
            token_endpoint_auth_method: auth_method.as_str(),
            scope: client.allowed_scopes.to_string(),
            client_uri: client.homepage_url.as_deref(),
            software_id: registration.and_then(|r| r.software_id.as_deref()),
            software_version: registration.and_then(|r| r.software_version.as_deref()),
        }
    }
}

/// An error of a registration endpoint.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RegistrationError {
    /// The service rejected the request or the store failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The body is not JSON client metadata; the message gives the reason.
    #[error("{0}")]
    BadBody(String),
    /// A configuration request without a Bearer token.
    #[error("no registration access token")]
    MissingToken,
    /// Too many registrations from the address; retry after the duration.
    #[error("too many registrations, retry after {0:?}")]
    RateLimited(Duration),
}

impl RegistrationError {
    fn to_oauth(&self) -> OAuthError {
        match self {
            RegistrationError::Service(error) => error.to_oauth(),
            RegistrationError::BadBody(message) => {
                OAuthError::new(ErrorCode::InvalidClientMetadata, message.as_str())
            }
            RegistrationError::MissingToken => OAuthError::new(
                ErrorCode::InvalidToken,
                "send the registration access token as a Bearer token in the Authorization header",
            ),
            RegistrationError::RateLimited(wait) => OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                format!(
                    "too many registrations from this address: retry in {}",
                    seconds(wait.as_secs())
                ),
            ),
        }
    }
}

impl ResponseError for RegistrationError {
    fn status_code(&self) -> StatusCode {
        if let RegistrationError::RateLimited(_) = self {
            return StatusCode::TOO_MANY_REQUESTS;
        }
        match self.to_oauth().error {
            ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let error = self.to_oauth();
        log(self, &error);
        let status = self.status_code();
        let mut response = HttpResponse::build(status).json(&error);
        no_store(&mut response);
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            let challenge = format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"");
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if let RegistrationError::RateLimited(wait) = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
        }
        response
    }
}

/// Formats a number of seconds with the matching singular or plural noun.
fn seconds(count: u64) -> String {
    if count == 1 {
        "1 second".to_owned()
    } else {
        format!("{count} seconds")
    }
}

/// Logs a rejection at info and a store failure at error. Descriptions
/// carry no secret: the core's messages never quote a token.
fn log(error: &RegistrationError, wire: &OAuthError) {
    match error {
        RegistrationError::Service(ServiceError::Store(StoreError::Unavailable(cause)))
        | RegistrationError::Service(ServiceError::Store(StoreError::Internal(cause)))
        | RegistrationError::Service(ServiceError::Store(StoreError::Conflict(cause))) => {
            tracing::error!(error = %cause, "store failure during registration");
        }
        RegistrationError::BadBody(_) => {
            tracing::info!(error = %wire.error, "registration body rejected");
        }
        _ => {
            tracing::info!(error = %wire.error, description = %wire.error_description, "registration request rejected");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(response: HttpResponse) -> serde_json::Value {
        let bytes = to_bytes(response.into_body()).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[actix_web::test]
    async fn invalid_metadata_is_400_json() {
        let error = RegistrationError::Service(ServiceError::rejected(
            ErrorCode::InvalidRedirectUri,
            "a fragment is not allowed",
        ));
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
        let body = body_of(response).await;
        assert_eq!(body["error"], "invalid_redirect_uri");
        assert_eq!(body["error_description"], "a fragment is not allowed");
    }

    #[test]
    fn invalid_token_is_401_with_bearer_challenge() {
        let response = RegistrationError::MissingToken.error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers().get(header::WWW_AUTHENTICATE).unwrap();
        assert_eq!(
            challenge,
            "Bearer realm=\"oauth-apps\", error=\"invalid_token\""
        );
    }

    #[test]
    fn rate_limit_is_429_with_retry_after() {
        let response = RegistrationError::RateLimited(Duration::from_secs(3)).error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "3");
    }

    #[actix_web::test]
    async fn rate_limit_description_pluralises_seconds() {
        let one = RegistrationError::RateLimited(Duration::from_secs(1)).error_response();
        let body = body_of(one).await;
        assert_eq!(
            body["error_description"],
            "too many registrations from this address: retry in 1 second"
        );
        let three = RegistrationError::RateLimited(Duration::from_secs(3)).error_response();
        let body = body_of(three).await;
        assert_eq!(
            body["error_description"],
            "too many registrations from this address: retry in 3 seconds"
        );
    }

    #[actix_web::test]
    async fn store_failure_hides_detail() {
        let error = RegistrationError::Service(ServiceError::Store(StoreError::Internal(
            "row 7 corrupt".into(),
        )));
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_of(response).await;
        assert_eq!(body["error"], "server_error");
        assert!(!body.to_string().contains("row 7"));
    }
}
