//! The token endpoint (RFC 6749 section 3.2): the `authorization_code` and
//! `refresh_token` grants.
//!
//! Codes are redeemed atomically by the store before any other check, so a
//! code is spent by its first presentation whatever happens next; a failed
//! check then revokes the family the redemption created. Refresh tokens
//! rotate on every use and a reused one revokes its family.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::client::GrantType;
use crate::code::AuthorizationCode;
use crate::error::{ErrorCode, ServiceError};
use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::pkce::CodeVerifier;
use crate::scope::{OFFLINE_ACCESS, ScopeSet};
use crate::secret::{Secret, SecretKind};
use crate::service::Context;
use crate::service::client_auth::{ClientCredentials, authenticate};
use crate::store::{CodeRedemption, Rotation, Store};
use crate::time::Timestamp;
use crate::token::{AccessTokenRecord, RefreshState, RefreshTokenRecord};

/// The raw form parameters of a token request, without client credentials.
#[derive(Default, Deserialize)]
pub struct TokenRequest {
    /// `grant_type`.
    pub grant_type: Option<String>,
    /// `code`, for `authorization_code`.
    pub code: Option<String>,
    /// `redirect_uri`, for `authorization_code`.
    pub redirect_uri: Option<String>,
    /// `code_verifier` (RFC 7636), for `authorization_code`.
    pub code_verifier: Option<String>,
    /// `refresh_token`, for `refresh_token`.
    pub refresh_token: Option<String>,
    /// `scope`, for `refresh_token`: at most the original scopes.
    pub scope: Option<String>,
    /// `resource` (RFC 8707): must name the resource of the authorization.
    pub resource: Option<String>,
    /// `device_code`, for the device code grant (RFC 8628 section 3.4).
    pub device_code: Option<String>,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("code", &redacted(&self.code))
            .field("redirect_uri", &self.redirect_uri)
            .field("code_verifier", &redacted(&self.code_verifier))
            .field("refresh_token", &redacted(&self.refresh_token))
            .field("scope", &self.scope)
            .field("resource", &self.resource)
            .field("device_code", &redacted(&self.device_code))
            .finish()
    }
}

/// A successful token response (RFC 6749 section 5.1).
#[derive(Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// A new refresh token, when `offline_access` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Scopes of the access token.
    pub scope: String,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Issues, refreshes, revokes and introspects tokens.
pub struct TokenService<S> {
    pub(crate) store: Arc<S>,
    pub(crate) context: Arc<Context>,
}

pub(crate) fn invalid_grant(description: &str) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidGrant, description)
}

/// What new tokens are bound to.
pub(crate) struct Binding<'a> {
    pub(crate) family_id: &'a FamilyId,
    pub(crate) user_id: &'a UserId,
    pub(crate) workspace_id: &'a WorkspaceId,
    pub(crate) client_id: &'a ClientId,
    pub(crate) resource: Option<&'a str>,
}

/// Checks a token request's `resource` against the resource of the
/// authorization (RFC 8707 section 2.2): absent, or exactly the same.
fn check_requested_resource(
    request: &TokenRequest,
    authorized: Option<&str>,
) -> Result<(), ServiceError> {
    match request
        .resource
        .as_deref()
        .filter(|resource| !resource.is_empty())
    {
        None => Ok(()),
        Some(requested) if Some(requested) == authorized => Ok(()),
        Some(requested) => Err(ServiceError::rejected(
            ErrorCode::InvalidTarget,
            format!(
                "resource {requested:?} is not the resource this authorization was granted for"
            ),
        )),
    }
}

pub(crate) fn missing(parameter: &str) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidRequest, format!("{parameter} is missing"))
}

impl<S: Store> TokenService<S> {
    /// Creates the service.
    pub fn new(store: Arc<S>, context: Arc<Context>) -> Self {
        TokenService { store, context }
    }

    /// Handles a token request: authenticates the client, then runs the grant.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id, grant_type = request.grant_type.as_deref()))]
    pub async fn token(
        &self,
        credentials: ClientCredentials,
        request: &TokenRequest,
    ) -> Result<TokenResponse, ServiceError> {
        let now = self.context.clock.now();
        let Some(grant_type) = request.grant_type.as_deref() else {
            return Err(missing("grant_type"));
        };
        let client = authenticate(self.store.as_ref(), &credentials, now).await?;

        let result = match GrantType::parse(grant_type) {
            None => Err(ServiceError::rejected(
                ErrorCode::UnsupportedGrantType,
                format!(
                    "grant_type {grant_type:?} is not supported: use authorization_code, \
                     refresh_token or urn:ietf:params:oauth:grant-type:device_code"
                ),
            )),
            Some(grant) if !client.allows_grant(grant) => Err(ServiceError::rejected(
                ErrorCode::UnauthorizedClient,
                format!("this client is not registered for grant_type {grant_type}"),
            )),
            Some(GrantType::AuthorizationCode) => self.exchange_code(&client, request, now).await,
            Some(GrantType::RefreshToken) => self.refresh(&client, request, now).await,
            Some(GrantType::DeviceCode) => self.exchange_device_code(&client, request, now).await,
        };
        if let Err(ServiceError::Rejected(error)) = &result {
            tracing::info!(error = %error.error, description = %error.error_description, "token request rejected");
        }
        result
    }

    async fn exchange_code(
        &self,
        client: &Client,
        request: &TokenRequest,
        now: Timestamp,
    ) -> Result<TokenResponse, ServiceError> {
        let code_text = request.code.as_deref().ok_or_else(|| missing("code"))?;
        let redirect_uri = request
            .redirect_uri
            .as_deref()
            .ok_or_else(|| missing("redirect_uri"))?;
        let code = Secret::parse(SecretKind::AuthorizationCode, code_text)
            .map_err(|_| invalid_grant("the authorization code is invalid"))?;

        let code = match self.store.redeem_code(&code.hash(), now).await? {
            CodeRedemption::Redeemed(code) => code,
            CodeRedemption::AlreadyRedeemed(code) => {
                tracing::warn!(family_id = %code.family_id, "authorization code reused; its tokens are revoked");
                return Err(invalid_grant(
                    "the authorization code is no longer valid: it was presented before, \
                     and any tokens issued from it are revoked",
                ));
            }
            CodeRedemption::Expired => {
                return Err(invalid_grant("the authorization code has expired"));
            }
            CodeRedemption::NotFound => {
                return Err(invalid_grant("the authorization code is invalid"));
            }
        };

        let bindings = check_code_bindings(
            &code,
            client,
            redirect_uri,
            request.code_verifier.as_deref(),
        )
        .and_then(|()| check_requested_resource(request, code.resource.as_deref()));
        let checked = match bindings {
            Ok(()) => self.check_grant_still_holds(&code).await,
            Err(error) => Err(error),
        };
        if let Err(error) = checked {
            // The code is spent; the family it created must not stay usable.
            self.store.revoke_family(&code.family_id, now).await?;
            return Err(error);
        }

        // Validation ends here; everything below issues tokens.
        let binding = Binding {
            family_id: &code.family_id,
            user_id: &code.user_id,
            workspace_id: &code.workspace_id,
            client_id: &client.id,
            resource: code.resource.as_deref(),
        };
        self.issue(&binding, &code.scopes, now).await
    }

    /// Checks that the member still belongs to the workspace and has not
    /// revoked the grant since the code was issued. A grant revoked before
    /// this redemption is caught here; one revoked after it revokes the
    /// family that the redemption created.
    async fn check_grant_still_holds(&self, code: &AuthorizationCode) -> Result<(), ServiceError> {
        self.check_approval_still_holds(
            &code.user_id,
            &code.client_id,
            &code.workspace_id,
            &code.grant_id,
        )
        .await
    }

    /// Checks that the grant `grant_id` of `user_id` to `client_id` in
    /// `workspace_id` still exists and the member is still in the workspace.
    pub(crate) async fn check_approval_still_holds(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
        workspace_id: &WorkspaceId,
        grant_id: &GrantId,
    ) -> Result<(), ServiceError> {
        let grant = self
            .store
            .find_grant(user_id, client_id, workspace_id)
            .await?;
        if grant.is_none_or(|grant| grant.id != *grant_id) {
            tracing::info!(%grant_id, "authorization redeemed after its grant was revoked");
            return Err(invalid_grant("the member revoked this authorization"));
        }
        let membership = self.store.find_membership(workspace_id, user_id).await?;
        if membership.is_none() {
            return Err(invalid_grant("the member is no longer in the workspace"));
        }
        Ok(())
    }

    async fn refresh(
        &self,
        client: &Client,
        request: &TokenRequest,
        now: Timestamp,
    ) -> Result<TokenResponse, ServiceError> {
        let text = request
            .refresh_token
            .as_deref()
            .ok_or_else(|| missing("refresh_token"))?;
        let presented = Secret::parse(SecretKind::RefreshToken, text)
            .map_err(|_| invalid_grant("the refresh token is invalid"))?;
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

    /// Issues an access token for `scopes` and, when they include
    /// `offline_access`, a refresh token, in the family of `binding`.
    pub(crate) async fn issue(
        &self,
        binding: &Binding<'_>,
        scopes: &ScopeSet,
        now: Timestamp,
    ) -> Result<TokenResponse, ServiceError> {
        let (access, access_record) = self.access_token(binding, scopes, now);
        let with_refresh = scopes.contains(OFFLINE_ACCESS);
        let refresh = with_refresh.then(|| self.refresh_token(binding, scopes, now));
        self.store
            .insert_tokens(&access_record, refresh.as_ref().map(|(_, record)| record))
            .await?;
        tracing::info!(family_id = %binding.family_id, refresh = with_refresh, "tokens issued");
        Ok(self.response(access, refresh.map(|(secret, _)| secret), scopes))
    }

    fn access_token(
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

    fn refresh_token(
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

    fn response(
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

/// Checks that a redeemed code was issued to `client` for `redirect_uri`,
/// and its PKCE binding (RFC 7636 section 4.6). A verifier sent for a code
/// issued without a challenge is rejected, so an attacker cannot strip PKCE
/// from a request (a downgrade).
fn check_code_bindings(
    code: &AuthorizationCode,
    client: &Client,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> Result<(), ServiceError> {
    if code.client_id != client.id {
        tracing::warn!(owner = %code.client_id, "authorization code presented by another client");
        return Err(invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if code.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirect_uri differs from the one in the authorization request",
        ));
    }
    match (&code.challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(invalid_grant(
            "code_verifier was sent but the authorization request had no code_challenge",
        )),
        (Some(_), None) => Err(ServiceError::rejected(
            ErrorCode::InvalidRequest,
            "code_verifier is missing",
        )),
        (Some(challenge), Some(verifier)) => {
            let verifier = CodeVerifier::parse(verifier).map_err(|error| {
                ServiceError::rejected(ErrorCode::InvalidRequest, error.to_string())
            })?;
            if challenge.is_satisfied_by(&verifier) {
                Ok(())
            } else {
                Err(invalid_grant(
                    "code_verifier does not match the code_challenge",
                ))
            }
        }
    }
}
