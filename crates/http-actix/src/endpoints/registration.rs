//! Dynamic client registration (RFC 7591 section 3) at `POST
//! /oauth/register`, and the client configuration endpoint (RFC 7592) at
//! `GET`, `PUT` and `DELETE /oauth/register/{client_id}`: thin handlers over
//! [`oauth_apps_core::service::RegistrationService`].
//!
//! Bodies are JSON of at most [`MAX_REGISTRATION_BYTES`]. Registrations
//! are rate-limited per peer IP address ([`crate::rate_limit`]); the
//! configuration endpoint is not, because it needs a registration access
//! token. Responses carry `Cache-Control: no-store`, because they contain
//! secrets. The wire format and the error responses are in [`wire`].

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::service::{ClientMetadata, RegistrationRequest};
use oauth_apps_core::store::Store;

use crate::security::no_store;
use crate::state::AppState;
use crate::telemetry::record_client_id;

mod wire;

use wire::{ClientInformation, RegistrationError};

/// Largest registration or update body accepted, in bytes.
pub const MAX_REGISTRATION_BYTES: usize = 16 * 1024;

/// `POST /oauth/register`.
pub(crate) async fn register<S: Store + 'static>(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, RegistrationError> {
    let peer = request.peer_addr().map(|address| address.ip());
    if let Some(ip) = peer {
        state
            .registration_limit
            .check(ip)
            .map_err(RegistrationError::RateLimited)?;
    }
    let metadata = read_metadata(&request, payload).await?;

    let registered = state
        .registration
        .register(RegistrationRequest {
            metadata,
            initial_access_token: bearer_token(&request),
            source_address: peer.map(|ip| ip.to_string()),
        })
        .await?;
    record_client_id(registered.client.id.as_str());
    let information = ClientInformation::new(
        &registered.client,
        registered
            .registration_access_token
            .as_ref()
            .map(|token| token.expose()),
        registered
            .client_secret
            .as_ref()
            .map(|secret| secret.expose()),
        &state.context.settings.issuer,
    );
    // An identical earlier registration is answered with 200 and the
    // existing client, without credentials; a new one with 201.
    let status = if registered.existing {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(json_no_store(status, &information))
}

/// `GET /oauth/register/{client_id}`.
pub(crate) async fn read<S: Store + 'static>(
    request: HttpRequest,
    client_id: web::Path<String>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, RegistrationError> {
    record_client_id(&client_id);
    let token = required_token(&request)?;
    let client = state.registration.read(&client_id, &token).await?;
    let information =
        ClientInformation::new(&client, Some(&token), None, &state.context.settings.issuer);
    Ok(json_no_store(StatusCode::OK, &information))
}

/// `PUT /oauth/register/{client_id}`.
pub(crate) async fn update<S: Store + 'static>(
    request: HttpRequest,
    client_id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, RegistrationError> {
    record_client_id(&client_id);
    let token = required_token(&request)?;
    let metadata = read_metadata(&request, payload).await?;
    let client = state
        .registration
        .update(&client_id, &token, &metadata)
        .await?;
    let information =
        ClientInformation::new(&client, Some(&token), None, &state.context.settings.issuer);
    Ok(json_no_store(StatusCode::OK, &information))
}

/// `DELETE /oauth/register/{client_id}`.
pub(crate) async fn delete<S: Store + 'static>(
    request: HttpRequest,
    client_id: web::Path<String>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, RegistrationError> {
    record_client_id(&client_id);
    let token = required_token(&request)?;
    state.registration.delete(&client_id, &token).await?;
    let mut response = HttpResponse::NoContent().finish();
    no_store(&mut response);
    Ok(response)
}

fn json_no_store(status: StatusCode, body: &ClientInformation<'_>) -> HttpResponse {
    let mut response = HttpResponse::build(status).json(body);
    no_store(&mut response);
    response
}

/// Returns the token of an `Authorization: Bearer` header, if any.
fn bearer_token(request: &HttpRequest) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

fn required_token(request: &HttpRequest) -> Result<String, RegistrationError> {
    bearer_token(request).ok_or(RegistrationError::MissingToken)
}

/// Reads a JSON body of at most [`MAX_REGISTRATION_BYTES`] as metadata.
async fn read_metadata(
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<ClientMetadata, RegistrationError> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(RegistrationError::BadBody(
            "the request body must be application/json".into(),
        ));
    }
    let body = match payload.to_bytes_limited(MAX_REGISTRATION_BYTES).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return Err(RegistrationError::BadBody(
                "the request body could not be read".into(),
            ));
        }
        Err(_) => {
            return Err(RegistrationError::BadBody(format!(
                "the request body is larger than {MAX_REGISTRATION_BYTES} bytes"
            )));
        }
    };
    serde_json::from_slice(&body).map_err(|error| {
        RegistrationError::BadBody(format!(
            "the request body is not a JSON object of client metadata: {error}"
        ))
    })
}
