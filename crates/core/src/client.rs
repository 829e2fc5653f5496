//! OAuth clients ("apps"): their type, registration, redirect URIs, scopes
//! and secrets.

use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, UserId, WorkspaceId};
use crate::redirect::RedirectUri;
use crate::scope::ScopeSet;
use crate::secret::SecretHash;
use crate::time::Timestamp;

/// Client type (RFC 6749 section 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    /// Cannot keep a secret (SPA, mobile, desktop, CLI); must use PKCE.
    Public,
    /// Authenticates with a client secret.
    Confidential,
}

impl ClientType {
    /// Returns the type's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClientType::Public => "public",
            ClientType::Confidential => "confidential",
        }
    }
}

/// Whether an authorization request must carry a PKCE challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PkceMode {
    /// Every request must carry an S256 challenge. Always the case for
    /// public clients.
    Required,
    /// A confidential client may send a challenge; a code issued with one
    /// still needs the verifier.
    Optional,
}

/// Deployment stage of an app. Each stage is a separate app, so callback
/// URLs, secrets and logs of production and staging never mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// Live app.
    Production,
    /// Pre-production app.
    Staging,
    /// Developer's own app.
    Development,
}

/// Origin of a client's registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationSource {
    /// Registered by a workspace admin (or a seed file).
    Dashboard,
    /// Registered through dynamic client registration (RFC 7591).
    Dynamic,
    /// Identified by the URL of a client ID metadata document.
    MetadataDocument,
    /// Registered through dynamic client registration for the device
    /// authorization grant (RFC 8628), as a command-line tool does.
    Device,
}

impl RegistrationSource {
    /// Returns the source's wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            RegistrationSource::Dashboard => "dashboard",
            RegistrationSource::Dynamic => "dynamic",
            RegistrationSource::MetadataDocument => "metadata_document",
            RegistrationSource::Device => "device",
        }
    }
}

/// A grant type a client may use at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GrantType {
    /// `authorization_code` (RFC 6749 section 4.1).
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    /// `refresh_token` (RFC 6749 section 6).
    #[serde(rename = "refresh_token")]
    RefreshToken,
    /// `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628).
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

impl GrantType {
    /// Returns the wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<GrantType> {
        [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::DeviceCode,
        ]
        .into_iter()
        .find(|grant_type| grant_type.as_str() == name)
    }
}

/// Client authentication method at the token endpoint (RFC 7591 section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethod {
    /// A public client: no secret.
    None,
    /// HTTP Basic authentication with the client secret.
    ClientSecretBasic,
    /// The client secret in the request body.
    ClientSecretPost,
}

impl TokenEndpointAuthMethod {
    /// Returns the wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenEndpointAuthMethod::None => "none",
            TokenEndpointAuthMethod::ClientSecretBasic => "client_secret_basic",
            TokenEndpointAuthMethod::ClientSecretPost => "client_secret_post",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<TokenEndpointAuthMethod> {
        [
            TokenEndpointAuthMethod::None,
            TokenEndpointAuthMethod::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost,
        ]
        .into_iter()
        .find(|method| method.as_str() == name)
    }
}

/// Registration record of a client that registered itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Registration {
    /// Hash of the RFC 7592 registration access token; `None` for clients
    /// identified by a metadata document.
    pub access_token_hash: Option<SecretHash>,
    /// Network address the registration came from.
    pub source_address: Option<String>,
    /// Hash of the source address and the normalised metadata, so an
    /// identical registration from the same source finds this client.
    pub fingerprint: Option<SecretHash>,
    /// `software_id` metadata, if sent.
    pub software_id: Option<String>,
    /// `software_version` metadata, if sent.
    pub software_version: Option<String>,
    /// For a metadata-document client: when the cached document must be
    /// fetched again.
    pub metadata_expires_at: Option<Timestamp>,
    /// The member who first approved the client.
    pub first_approved_by: Option<UserId>,
    /// When a member first approved the client. Until then the client
    /// expires after the configured time.
    pub first_approved_at: Option<Timestamp>,
}

/// Lifecycle status of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    /// Can obtain and use tokens.
    Active,
    /// Blocked by an admin: every request is rejected.
    Suspended,
}

/// One client secret's hash. Several may be valid at once while a rotated
/// secret's overlap window runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecretRecord {
    /// SHA-256 of the secret text.
    pub hash: SecretHash,
    /// Creation time.
    pub created_at: Timestamp,
    /// End of validity, or `None` for no end.
    pub expires_at: Option<Timestamp>,
}

/// A registered OAuth client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Public identifier.
    pub id: ClientId,
    /// Workspace whose admins manage the app, or `None` for clients that
    /// registered themselves and may be approved in any workspace.
    pub workspace_id: Option<WorkspaceId>,
    /// Name shown on the consent page.
    pub name: String,
    /// Short description shown on the consent page.
    pub description: String,
    /// The app's homepage, shown on the consent page.
    pub homepage_url: Option<String>,
    /// Public or confidential.
    pub client_type: ClientType,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<RedirectUri>,
    /// Scopes the client may request.
    pub allowed_scopes: ScopeSet,
    /// Scopes granted when a request has no `scope` (RFC 6749 section 3.3).
    pub default_scopes: ScopeSet,
    /// Whether PKCE is mandatory.
    pub pkce: PkceMode,
    /// Deployment stage.
    pub environment: Environment,
    /// Origin of the registration.
    pub source: RegistrationSource,
    /// Active or suspended.
    pub status: ClientStatus,
    /// Hashes of the valid client secrets; empty for public clients.
    pub secrets: Vec<ClientSecretRecord>,
    /// Grant types the client may use at the token endpoint.
    pub grant_types: Vec<GrantType>,
    /// The one authentication method the client registered, or `None` for
    /// an admin-registered app, which may use any method of its type.
    pub auth_method: Option<TokenEndpointAuthMethod>,
    /// Whether the client is a resource server that may introspect tokens
    /// issued to other clients. Any other client may introspect only its
    /// own tokens.
    pub resource_server: bool,
    /// Registration details of a client that registered itself; `None` for
    /// admin-registered apps.
    pub registration: Option<Registration>,
    /// Creation time.
    pub created_at: Timestamp,
}

impl Client {
    /// Returns whether the client may use `grant_type`.
    pub fn allows_grant(&self, grant_type: GrantType) -> bool {
        self.grant_types.contains(&grant_type)
    }

    /// Returns the registered redirect URI that `requested` matches, if any.
    pub fn redirect_uri_for(&self, requested: &str) -> Option<&RedirectUri> {
        self.redirect_uris.iter().find(|uri| uri.matches(requested))
    }

    /// Returns whether `presented` hashes to a secret that is valid at `now`.
    /// Every stored hash is compared, in constant time each, so the time
    /// taken does not reveal which one matched.
    pub fn secret_matches(&self, presented: &SecretHash, now: Timestamp) -> bool {
        self.secrets
            .iter()
            .filter(|record| record.expires_at.is_none_or(|end| now < end))
            .fold(false, |found, record| found | (record.hash == *presented))
    }

    /// Returns whether PKCE is mandatory for this client.
    pub fn requires_pkce(&self) -> bool {
        self.client_type == ClientType::Public || self.pkce == PkceMode::Required
    }
}
