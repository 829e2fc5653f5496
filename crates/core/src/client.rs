//! OAuth clients ("apps"): their type, registration, redirect URIs, scopes
//! and secrets.

use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, WorkspaceId};
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

/// How a client came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationSource {
    /// Registered by a workspace admin (or a seed file).
    Dashboard,
    /// Registered through dynamic client registration (RFC 7591).
    Dynamic,
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
    /// How the client was registered.
    pub source: RegistrationSource,
    /// Active or suspended.
    pub status: ClientStatus,
    /// Hashes of the valid client secrets; empty for public clients.
    pub secrets: Vec<ClientSecretRecord>,
    /// Creation time.
    pub created_at: Timestamp,
}

impl Client {
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
