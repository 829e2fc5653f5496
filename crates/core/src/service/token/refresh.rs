//! The `refresh_token` grant (RFC 6749 section 6): scope narrowing,
//! membership checks and atomic rotation, where a reused refresh token
//! revokes its whole family.

use crate::client::Client;
use crate::error::{ErrorCode, ServiceError};
use crate::scope::ScopeSet;
use crate::secret::SecretKind;
use crate::service::TokenService;
use crate::service::token::issue::Binding;
use crate::service::token::{
    TokenRequest, TokenResponse, check_requested_resource, invalid_grant, required_secret,
};
use crate::store::{Rotation, Store};
use crate::time::Timestamp;

impl<S: Store> TokenService<S> {
    pub(super) async fn refresh(
        &self,
        client: &Client,
        request: &TokenRequest,
        now: Timestamp,
    ) -> Result<TokenResponse, ServiceError> {
        let presented = required_secret(
            request.refresh_token.as_deref(),
            "refresh_token",
            SecretKind::RefreshToken,
            "the refresh token is invalid",
        )?;
        let Some(record) = self.store.find_refresh_token(&presented.hash()).await? else {
            return Err(invalid_grant("the refresh token is invalid"));
        };
        if record.client_id != client.id {
            tracing::warn!(owner = %record.client_id, "refresh token presented by another client");
            return Err(invalid_grant(
                "the refresh token was issued to another client",
            ));
        }

        let scopes = match request.scope.as_deref() {
            None | Some("") => record.scopes.clone(),
            Some(text) => {
                let requested = ScopeSet::parse(text).map_err(|error| {
                    ServiceError::rejected(ErrorCode::InvalidScope, error.to_string())
                })?;
                let added = requested.difference(&record.scopes);
                if !added.is_empty() {
                    return Err(ServiceError::rejected(
                        ErrorCode::InvalidScope,
                        format!(
                            "a refresh may narrow the scope but not widen it; not granted: {added}"
                        ),
                    ));
                }
                requested
            }
        };
        if self
            .store
            .find_membership(&record.workspace_id, &record.user_id)
            .await?
            .is_none()
        {
            self.store.revoke_family(&record.family_id, now).await?;
            return Err(invalid_grant("the member is no longer in the workspace"));
        }

        check_requested_resource(request, record.resource.as_deref())?;

        // Validation ends here; the store rotates atomically.
        let binding = Binding {
            family_id: &record.family_id,
            user_id: &record.user_id,
            workspace_id: &record.workspace_id,
            client_id: &client.id,
            resource: record.resource.as_deref(),
            refresh_allowed: true,
        };
        let (access, access_record) = self.access_token(&binding, &scopes, now);
        let (refresh, refresh_record) = self.refresh_token(&binding, &record.scopes, now);
        match self
            .store
            .rotate_refresh_token(&presented.hash(), &access_record, &refresh_record, now)
            .await?
        {
            Rotation::Rotated => Ok(self.response(access, Some(refresh), &scopes)),
            Rotation::Reused => {
                tracing::warn!(family_id = %record.family_id, "refresh token reused; its family is revoked");
                Err(invalid_grant(
                    "the refresh token was already used; every token of this authorization is revoked",
                ))
            }
            Rotation::Revoked => Err(invalid_grant("the refresh token was revoked")),
            Rotation::Expired => Err(invalid_grant("the refresh token has expired")),
            Rotation::NotFound => Err(invalid_grant("the refresh token is invalid")),
        }
    }
}
