//! The device code grant at the token endpoint (RFC 8628 section 3.4):
//! polling answers and the redemption of an approved device authorization.

use crate::client::{Client, GrantType};
use crate::device::DeviceRejection;
use crate::error::{ErrorCode, ServiceError};
use crate::secret::SecretKind;
use crate::service::TokenService;
use crate::service::token::{Binding, TokenRequest, TokenResponse, invalid_grant, required_secret};
use crate::store::{DevicePoll, Store};
use crate::time::Timestamp;

impl<S: Store> TokenService<S> {
    /// Polls a device authorization and issues tokens once it is approved.
    pub(crate) async fn exchange_device_code(
        &self,
        client: &Client,
        request: &TokenRequest,
        now: Timestamp,
    ) -> Result<TokenResponse, ServiceError> {
        let device_code = required_secret(
            request.device_code.as_deref(),
            "device_code",
            SecretKind::DeviceCode,
            "the device code is invalid",
        )?;

        let authorization = match self.store.poll_device(&device_code.hash(), now).await? {
            DevicePoll::Redeemed(authorization) => authorization,
            DevicePoll::Rejected(rejection) => return Err(poll_error(rejection)),
            DevicePoll::NotFound => return Err(invalid_grant("the device code is invalid")),
        };
        let crate::device::DeviceState::Redeemed(approval) = &authorization.state else {
            return Err(ServiceError::Store(crate::error::StoreError::Internal(
                "poll_device returned a redeemed authorization in another state".into(),
            )));
        };

        let checked = if authorization.client_id != client.id {
            tracing::warn!(owner = %authorization.client_id, "device code presented by another client");
            Err(invalid_grant(
                "the device code was issued to another client",
            ))
        } else {
            self.check_approval_still_holds(
                &approval.user_id,
                &client.id,
                &approval.workspace_id,
                &approval.grant_id,
            )
            .await
        };
        if let Err(error) = checked {
            self.store
                .revoke_family(&authorization.family_id, now)
                .await?;
            return Err(error);
        }

        // Validation ends here; everything below issues tokens.
        let binding = Binding {
            family_id: &authorization.family_id,
            user_id: &approval.user_id,
            workspace_id: &approval.workspace_id,
            client_id: &client.id,
            resource: authorization.resource.as_deref(),
            refresh_allowed: client.allows_grant(GrantType::RefreshToken),
        };
        self.issue(&binding, &authorization.scopes, now).await
    }
}

/// Maps a poll that redeemed nothing to its RFC 8628 section 3.5 error.
fn poll_error(rejection: DeviceRejection) -> ServiceError {
    let (code, description) = match rejection {
        DeviceRejection::Pending => (
            ErrorCode::AuthorizationPending,
            "the member has not decided yet".to_owned(),
        ),
        DeviceRejection::SlowDown(interval) => (
            ErrorCode::SlowDown,
            format!("polling too fast: wait at least {interval} seconds between requests"),
        ),
        DeviceRejection::Denied => (
            ErrorCode::AccessDenied,
            "the member denied the request".to_owned(),
        ),
        DeviceRejection::Expired => (
            ErrorCode::ExpiredToken,
            "the device code has expired; start again".to_owned(),
        ),
        DeviceRejection::AlreadyRedeemed | DeviceRejection::AlreadyDecided => (
            ErrorCode::InvalidGrant,
            "the device code was already used".to_owned(),
        ),
    };
    ServiceError::rejected(code, description)
}
