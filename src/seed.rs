//! The seed file: workspaces, users, memberships and apps loaded into the
//! store at start. The format is TOML with no unknown fields allowed;
//! `examples/seed.toml` documents every field.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use oauth_apps_core::client::{ClientType, Environment, PkceMode};
use oauth_apps_core::directory::normalize_email;
use oauth_apps_core::ids::{UserId, WorkspaceId};
use oauth_apps_core::permission::Role;
use oauth_apps_core::secret::Secret;
use oauth_apps_core::service::{AppService, NewClient};
use oauth_apps_core::store::Store;
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

/// Creates everything in `seed` through `apps`, in the order workspaces,
/// users, memberships, apps.
pub async fn load<S: Store>(seed: SeedFile, apps: &AppService<S>) -> anyhow::Result<Loaded> {
    let mut loaded = Loaded::default();
    for workspace in &seed.workspaces {
        apps.create_workspace(Some(&workspace.id), &workspace.name)
            .await
            .with_context(|| format!("failed to create workspace {:?}", workspace.id))?;
        loaded.workspaces += 1;
    }

    let mut users = HashMap::new();
    for user in seed.users {
        let (email, id) = create_user(user, apps).await?;
        users.insert(email, id);
        loaded.users += 1;
    }
    for membership in &seed.memberships {
        add_membership(membership, &users, apps).await?;
    }

    for app in seed.apps {
        let name = app.name.clone();
        let (client, secret) = apps
            .create_client(new_client(app))
            .await
            .with_context(|| format!("failed to create app {name:?}"))?;
        if let Some(secret) = secret {
            loaded
                .generated_secrets
                .push((client.id.to_string(), secret));
        }
        loaded.apps += 1;
    }
    Ok(loaded)
}

async fn create_user<S: Store>(
    user: SeedUser,
    apps: &AppService<S>,
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
    let created = apps
        .create_user(&user.email, &user.display_name, password_hash)
        .await
        .with_context(context)?;
    Ok((normalize_email(&user.email), created.id))
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_seed_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
        let seed = read(&path).unwrap();
        assert!(!seed.workspaces.is_empty());
        assert!(!seed.users.is_empty());
        assert!(!seed.memberships.is_empty());
        assert!(!seed.apps.is_empty());
    }

    #[test]
    fn unknown_field_is_rejected() {
        let error = toml::from_str::<SeedFile>(
            "[[workspaces]]\nid = \"a\"\nname = \"A\"\ncolor = \"red\"\n",
        )
        .err()
        .unwrap();
        assert!(error.to_string().contains("color"), "{error}");
    }

    #[test]
    fn app_defaults() {
        let seed: SeedFile = toml::from_str(
            "[[apps]]\nname = \"A\"\nclient_type = \"public\"\nredirect_uris = [\"http://127.0.0.1/cb\"]\nallowed_scopes = [\"profile\"]\n",
        )
        .unwrap();
        let app = &seed.apps[0];
        assert_eq!(app.environment, Environment::Production);
        assert_eq!(app.pkce, PkceMode::Required);
        assert!(app.workspace.is_none());
    }
}
