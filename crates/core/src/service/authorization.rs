//! The authorization endpoint (RFC 6749 section 4.1.1): validating a request,
//! recording consent and issuing the authorization code.
//!
//! Validation runs in an order that never redirects to an unverified URI:
//! a missing or unknown client and a missing or unregistered redirect URI
//! end on an error page ([`AuthorizationError::ErrorPage`]); every later
//! error is sent back to the verified redirect URI with `error`,
//! `error_description`, `state` and `iss` (RFC 9207).

use std::sync::Arc;

use crate::client::{Client, ClientStatus, ClientType, GrantType};
use crate::code::{AuthorizationCode, CodeState};
use crate::directory::Workspace;
use crate::error::{ErrorCode, OAuthError, StoreError};
use crate::ids::{FamilyId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::pkce::{ChallengeMethod, CodeChallenge};
use crate::scope::ScopeSet;
use crate::secret::{Secret, SecretKind};
use crate::service::approval::{approvable_workspaces, resolve_scopes, save_approval};
use crate::service::metadata_document::ClientMetadataResolver;
use crate::service::{Context, MAX_STATE_LEN, check_resource};
use crate::store::Store;

mod wire;

use wire::append_query;
pub use wire::{AuthorizationError, AuthorizationRequest, ErrorRedirect, ValidatedAuthorization};

/// Validates authorization requests, records consent and issues codes.
pub struct AuthorizationService<S> {
    pub(super) store: Arc<S>,
    pub(super) context: Arc<Context>,
    /// Fetches client ID metadata documents, when they are accepted.
    pub(super) metadata_resolver: Option<Arc<dyn ClientMetadataResolver>>,
}

impl<S: Store> AuthorizationService<S> {
    /// Creates the service.
    pub fn new(store: Arc<S>, context: Arc<Context>) -> Self {
        AuthorizationService {
            store,
            context,
            metadata_resolver: None,
        }
    }

    /// Validates `request` in the safe order described in the module docs.
    #[tracing::instrument(skip_all, fields(client_id = request.client_id.as_deref()))]
    pub async fn validate(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<ValidatedAuthorization, AuthorizationError> {
        let (client, redirect_uri) = self.verify_client_and_redirect(request).await?;
        let redirect_error = |code: ErrorCode, description: String| {
            tracing::info!(client_id = %client.id, error = %code, description, "authorization request rejected");
            AuthorizationError::Redirect(ErrorRedirect {
                redirect_uri: redirect_uri.clone(),
                error: OAuthError::new(code, description),
                state: request
                    .state
                    .clone()
                    .filter(|state| state.len() <= MAX_STATE_LEN),
                issuer: self.context.settings.issuer.clone(),
            })
        };

        if request
            .state
            .as_ref()
            .is_some_and(|state| state.len() > MAX_STATE_LEN)
        {
            return Err(redirect_error(
                ErrorCode::InvalidRequest,
                format!("state is longer than {MAX_STATE_LEN} bytes"),
            ));
        }
        if !client.allows_grant(GrantType::AuthorizationCode) {
            return Err(redirect_error(
                ErrorCode::UnauthorizedClient,
                "this client is not registered for the authorization code grant".into(),
            ));
        }
        match request.response_type.as_deref() {
            Some("code") => {}
            None => {
                return Err(redirect_error(
                    ErrorCode::InvalidRequest,
                    "response_type is missing".into(),
                ));
            }
            Some(other) => {
                return Err(redirect_error(
                    ErrorCode::UnsupportedResponseType,
                    format!("response_type {other:?} is not supported: use \"code\""),
                ));
            }
        }

        let scopes = self
            .requested_scopes(&client, request.scope.as_deref())
            .map_err(|description| redirect_error(ErrorCode::InvalidScope, description))?;
        let challenge = pkce_challenge(&client, request)
            .map_err(|description| redirect_error(ErrorCode::InvalidRequest, description))?;
        let resource = request
            .resource
            .as_deref()
            .filter(|resource| !resource.is_empty());
        if let Some(resource) = resource {
            check_resource(&self.context.settings, resource)
                .map_err(|description| redirect_error(ErrorCode::InvalidTarget, description))?;
        }

        Ok(ValidatedAuthorization {
            client,
            redirect_uri,
            scopes,
            state: request.state.clone(),
            challenge,
            resource: resource.map(str::to_owned),
        })
    }

    /// Checks `client_id` and `redirect_uri`: the steps whose failure must
    /// not redirect.
    async fn verify_client_and_redirect(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<(Client, String), AuthorizationError> {
        let page = |code: ErrorCode, description: &str| {
            tracing::info!(
                client_id = request.client_id.as_deref(),
                description,
                "authorization request rejected without redirect"
            );
            AuthorizationError::ErrorPage(OAuthError::new(code, description))
        };
        let Some(client_id) = request.client_id.as_deref().filter(|id| !id.is_empty()) else {
            return Err(page(ErrorCode::InvalidRequest, "client_id is missing"));
        };
        let Some(client) = self.find_or_fetch_client(client_id).await? else {
            return Err(page(
                ErrorCode::InvalidClient,
                "no client is registered with this client_id",
            ));
        };
        if client.status != ClientStatus::Active {
            return Err(page(
                ErrorCode::UnauthorizedClient,
                "this app is suspended by its workspace admins",
            ));
        }

        let Some(redirect_uri) = request
            .redirect_uri
            .as_deref()
            .filter(|uri| !uri.is_empty())
        else {
            return Err(page(ErrorCode::InvalidRequest, "redirect_uri is missing"));
        };
        if client.redirect_uri_for(redirect_uri).is_none() {
            return Err(page(
                ErrorCode::InvalidRequest,
                "redirect_uri does not exactly match any redirect URI registered for this client",
            ));
        }
        Ok((client, redirect_uri.to_owned()))
    }

    /// Resolves the requested scopes (RFC 6749 section 3.3): the client's
    /// defaults when none are requested, otherwise known scopes the client
    /// may ask for. Returns the description of the first failure.
    fn requested_scopes(&self, client: &Client, scope: Option<&str>) -> Result<ScopeSet, String> {
        resolve_scopes(&self.context.catalog, client, scope)
    }

    /// Returns the workspaces in which `user_id` may approve this client,
    /// with their role: the client's own workspace for a workspace app, any
    /// of the member's workspaces for a self-registered client.
    pub async fn workspaces_for(
        &self,
        validated: &ValidatedAuthorization,
        user_id: &UserId,
    ) -> Result<Vec<(Workspace, Role)>, StoreError> {
        approvable_workspaces(self.store.as_ref(), &validated.client, user_id).await
    }

    /// Returns whether the member must see the consent page: `false` when a
    /// remembered grant already covers every requested scope and the client
    /// is confidential. A public client always gets the consent page,
    /// because any program can use its client ID and a loopback redirect,
    /// so a silent approval could hand the member's tokens to an impostor
    /// (RFC 8252 section 8.6).
    pub async fn needs_consent(
        &self,
        validated: &ValidatedAuthorization,
        user_id: &UserId,
        workspace_id: &WorkspaceId,
    ) -> Result<bool, StoreError> {
        let grant = self
            .store
            .find_grant(user_id, &validated.client.id, workspace_id)
            .await?;
        let remembered = grant.is_some_and(|grant| grant.covers(&validated.scopes));
        Ok(validated.client.client_type == ClientType::Public || !remembered)
    }

    /// Records the member's approval and issues an authorization code.
    /// Returns the redirect location with `code`, `state` and `iss`.
    #[tracing::instrument(skip_all, fields(client_id = %validated.client.id, user_id = %user_id, workspace_id = %workspace_id))]
    pub async fn approve(
        &self,
        validated: &ValidatedAuthorization,
        user_id: &UserId,
        workspace_id: &WorkspaceId,
    ) -> Result<String, AuthorizationError> {
        let allowed = self.workspaces_for(validated, user_id).await?;
        if !allowed
            .iter()
            .any(|(workspace, _)| workspace.id == *workspace_id)
        {
            tracing::warn!("approval for a workspace the member may not approve in");
            return Err(AuthorizationError::Redirect(self.error_redirect(
                validated,
                ErrorCode::AccessDenied,
                "the member may not approve this app in the chosen workspace",
            )));
        }

        let now = self.context.clock.now();
        let grant = save_approval(
            self.store.as_ref(),
            &self.context,
            &validated.client,
            user_id,
            workspace_id,
            &validated.scopes,
        )
        .await?;

        let code = Secret::generate(SecretKind::AuthorizationCode, self.context.random.as_ref());
        self.store
            .insert_code(&AuthorizationCode {
                hash: code.hash(),
                client_id: validated.client.id.clone(),
                redirect_uri: validated.redirect_uri.clone(),
                user_id: user_id.clone(),
                workspace_id: workspace_id.clone(),
                grant_id: grant.id,
                scopes: validated.scopes.clone(),
                challenge: validated.challenge.clone(),
                resource: validated.resource.clone(),
                family_id: FamilyId::generate(self.context.random.as_ref()),
                issued_at: now,
                expires_at: now + self.context.settings.code_lifetime,
                state: CodeState::Issued,
            })
            .await?;
        tracing::info!("authorization code issued");

        let mut pairs = vec![("code", code.expose())];
        if let Some(state) = &validated.state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", &self.context.settings.issuer));
        Ok(append_query(&validated.redirect_uri, &pairs))
    }

    /// Returns the redirect location telling the client the member denied
    /// the request (`access_denied`).
    pub fn deny(&self, validated: &ValidatedAuthorization) -> String {
        tracing::info!(client_id = %validated.client.id, "member denied the authorization request");
        self.error_redirect(
            validated,
            ErrorCode::AccessDenied,
            "the member denied the request",
        )
        .location()
    }

    fn error_redirect(
        &self,
        validated: &ValidatedAuthorization,
        code: ErrorCode,
        description: &str,
    ) -> ErrorRedirect {
        ErrorRedirect {
            redirect_uri: validated.redirect_uri.clone(),
            error: OAuthError::new(code, description),
            state: validated.state.clone(),
            issuer: self.context.settings.issuer.clone(),
        }
    }
}

/// Parses the PKCE parameters. Public clients (and clients whose PKCE mode
/// is `Required`) must send a challenge; anyone who sends one must use S256.
fn pkce_challenge(
    client: &Client,
    request: &AuthorizationRequest,
) -> Result<Option<CodeChallenge>, String> {
    let Some(challenge) = request.code_challenge.as_deref() else {
        if request.code_challenge_method.is_some() {
            return Err("code_challenge_method was sent without code_challenge".into());
        }
        if client.requires_pkce() {
            return Err(
                "code_challenge is required for this client: send an S256 PKCE challenge".into(),
            );
        }
        return Ok(None);
    };
    ChallengeMethod::parse(request.code_challenge_method.as_deref())
        .map_err(|error| error.to_string())?;
    CodeChallenge::parse(challenge)
        .map(Some)
        .map_err(|error| error.to_string())
}
