//! The device verification page (RFC 8628 section 3.3), where a signed-in
//! member enters the user code a device shows and approves or denies it.
//!
//! `GET /device` shows the code form, filled in from `?user_code=` when the
//! member followed `verification_uri_complete`. `POST /device` with a code
//! shows the consent page for the device's app, with the code to compare;
//! posted again with a decision, it records the decision and shows the
//! result. Every post carries a CSRF token derived from the session.
//!
//! Wrong codes count against the member's session, the member's user ID
//! and the source address (an IPv6 peer by its /64 network), and after
//! [`MAX_WRONG_CODES`] within [`WINDOW_SECONDS`] on any of them the page
//! answers 429 without looking codes up.
//!
//! NOTE: the source address is the TCP peer. Behind a reverse proxy every
//! member shares the proxy's address, so one guesser blocks code entry for
//! everyone there until the window ends.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::ids::WorkspaceId;
use oauth_apps_core::service::{DeviceDecisionError, PendingDevice};
use oauth_apps_core::store::Store;

use super::consent::{is_web_url, member_name, scope_descriptions, workspace_choices};
use crate::authenticator::Session;
use crate::error::HttpError;
use crate::form::{read_form, read_query};
use crate::guess_limit::{MAX_WRONG_CODES, WINDOW_SECONDS, address_key, session_key, user_key};
use crate::pages::{
    DeviceConsentPage, UserCodePage, device_consent_page, device_result_page, error_page,
    user_code_page,
};
use crate::paths;
use crate::security::html;
use crate::state::AppState;

/// The purpose the verification forms' CSRF tokens are derived for.
const DEVICE_CSRF_PURPOSE: &str = "device";

const CSRF_REJECTED: &str =
    "The form has expired or did not come from this server. Open the device page again.";
const UNKNOWN_CODE: &str = "That code is not valid or has expired. Check the code on your \
     device; if it has expired, start again on the device to get a new one.";

/// `GET /device`.
pub(crate) async fn show_code_form<S: Store + 'static>(
    request: HttpRequest,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let params =
        read_query(&request).map_err(|error| HttpError::BadPageRequest(error.to_string()))?;
    let Some(session) = state.authenticator.current_session(&request) else {
        let return_to = match request.query_string() {
            "" => paths::DEVICE.to_owned(),
            query => format!("{}?{query}", paths::DEVICE),
        };
        return Ok(state.authenticator.login_response(&request, &return_to));
    };
    let user_code = params.get("user_code").unwrap_or_default();
    Ok(code_form(&state, &session, user_code, None, StatusCode::OK))
}

/// `POST /device`: a user code, or a decision on one.
pub(crate) async fn submit<S: Store + 'static>(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let mut form = read_form(&request, payload)
        .await
        .map_err(|error| HttpError::BadPageRequest(error.to_string()))?;
    let Some(session) = state.authenticator.current_session(&request) else {
        return Ok(state.authenticator.login_response(&request, paths::DEVICE));
    };
    let token = form.take("csrf_token").unwrap_or_default();
    if !state
        .key
        .csrf_token_matches(DEVICE_CSRF_PURPOSE, &session.binding, &token)
    {
        return Err(HttpError::BadPageRequest(CSRF_REJECTED.to_owned()));
    }

    let keys = limiter_keys(&request, &session);
    let now = state.context.clock.now();
    if state.device_guesses.is_limited(&keys, now) {
        tracing::warn!(user_id = %session.user_id, "user code entry rejected: too many wrong codes");
        return Ok(too_many_attempts());
    }
    let user_code = form.take("user_code").unwrap_or_default();
    let pending = state
        .devices
        .find(&user_code)
        .await
        .map_err(HttpError::PageStore)?;
    let Some(pending) = pending else {
        state.device_guesses.record_failure(&keys, now);
        tracing::info!(user_id = %session.user_id, "unknown or expired user code entered");
        let status = StatusCode::BAD_REQUEST;
        return Ok(code_form(
            &state,
            &session,
            &user_code,
            Some(UNKNOWN_CODE),
            status,
        ));
    };

    match form.get("decision") {
        None => consent(&state, &session, &pending).await,
        Some("approve") => {
            let workspace_id = form.get("workspace_id").ok_or_else(|| {
                HttpError::BadPageRequest("Choose a workspace before approving.".to_owned())
            })?;
            let workspace_id = WorkspaceId::new(workspace_id);
            let decided = state
                .devices
                .approve(&user_code, &session.user_id, &workspace_id)
                .await;
            decision_response(&state, &session, &pending, decided, true)
        }
        Some("deny") => {
            let decided = state.devices.deny(&user_code).await;
            decision_response(&state, &session, &pending, decided, false)
        }
        Some(_) => Err(HttpError::BadPageRequest(
            "Choose Approve or Deny.".to_owned(),
        )),
    }
}

/// Renders the code form with a fresh CSRF token.
fn code_form<S>(
    state: &AppState<S>,
    session: &Session,
    user_code: &str,
    error: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let csrf_token = state.key.csrf_token(DEVICE_CSRF_PURPOSE, &session.binding);
    let page = user_code_page(&UserCodePage {
        action: paths::DEVICE,
        csrf_token: &csrf_token,
        user_code,
        error,
    });
    html(status, page, None)
}

/// Renders the consent page for `pending`, or a 403 page when the member
/// may not approve its app in any workspace.
async fn consent<S: Store + 'static>(
    state: &AppState<S>,
    session: &Session,
    pending: &PendingDevice,
) -> Result<HttpResponse, HttpError> {
    let client = &pending.client;
    let workspaces = state
        .devices
        .workspaces_for(pending, &session.user_id)
        .await
        .map_err(HttpError::PageStore)?;
    if workspaces.is_empty() {
        tracing::info!(client_id = %client.id, "member may not approve the device's app in any workspace");
        let detail = format!(
            "{} can only be approved in a workspace you are a member of, and you are not a member of one.",
            client.name
        );
        let page = error_page("No workspace for this app", &detail, None);
        return Ok(html(StatusCode::FORBIDDEN, page, None));
    }

    let member = member_name(state, &session.user_id).await?;
    let scopes = scope_descriptions(state, &pending.scopes);
    let choices = workspace_choices(&workspaces);

    let csrf_token = state.key.csrf_token(DEVICE_CSRF_PURPOSE, &session.binding);
    let page = device_consent_page(&DeviceConsentPage {
        action: paths::DEVICE,
        app_name: &client.name,
        app_description: &client.description,
        homepage: client.homepage_url.as_deref().filter(|url| is_web_url(url)),
        environment: client.environment,
        self_registered: client.registration.is_some(),
        member: &member,
        scopes,
        workspaces: &choices,
        user_code: &pending.user_code,
        csrf_token: &csrf_token,
    });
    Ok(html(StatusCode::OK, page, None))
}

/// Converts the outcome of a decision into the result page or an error.
fn decision_response<S>(
    state: &AppState<S>,
    session: &Session,
    pending: &PendingDevice,
    decided: Result<(), DeviceDecisionError>,
    approved: bool,
) -> Result<HttpResponse, HttpError> {
    match decided {
        Ok(()) => {
            let page = device_result_page(&pending.client.name, approved);
            Ok(html(StatusCode::OK, page, None))
        }
        Err(DeviceDecisionError::UnknownCode | DeviceDecisionError::Expired) => {
            let status = StatusCode::BAD_REQUEST;
            Ok(code_form(state, session, "", Some(UNKNOWN_CODE), status))
        }
        Err(DeviceDecisionError::AlreadyDecided) => Err(HttpError::BadPageRequest(
            "This request was already approved or denied. Start again on your device if needed."
                .to_owned(),
        )),
        Err(DeviceDecisionError::WorkspaceNotAllowed) => {
            let page = error_page(
                "Workspace not allowed",
                "You may not approve this app in the chosen workspace.",
                None,
            );
            Ok(html(StatusCode::FORBIDDEN, page, None))
        }
        Err(DeviceDecisionError::Store(error)) => Err(HttpError::PageStore(error)),
    }
}

/// Returns the keys wrong codes count against: the session, the user and,
/// when known, the source address.
fn limiter_keys(request: &HttpRequest, session: &Session) -> Vec<String> {
    let mut keys = vec![
        session_key(&session.binding),
        user_key(session.user_id.as_str()),
    ];
    if let Some(peer) = request.peer_addr() {
        keys.push(address_key(peer.ip()));
    }
    keys
}

fn too_many_attempts() -> HttpResponse {
    let minutes = WINDOW_SECONDS / 60;
    let detail = format!(
        "{MAX_WRONG_CODES} wrong codes were entered within {minutes} minutes. \
         Wait up to {minutes} minutes, then try again."
    );
    let page = error_page("Too many attempts", &detail, None);
    let mut response = html(StatusCode::TOO_MANY_REQUESTS, page, None);
    if let Ok(value) = header::HeaderValue::from_str(&WINDOW_SECONDS.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
