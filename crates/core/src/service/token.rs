//! The token endpoint (RFC 6749 section 3.2): the `authorization_code` and
//! `refresh_token` grants.
//!
//! Codes are redeemed atomically by the store before any other check, so a
//! code is spent by its first presentation whatever happens next; a failed
//! check then revokes the family the redemption created. Refresh tokens
//! rotate on every use and a reused one revokes its family.

use std::sync::Arc;

use crate::client::Client;
use crate::client::GrantType;
use crate::code::AuthorizationCode;
use crate::error::{ErrorCode, ServiceError};
use crate::ids::{ClientId, GrantId, UserId, WorkspaceId};
use crate::pkce::CodeVerifier;
use crate::secret::{Secret, SecretKind};
use crate::service::Context;
use crate::service::client_auth::{ClientCredentials, authenticate};
use crate::store::{CodeRedemption, Store};
use crate::time::Timestamp;

mod issue;
mod refresh;
mod wire;

pub(crate) use issue::Binding;
pub use wire::{TokenRequest, TokenResponse};

/// Issues, refreshes, revokes and introspects tokens.
pub struct TokenService<S> {
    pub(crate) store: Arc<S>,
    pub(crate) context: Arc<Context>,
}

pub(crate) fn invalid_grant(description: &str) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidGrant, description)
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

/// Parses the token request parameter `parameter` as a secret of `kind`.
/// A missing value is `invalid_request`, and a malformed one is
/// `invalid_grant` with the description `invalid`.
pub(crate) fn required_secret(
    value: Option<&str>,
    parameter: &str,
    kind: SecretKind,
    invalid: &str,
) -> Result<Secret, ServiceError> {
    let text = value.ok_or_else(|| missing(parameter))?;
    Secret::parse(kind, text).map_err(|_| invalid_grant(invalid))
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
            refresh_allowed: client.allows_grant(GrantType::RefreshToken),
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
            return Err(invalid_grant("this authorization was revoked"));
        }
        let membership = self.store.find_membership(workspace_id, user_id).await?;
        if membership.is_none() {
            return Err(invalid_grant("the member is no longer in the workspace"));
        }
        Ok(())
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
