//! What the authorization endpoint and the device flow share when a member
//! approves a client: which scopes a request resolves to, where the member
//! may approve, and how the approval is recorded.

use crate::client::Client;
use crate::directory::Workspace;
use crate::error::StoreError;
use crate::grant::Grant;
use crate::ids::{GrantId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::scope::{ScopeCatalog, ScopeSet};
use crate::service::Context;
use crate::store::Store;

/// Resolves the requested scopes (RFC 6749 section 3.3): the client's
/// defaults when none are requested, otherwise known scopes the client may
/// ask for. Returns the description of the first failure.
pub(crate) fn resolve_scopes(
    catalog: &ScopeCatalog,
    client: &Client,
    scope: Option<&str>,
) -> Result<ScopeSet, String> {
    let requested = ScopeSet::parse(scope.unwrap_or("")).map_err(|error| error.to_string())?;
    let scopes = if requested.is_empty() {
        client.default_scopes.clone()
    } else {
        requested
    };
    if scopes.is_empty() {
        return Err("no scope was requested and this client has no default scopes".into());
    }

    let unknown = catalog.unknown(&scopes);
    if !unknown.is_empty() {
        return Err(format!("unknown scope: {unknown}"));
    }
    let not_allowed = scopes.difference(&client.allowed_scopes);
    if !not_allowed.is_empty() {
        return Err(format!("this client may not request: {not_allowed}"));
    }
    Ok(scopes)
}

/// Returns the workspaces in which `user_id` may approve `client`, with
/// their role: the client's own workspace for a workspace app, any of the
/// member's workspaces for a self-registered client.
pub(crate) async fn approvable_workspaces<S: Store + ?Sized>(
    store: &S,
    client: &Client,
    user_id: &UserId,
) -> Result<Vec<(Workspace, Role)>, StoreError> {
    let owner = client.workspace_id.as_ref();
    let mut workspaces = Vec::new();
    for membership in store.memberships_of_user(user_id).await? {
        if owner.is_some_and(|owner| *owner != membership.workspace_id) {
            continue;
        }
        if let Some(workspace) = store.find_workspace(&membership.workspace_id).await? {
            workspaces.push((workspace, membership.role));
        }
    }
    Ok(workspaces)
}

/// Records a member's approval of `client` in `workspace_id`: saves the
/// grant (merged with any earlier one) and, for a self-registered client,
/// who approved it first.
pub(crate) async fn save_approval<S: Store + ?Sized>(
    store: &S,
    context: &Context,
    client: &Client,
    user_id: &UserId,
    workspace_id: &WorkspaceId,
    scopes: &ScopeSet,
) -> Result<Grant, StoreError> {
    let now = context.clock.now();
    let grant = store
        .save_grant(&Grant {
            id: GrantId::generate(context.random.as_ref()),
            user_id: user_id.clone(),
            client_id: client.id.clone(),
            workspace_id: workspace_id.clone(),
            scopes: scopes.clone(),
            created_at: now,
            updated_at: now,
        })
        .await?;
    if client.registration.is_some() {
        store
            .record_first_approval(&client.id, user_id, now)
            .await?;
    }
    Ok(grant)
}
