//! Administration: creating workspaces, users, memberships and apps, as a
//! seed file, the demo or a management API does.

use std::sync::Arc;

use crate::client::{
    Client, ClientSecretRecord, ClientStatus, ClientType, Environment, GrantType, PkceMode,
    RegistrationSource,
};
use crate::directory::{Membership, User, Workspace, normalize_email};
use crate::error::{ErrorCode, ServiceError};
use crate::grant::Grant;
use crate::ids::{ClientId, GrantId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::redirect::RedirectUri;
use crate::scope::ScopeSet;
use crate::secret::{Secret, SecretHash, SecretKind};
use crate::service::Context;
use crate::store::Store;

/// Maximum length of an app's name, in characters.
pub const MAX_NAME_LEN: usize = 100;
/// Maximum length of an app's description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 1000;
/// Maximum number of redirect URIs of one app.
pub const MAX_REDIRECT_URIS: usize = 20;

/// The fields an admin supplies to register an app. Its `Debug` output
/// redacts the chosen client secret.
#[derive(Clone)]
pub struct NewClient {
    /// Managing workspace, or `None` for a client any workspace may approve.
    pub workspace_id: Option<WorkspaceId>,
    /// A chosen client ID; generated when `None`.
    pub client_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Short description.
    pub description: String,
    /// Homepage URL (https, or http on a loopback host).
    pub homepage_url: Option<String>,
    /// Public or confidential.
    pub client_type: ClientType,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Scopes the app may request.
    pub allowed_scopes: String,
    /// Scopes granted when a request names none; empty means none.
    pub default_scopes: String,
    /// Deployment stage.
    pub environment: Environment,
    /// PKCE mode; ignored (always required) for public clients.
    pub pkce: PkceMode,
    /// A chosen client secret for confidential apps; generated when `None`.
    pub client_secret: Option<String>,
    /// Whether the app is a resource server that may introspect tokens of
    /// other apps; only confidential apps can be.
    pub resource_server: bool,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient")
            .field("workspace_id", &self.workspace_id)
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("client_type", &self.client_type)
            .field("redirect_uris", &self.redirect_uris)
            .field("allowed_scopes", &self.allowed_scopes)
            .field("environment", &self.environment)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("resource_server", &self.resource_server)
            .finish_non_exhaustive()
    }
}

/// Creates and manages workspaces, users and apps.
pub struct AppService<S> {
    store: Arc<S>,
    context: Arc<Context>,
}

fn invalid(description: impl Into<String>) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidRequest, description)
}

impl<S: Store> AppService<S> {
    /// Creates the service.
    pub fn new(store: Arc<S>, context: Arc<Context>) -> Self {
        AppService { store, context }
    }

    /// Creates a workspace. A chosen `id` is used as is; otherwise one is generated.
    pub async fn create_workspace(
        &self,
        id: Option<&str>,
        name: &str,
    ) -> Result<Workspace, ServiceError> {
        if name.trim().is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(invalid(format!(
                "workspace name must be 1 to {MAX_NAME_LEN} characters"
            )));
        }
        let workspace = Workspace {
            id: id
                .map(WorkspaceId::new)
                .unwrap_or_else(|| WorkspaceId::generate(self.context.random.as_ref())),
            name: name.trim().to_owned(),
            created_at: self.context.clock.now(),
        };
        self.store.insert_workspace(&workspace).await?;
        tracing::info!(workspace_id = %workspace.id, "workspace created");
        Ok(workspace)
    }

    /// Creates a user. `password_hash` is a PHC string made by the caller.
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        password_hash: Option<String>,
    ) -> Result<User, ServiceError> {
        let email = normalize_email(email);
        if email.len() > 254
            || !email.contains('@')
            || email.starts_with('@')
            || email.ends_with('@')
        {
            return Err(invalid(format!("{email:?} is not a valid email address")));
        }
        let user = User {
            id: UserId::generate(self.context.random.as_ref()),
            email,
            display_name: display_name.trim().to_owned(),
            password_hash,
            created_at: self.context.clock.now(),
        };
        self.store.insert_user(&user).await?;
        tracing::info!(user_id = %user.id, "user created");
        Ok(user)
    }

    /// Adds a member to a workspace or changes their role.
    pub async fn set_membership(
        &self,
        workspace_id: &WorkspaceId,
        user_id: &UserId,
        role: Role,
    ) -> Result<(), ServiceError> {
        if self.store.find_workspace(workspace_id).await?.is_none() {
            return Err(invalid(format!("workspace {workspace_id} does not exist")));
        }
        if self.store.find_user(user_id).await?.is_none() {
            return Err(invalid(format!("user {user_id} does not exist")));
        }
        let membership = Membership {
            workspace_id: workspace_id.clone(),
            user_id: user_id.clone(),
            role,
        };
        self.store.put_membership(&membership).await?;
        Ok(())
    }

    /// Registers an app. Returns it with the generated client secret, which
    /// is shown once and never stored; `None` for public apps and for apps
    /// whose secret the caller chose.
    pub async fn create_client(
        &self,
        new: NewClient,
    ) -> Result<(Client, Option<Secret>), ServiceError> {
        let redirect_uris = validate_redirect_uris(&new.redirect_uris)?;
        let (allowed_scopes, default_scopes) = self.validate_scopes(&new)?;
        validate_text(&new)?;
        if let Some(workspace_id) = &new.workspace_id
            && self.store.find_workspace(workspace_id).await?.is_none()
        {
            return Err(invalid(format!("workspace {workspace_id} does not exist")));
        }

        let now = self.context.clock.now();
        let (secrets, generated) = match (new.client_type, new.client_secret) {
            (ClientType::Public, Some(_)) => {
                return Err(invalid("a public app cannot have a client secret"));
            }
            (ClientType::Public, None) => (Vec::new(), None),
            (ClientType::Confidential, Some(chosen)) if chosen.len() < 32 => {
                return Err(invalid(
                    "a chosen client secret must be at least 32 characters",
                ));
            }
            (ClientType::Confidential, Some(chosen)) => {
                (vec![secret_record(SecretHash::of(&chosen), now)], None)
            }
            (ClientType::Confidential, None) => {
                let secret =
                    Secret::generate(SecretKind::ClientSecret, self.context.random.as_ref());
                (vec![secret_record(secret.hash(), now)], Some(secret))
            }
        };

        let client = Client {
            id: new
                .client_id
                .map(ClientId::new)
                .unwrap_or_else(|| ClientId::generate(self.context.random.as_ref())),
            workspace_id: new.workspace_id,
            name: new.name.trim().to_owned(),
            description: new.description.trim().to_owned(),
            homepage_url: new.homepage_url,
            client_type: new.client_type,
            redirect_uris,
            allowed_scopes,
            default_scopes,
            pkce: if new.client_type == ClientType::Public {
                PkceMode::Required
            } else {
                new.pkce
            },
            environment: new.environment,
            source: RegistrationSource::Dashboard,
            status: ClientStatus::Active,
            secrets,
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            auth_method: None,
            resource_server: new.resource_server && new.client_type == ClientType::Confidential,
            registration: None,
            created_at: now,
        };
        self.store.insert_client(&client).await?;
        tracing::info!(client_id = %client.id, client_type = client.client_type.as_str(), "app registered");
        Ok((client, generated))
    }

    /// Returns the apps a member has connected, as their grants.
    pub async fn connections_of(&self, user_id: &UserId) -> Result<Vec<Grant>, ServiceError> {
        Ok(self.store.grants_of_user(user_id).await?)
    }

    /// Disconnects an app from a member's account: deletes the grant and
    /// revokes every token issued under it, in one atomic store operation.
    pub async fn revoke_connection(
        &self,
        user_id: &UserId,
        grant_id: &GrantId,
    ) -> Result<bool, ServiceError> {
        let grants = self.store.grants_of_user(user_id).await?;
        if !grants.iter().any(|grant| grant.id == *grant_id) {
            return Ok(false);
        }
        let revoked = self
            .store
            .revoke_grant(grant_id, self.context.clock.now())
            .await?;
        tracing::info!(%user_id, %grant_id, "connection revoked");
        Ok(revoked)
    }

    fn validate_scopes(&self, new: &NewClient) -> Result<(ScopeSet, ScopeSet), ServiceError> {
        let allowed =
            ScopeSet::parse(&new.allowed_scopes).map_err(|error| invalid(error.to_string()))?;
        let defaults =
            ScopeSet::parse(&new.default_scopes).map_err(|error| invalid(error.to_string()))?;
        let unknown = self.context.catalog.unknown(&allowed);
        if !unknown.is_empty() {
            return Err(invalid(format!("unknown scope: {unknown}")));
        }
        let not_allowed = defaults.difference(&allowed);
        if !not_allowed.is_empty() {
            return Err(invalid(format!(
                "default scopes must be among the allowed scopes, but these are not: {not_allowed}"
            )));
        }
        Ok((allowed, defaults))
    }
}

fn secret_record(hash: SecretHash, now: crate::time::Timestamp) -> ClientSecretRecord {
    ClientSecretRecord {
        hash,
        created_at: now,
        expires_at: None,
    }
}

fn validate_redirect_uris(uris: &[String]) -> Result<Vec<RedirectUri>, ServiceError> {
    if uris.is_empty() {
        return Err(invalid("an app needs at least one redirect URI"));
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(invalid(format!(
            "an app may have at most {MAX_REDIRECT_URIS} redirect URIs"
        )));
    }
    uris.iter()
        .map(|uri| RedirectUri::parse(uri).map_err(|error| invalid(error.to_string())))
        .collect()
}

fn validate_text(new: &NewClient) -> Result<(), ServiceError> {
    if new.name.trim().is_empty() || new.name.chars().count() > MAX_NAME_LEN {
        return Err(invalid(format!(
            "app name must be 1 to {MAX_NAME_LEN} characters"
        )));
    }
    if new.description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(invalid(format!(
            "app description must be at most {MAX_DESCRIPTION_LEN} characters"
        )));
    }
    if let Some(id) = &new.client_id {
        let valid = !id.is_empty()
            && id.len() <= 100
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !valid {
            return Err(invalid(
                "client_id must be 1 to 100 characters of A-Z, a-z, 0-9, '-', '_', '.'",
            ));
        }
    }
    if let Some(homepage) = &new.homepage_url {
        let parsed = url::Url::parse(homepage)
            .map_err(|_| invalid(format!("homepage URL {homepage:?} is not an absolute URL")))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(invalid("homepage URL must use https or http"));
        }
    }
    Ok(())
}
