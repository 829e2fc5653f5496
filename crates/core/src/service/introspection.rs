//! Token introspection (RFC 7662), revocation (RFC 7009) and the direct
//! check an embedding resource server calls.
//!
//! A token is active only while it is unexpired and unrevoked, its client is
//! active and its member still belongs to the workspace. Its effective scopes
//! are the granted scopes whose permissions the member's current role still
//! has, evaluated at every check rather than at issue time.

use serde::Serialize;

use crate::client::{Client, ClientStatus, ClientType};
use crate::error::{ErrorCode, ServiceError};
use crate::ids::{ClientId, UserId, WorkspaceId};
use crate::permission::PermissionSet;
use crate::scope::ScopeSet;
use crate::secret::{SecretHash, SecretKind};
use crate::service::TokenService;
use crate::service::client_auth::{ClientCredentials, authenticate};
use crate::store::Store;
use crate::time::Timestamp;
use crate::token::RefreshState;

/// An introspection response (RFC 7662 section 2.2). An inactive token is
/// `{"active": false}` and nothing more.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Introspection {
    /// Whether the token may be used now.
    pub active: bool,
    /// Effective scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Client the token was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `Bearer` for access tokens, `refresh_token` for refresh tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Expiry, in seconds since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issue time, in seconds since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// The member's user ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Issuer identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience: the resource the token is for (RFC 8707), if one was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// Workspace the token acts in (an extension field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

/// The member, workspace and client an active access token acts for, and what it may do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The member.
    pub user_id: UserId,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The client.
    pub client_id: ClientId,
    /// Granted scopes the member's role still allows.
    pub scopes: ScopeSet,
    /// Permissions of those scopes, within the member's role.
    pub permissions: PermissionSet,
    /// Resource the token is for (RFC 8707), if one was named.
    pub audience: Option<String>,
    /// Expiry of the token.
    pub expires_at: Timestamp,
}

/// Stored record of a presented token, in one shape for both token kinds.
struct TokenView {
    client_id: ClientId,
    user_id: UserId,
    workspace_id: WorkspaceId,
    scopes: ScopeSet,
    issued_at: Timestamp,
    expires_at: Timestamp,
    token_type: &'static str,
    audience: Option<String>,
}

impl<S: Store> TokenService<S> {
    /// Checks an access token presented to the resource server `resource`
    /// and returns who it acts for, or `None` when it is not active or was
    /// issued for another resource (RFC 8707). A token issued without a
    /// resource is accepted by every resource. Embedding services call this
    /// directly instead of introspecting over HTTP.
    pub async fn verify_access_token(
        &self,
        token: &str,
        resource: Option<&str>,
    ) -> Result<Option<Principal>, ServiceError> {
        if SecretKind::of(token) != Some(SecretKind::AccessToken) {
            return Ok(None);
        }
        let now = self.context.clock.now();
        let Some(view) = self.active_view(token, now, None).await? else {
            return Ok(None);
        };
        if let (Some(expected), Some(audience)) = (resource, view.audience.as_deref())
            && expected != audience
        {
            tracing::info!(client_id = %view.client_id, audience, expected, "token presented to another resource");
            return Ok(None);
        }
        let Some(membership) = self
            .store
            .find_membership(&view.workspace_id, &view.user_id)
            .await?
        else {
            return Ok(None);
        };

        let role = membership.role.permissions();
        let scopes = self.context.catalog.effective(&view.scopes, role);
        let permissions = self.context.catalog.permissions(&scopes).intersection(role);
        Ok(Some(Principal {
            user_id: view.user_id,
            workspace_id: view.workspace_id,
            client_id: view.client_id,
            scopes,
            permissions,
            audience: view.audience,
            expires_at: view.expires_at,
        }))
    }

    /// Introspects `token` for an authenticated confidential client.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn introspect(
        &self,
        credentials: ClientCredentials,
        token: &str,
    ) -> Result<Introspection, ServiceError> {
        let now = self.context.clock.now();
        let caller = authenticate(self.store.as_ref(), &credentials, now).await?;
        if caller.client_type != ClientType::Confidential {
            tracing::info!("public client tried to introspect");
            return Err(ServiceError::rejected(
                ErrorCode::InvalidClient,
                "introspection requires a confidential client",
            ));
        }

        let Some(view) = self.active_view(token, now, Some(&caller)).await? else {
            return Ok(Introspection::default());
        };
        if view.client_id != caller.id && !caller.resource_server {
            tracing::info!(owner = %view.client_id, "introspection of another client's token by a client that is not a resource server");
            return Ok(Introspection::default());
        }
        let Some(membership) = self
            .store
            .find_membership(&view.workspace_id, &view.user_id)
            .await?
        else {
            return Ok(Introspection::default());
        };
        let scopes = self
            .context
            .catalog
            .effective(&view.scopes, membership.role.permissions());
        Ok(Introspection {
            active: true,
            scope: Some(scopes.to_string()),
            client_id: Some(view.client_id.to_string()),
            token_type: Some(view.token_type),
            exp: Some(view.expires_at.unix_seconds()),
            iat: Some(view.issued_at.unix_seconds()),
            sub: Some(view.user_id.to_string()),
            iss: Some(self.context.settings.issuer.clone()),
            aud: view.audience,
            workspace_id: Some(view.workspace_id.to_string()),
        })
    }

    /// Revokes `token` for an authenticated client (RFC 7009). A refresh
    /// token revokes its whole family; an access token only itself. Unknown
    /// tokens and tokens of other clients change nothing and still succeed,
    /// so the endpoint reveals nothing about tokens the caller does not own.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn revoke(
        &self,
        credentials: ClientCredentials,
        token: &str,
    ) -> Result<(), ServiceError> {
        let now = self.context.clock.now();
        let caller = authenticate(self.store.as_ref(), &credentials, now).await?;
        let hash = SecretHash::of(token);

        match SecretKind::of(token) {
            Some(SecretKind::AccessToken) => {
                let record = self.store.find_access_token(&hash).await?;
                match record {
                    Some(record) if record.client_id == caller.id => {
                        self.store.revoke_access_token(&hash, now).await?;
                        tracing::info!(family_id = %record.family_id, "access token revoked");
                    }
                    Some(_) => {
                        tracing::warn!("revocation of another client's access token ignored")
                    }
                    None => tracing::info!("revocation of an unknown access token ignored"),
                }
            }
            Some(SecretKind::RefreshToken) => {
                let record = self.store.find_refresh_token(&hash).await?;
                match record {
                    Some(record) if record.client_id == caller.id => {
                        self.store.revoke_family(&record.family_id, now).await?;
                        tracing::info!(family_id = %record.family_id, "refresh token family revoked");
                    }
                    Some(_) => {
                        tracing::warn!("revocation of another client's refresh token ignored")
                    }
                    None => tracing::info!("revocation of an unknown refresh token ignored"),
                }
            }
            _ => tracing::info!("revocation of a value that is not a token ignored"),
        }
        Ok(())
    }

    /// Looks up `token` and returns it when it is unexpired, unrevoked and
    /// its client is active. `caller` is a client authenticated in this
    /// request, so active; when the token is its own, its status is not
    /// looked up again.
    async fn active_view(
        &self,
        token: &str,
        now: Timestamp,
        caller: Option<&Client>,
    ) -> Result<Option<TokenView>, ServiceError> {
        let hash = SecretHash::of(token);
        let view = match SecretKind::of(token) {
            Some(SecretKind::AccessToken) => self
                .store
                .find_access_token(&hash)
                .await?
                .filter(|record| record.is_active(now))
                .map(|record| TokenView {
                    client_id: record.client_id,
                    user_id: record.user_id,
                    workspace_id: record.workspace_id,
                    scopes: record.scopes,
                    issued_at: record.issued_at,
                    expires_at: record.expires_at,
                    token_type: "Bearer",
                    audience: record.audience,
                }),
            Some(SecretKind::RefreshToken) => self
                .store
                .find_refresh_token(&hash)
                .await?
                .filter(|record| record.state == RefreshState::Active && now < record.expires_at)
                .map(|record| TokenView {
                    client_id: record.client_id,
                    user_id: record.user_id,
                    workspace_id: record.workspace_id,
                    scopes: record.scopes,
                    issued_at: record.issued_at,
                    expires_at: record.expires_at,
                    token_type: "refresh_token",
                    audience: record.resource,
                }),
            _ => None,
        };
        let Some(view) = view else {
            return Ok(None);
        };

        let client_active = match caller {
            Some(caller) if caller.id == view.client_id => true,
            _ => {
                let client = self.store.find_client(&view.client_id).await?;
                client.is_some_and(|client| client.status == ClientStatus::Active)
            }
        };
        Ok(client_active.then_some(view))
    }
}
