//! The device authorization endpoint and the member's side of the device
//! authorization grant (RFC 8628 sections 3.1 to 3.3).
//!
//! [`DeviceService::start`] authenticates the client as the token endpoint
//! does, checks its scopes and resource, and issues a device code and a
//! user code; only their SHA-256 hashes are stored. The member then types
//! the user code on the verification page, which calls
//! [`DeviceService::find`], then [`DeviceService::approve`] or
//! [`DeviceService::deny`]. The polling side is the device code grant of
//! the token endpoint.
//!
//! Not handled here: limiting how many user codes one visitor may try. The
//! verification page must do that, because 20^8 codes stop a guesser only
//! while attempts are rate-limited (RFC 8628 section 5.1).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::client::{Client, ClientStatus, GrantType};
use crate::device::{
    DeviceApproval, DeviceAuthorization, DeviceEvent, DeviceRejection, DeviceState,
    USER_CODE_ALPHABET, USER_CODE_LEN, format_user_code, normalize_user_code,
};
use crate::directory::Workspace;
use crate::error::{ErrorCode, ServiceError, StoreError};
use crate::ids::{FamilyId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::random::RandomSource;
use crate::scope::ScopeSet;
use crate::secret::{Secret, SecretHash, SecretKind};
use crate::service::Context;
use crate::service::approval::{approvable_workspaces, resolve_scopes, save_approval};
use crate::service::check_resource;
use crate::service::client_auth::{ClientCredentials, authenticate};
use crate::store::Store;
use crate::time::Timestamp;

/// Seconds a client must wait between two polls, until `slow_down` raises it.
pub const POLLING_INTERVAL: u32 = 5;

/// Path of the verification page, under the issuer.
pub const VERIFICATION_PATH: &str = "/device";

/// How many fresh user codes [`DeviceService::start`] tries when the store
/// reports that a code is taken.
const USER_CODE_ATTEMPTS: usize = 3;

/// The device authorization response (RFC 8628 section 3.2).
#[derive(Serialize)]
pub struct DeviceAuthorizationResponse {
    /// The device code the client polls with.
    pub device_code: String,
    /// The user code the member types, formatted `XXXX-XXXX`.
    pub user_code: String,
    /// The verification page.
    pub verification_uri: String,
    /// The verification page with the user code filled in.
    pub verification_uri_complete: String,
    /// Lifetime of both codes, in seconds.
    pub expires_in: u64,
    /// Minimum seconds between polls.
    pub interval: u32,
}

impl fmt::Debug for DeviceAuthorizationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorizationResponse")
            .field("device_code", &"<redacted>")
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// A device authorization that waits for a member, with its client, as the
/// verification page shows it.
#[derive(Debug, Clone)]
pub struct PendingDevice {
    /// The requesting client.
    pub client: Client,
    /// Requested scopes.
    pub scopes: ScopeSet,
    /// Requested resource (RFC 8707), if any.
    pub resource: Option<String>,
    /// The user code, formatted `XXXX-XXXX`, for the member to compare with
    /// the one the device shows.
    pub user_code: String,
    /// End of validity of the codes.
    pub expires_at: Timestamp,
}

/// Why a member's decision on a user code was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceDecisionError {
    /// No pending authorization has this user code: it is mistyped, was
    /// never issued, or its client is gone or suspended.
    #[error("no pending device authorization has this user code")]
    UnknownCode,
    /// The codes expired before the decision.
    #[error("the user code has expired")]
    Expired,
    /// Someone already approved or denied this authorization.
    #[error("the device authorization was already decided")]
    AlreadyDecided,
    /// The member may not approve the client in the chosen workspace.
    #[error("the member may not approve this app in the chosen workspace")]
    WorkspaceNotAllowed,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Starts device authorizations and records members' decisions.
pub struct DeviceService<S> {
    store: Arc<S>,
    context: Arc<Context>,
}

impl<S: Store> DeviceService<S> {
    /// Creates the service.
    pub fn new(store: Arc<S>, context: Arc<Context>) -> Self {
        DeviceService { store, context }
    }

    /// Handles a device authorization request (RFC 8628 section 3.1):
    /// authenticates the client, checks `scope` and `resource`, and issues
    /// the codes.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn start(
        &self,
        credentials: ClientCredentials,
        scope: Option<&str>,
        resource: Option<&str>,
    ) -> Result<DeviceAuthorizationResponse, ServiceError> {
        let now = self.context.clock.now();
        let client = authenticate(self.store.as_ref(), &credentials, now).await?;
        let checked = self.check_request(&client, scope, resource);
        if let Err(ServiceError::Rejected(error)) = &checked {
            tracing::info!(error = %error.error, description = %error.error_description, "device authorization request rejected");
        }
        let scopes = checked?;
        let resource = resource.filter(|resource| !resource.is_empty());

        // Validation ends here; everything below issues the codes.
        let device_code = Secret::generate(SecretKind::DeviceCode, self.context.random.as_ref());
        let lifetime = self.context.settings.device_code_lifetime;
        let mut authorization = DeviceAuthorization {
            device_code_hash: device_code.hash(),
            user_code_hash: SecretHash::of(""),
            client_id: client.id.clone(),
            scopes,
            resource: resource.map(str::to_owned),
            family_id: FamilyId::generate(self.context.random.as_ref()),
            issued_at: now,
            expires_at: now + lifetime,
            interval: POLLING_INTERVAL,
            last_polled_at: None,
            state: DeviceState::Pending,
        };
        let user_code = self.insert_with_fresh_user_code(&mut authorization).await?;
        tracing::info!("device authorization started");

        let verification_uri = format!(
            "{}{VERIFICATION_PATH}",
            self.context.settings.issuer.trim_end_matches('/')
        );
        let user_code = format_user_code(&user_code);
        Ok(DeviceAuthorizationResponse {
            device_code: device_code.expose().to_owned(),
            verification_uri_complete: format!("{verification_uri}?user_code={user_code}"),
            verification_uri,
            user_code,
            expires_in: lifetime.as_secs(),
            interval: POLLING_INTERVAL,
        })
    }

    /// Checks the grant type, scopes and resource of a request; returns the
    /// scopes to authorize.
    fn check_request(
        &self,
        client: &Client,
        scope: Option<&str>,
        resource: Option<&str>,
    ) -> Result<ScopeSet, ServiceError> {
        if !client.allows_grant(GrantType::DeviceCode) {
            return Err(ServiceError::rejected(
                ErrorCode::UnauthorizedClient,
                format!(
                    "this client is not registered for grant_type {}",
                    GrantType::DeviceCode.as_str()
                ),
            ));
        }
        let scopes = resolve_scopes(&self.context.catalog, client, scope)
            .map_err(|description| ServiceError::rejected(ErrorCode::InvalidScope, description))?;
        if let Some(resource) = resource.filter(|resource| !resource.is_empty()) {
            check_resource(&self.context.settings, resource).map_err(|description| {
                ServiceError::rejected(ErrorCode::InvalidTarget, description)
            })?;
        }
        Ok(scopes)
    }

    /// Stores `authorization` under a new user code, drawing another when
    /// the store reports the hash as taken. Returns the normalised code.
    async fn insert_with_fresh_user_code(
        &self,
        authorization: &mut DeviceAuthorization,
    ) -> Result<String, ServiceError> {
        for _ in 0..USER_CODE_ATTEMPTS {
            let user_code = generate_user_code(self.context.random.as_ref())?;
            authorization.user_code_hash = SecretHash::of(&user_code);
            match self.store.insert_device_authorization(authorization).await {
                Ok(()) => return Ok(user_code),
                Err(StoreError::Conflict(reason)) => {
                    tracing::warn!(reason, "user code taken; drawing another");
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::Internal(format!(
            "every one of {USER_CODE_ATTEMPTS} new user codes was already taken"
        ))
        .into())
    }

    /// Returns the pending, unexpired authorization with `user_code`, as
    /// typed by the member, and its active client. Returns `None` for a
    /// malformed, unknown, decided or expired code.
    pub async fn find(&self, user_code: &str) -> Result<Option<PendingDevice>, StoreError> {
        let Some(code) = normalize_user_code(user_code) else {
            return Ok(None);
        };
        let Some(authorization) = self
            .store
            .find_device_by_user_code(&SecretHash::of(&code))
            .await?
        else {
            return Ok(None);
        };
        let now = self.context.clock.now();
        if authorization.state != DeviceState::Pending || now >= authorization.expires_at {
            return Ok(None);
        }
        let client = self.store.find_client(&authorization.client_id).await?;
        let Some(client) = client.filter(|client| client.status == ClientStatus::Active) else {
            return Ok(None);
        };
        Ok(Some(PendingDevice {
            client,
            scopes: authorization.scopes,
            resource: authorization.resource,
            user_code: format_user_code(&code),
            expires_at: authorization.expires_at,
        }))
    }

    /// Returns the workspaces in which `user_id` may approve the client of
    /// `pending`, with their role: the client's own workspace for a
    /// workspace app, any of the member's workspaces for a self-registered
    /// client.
    pub async fn workspaces_for(
        &self,
        pending: &PendingDevice,
        user_id: &UserId,
    ) -> Result<Vec<(Workspace, Role)>, StoreError> {
        approvable_workspaces(self.store.as_ref(), &pending.client, user_id).await
    }

    /// Records the member's approval of the authorization with `user_code`
    /// in `workspace_id`: saves the grant, then marks the authorization
    /// approved, so that the client's next poll receives tokens.
    #[tracing::instrument(skip_all, fields(user_id = %user_id, workspace_id = %workspace_id))]
    pub async fn approve(
        &self,
        user_code: &str,
        user_id: &UserId,
        workspace_id: &WorkspaceId,
    ) -> Result<(), DeviceDecisionError> {
        let pending = self
            .find(user_code)
            .await?
            .ok_or(DeviceDecisionError::UnknownCode)?;
        let workspaces = self.workspaces_for(&pending, user_id).await?;
        if !workspaces
            .iter()
            .any(|(workspace, _)| workspace.id == *workspace_id)
        {
            tracing::warn!(client_id = %pending.client.id, "device approval for a workspace the member may not approve in");
            return Err(DeviceDecisionError::WorkspaceNotAllowed);
        }

        let grant = save_approval(
            self.store.as_ref(),
            &self.context,
            &pending.client,
            user_id,
            workspace_id,
            &pending.scopes,
        )
        .await?;
        let approval = DeviceApproval {
            user_id: user_id.clone(),
            workspace_id: workspace_id.clone(),
            grant_id: grant.id,
        };
        self.decide(&pending, DeviceEvent::Approve(approval)).await
    }

    /// Records that the member denied the authorization with `user_code`;
    /// the client's next poll receives `access_denied`.
    #[tracing::instrument(skip_all)]
    pub async fn deny(&self, user_code: &str) -> Result<(), DeviceDecisionError> {
        let pending = self
            .find(user_code)
            .await?
            .ok_or(DeviceDecisionError::UnknownCode)?;
        self.decide(&pending, DeviceEvent::Deny).await
    }

    /// Applies a decision in the store, which lets exactly one of
    /// concurrent decisions succeed.
    async fn decide(
        &self,
        pending: &PendingDevice,
        event: DeviceEvent,
    ) -> Result<(), DeviceDecisionError> {
        let approved = matches!(event, DeviceEvent::Approve(_));
        let code =
            normalize_user_code(&pending.user_code).ok_or(DeviceDecisionError::UnknownCode)?;
        let now = self.context.clock.now();
        let outcome = self
            .store
            .decide_device(&SecretHash::of(&code), event, now)
            .await?;
        match outcome {
            None => Err(DeviceDecisionError::UnknownCode),
            Some(Err(DeviceRejection::Expired)) => Err(DeviceDecisionError::Expired),
            Some(Err(_)) => Err(DeviceDecisionError::AlreadyDecided),
            Some(Ok(())) => {
                tracing::info!(client_id = %pending.client.id, approved, "member decided a device authorization");
                Ok(())
            }
        }
    }
}

/// Draws a user code of [`USER_CODE_LEN`] characters of
/// [`USER_CODE_ALPHABET`]. Bytes of 240 and above are discarded, so that
/// `byte % 20` picks every character with the same probability.
pub(crate) fn generate_user_code(random: &dyn RandomSource) -> Result<String, StoreError> {
    const ROUNDS: usize = 8;
    let alphabet_len = USER_CODE_ALPHABET.len();
    let limit = 256 - 256 % alphabet_len;
    let mut code = String::with_capacity(USER_CODE_LEN);
    for _ in 0..ROUNDS {
        let mut bytes = [0u8; 2 * USER_CODE_LEN];
        random.fill(&mut bytes);
        for byte in bytes.iter().map(|byte| usize::from(*byte)) {
            if byte < limit && code.len() < USER_CODE_LEN {
                code.push(char::from(USER_CODE_ALPHABET[byte % alphabet_len]));
            }
        }
        if code.len() == USER_CODE_LEN {
            return Ok(code);
        }
    }
    Err(StoreError::Internal(format!(
        "the random source gave too few usable bytes for a user code in {ROUNDS} rounds"
    )))
}
