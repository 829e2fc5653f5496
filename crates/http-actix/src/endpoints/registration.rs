//! Dynamic client registration (RFC 7591 section 3) at `POST
//! /oauth/register`, and the client configuration endpoint (RFC 7592) at
//! `GET`, `PUT` and `DELETE /oauth/register/{client_id}`: thin handlers over
//! [`oauth_apps_core::service::RegistrationService`].
//!
//! Bodies are UTF-8 JSON of at most [`MAX_REGISTRATION_BYTES`].
//! Registrations are rate-limited per peer IPv4 address or IPv6 /64
//! network ([`crate::rate_limit`]). The configuration endpoint is not,
//! because it needs a registration access token. Responses carry `Cache-Control: no-store`, because they contain
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
    // An identical earlier registration gets 200 and the
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

/// Checks that `content_type` is `application/json` with no charset or
/// the UTF-8 one, the only encoding of JSON (RFC 8259 section 8.1).
fn check_json_content_type(content_type: &str) -> Result<(), RegistrationError> {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(RegistrationError::BadBody(
            "the request body must be application/json".into(),
        ));
    }
    for parameter in parts {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("charset") {
            continue;
        }
        let charset = value.trim().trim_matches('"');
        if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8") {
            let shown: String = charset.chars().take(40).collect();
            return Err(RegistrationError::BadBody(format!(
                "the request body must be UTF-8 JSON, but the Content-Type names charset \
                 {shown}: send charset=utf-8 or no charset"
            )));
        }
    }
    Ok(())
}

/// Reads a JSON body of at most [`MAX_REGISTRATION_BYTES`] as metadata.
async fn read_metadata(
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<ClientMetadata, RegistrationError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    check_json_content_type(content_type)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_accepted() {
        let accepted = [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json; charset=\"utf-8\"",
        ];
        for content_type in accepted {
            assert!(
                check_json_content_type(content_type).is_ok(),
                "{content_type}"
            );
        }
    }

    #[test]
    fn other_content_types_and_charsets_are_rejected() {
        let rejected = [
            ("", "must be application/json"),
            ("text/plain", "must be application/json"),
            ("application/json; charset=utf-16", "names charset utf-16:"),
            (
                "application/json; charset=iso-8859-1",
                "names charset iso-8859-1:",
            ),
        ];
        for (content_type, message) in rejected {
            let Err(RegistrationError::BadBody(description)) =
                check_json_content_type(content_type)
            else {
                panic!("{content_type:?} was accepted");
            };
            assert!(
                description.contains(message),
                "{content_type}: {description}"
            );
        }
    }
}
