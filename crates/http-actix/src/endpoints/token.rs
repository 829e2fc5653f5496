//! The token (RFC 6749 section 3.2), revocation (RFC 7009) and
//! introspection (RFC 7662) endpoints: thin handlers over
//! [`oauth_apps_core::service::TokenService`].
//!
//! Each reads a strict form body ([`crate::form`]) and the client
//! credentials ([`crate::client_auth`]), calls one service function and
//! returns JSON with `Cache-Control: no-store`. Revocation returns 200 for
//! unknown tokens (RFC 7009 section 2.2). The `token_type_hint` parameter is
//! accepted and ignored, because token prefixes already tell the types apart.

use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::error::{ErrorCode, OAuthError};
use oauth_apps_core::service::{ClientAuthMethod, ClientCredentials, TokenRequest};
use oauth_apps_core::store::Store;
use serde::Serialize;

use crate::client_auth::read_credentials;
use crate::error::HttpError;
use crate::form::{Params, read_form};
use crate::security::no_store;
use crate::state::AppState;
use crate::telemetry::record_client_id;

/// A form and the credentials it carried.
struct ClientRequest {
    credentials: ClientCredentials,
    params: Params,
    basic: bool,
}

/// Reads the form body and the client credentials of a request.
async fn read_client_request(
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<ClientRequest, HttpError> {
    let invalid = |description: String| {
        HttpError::token(
            OAuthError::new(ErrorCode::InvalidRequest, description),
            false,
        )
    };
    let mut params = read_form(request, payload)
        .await
        .map_err(|error| invalid(error.to_string()))?;
    let credentials = read_credentials(request, &mut params)
        .map_err(|error| HttpError::token(error.error, error.basic))?;

    record_client_id(&credentials.client_id);
    let basic = credentials.method == ClientAuthMethod::Basic;
    Ok(ClientRequest {
        credentials,
        params,
        basic,
    })
}

/// Returns the required `token` parameter.
fn token_parameter(request: &mut ClientRequest) -> Result<String, HttpError> {
    request.params.take("token").ok_or_else(|| {
        HttpError::token(
            OAuthError::new(ErrorCode::InvalidRequest, "token is missing"),
            request.basic,
        )
    })
}

fn json_no_store(body: &impl Serialize) -> HttpResponse {
    let mut response = HttpResponse::Ok().json(body);
    no_store(&mut response);
    response
}

/// `POST /oauth/token`.
pub(crate) async fn token<S: Store + 'static>(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let ClientRequest {
        credentials,
        params,
        basic,
    } = read_client_request(&request, payload).await?;
    let body: TokenRequest = params.deserialize().map_err(|error| {
        HttpError::token(
            OAuthError::new(ErrorCode::InvalidRequest, error.to_string()),
            basic,
        )
    })?;

    let response = state
        .tokens
        .token(credentials, &body)
        .await
        .map_err(|error| HttpError::Token { error, basic })?;
    Ok(json_no_store(&response))
}

/// `POST /oauth/revoke`.
pub(crate) async fn revoke<S: Store + 'static>(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let mut client_request = read_client_request(&request, payload).await?;
    let token = token_parameter(&mut client_request)?;

    let basic = client_request.basic;
    state
        .tokens
        .revoke(client_request.credentials, &token)
        .await
        .map_err(|error| HttpError::Token { error, basic })?;
    let mut response = HttpResponse::Ok().finish();
    no_store(&mut response);
    Ok(response)
}

/// `POST /oauth/introspect`.
pub(crate) async fn introspect<S: Store + 'static>(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let mut client_request = read_client_request(&request, payload).await?;
    let token = token_parameter(&mut client_request)?;

    let basic = client_request.basic;
    let introspection = state
        .tokens
        .introspect(client_request.credentials, &token)
        .await
        .map_err(|error| HttpError::Token { error, basic })?;
    Ok(json_no_store(&introspection))
}
