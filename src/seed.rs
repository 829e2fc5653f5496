//! The seed file: workspaces, users, memberships and apps loaded into the
//! store at start. The format is TOML with no unknown fields allowed;
//! `examples/seed.toml` documents every field.
//!
//! Loading is idempotent, so a server restarted on the same database starts
//! again: a workspace, user or app whose ID or email is already taken is
//! skipped and logged, and left as it is. Memberships are set every time.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use oauth_apps_core::client::{Client, ClientType, Environment, GrantType, PkceMode};
use oauth_apps_core::directory::normalize_email;
use oauth_apps_core::error::{ServiceError, StoreError};
use oauth_apps_core::ids::{UserId, WorkspaceId};
use oauth_apps_core::permission::Role;
use oauth_apps_core::secret::Secret;
use oauth_apps_core::service::{AppService, NewClient};
use oauth_apps_core::store::{DirectoryStore, Store};
use oauth_apps_http_actix::login::{check_password_hash, hash_password};
use serde::Deserialize;

/// The whole seed file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    #[serde(default)]
    workspaces: Vec<SeedWorkspace>,
    #[serde(default)]
    users: Vec<SeedUser>,
    #[serde(default)]
    memberships: Vec<SeedMembership>,
    #[serde(default)]
    apps: Vec<SeedApp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedWorkspace {
    id: String,
    name: String,
}

/// A user. Not `Debug`, because it may hold a plain password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    email: String,
    display_name: String,
    password_hash: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedMembership {
    workspace: String,
    user: String,
    role: Role,
}

/// An app. Not `Debug`, because it may hold a client secret.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedApp {
    workspace: Option<String>,
    client_id: Option<String>,
    name: String,
    #[serde(default)]
    description: String,
    homepage: Option<String>,
    client_type: ClientType,
    redirect_uris: Vec<String>,
    allowed_scopes: Vec<String>,
    #[serde(default)]
    default_scopes: Vec<String>,
    #[serde(default = "production")]
    environment: Environment,
    #[serde(default = "pkce_required")]
    pkce: PkceMode,
    client_secret: Option<String>,
    /// Whether the app may introspect tokens issued to other apps.
    #[serde(default)]
    resource_server: bool,
    /// Grant types the app may use at the token endpoint; defaults to
    /// authorization_code and refresh_token.
    grant_types: Option<Vec<GrantType>>,
}

fn production() -> Environment {
    Environment::Production
}

fn pkce_required() -> PkceMode {
    PkceMode::Required
}

/// Counts and generated secrets of a loaded seed file.
#[derive(Default)]
pub struct Loaded {
    /// Number of workspaces.
    pub workspaces: usize,
    /// Number of users.
    pub users: usize,
    /// Number of apps.
    pub apps: usize,
    /// Client secrets generated for confidential apps without a
    /// `client_secret`, to print once.
    pub generated_secrets: Vec<(String, Secret)>,
}

/// Reads and parses a seed file.
pub fn read(path: &Path) -> anyhow::Result<SeedFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read the seed file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("the seed file {} is invalid", path.display()))
}

/// Returns whether `error` is a taken ID or email.
pub fn is_conflict(error: &ServiceError) -> bool {
    matches!(error, ServiceError::Store(StoreError::Conflict(_)))
}

/// Creates everything in `seed` through `apps`, in the order workspaces,
/// users, memberships, apps, and skips what `store` already has.
pub async fn load<S: Store>(
    seed: SeedFile,
    apps: &AppService<S>,
    store: &S,
) -> anyhow::Result<Loaded> {
    let mut loaded = Loaded::default();
    for workspace in &seed.workspaces {
        match apps
            .create_workspace(Some(&workspace.id), &workspace.name)
            .await
        {
            Err(error) if is_conflict(&error) => {
                tracing::info!(workspace_id = %workspace.id, "seed workspace already exists, skipped");
            }
            result => {
                result.with_context(|| format!("failed to create workspace {:?}", workspace.id))?;
            }
        }
        loaded.workspaces += 1;
    }

    let mut users = HashMap::new();
    for user in seed.users {
        let (email, id) = create_user(user, apps, store).await?;
        users.insert(email, id);
        loaded.users += 1;
    }
    for membership in &seed.memberships {
        add_membership(membership, &users, apps).await?;
    }

    for app in seed.apps {
        if app.resource_server && app.client_type == ClientType::Public {
            bail!(
                "app {:?} is public and cannot be a resource server: only confidential apps \
                 authenticate to the introspection endpoint",
                app.name
            );
        }
        let name = app.name.clone();
        let client_id = app.client_id.clone();
        let grant_types = app.grant_types.clone();
        let (client, secret) = match apps.create_client(new_client(app)).await {
            Err(error) if is_conflict(&error) => {
                tracing::info!(client_id = ?client_id, "seed app already exists, skipped");
                loaded.apps += 1;
                continue;
            }
            result => result.with_context(|| format!("failed to create app {name:?}"))?,
        };
        if let Some(grant_types) = grant_types {
            set_grant_types(store, client.clone(), grant_types).await?;
        }
        if let Some(secret) = secret {
            loaded
                .generated_secrets
                .push((client.id.to_string(), secret));
        }
        loaded.apps += 1;
    }
    Ok(loaded)
}

/// Creates `user`, or returns the ID of the user who already has its email.
async fn create_user<S: Store>(
    user: SeedUser,
    apps: &AppService<S>,
    store: &S,
) -> anyhow::Result<(String, UserId)> {
    let context = || format!("failed to create user {:?}", user.email);
    let password_hash = match (user.password_hash.as_deref(), user.password.as_deref()) {
        (Some(_), Some(_)) => bail!(
            "user {:?} has both password and password_hash: keep one",
            user.email
        ),
        (Some(hash), None) => {
            check_password_hash(hash).with_context(context)?;
            Some(hash.to_owned())
        }
        (None, Some(password)) => Some(hash_password(password).with_context(context)?),
        (None, None) => None,
    };
    let email = normalize_email(&user.email);
    match apps
        .create_user(&user.email, &user.display_name, password_hash)
        .await
    {
        Ok(created) => Ok((email, created.id)),
        Err(error) if is_conflict(&error) => {
            let existing = find_user(store, &email).await.with_context(context)?;
            tracing::info!(user_id = %existing, "seed user already exists, skipped; its password is unchanged");
            Ok((email, existing))
        }
        Err(error) => Err(error).with_context(context),
    }
}

/// Returns the ID of the user with the normalised `email`, which a conflict
/// reported as taken.
pub async fn find_user<S: DirectoryStore>(store: &S, email: &str) -> anyhow::Result<UserId> {
    match store.find_user_by_email(email).await? {
        Some(user) => Ok(user.id),
        None => bail!(
            "the user {email:?} conflicts with an existing user, which was not found by email"
        ),
    }
}

async fn add_membership<S: Store>(
    membership: &SeedMembership,
    users: &HashMap<String, UserId>,
    apps: &AppService<S>,
) -> anyhow::Result<()> {
    let Some(user_id) = users.get(&normalize_email(&membership.user)) else {
        bail!(
            "membership in {:?} names user {:?}, which is not in the users list",
            membership.workspace,
            membership.user
        );
    };
    apps.set_membership(
        &WorkspaceId::new(&membership.workspace),
        user_id,
        membership.role,
    )
    .await
    .with_context(|| {
        format!(
            "failed to add {:?} to workspace {:?}",
            membership.user, membership.workspace
        )
    })
}

/// Replaces the grant types of a just-created app, which `AppService`
/// always creates with authorization_code and refresh_token.
pub async fn set_grant_types<S: Store>(
    store: &S,
    client: Client,
    grant_types: Vec<GrantType>,
) -> anyhow::Result<()> {
    let client_id = client.id.clone();
    let updated = Client {
        grant_types,
        ..client
    };
    let found = store
        .update_client(&updated)
        .await
        .with_context(|| format!("failed to set the grant types of app {client_id}"))?;
    if !found {
        bail!("app {client_id} disappeared before its grant types were set");
    }
    Ok(())
}

fn new_client(app: SeedApp) -> NewClient {
    NewClient {
        workspace_id: app.workspace.map(WorkspaceId::new),
        client_id: app.client_id,
        name: app.name,
        description: app.description,
        homepage_url: app.homepage,
        client_type: app.client_type,
        redirect_uris: app.redirect_uris,
        allowed_scopes: app.allowed_scopes.join(" "),
        default_scopes: app.default_scopes.join(" "),
        environment: app.environment,
        pkce: app.pkce,
        client_secret: app.client_secret,
        resource_server: app.resource_server,
    }
}

#[cfg(test)]
mod tests;
