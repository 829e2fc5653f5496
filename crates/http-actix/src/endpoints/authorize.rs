//! The authorization endpoint (RFC 6749 section 4.1.1) for browsers. `GET`
//! validates the request, sends a visitor without a session to the login
//! page, and shows the consent page or approves at once when a remembered
//! grant covers the request. `POST` carries the member's decision.
//!
//! Validation always comes first and follows the service's order, so an
//! unverified client or redirect URI ends on an error page and never in a
//! redirect. The decision form carries the original request as hidden
//! fields and a CSRF token derived from the session; it is validated again
//! in full when posted. Redirects after the `POST` use 303 See Other, so
//! browsers follow them with a `GET` and never re-send the form to the
//! client, as a 307 would.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::error::{ErrorCode, OAuthError};
use oauth_apps_core::ids::WorkspaceId;
use oauth_apps_core::service::{AuthorizationRequest, ValidatedAuthorization};
use oauth_apps_core::store::Store;

use super::consent::{consent_response, no_workspace_response};
use crate::authenticator::Session;
use crate::error::HttpError;
use crate::form::{Params, read_form, read_query};
use crate::state::AppState;
use crate::telemetry::record_client_id;

/// The purpose the consent form's CSRF token is derived for.
pub(crate) const CONSENT_CSRF_PURPOSE: &str = "consent";

const CSRF_REJECTED: &str = "The consent form has expired or did not come from this server. \
     Go back to the app and start again.";

/// `GET /oauth/authorize`.
pub(crate) async fn authorize<S: Store + 'static>(
    request: HttpRequest,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let params = read_query(&request).map_err(invalid_request)?;
    let raw = authorization_request(&params)?;
    let validated = validate(&state, &raw, StatusCode::FOUND).await?;

    let Some(session) = state.authenticator.current_session(&request) else {
        let return_to = format!("{}?{}", request.path(), request.query_string());
        return Ok(state.authenticator.login_response(&request, &return_to));
    };
    respond_to_member(&state, &raw, &validated, &session, request.path()).await
}

/// `POST /oauth/authorize`: the member's decision on the consent page.
pub(crate) async fn decide<S: Store + 'static>(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let mut form = read_form(&request, payload)
        .await
        .map_err(invalid_request)?;
    let raw = authorization_request(&form)?;
    let Some(session) = state.authenticator.current_session(&request) else {
        let return_to = format!("{}?{}", request.path(), query_of(&raw));
        return Ok(state.authenticator.login_response(&request, &return_to));
    };

    let token = form.take("csrf_token").unwrap_or_default();
    if !state
        .key
        .csrf_token_matches(CONSENT_CSRF_PURPOSE, &session.binding, &token)
    {
        return Err(HttpError::BadPageRequest(CSRF_REJECTED.to_owned()));
    }
    let validated = validate(&state, &raw, StatusCode::SEE_OTHER).await?;

    let location = match form.get("decision") {
        Some("approve") => {
            let workspace_id = form.get("workspace_id").ok_or_else(|| {
                HttpError::BadPageRequest("Choose a workspace before approving.".to_owned())
            })?;
            state
                .authorization
                .approve(
                    &validated,
                    &session.user_id,
                    &WorkspaceId::new(workspace_id),
                )
                .await
                .map_err(|error| HttpError::authorization(error, StatusCode::SEE_OTHER))?
        }
        Some("deny") => state.authorization.deny(&validated),
        _ => {
            return Err(HttpError::BadPageRequest(
                "Choose Approve or Deny.".to_owned(),
            ));
        }
    };
    Ok(redirect(StatusCode::SEE_OTHER, &location))
}

/// Approves at once when exactly one workspace has a grant covering the
/// request, and shows the consent page otherwise.
async fn respond_to_member<S: Store + 'static>(
    state: &AppState<S>,
    raw: &AuthorizationRequest,
    validated: &ValidatedAuthorization,
    session: &Session,
    action: &str,
) -> Result<HttpResponse, HttpError> {
    let user_id = &session.user_id;
    let workspaces = state
        .authorization
        .workspaces_for(validated, user_id)
        .await
        .map_err(HttpError::PageStore)?;
    if workspaces.is_empty() {
        return Ok(no_workspace_response(state, validated));
    }

    let mut covered = Vec::new();
    for (workspace, _) in &workspaces {
        let needs_consent = state
            .authorization
            .needs_consent(validated, user_id, &workspace.id)
            .await
            .map_err(HttpError::PageStore)?;
        if !needs_consent {
            covered.push(workspace.id.clone());
        }
    }
    if let [workspace_id] = covered.as_slice() {
        tracing::info!(%user_id, %workspace_id, "remembered grant covers the request");
        let location = state
            .authorization
            .approve(validated, user_id, workspace_id)
            .await
            .map_err(|error| HttpError::authorization(error, StatusCode::FOUND))?;
        return Ok(redirect(StatusCode::FOUND, &location));
    }

    let csrf_token = state.key.csrf_token(CONSENT_CSRF_PURPOSE, &session.binding);
    consent_response(
        state,
        raw,
        validated,
        user_id,
        &workspaces,
        action,
        &csrf_token,
    )
    .await
}

/// Validates `raw`; error redirects use `status`.
async fn validate<S: Store + 'static>(
    state: &AppState<S>,
    raw: &AuthorizationRequest,
    status: StatusCode,
) -> Result<ValidatedAuthorization, HttpError> {
    state
        .authorization
        .validate(raw)
        .await
        .map_err(|error| HttpError::authorization(error, status))
}

fn authorization_request(params: &Params) -> Result<AuthorizationRequest, HttpError> {
    let raw: AuthorizationRequest = params.deserialize().map_err(invalid_request)?;
    if let Some(client_id) = raw.client_id.as_deref() {
        record_client_id(client_id);
    }
    Ok(raw)
}

/// Rejects a malformed query or form. The redirect URI is not verified at
/// this point, so the error is shown on a page.
fn invalid_request(error: crate::form::FormError) -> HttpError {
    HttpError::AuthorizationPage(OAuthError::new(
        ErrorCode::InvalidRequest,
        error.to_string(),
    ))
}

/// Returns the hidden fields that carry `raw` through the consent form.
pub(crate) fn request_fields(raw: &AuthorizationRequest) -> Vec<(&'static str, &str)> {
    [
        ("response_type", &raw.response_type),
        ("client_id", &raw.client_id),
        ("redirect_uri", &raw.redirect_uri),
        ("scope", &raw.scope),
        ("state", &raw.state),
        ("code_challenge", &raw.code_challenge),
        ("code_challenge_method", &raw.code_challenge_method),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.as_deref().map(|value| (name, value)))
    .collect()
}

/// Encodes `raw` as the query string of an authorization URL.
fn query_of(raw: &AuthorizationRequest) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(request_fields(raw))
        .finish()
}

fn redirect(status: StatusCode, location: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trips_request_fields() {
        let raw = AuthorizationRequest {
            response_type: Some("code".into()),
            client_id: Some("demo public".into()),
            state: Some("a&b=c".into()),
            ..AuthorizationRequest::default()
        };
        let query = query_of(&raw);
        assert_eq!(
            query,
            "response_type=code&client_id=demo+public&state=a%26b%3Dc"
        );
        let parsed: AuthorizationRequest = Params::parse(query.as_bytes())
            .unwrap()
            .deserialize()
            .unwrap();
        assert_eq!(parsed.client_id, raw.client_id);
        assert_eq!(parsed.state, raw.state);
        assert_eq!(parsed.scope, None);
    }
}
