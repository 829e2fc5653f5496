//! Building the consent page and the page for a member who may not approve
//! the app anywhere.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use oauth_apps_core::client::{Client, RegistrationSource};
use oauth_apps_core::directory::Workspace;
use oauth_apps_core::error::{ErrorCode, OAuthError};
use oauth_apps_core::ids::UserId;
use oauth_apps_core::permission::Role;
use oauth_apps_core::scope::ScopeSet;
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
    let member = member_name(state, user_id).await?;
    let client = &validated.client;
    let verified_domain = document_host(client);
    let scopes = scope_descriptions(state, &validated.scopes);
    let choices = workspace_choices(workspaces);
    let form_target = form_action_source(&validated.redirect_uri);

    let page = consent_page(&ConsentPage {
        action,
        app_name: &client.name,
        app_description: &client.description,
        homepage: client.homepage_url.as_deref().filter(|url| is_web_url(url)),
        verified_domain: verified_domain.as_deref(),
        environment: client.environment,
        self_registered: client.registration.is_some(),
        return_to: form_target.as_deref(),
        member: &member,
        scopes,
        workspaces: &choices,
        hidden,
        csrf_token,
    });
    Ok(html(StatusCode::OK, page, form_target.as_deref()))
}

/// Returns the display name of `user_id`, or the ID when the user is gone.
pub(super) async fn member_name<S: Store + 'static>(
    state: &AppState<S>,
    user_id: &UserId,
) -> Result<String, HttpError> {
    let user = state
        .store
        .find_user(user_id)
        .await
        .map_err(HttpError::PageStore)?;
    Ok(user.map_or_else(|| user_id.to_string(), |user| user.display_name))
}

/// Pairs each scope with its description from the catalog, or with its own
/// name when the catalog has none.
pub(super) fn scope_descriptions<S>(
    state: &AppState<S>,
    scopes: &ScopeSet,
) -> Vec<(String, String)> {
    scopes
        .iter()
        .map(|scope| {
            let description = state.context.catalog.entry(scope.as_str());
            let words = description.map_or_else(
                || scope.as_str().to_owned(),
                |entry| entry.description.clone(),
            );
            (scope.as_str().to_owned(), words)
        })
        .collect()
}

/// Lists the workspaces a member may approve an app in, for the page.
pub(super) fn workspace_choices(workspaces: &[(Workspace, Role)]) -> Vec<WorkspaceChoice> {
    workspaces
        .iter()
        .map(|(workspace, _)| WorkspaceChoice {
            id: workspace.id.to_string(),
            name: workspace.name.clone(),
        })
        .collect()
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
pub(super) fn is_web_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}
