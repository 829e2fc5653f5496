//! The authorization endpoint (RFC 6749 section 4.1.1) for browsers. `GET`
//! validates the request, sends a visitor without a session to the login
//! page, and shows the consent page or approves at once when a remembered
//! grant covers the request. `POST` carries the member's decision. The
//! `prompt` parameter can ask for the consent page or for no page at all
//! (see [`super::prompt`]).
//!
//! Validation always comes first and follows the service's order, so an
//! unverified client or redirect URI ends on an error page and never in a
//! redirect. A query whose names or values are not valid UTF-8 after
//! percent-decoding also ends on an error page, instead of reaching the
//! client with U+FFFD in place of the invalid bytes. The login page is only
//! shown for a request that passed validation, because it allows form posts
//! to the origin of the request's redirect URI. The decision form carries
//! the original request as hidden fields and a CSRF token derived from the
//! session, and the request is validated again in full when posted.
//! Redirects after the `POST` use 303 See Other, so browsers follow them
//! with a `GET` and never re-send the form to the client, as a 307 would.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::error::{ErrorCode, OAuthError};
use oauth_apps_core::ids::{UserId, WorkspaceId};
use oauth_apps_core::service::{
    AuthorizationError, AuthorizationRequest, ErrorRedirect, ValidatedAuthorization,
};
use oauth_apps_core::store::Store;

use super::consent::{consent_response, no_workspace_redirect, no_workspace_response};
use super::prompt::{InteractionRequired, Prompt};
use super::query_utf8::reject_non_utf8;
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
    reject_non_utf8(request.query_string())?;
    let params = read_query(&request).map_err(invalid_request)?;
    let raw = authorization_request(&params)?;
    let validated = validate(&state, &raw, StatusCode::FOUND).await?;
    let prompt = Prompt::parse(params.get("prompt"))
        .map_err(|description| invalid_prompt(&state, &validated, description))?;

    let Some(session) = state.authenticator.current_session(&request) else {
        if prompt == Prompt::None {
            let issuer = &state.context.settings.issuer;
            let location = InteractionRequired::Login.location(&validated, issuer);
            return Ok(redirect(StatusCode::FOUND, &location));
        }
        let return_to = format!("{}?{}", request.path(), request.query_string());
        return Ok(state.authenticator.login_response(&request, &return_to));
    };
    let hidden = request_fields(&raw, params.get("prompt"));
    respond_to_member(&state, &validated, &session, prompt, hidden, request.path()).await
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
    let token = form.take("csrf_token").unwrap_or_default();
    let raw = authorization_request(&form)?;
    let validated = validate(&state, &raw, StatusCode::SEE_OTHER).await?;

    let Some(session) = state.authenticator.current_session(&request) else {
        let fields = request_fields(&raw, form.get("prompt"));
        let return_to = format!("{}?{}", request.path(), query_of(&fields));
        return Ok(state.authenticator.login_response(&request, &return_to));
    };
    if !state
        .key
        .csrf_token_matches(CONSENT_CSRF_PURPOSE, &session.binding, &token)
    {
        return Err(HttpError::BadPageRequest(CSRF_REJECTED.to_owned()));
    }

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
/// request and `prompt` does not ask for consent. Otherwise shows the
/// consent page, or with `prompt=none` redirects with `consent_required`.
async fn respond_to_member<S: Store + 'static>(
    state: &AppState<S>,
    validated: &ValidatedAuthorization,
    session: &Session,
    prompt: Prompt,
    hidden: Vec<(&'static str, &str)>,
    action: &str,
) -> Result<HttpResponse, HttpError> {
    let user_id = &session.user_id;
    let workspaces = state
        .authorization
        .workspaces_for(validated, user_id)
        .await
        .map_err(HttpError::PageStore)?;
    if workspaces.is_empty() {
        if prompt == Prompt::None {
            let location = no_workspace_redirect(state, validated).location();
            return Ok(redirect(StatusCode::FOUND, &location));
        }
        return Ok(no_workspace_response(state, validated));
    }

    if prompt != Prompt::Consent {
        let workspace_ids = workspaces.iter().map(|(workspace, _)| &workspace.id);
        if let Some(workspace_id) =
            remembered_workspace(state, validated, user_id, workspace_ids).await?
        {
            tracing::info!(%user_id, %workspace_id, "remembered grant covers the request");
            let location = state
                .authorization
                .approve(validated, user_id, &workspace_id)
                .await
                .map_err(|error| HttpError::authorization(error, StatusCode::FOUND))?;
            return Ok(redirect(StatusCode::FOUND, &location));
        }
    }
    if prompt == Prompt::None {
        let issuer = &state.context.settings.issuer;
        let location = InteractionRequired::Consent.location(validated, issuer);
        return Ok(redirect(StatusCode::FOUND, &location));
    }

    let csrf_token = state.key.csrf_token(CONSENT_CSRF_PURPOSE, &session.binding);
    consent_response(
        state,
        validated,
        user_id,
        &workspaces,
        hidden,
        action,
        &csrf_token,
    )
    .await
}

/// Returns the workspace whose grant lets the request skip the consent
/// page, when exactly one of `workspace_ids` has one.
async fn remembered_workspace<'a, S: Store + 'static>(
    state: &AppState<S>,
    validated: &ValidatedAuthorization,
    user_id: &UserId,
    workspace_ids: impl Iterator<Item = &'a WorkspaceId>,
) -> Result<Option<WorkspaceId>, HttpError> {
    let mut covered = Vec::new();
    for workspace_id in workspace_ids {
        let needs_consent = state
            .authorization
            .needs_consent(validated, user_id, workspace_id)
            .await
            .map_err(HttpError::PageStore)?;
        if !needs_consent {
            covered.push(workspace_id.clone());
        }
    }
    Ok(match <[WorkspaceId; 1]>::try_from(covered) {
        Ok([workspace_id]) => Some(workspace_id),
        Err(_) => None,
    })
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

/// Rejects an invalid `prompt` value of a validated request by a redirect
/// with `invalid_request`.
fn invalid_prompt<S>(
    state: &AppState<S>,
    validated: &ValidatedAuthorization,
    description: &str,
) -> HttpError {
    let redirect = ErrorRedirect {
        redirect_uri: validated.redirect_uri.clone(),
        error: OAuthError::new(ErrorCode::InvalidRequest, description),
        state: validated.state.clone(),
        issuer: state.context.settings.issuer.clone(),
    };
    HttpError::authorization(AuthorizationError::Redirect(redirect), StatusCode::FOUND)
}

/// Returns the request parameters that the consent form carries as hidden
/// fields: those of `raw`, and `prompt` when sent.
pub(crate) fn request_fields<'a>(
    raw: &'a AuthorizationRequest,
    prompt: Option<&'a str>,
) -> Vec<(&'static str, &'a str)> {
    [
        ("response_type", raw.response_type.as_deref()),
        ("client_id", raw.client_id.as_deref()),
        ("redirect_uri", raw.redirect_uri.as_deref()),
        ("scope", raw.scope.as_deref()),
        ("state", raw.state.as_deref()),
        ("code_challenge", raw.code_challenge.as_deref()),
        (
            "code_challenge_method",
            raw.code_challenge_method.as_deref(),
        ),
        ("resource", raw.resource.as_deref()),
        ("prompt", prompt),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|value| (name, value)))
    .collect()
}

/// Encodes request fields as the query string of an authorization URL.
fn query_of(fields: &[(&'static str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
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
            resource: Some("https://api.example/".into()),
            ..AuthorizationRequest::default()
        };
        let query = query_of(&request_fields(&raw, Some("consent")));
        assert_eq!(
            query,
            "response_type=code&client_id=demo+public&state=a%26b%3Dc\
             &resource=https%3A%2F%2Fapi.example%2F&prompt=consent"
        );
        let params = Params::parse(query.as_bytes()).unwrap();
        let parsed: AuthorizationRequest = params.deserialize().unwrap();
        assert_eq!(parsed.client_id, raw.client_id);
        assert_eq!(parsed.state, raw.state);
        assert_eq!(parsed.resource, raw.resource);
        assert_eq!(parsed.scope, None);
        assert_eq!(params.get("prompt"), Some("consent"));
    }
}
