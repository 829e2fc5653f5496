//! Building the consent page and the page for a member who may not approve
//! the app anywhere.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use oauth_apps_core::client::{Client, RegistrationSource};
use oauth_apps_core::directory::Workspace;
use oauth_apps_core::error::{ErrorCode, OAuthError};
use oauth_apps_core::ids::UserId;
use oauth_apps_core::permission::Role;
use oauth_apps_core::service::{ErrorRedirect, ValidatedAuthorization};
use oauth_apps_core::store::Store;

use crate::error::HttpError;
use crate::pages::{ConsentPage, WorkspaceChoice, consent_page, error_page};
use crate::security::{form_action_source, html};
use crate::state::AppState;

/// Renders the consent page for `validated`, with the request parameters
/// in `hidden` sent back with the decision.
pub(crate) async fn consent_response<S: Store + 'static>(
    state: &AppState<S>,
    validated: &ValidatedAuthorization,
    user_id: &UserId,
    workspaces: &[(Workspace, Role)],
    hidden: Vec<(&'static str, &str)>,
    action: &str,
    csrf_token: &str,
) -> Result<HttpResponse, HttpError> {
    let user = state
        .store
        .find_user(user_id)
        .await
        .map_err(HttpError::PageStore)?;
    let member = user.map_or_else(|| user_id.to_string(), |user| user.display_name);
    let client = &validated.client;
    let verified_domain = document_host(client);
    let scopes = validated
        .scopes
        .iter()
        .map(|scope| {
            let description = state.context.catalog.entry(scope.as_str());
            let words = description.map_or_else(
                || scope.as_str().to_owned(),
                |entry| entry.description.clone(),
            );
            (scope.as_str().to_owned(), words)
        })
        .collect();
    let choices: Vec<WorkspaceChoice> = workspaces
        .iter()
        .map(|(workspace, _)| WorkspaceChoice {
            id: workspace.id.to_string(),
            name: workspace.name.clone(),
        })
        .collect();

    let page = consent_page(&ConsentPage {
        action,
        app_name: &client.name,
        app_description: &client.description,
        homepage: client.homepage_url.as_deref().filter(|url| is_web_url(url)),
        verified_domain: verified_domain.as_deref(),
        environment: client.environment,
        member: &member,
        scopes,
        workspaces: &choices,
        hidden,
        csrf_token,
    });
    let form_target = form_action_source(&validated.redirect_uri);
    Ok(html(StatusCode::OK, page, form_target.as_deref()))
}

/// Renders the page for a member with no workspace to approve the app in,
/// linking back to the client with `access_denied`.
pub(crate) fn no_workspace_response<S>(
    state: &AppState<S>,
    validated: &ValidatedAuthorization,
) -> HttpResponse {
    let back = no_workspace_redirect(state, validated);
    let page = error_page(
        "No workspace for this app",
        &format!(
            "{} can only be approved in a workspace you are a member of, and you are not a member of one.",
            validated.client.name
        ),
        Some(&back.location()),
    );
    html(StatusCode::FORBIDDEN, page, None)
}

/// Builds the `access_denied` redirect for a member with no workspace to
/// approve the app in.
pub(crate) fn no_workspace_redirect<S>(
    state: &AppState<S>,
    validated: &ValidatedAuthorization,
) -> ErrorRedirect {
    tracing::info!(client_id = %validated.client.id, "member may not approve the app in any workspace");
    ErrorRedirect {
        redirect_uri: validated.redirect_uri.clone(),
        error: OAuthError::new(
            ErrorCode::AccessDenied,
            "the member is not in a workspace where this app may be approved",
        ),
        state: validated.state.clone(),
        issuer: state.context.settings.issuer.clone(),
    }
}

/// Returns the host of the metadata document URL that identifies `client`.
fn document_host(client: &Client) -> Option<String> {
    if client.source != RegistrationSource::MetadataDocument {
        return None;
    }
    let url = url::Url::parse(client.id.as_str()).ok()?;
    url.host_str().map(str::to_owned)
}

/// Returns whether `url` is an http or https URL, safe to show as a link.
fn is_web_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}
