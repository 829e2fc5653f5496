//! The device authorization endpoint (RFC 8628 section 3.1), a thin handler
//! over [`oauth_apps_core::service::DeviceService::start`].
//!
//! The client authenticates as at the token endpoint. The response is JSON
//! with `Cache-Control: no-store` (section 3.2), and errors follow RFC 6749
//! section 5.2 like the token endpoint's.

use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::error::{ErrorCode, OAuthError};
use oauth_apps_core::service::ClientAuthMethod;
use oauth_apps_core::store::Store;
use serde::Deserialize;

use crate::client_auth::read_credentials;
use crate::error::HttpError;
use crate::form::read_form;
use crate::security::no_store;
use crate::state::AppState;
use crate::telemetry::record_client_id;

/// The form parameters besides the client credentials.
#[derive(Deserialize)]
struct DeviceAuthorizationForm {
    scope: Option<String>,
    resource: Option<String>,
}

/// `POST /oauth/device_authorization`.
pub(crate) async fn device_authorization<S: Store + 'static>(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let invalid = |description: String, basic: bool| {
        HttpError::token(
            OAuthError::new(ErrorCode::InvalidRequest, description),
            basic,
        )
    };
    let mut params = read_form(&request, payload)
        .await
        .map_err(|error| invalid(error.to_string(), false))?;
    let credentials = read_credentials(&request, &mut params)
        .map_err(|error| HttpError::token(error.error, error.basic))?;
    record_client_id(&credentials.client_id);
    let basic = credentials.method == ClientAuthMethod::Basic;
    let form: DeviceAuthorizationForm = params
        .deserialize()
        .map_err(|error| invalid(error.to_string(), basic))?;

    let response = state
        .devices
        .start(credentials, form.scope.as_deref(), form.resource.as_deref())
        .await
        .map_err(|error| HttpError::Token { error, basic })?;
    let mut response = HttpResponse::Ok().json(response);
    no_store(&mut response);
    Ok(response)
}
