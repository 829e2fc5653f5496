//! Dynamic client registration (RFC 7591) and the client configuration
//! endpoint's read, update and delete (RFC 7592).
//!
//! A registration that passes [`metadata`]'s rules creates a client with no
//! workspace, which a member of any workspace may approve. `none` makes it
//! public; `client_secret_basic` (the RFC 7591 default) or
//! `client_secret_post` makes it confidential, with a generated `ocs_`
//! secret that is returned once and never expires. When registration is
//! open anyone may register a confidential client: its secret then binds
//! the client to whoever registered it, and proves nothing about who that
//! is. The response also carries an `orat_` registration access token, of
//! which only the hash is stored; it authorises the RFC 7592 operations.
//!
//! An identical public registration (same normalised metadata from the
//! same source address) returns the existing client instead of adding one,
//! so a tool that registers on every start does not fill the table. The
//! answer carries the client ID only, with no registration access token:
//! the ID of a public client is no secret, while handing out credentials
//! for the existing client would let anyone behind the same address (a
//! proxy, a NAT) take it over. Confidential registrations are never
//! matched, because each one receives its own secret.
//!
//! Nothing is stored when a request fails any rule. No URI a client sends
//! is ever fetched.
//!
//! Two identical public registrations that race end with one client: the
//! stores reject a second client with the same fingerprint, and the loser
//! is answered as a repeated registration.
//!
//! Limitations: initial access tokens stay valid until they expire, for any
//! number of registrations. Software statements are ignored. An update
//! cannot turn a public client into a confidential one or back.

use std::fmt;
use std::sync::Arc;

use crate::client::{
    Client, ClientSecretRecord, ClientStatus, ClientType, Environment, GrantType, PkceMode,
    Registration,
};
use crate::error::{ErrorCode, ServiceError, StoreError};
use crate::ids::ClientId;
use crate::scope::{OFFLINE_ACCESS, ScopeSet};
use crate::secret::{Secret, SecretKind};
use crate::service::Context;
use crate::store::Store;
use crate::time::Timestamp;

mod configuration;
mod manage;
mod metadata;

pub use manage::MAX_TOKEN_LABEL_LEN;
pub use metadata::{
    ClientMetadata, MAX_CLIENT_NAME_LEN, MAX_REGISTERED_REDIRECT_URIS, MAX_SCOPE_LEN,
    MAX_SOFTWARE_FIELD_LEN, MAX_TYPE_ENTRIES,
};
use metadata::{ValidatedMetadata, validate};

/// Policy for who may register clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationPolicy {
    /// Anyone may register, public and confidential clients alike.
    Open,
    /// Every registration must carry a valid initial access token (RFC 7591
    /// section 3) as a Bearer token.
    InitialAccessToken,
}

/// A registration request as the HTTP layer received it. Its `Debug`
/// output redacts the initial access token.
#[derive(Clone, Default)]
pub struct RegistrationRequest {
    /// The client metadata of the body.
    pub metadata: ClientMetadata,
    /// The Bearer token of the `Authorization` header, if any. Read only
    /// under [`RegistrationPolicy::InitialAccessToken`].
    pub initial_access_token: Option<String>,
    /// The network address the request came from.
    pub source_address: Option<String>,
}

impl fmt::Debug for RegistrationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self.initial_access_token.as_ref().map(|_| "<redacted>");
        f.debug_struct("RegistrationRequest")
            .field("metadata", &self.metadata)
            .field("initial_access_token", &token)
            .field("source_address", &self.source_address)
            .finish()
    }
}

/// A registered client and the secrets to send to it once.
#[derive(Debug)]
pub struct Registered {
    /// The client as stored.
    pub client: Client,
    /// The RFC 7592 registration access token (`orat_`); `None` when an
    /// identical earlier registration was returned.
    pub registration_access_token: Option<Secret>,
    /// The client secret (`ocs_`) of a confidential client.
    pub client_secret: Option<Secret>,
    /// Whether an identical earlier registration was returned.
    pub existing: bool,
}

/// Registers clients and serves the RFC 7592 operations on them.
pub struct RegistrationService<S> {
    store: Arc<S>,
    context: Arc<Context>,
    policy: RegistrationPolicy,
}

fn invalid_token(description: &str) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidToken, description)
}

impl<S: Store> RegistrationService<S> {
    /// Creates the service.
    pub fn new(store: Arc<S>, context: Arc<Context>, policy: RegistrationPolicy) -> Self {
        RegistrationService {
            store,
            context,
            policy,
        }
    }

    /// Returns who may register.
    pub fn policy(&self) -> RegistrationPolicy {
        self.policy
    }

    /// Registers a client (RFC 7591 section 3). An identical earlier public
    /// registration from the same source address is returned instead, with
    /// no credentials.
    #[tracing::instrument(skip_all, fields(source_address = request.source_address.as_deref()))]
    pub async fn register(&self, request: RegistrationRequest) -> Result<Registered, ServiceError> {
        self.check_initial_access_token(request.initial_access_token.as_deref())
            .await?;
        let validated =
            validate(&request.metadata, &self.context.catalog).inspect_err(|error| {
                tracing::info!(%error, "registration rejected");
            })?;
        let source_address = request.source_address;
        let public = validated.client_type() == ClientType::Public;
        let fingerprint = public.then(|| validated.fingerprint(source_address.as_deref()));

        if let Some(fingerprint) = &fingerprint
            && let Some(existing) = self.store.find_client_by_fingerprint(fingerprint).await?
        {
            return Ok(repeated(existing));
        }

        let now = self.context.clock.now();
        let token = Secret::generate(SecretKind::RegistrationToken, self.random());
        let client_secret = (validated.client_type() == ClientType::Confidential)
            .then(|| Secret::generate(SecretKind::ClientSecret, self.random()));
        let registration = Registration {
            access_token_hash: Some(token.hash()),
            source_address,
            fingerprint,
            software_id: validated.software_id.clone(),
            software_version: validated.software_version.clone(),
            ..Registration::default()
        };
        let client = new_client(
            ClientId::generate(self.random()),
            &validated,
            client_secret.as_ref(),
            registration,
            &self.context,
            now,
        );
        check_usable_scopes(&client)?;
        match self.store.insert_client(&client).await {
            Ok(()) => {}
            Err(StoreError::Conflict(reason)) => {
                // An identical registration from the same source was stored
                // between the lookup above and this insert: return it as for a
                // repeated registration.
                if let Some(fingerprint) = &fingerprint
                    && let Some(existing) =
                        self.store.find_client_by_fingerprint(fingerprint).await?
                {
                    return Ok(repeated(existing));
                }
                return Err(StoreError::Conflict(reason).into());
            }
            Err(error) => return Err(error.into()),
        }
        tracing::info!(
            client_id = %client.id,
            client_type = client.client_type.as_str(),
            source = client.source.as_str(),
            "client registered"
        );
        Ok(Registered {
            client,
            registration_access_token: Some(token),
            client_secret,
            existing: false,
        })
    }

    fn random(&self) -> &dyn crate::random::RandomSource {
        self.context.random.as_ref()
    }

    /// Checks the initial access token when the policy requires one.
    async fn check_initial_access_token(
        &self,
        presented: Option<&str>,
    ) -> Result<(), ServiceError> {
        if self.policy == RegistrationPolicy::Open {
            return Ok(());
        }
        let Some(presented) = presented else {
            tracing::info!("registration without an initial access token rejected");
            return Err(invalid_token(
                "this server requires an initial access token for registration: send it as a \
                 Bearer token in the Authorization header",
            ));
        };
        let rejected = |reason: &str| {
            tracing::info!(
                reason,
                "registration with an invalid initial access token rejected"
            );
            invalid_token("the initial access token is invalid or expired")
        };
        let Ok(secret) = Secret::parse(SecretKind::InitialAccessToken, presented) else {
            return Err(rejected("malformed token"));
        };
        let Some(token) = self.store.find_initial_access_token(&secret.hash()).await? else {
            return Err(rejected("unknown token"));
        };
        let now = self.context.clock.now();
        if token.expires_at.is_some_and(|end| end <= now) {
            return Err(rejected("expired token"));
        }
        Ok(())
    }
}

/// Rejects a client left with no scope it could request, as when it
/// registered only `offline_access` without the refresh token grant.
pub(super) fn check_usable_scopes(client: &Client) -> Result<(), ServiceError> {
    if client.allowed_scopes.is_empty() {
        return Err(ServiceError::rejected(
            ErrorCode::InvalidClientMetadata,
            "scope leaves the client no scope to request: offline_access needs the \
             refresh_token grant type",
        ));
    }
    Ok(())
}

/// Returns the existing client for an identical public registration,
/// with no credentials.
fn repeated(client: Client) -> Registered {
    tracing::info!(client_id = %client.id, "identical registration returned the existing client");
    Registered {
        client,
        registration_access_token: None,
        client_secret: None,
        existing: true,
    }
}

fn secret_record(secret: &Secret, now: Timestamp) -> ClientSecretRecord {
    ClientSecretRecord {
        hash: secret.hash(),
        created_at: now,
        expires_at: None,
    }
}

/// Builds a self-registered client from validated metadata. Without a
/// registered `scope` the client may request every scope of the catalog and
/// gets `profile` when a request names none; with one, that set is both.
/// Either way `offline_access` is dropped unless the client registered the
/// refresh token grant.
fn new_client(
    id: ClientId,
    validated: &ValidatedMetadata,
    client_secret: Option<&Secret>,
    registration: Registration,
    context: &Context,
    created_at: Timestamp,
) -> Client {
    let (mut allowed_scopes, mut default_scopes) = match &validated.scope {
        Some(scopes) => (scopes.clone(), scopes.clone()),
        None => {
            let all = context.catalog.all();
            let defaults = ScopeSet::from_known(["profile"]).intersection(&all);
            (all, defaults)
        }
    };
    // A refresh token is of no use to a client without the refresh grant,
    // so such a client does not get `offline_access`. The registration
    // response shows the scopes it got (RFC 7591 section 3.2.1).
    if !validated.grant_types.contains(&GrantType::RefreshToken) {
        let offline = ScopeSet::from_known([OFFLINE_ACCESS]);
        allowed_scopes = allowed_scopes.difference(&offline);
        default_scopes = default_scopes.difference(&offline);
    }
    Client {
        name: validated
            .client_name
            .clone()
            .unwrap_or_else(|| id.as_str().to_owned()),
        id,
        workspace_id: None,
        description: String::new(),
        homepage_url: validated.client_uri.clone(),
        client_type: validated.client_type(),
        redirect_uris: validated.redirect_uris.clone(),
        allowed_scopes,
        default_scopes,
        pkce: PkceMode::Required,
        // NOTE: self-registered clients have no deployment stage; the
        // field is set only because every client carries one.
        environment: Environment::Production,
        source: validated.source(),
        status: ClientStatus::Active,
        secrets: client_secret
            .map(|secret| vec![secret_record(secret, created_at)])
            .unwrap_or_default(),
        grant_types: validated.grant_types.clone(),
        auth_method: Some(validated.auth_method),
        resource_server: false,
        registration: Some(registration),
        created_at,
    }
}

/// Validates `metadata` for the fingerprint tests, failing on a rejection.
#[cfg(test)]
pub(crate) fn metadata_for_tests(
    metadata: &ClientMetadata,
    catalog: &crate::scope::ScopeCatalog,
) -> ValidatedMetadata {
    validate(metadata, catalog).unwrap()
}
