//! Minting tokens: an access token and, with `offline_access`, a refresh
//! token in one family, stored together, and the response that carries them
//! (RFC 6749 section 5.1).

use crate::error::ServiceError;
use crate::ids::{ClientId, FamilyId, UserId, WorkspaceId};
use crate::scope::{OFFLINE_ACCESS, ScopeSet};
use crate::secret::{Secret, SecretKind};
use crate::service::TokenService;
use crate::service::token::TokenResponse;
use crate::store::Store;
use crate::time::Timestamp;
use crate::token::{AccessTokenRecord, RefreshState, RefreshTokenRecord};

/// What new tokens are bound to.
pub(crate) struct Binding<'a> {
    pub(crate) family_id: &'a FamilyId,
    pub(crate) user_id: &'a UserId,
    pub(crate) workspace_id: &'a WorkspaceId,
    pub(crate) client_id: &'a ClientId,
    pub(crate) resource: Option<&'a str>,
    /// Whether the client may use the refresh token grant, so that a
    /// refresh token would be of use to it.
    pub(crate) refresh_allowed: bool,
}

impl<S: Store> TokenService<S> {
    /// Issues an access token for `scopes` and, when they include
    /// `offline_access` and the client may refresh, a refresh token, in the
    /// family of `binding`.
    pub(crate) async fn issue(
        &self,
        binding: &Binding<'_>,
        scopes: &ScopeSet,
        now: Timestamp,
    ) -> Result<TokenResponse, ServiceError> {
        let (access, access_record) = self.access_token(binding, scopes, now);
        let with_refresh = scopes.contains(OFFLINE_ACCESS) && binding.refresh_allowed;
        let refresh = with_refresh.then(|| self.refresh_token(binding, scopes, now));
        self.store
            .insert_tokens(&access_record, refresh.as_ref().map(|(_, record)| record))
            .await?;
        tracing::info!(family_id = %binding.family_id, refresh = with_refresh, "tokens issued");
        Ok(self.response(access, refresh.map(|(secret, _)| secret), scopes))
    }

    pub(super) fn access_token(
        &self,
        binding: &Binding<'_>,
        scopes: &ScopeSet,
        now: Timestamp,
    ) -> (Secret, AccessTokenRecord) {
        let secret = Secret::generate(SecretKind::AccessToken, self.context.random.as_ref());
        let record = AccessTokenRecord {
            hash: secret.hash(),
            family_id: binding.family_id.clone(),
            client_id: binding.client_id.clone(),
            user_id: binding.user_id.clone(),
            workspace_id: binding.workspace_id.clone(),
            scopes: scopes.clone(),
            audience: binding.resource.map(str::to_owned),
            issued_at: now,
            expires_at: now + self.context.settings.access_token_lifetime,
            revoked_at: None,
        };
        (secret, record)
    }

    pub(super) fn refresh_token(
        &self,
        binding: &Binding<'_>,
        scopes: &ScopeSet,
        now: Timestamp,
    ) -> (Secret, RefreshTokenRecord) {
        let secret = Secret::generate(SecretKind::RefreshToken, self.context.random.as_ref());
        let record = RefreshTokenRecord {
            hash: secret.hash(),
            family_id: binding.family_id.clone(),
            client_id: binding.client_id.clone(),
            user_id: binding.user_id.clone(),
            workspace_id: binding.workspace_id.clone(),
            scopes: scopes.clone(),
            resource: binding.resource.map(str::to_owned),
            issued_at: now,
            expires_at: now + self.context.settings.refresh_token_lifetime,
            state: RefreshState::Active,
        };
        (secret, record)
    }

    pub(super) fn response(
        &self,
        access: Secret,
        refresh: Option<Secret>,
        scopes: &ScopeSet,
    ) -> TokenResponse {
        TokenResponse {
            access_token: access.expose().to_owned(),
            token_type: "Bearer",
            expires_in: self.context.settings.access_token_lifetime.as_secs(),
            refresh_token: refresh.map(|secret| secret.expose().to_owned()),
            scope: scopes.to_string(),
        }
    }
}
