//! Client ID metadata documents: clients whose `client_id` is the https URL
//! of a JSON document that describes them (OAuth Client ID Metadata
//! Document, draft-ietf-oauth-client-id-metadata-document), the client
//! registration the MCP authorization specification prefers.
//!
//! The core decides when a document must be fetched, checks it and stores
//! the client. A [`ClientMetadataResolver`] from the HTTP layer does the
//! fetching, because the core does no I/O. A stored client is
//! reused until its `registration.metadata_expires_at`, which comes from
//! the response's cache lifetime clamped to [`MIN_METADATA_LIFETIME`] ..
//! [`MAX_METADATA_LIFETIME`].
//!
//! Accepted documents describe public clients only
//! (`token_endpoint_auth_method` absent or `none`) that use the
//! authorization code grant with PKCE and refresh tokens. Redirect URIs
//! must be https URIs on the host of the `client_id`, or loopback http
//! URIs for native apps (RFC 8252 section 7.3).
//!
//! Limitations: `private_key_jwt` clients, `jwks_uri` and private-use URI
//! schemes are not supported, and a document that fails to load when its
//! cached copy has expired makes the request fail rather than fall back to
//! the stale copy. Failed fetches are not cached and concurrent requests for
//! one URL each fetch, so anyone can make the server send one request to a
//! public URL per authorization request.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::client::{
    Client, ClientStatus, ClientType, Environment, GrantType, PkceMode, RegistrationSource,
    TokenEndpointAuthMethod,
};
use crate::ids::ClientId;
use crate::redirect::{MAX_REDIRECT_URI_LEN, RedirectUri};
use crate::scope::{ScopeCatalog, ScopeSet};
use crate::text::check_readable_name;
use crate::time::Timestamp;

/// Shortest time a fetched document is reused before it is fetched again.
pub const MIN_METADATA_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Longest time a fetched document is reused before it is fetched again.
pub const MAX_METADATA_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Maximum length of `client_name`, in characters.
pub const MAX_CLIENT_NAME_CHARS: usize = 100;
/// Maximum number of redirect URIs in one document.
pub const MAX_DOCUMENT_REDIRECT_URIS: usize = 10;

/// The fields of a client ID metadata document that this server uses
/// (RFC 7591 section 2 names). Other fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientMetadataDocument {
    /// Must be exactly the URL the document was fetched from.
    pub client_id: String,
    /// Name shown on the consent page.
    #[serde(default)]
    pub client_name: Option<String>,
    /// The client's homepage.
    #[serde(default)]
    pub client_uri: Option<String>,
    /// Redirect URIs.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Must be absent or `none`.
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// Scopes the client may request, space-separated.
    #[serde(default)]
    pub scope: Option<String>,
    /// If present, at most `authorization_code` and `refresh_token`.
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    /// If present, only `code`.
    #[serde(default)]
    pub response_types: Option<Vec<String>>,
    /// Must be absent: a document is public, so it cannot carry a secret.
    #[serde(default)]
    pub client_secret: Option<IgnoredAny>,
}

/// A fetched and parsed document with the cache lifetime its response
/// allowed.
#[derive(Debug, Clone)]
pub struct ResolvedMetadataDocument {
    /// The parsed document.
    pub document: ClientMetadataDocument,
    /// `max-age` of the response's `Cache-Control`, if any.
    pub max_age: Option<Duration>,
}

/// Failure to fetch or parse a document. The description is shown to the
/// member on the error page, so it must name no internal detail beyond the
/// document's own URL and the response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{description}")]
pub struct MetadataFetchError {
    /// Description of the failure, in plain words.
    pub description: String,
}

impl MetadataFetchError {
    /// Creates an error with `description`.
    pub fn new(description: impl Into<String>) -> MetadataFetchError {
        MetadataFetchError {
            description: description.into(),
        }
    }
}

/// Fetches client ID metadata documents. Implementations must reject
/// non-https URLs, redirects and private network addresses.
#[async_trait]
pub trait ClientMetadataResolver: Send + Sync {
    /// Fetches and parses the document at `url`, which is the `client_id`
    /// exactly as the client sent it.
    async fn resolve(&self, url: &str) -> Result<ResolvedMetadataDocument, MetadataFetchError>;
}

/// Returns whether `client_id` is written as an http or https URL with a
/// path, and so names a metadata document rather than a registered client.
pub fn names_metadata_document(client_id: &str) -> bool {
    let Some(rest) = client_id
        .strip_prefix("https://")
        .or_else(|| client_id.strip_prefix("http://"))
    else {
        return false;
    };
    rest.find('/').is_some_and(|at| at + 1 < rest.len())
}

/// Checks the URL rules for a client ID metadata document: https, a path
/// other than `/`, no fragment, userinfo or dot segments. Returns the host.
pub fn check_client_id_url(client_id: &str) -> Result<String, String> {
    if client_id.len() > MAX_REDIRECT_URI_LEN {
        return Err("the client_id URL is longer than 2000 bytes".into());
    }
    let url = url::Url::parse(client_id).map_err(|_| "the client_id is not a valid URL")?;
    if url.scheme() != "https" {
        return Err("a client_id metadata document must be served over https".into());
    }
    if url.fragment().is_some() || client_id.contains('#') {
        return Err("the client_id URL must not contain a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the client_id URL must not contain user information".into());
    }
    let raw_path = client_id
        .split(['?'])
        .next()
        .unwrap_or_default()
        .splitn(4, '/')
        .nth(3)
        .unwrap_or_default();
    if raw_path.is_empty() {
        return Err("the client_id URL must have a path".into());
    }
    let dot_segment = raw_path.split('/').any(|segment| {
        let lowered = segment.to_ascii_lowercase().replace("%2e", ".");
        lowered == "." || lowered == ".."
    });
    if dot_segment {
        return Err("the client_id URL must not contain . or .. path segments".into());
    }
    url.host_str()
        .map(str::to_owned)
        .ok_or_else(|| "the client_id URL has no host".into())
}

/// Clamps a response's cache lifetime to the allowed range; no lifetime
/// means the minimum.
pub fn metadata_lifetime(max_age: Option<Duration>) -> Duration {
    max_age
        .unwrap_or(MIN_METADATA_LIFETIME)
        .clamp(MIN_METADATA_LIFETIME, MAX_METADATA_LIFETIME)
}

/// Checks a fetched document against the URL it came from and builds the
/// client to store. `existing` is the stored client of an earlier fetch,
/// whose status, creation time and approval record are kept.
pub fn client_from_document(
    client_id: &str,
    resolved: &ResolvedMetadataDocument,
    catalog: &ScopeCatalog,
    existing: Option<&Client>,
    now: Timestamp,
) -> Result<Client, String> {
    let host = check_client_id_url(client_id)?;
    let document = &resolved.document;
    if document.client_id != client_id {
        return Err(format!(
            "the document's client_id {:?} is not the URL it was fetched from",
            truncate(&document.client_id)
        ));
    }
    check_public_client(document)?;
    let redirect_uris = document_redirect_uris(document, &host)?;
    let name = client_name(document, &host)?;
    let (allowed_scopes, default_scopes) = document_scopes(document, catalog)?;

    let mut registration = existing
        .and_then(|client| client.registration.clone())
        .unwrap_or_default();
    registration.metadata_expires_at = Some(now + metadata_lifetime(resolved.max_age));
    Ok(Client {
        id: ClientId::new(client_id),
        workspace_id: None,
        name,
        description: String::new(),
        homepage_url: homepage(document, &host),
        client_type: ClientType::Public,
        redirect_uris,
        allowed_scopes,
        default_scopes,
        pkce: PkceMode::Required,
        environment: Environment::Production,
        source: RegistrationSource::MetadataDocument,
        status: existing.map_or(ClientStatus::Active, |client| client.status),
        secrets: Vec::new(),
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        auth_method: Some(TokenEndpointAuthMethod::None),
        resource_server: false,
        registration: Some(registration),
        created_at: existing.map_or(now, |client| client.created_at),
    })
}

/// Rejects documents of confidential clients and unsupported grants.
fn check_public_client(document: &ClientMetadataDocument) -> Result<(), String> {
    if document.client_secret.is_some() {
        return Err("the document must not contain a client_secret".into());
    }
    match document.token_endpoint_auth_method.as_deref() {
        None | Some("none") => {}
        Some(other) => {
            return Err(format!(
                "token_endpoint_auth_method {:?} is not supported: a metadata document \
                 client must be public and use \"none\"",
                truncate(other)
            ));
        }
    }
    let grant_types = document.grant_types.as_deref().unwrap_or_default();
    if let Some(other) = grant_types
        .iter()
        .find(|grant| !matches!(grant.as_str(), "authorization_code" | "refresh_token"))
    {
        return Err(format!(
            "grant type {:?} is not supported: use authorization_code and refresh_token",
            truncate(other)
        ));
    }
    let response_types = document.response_types.as_deref().unwrap_or_default();
    if response_types.iter().any(|response| response != "code") {
        return Err("only the response type \"code\" is supported".into());
    }
    Ok(())
}

/// Parses the redirect URIs: https on the `client_id`'s host, or loopback
/// http.
fn document_redirect_uris(
    document: &ClientMetadataDocument,
    host: &str,
) -> Result<Vec<RedirectUri>, String> {
    if document.redirect_uris.is_empty() {
        return Err("the document has no redirect_uris".into());
    }
    if document.redirect_uris.len() > MAX_DOCUMENT_REDIRECT_URIS {
        return Err(format!(
            "the document has more than {MAX_DOCUMENT_REDIRECT_URIS} redirect_uris"
        ));
    }
    let mut uris = Vec::new();
    for text in &document.redirect_uris {
        let uri = RedirectUri::parse(text).map_err(|error| error.to_string())?;
        let parsed = url::Url::parse(text).map_err(|_| format!("invalid redirect URI {text:?}"))?;
        let on_client_host = parsed.scheme() == "https" && parsed.host_str() == Some(host);
        if !on_client_host && parsed.scheme() != "http" {
            return Err(format!(
                "redirect URI {:?} must be an https URI on {host}, the host of the client_id, \
                 or a loopback http URI",
                truncate(text)
            ));
        }
        uris.push(uri);
    }
    Ok(uris)
}

/// Returns the checked `client_name`, or the host when there is none.
fn client_name(document: &ClientMetadataDocument, host: &str) -> Result<String, String> {
    let Some(name) = document.client_name.as_deref().map(str::trim) else {
        return Ok(host.to_owned());
    };
    if name.chars().count() > MAX_CLIENT_NAME_CHARS {
        return Err(format!(
            "client_name is longer than {MAX_CLIENT_NAME_CHARS} characters"
        ));
    }
    if !name.is_empty() {
        check_readable_name("client_name", name)?;
    }
    Ok(if name.is_empty() {
        host.to_owned()
    } else {
        name.to_owned()
    })
}

/// Returns the allowed and default scopes: the catalog's, or the document's
/// `scope` within the catalog. Scopes the catalog does not know are ignored,
/// because one document serves every authorization server.
fn document_scopes(
    document: &ClientMetadataDocument,
    catalog: &ScopeCatalog,
) -> Result<(ScopeSet, ScopeSet), String> {
    let Some(scope) = document.scope.as_deref() else {
        let all = catalog.all();
        let default = all.intersection(&ScopeSet::from_known(["profile"]));
        return Ok((all, default));
    };
    let requested = ScopeSet::parse(scope).map_err(|error| error.to_string())?;
    let allowed = requested.intersection(&catalog.all());
    if allowed.is_empty() {
        return Err("the document's scope names no scope this server knows".into());
    }
    Ok((allowed.clone(), allowed))
}

/// Returns `client_uri` when it is an https URL on the client's host, so
/// the consent page never links elsewhere.
fn homepage(document: &ClientMetadataDocument, host: &str) -> Option<String> {
    let uri = document.client_uri.as_deref()?;
    let parsed = url::Url::parse(uri).ok()?;
    (parsed.scheme() == "https" && parsed.host_str() == Some(host)).then(|| uri.to_owned())
}

fn truncate(text: &str) -> String {
    text.chars().take(200).collect()
}

mod lookup;

#[cfg(test)]
mod tests;
