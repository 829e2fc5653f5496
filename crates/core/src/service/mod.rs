//! Services: the operations the HTTP layer (or an embedding service) calls.
//!
//! Each service is generic over the store traits and takes time and
//! randomness from its [`Context`], so tests can drive it deterministically
//! with the in-memory store or `mockall` stand-ins.

use std::sync::Arc;
use std::time::Duration;

use crate::random::RandomSource;
use crate::scope::ScopeCatalog;
use crate::time::Clock;

mod admin;
mod approval;
mod authorization;
mod client_auth;
mod device;
mod device_token;
mod introspection;
mod metadata_document;
mod registration;
mod token;

#[cfg(test)]
mod tests;

pub use admin::{AppService, NewClient};
pub use authorization::{
    AuthorizationError, AuthorizationRequest, AuthorizationService, ErrorRedirect,
    ValidatedAuthorization,
};
pub use client_auth::{ClientAuthMethod, ClientCredentials, PresentedSecret};
pub use device::{DeviceAuthorizationResponse, DeviceDecisionError, DeviceService, PendingDevice};
pub use introspection::{Introspection, Principal};
pub use metadata_document::{
    ClientMetadataDocument, ClientMetadataResolver, MAX_CLIENT_NAME_CHARS,
    MAX_DOCUMENT_REDIRECT_URIS, MAX_METADATA_LIFETIME, MIN_METADATA_LIFETIME, MetadataFetchError,
    ResolvedMetadataDocument, check_client_id_url, client_from_document, metadata_lifetime,
    names_metadata_document,
};
pub use registration::{
    ClientMetadata, MAX_CLIENT_NAME_LEN, MAX_REGISTERED_REDIRECT_URIS, MAX_SCOPE_LEN,
    MAX_SOFTWARE_FIELD_LEN, MAX_TOKEN_LABEL_LEN, MAX_TYPE_ENTRIES, Registered, RegistrationPolicy,
    RegistrationRequest, RegistrationService,
};
pub use token::{TokenRequest, TokenResponse, TokenService};

/// Maximum length of the `state` parameter, in bytes. Longer values are
/// rejected so a client cannot make the server echo arbitrary amounts of data.
pub const MAX_STATE_LEN: usize = 2048;

/// Checks a `resource` parameter (RFC 8707 section 2): an absolute URI
/// without a fragment that is one of `settings.resources`. Returns the
/// description of the failure, for an `invalid_target` error.
pub(crate) fn check_resource(settings: &Settings, resource: &str) -> Result<(), String> {
    let parsed = url::Url::parse(resource)
        .map_err(|_| format!("resource {resource:?} is not an absolute URI"))?;
    if parsed.fragment().is_some() {
        return Err(format!("resource {resource:?} must not contain a fragment"));
    }
    if !settings.resources.iter().any(|known| known == resource) {
        return Err(format!(
            "resource {resource:?} is not a protected resource of this server"
        ));
    }
    Ok(())
}

/// Lifetimes and the issuer identifier.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Issuer identifier (RFC 8414 section 2), also sent as `iss` in
    /// authorization responses (RFC 9207).
    pub issuer: String,
    /// Lifetime of authorization codes.
    pub code_lifetime: Duration,
    /// Lifetime of access tokens.
    pub access_token_lifetime: Duration,
    /// Lifetime of refresh tokens; each rotation starts a new one.
    pub refresh_token_lifetime: Duration,
    /// Lifetime of device codes and user codes (RFC 8628 section 3.2).
    pub device_code_lifetime: Duration,
    /// Protected resources tokens may be issued for (RFC 8707): a request's
    /// `resource` must be one of these exact URIs.
    pub resources: Vec<String>,
}

impl Settings {
    /// Settings with the default lifetimes: codes 60 s, access tokens 1 hour,
    /// refresh tokens 30 days, device codes 10 minutes.
    pub fn new(issuer: impl Into<String>) -> Settings {
        Settings {
            issuer: issuer.into(),
            code_lifetime: Duration::from_secs(60),
            access_token_lifetime: Duration::from_secs(3600),
            refresh_token_lifetime: Duration::from_secs(30 * 24 * 3600),
            device_code_lifetime: Duration::from_secs(600),
            resources: Vec::new(),
        }
    }
}

/// What every service shares: time, randomness, settings and the scope
/// catalog.
pub struct Context {
    /// Source of the current time.
    pub clock: Arc<dyn Clock>,
    /// Source of random bytes for secrets and identifiers.
    pub random: Arc<dyn RandomSource>,
    /// Lifetimes and issuer.
    pub settings: Settings,
    /// Scopes this server knows.
    pub catalog: ScopeCatalog,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
