//! Client metadata of dynamic registration (RFC 7591 section 2): the fields
//! a request may carry, the rules they must pass, and the normalised form
//! that is stored and fingerprinted.
//!
//! Only the fields of [`ClientMetadata`] are read. Every other field
//! (`logo_uri`, `jwks_uri`, `jwks`, `tos_uri`, `policy_uri`, `contacts`, ...)
//! is ignored, and no URI of a registration is ever fetched.

use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::client::{ClientType, GrantType, RegistrationSource, TokenEndpointAuthMethod};
use crate::error::{ErrorCode, ServiceError};
use crate::redirect::{MAX_REDIRECT_URI_LEN, RedirectUri};
use crate::scope::{ScopeCatalog, ScopeSet};
use crate::secret::SecretHash;

/// Maximum length of `client_name`, in characters.
pub const MAX_CLIENT_NAME_LEN: usize = 100;
/// Maximum number of redirect URIs one registration may list.
pub const MAX_REGISTERED_REDIRECT_URIS: usize = 10;
/// Maximum number of entries of `grant_types` and of `response_types`.
pub const MAX_TYPE_ENTRIES: usize = 10;
/// Maximum length of `scope`, in bytes.
pub const MAX_SCOPE_LEN: usize = 1000;
/// Maximum length of `software_id` and of `software_version`, in characters.
pub const MAX_SOFTWARE_FIELD_LEN: usize = 200;

const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];

/// The metadata of a registration or update request, as received. Absent
/// and `null` fields are `None`; unknown fields are ignored.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ClientMetadata {
    /// `redirect_uris`.
    pub redirect_uris: Option<Vec<String>>,
    /// `token_endpoint_auth_method`; `client_secret_basic` when absent, as
    /// RFC 7591 section 2 specifies.
    pub token_endpoint_auth_method: Option<String>,
    /// `grant_types`; `["authorization_code"]` when absent.
    pub grant_types: Option<Vec<String>>,
    /// `response_types`; `["code"]` with the authorization code grant and
    /// `[]` without it when absent.
    pub response_types: Option<Vec<String>>,
    /// `client_name`, shown on the consent page.
    pub client_name: Option<String>,
    /// `client_uri`: the client's homepage, shown on the consent page and
    /// never fetched.
    pub client_uri: Option<String>,
    /// `scope`: the scopes the client may request.
    pub scope: Option<String>,
    /// `software_id`.
    pub software_id: Option<String>,
    /// `software_version`.
    pub software_version: Option<String>,
    /// `client_id`, sent only in an RFC 7592 update; must name the client.
    pub client_id: Option<String>,
    /// `client_secret`, sent only in an RFC 7592 update of a confidential
    /// client; must be a valid secret of the client.
    pub client_secret: Option<String>,
}

impl fmt::Debug for ClientMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientMetadata")
            .field("redirect_uris", &self.redirect_uris)
            .field(
                "token_endpoint_auth_method",
                &self.token_endpoint_auth_method,
            )
            .field("grant_types", &self.grant_types)
            .field("response_types", &self.response_types)
            .field("client_name", &self.client_name)
            .field("client_uri", &self.client_uri)
            .field("scope", &self.scope)
            .field("software_id", &self.software_id)
            .field("software_version", &self.software_version)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Metadata that passed every rule, in normalised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValidatedMetadata {
    pub redirect_uris: Vec<RedirectUri>,
    pub auth_method: TokenEndpointAuthMethod,
    /// Deduplicated, in the order of [`GrantType`]'s variants.
    pub grant_types: Vec<GrantType>,
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    /// The registered scopes, or `None` when the request named none.
    pub scope: Option<ScopeSet>,
    pub software_id: Option<String>,
    pub software_version: Option<String>,
}

impl ValidatedMetadata {
    /// Returns public for `none` and confidential for the secret methods.
    pub fn client_type(&self) -> ClientType {
        match self.auth_method {
            TokenEndpointAuthMethod::None => ClientType::Public,
            _ => ClientType::Confidential,
        }
    }

    /// Returns `Device` for a client of the device grant without the
    /// authorization code grant, `Dynamic` otherwise.
    pub fn source(&self) -> RegistrationSource {
        let device = self.grant_types.contains(&GrantType::DeviceCode);
        let code = self.grant_types.contains(&GrantType::AuthorizationCode);
        if device && !code {
            RegistrationSource::Device
        } else {
            RegistrationSource::Dynamic
        }
    }

    /// Returns the SHA-256 over the source address and every normalised
    /// field, each length-prefixed so that no two inputs share a hash input.
    /// Redirect URIs are sorted, so their order does not matter.
    pub fn fingerprint(&self, source_address: Option<&str>) -> SecretHash {
        let mut uris: Vec<&str> = self.redirect_uris.iter().map(RedirectUri::as_str).collect();
        uris.sort_unstable();
        let grants: Vec<&str> = self.grant_types.iter().map(|g| g.as_str()).collect();
        let scope = self.scope.as_ref().map(ScopeSet::to_string);

        let mut digest = Sha256::new();
        let fields = [
            ("source_address", source_address.unwrap_or_default()),
            ("token_endpoint_auth_method", self.auth_method.as_str()),
            ("grant_types", &grants.join(" ")),
            ("redirect_uris", &uris.join(" ")),
            (
                "client_name",
                self.client_name.as_deref().unwrap_or_default(),
            ),
            ("client_uri", self.client_uri.as_deref().unwrap_or_default()),
            ("scope", scope.as_deref().unwrap_or_default()),
            (
                "software_id",
                self.software_id.as_deref().unwrap_or_default(),
            ),
            (
                "software_version",
                self.software_version.as_deref().unwrap_or_default(),
            ),
        ];
        for (name, value) in fields {
            digest.update(format!("{name}={}:", value.len()));
            digest.update(value);
            digest.update(";");
        }
        SecretHash::from_bytes(digest.finalize().into())
    }
}

fn invalid_metadata(description: impl Into<String>) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidClientMetadata, description)
}

fn invalid_redirect(description: impl Into<String>) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidRedirectUri, description)
}

/// Checks `metadata` against every registration rule. Size limits are
/// checked before anything is parsed.
pub(crate) fn validate(
    metadata: &ClientMetadata,
    catalog: &ScopeCatalog,
) -> Result<ValidatedMetadata, ServiceError> {
    let client_name = optional_text("client_name", &metadata.client_name, MAX_CLIENT_NAME_LEN)?;
    let software_id = optional_text("software_id", &metadata.software_id, MAX_SOFTWARE_FIELD_LEN)?;
    let software_version = optional_text(
        "software_version",
        &metadata.software_version,
        MAX_SOFTWARE_FIELD_LEN,
    )?;
    let auth_method = auth_method(metadata.token_endpoint_auth_method.as_deref())?;
    let grant_types = grant_types(metadata)?;
    let redirect_uris = redirect_uris(metadata.redirect_uris.as_deref(), &grant_types)?;
    let client_uri = client_uri(metadata.client_uri.as_deref())?;
    let scope = scope(metadata.scope.as_deref(), catalog)?;
    Ok(ValidatedMetadata {
        redirect_uris,
        auth_method,
        grant_types,
        client_name,
        client_uri,
        scope,
        software_id,
        software_version,
    })
}

/// Trims a text field and checks its length and characters. An empty or
/// blank value counts as absent.
fn optional_text(
    name: &str,
    value: &Option<String>,
    max_chars: usize,
) -> Result<Option<String>, ServiceError> {
    let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max_chars {
        return Err(invalid_metadata(format!(
            "{name} must be at most {max_chars} characters"
        )));
    }
    if value.chars().any(is_hidden) {
        return Err(invalid_metadata(format!(
            "{name} must not contain control characters or invisible formatting characters"
        )));
    }
    Ok(Some(value.to_owned()))
}

fn auth_method(value: Option<&str>) -> Result<TokenEndpointAuthMethod, ServiceError> {
    let Some(value) = value else {
        return Ok(TokenEndpointAuthMethod::ClientSecretBasic);
    };
    TokenEndpointAuthMethod::parse(value).ok_or_else(|| {
        invalid_metadata(format!(
            "token_endpoint_auth_method {:?} is not supported: use none, client_secret_basic \
             or client_secret_post",
            truncate(value)
        ))
    })
}

/// Parses `grant_types` and checks them against `response_types`.
fn grant_types(metadata: &ClientMetadata) -> Result<Vec<GrantType>, ServiceError> {
    let default_grants = [GrantType::AuthorizationCode.as_str().to_owned()];
    let names = metadata.grant_types.as_deref().unwrap_or(&default_grants);
    if names.len() > MAX_TYPE_ENTRIES {
        return Err(invalid_metadata(format!(
            "grant_types must have at most {MAX_TYPE_ENTRIES} entries"
        )));
    }
    let mut grants = Vec::new();
    for name in names {
        let grant = GrantType::parse(name).ok_or_else(|| {
            invalid_metadata(format!(
                "grant type {:?} is not supported: use authorization_code, refresh_token or {}",
                truncate(name),
                GrantType::DeviceCode.as_str()
            ))
        })?;
        grants.push(grant);
    }
    // Deduplicate into the fixed variant order, so equal sets compare equal.
    let grants: Vec<GrantType> = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::DeviceCode,
    ]
    .into_iter()
    .filter(|grant| grants.contains(grant))
    .collect();

    if grants.is_empty() {
        return Err(invalid_metadata("grant_types must not be empty"));
    }
    if grants == [GrantType::RefreshToken] {
        return Err(invalid_metadata(
            "the refresh_token grant needs authorization_code or the device code grant as well",
        ));
    }
    check_response_types(metadata.response_types.as_deref(), &grants)?;
    Ok(grants)
}

/// Checks RFC 7591 section 2.1: `code` exactly when the client uses the
/// authorization code grant. Absent `response_types` follow the grants.
fn check_response_types(
    response_types: Option<&[String]>,
    grants: &[GrantType],
) -> Result<(), ServiceError> {
    let Some(names) = response_types else {
        return Ok(());
    };
    if names.len() > MAX_TYPE_ENTRIES {
        return Err(invalid_metadata(format!(
            "response_types must have at most {MAX_TYPE_ENTRIES} entries"
        )));
    }
    if let Some(other) = names.iter().find(|name| name.as_str() != "code") {
        return Err(invalid_metadata(format!(
            "response type {:?} is not supported: use 'code'",
            truncate(other)
        )));
    }
    let has_code = !names.is_empty();
    match (has_code, grants.contains(&GrantType::AuthorizationCode)) {
        (true, false) => Err(invalid_metadata(
            "response type 'code' needs the authorization_code grant in grant_types",
        )),
        (false, true) => Err(invalid_metadata(
            "the authorization_code grant needs response type 'code' in response_types",
        )),
        _ => Ok(()),
    }
}

/// Parses the redirect URIs: required with the authorization code grant,
/// forbidden without it, since only that grant redirects.
fn redirect_uris(
    uris: Option<&[String]>,
    grants: &[GrantType],
) -> Result<Vec<RedirectUri>, ServiceError> {
    let uris = uris.unwrap_or_default();
    if uris.len() > MAX_REGISTERED_REDIRECT_URIS {
        return Err(invalid_metadata(format!(
            "redirect_uris must have at most {MAX_REGISTERED_REDIRECT_URIS} entries"
        )));
    }
    let redirects = grants.contains(&GrantType::AuthorizationCode);
    if redirects && uris.is_empty() {
        return Err(invalid_redirect(
            "redirect_uris is required for the authorization_code grant",
        ));
    }
    if !redirects && !uris.is_empty() {
        return Err(invalid_metadata(
            "redirect_uris is used only by the authorization_code grant, which grant_types \
             does not list",
        ));
    }

    let mut parsed: Vec<RedirectUri> = Vec::with_capacity(uris.len());
    for uri in uris {
        let uri = RedirectUri::parse(uri).map_err(|error| invalid_redirect(error.to_string()))?;
        if !parsed.contains(&uri) {
            parsed.push(uri);
        }
    }
    Ok(parsed)
}

/// Checks `client_uri`: an https URL, or http on a loopback host, with no
/// userinfo. It is shown as a link and never fetched.
fn client_uri(value: Option<&str>) -> Result<Option<String>, ServiceError> {
    let Some(value) = value.filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    let rule = format!(
        "client_uri must be an https URL, or http on 127.0.0.1, [::1] or localhost, of at most \
         {MAX_REDIRECT_URI_LEN} bytes and without userinfo"
    );
    if value.len() > MAX_REDIRECT_URI_LEN {
        return Err(invalid_metadata(rule));
    }
    let Ok(parsed) = url::Url::parse(value) else {
        return Err(invalid_metadata(rule));
    };
    let loopback = parsed
        .host_str()
        .is_some_and(|host| LOOPBACK_HOSTS.contains(&host));
    let scheme_ok = match parsed.scheme() {
        "https" => parsed.host_str().is_some_and(|host| !host.is_empty()),
        "http" => loopback,
        _ => false,
    };
    let userinfo = !parsed.username().is_empty() || parsed.password().is_some();
    if !scheme_ok || userinfo {
        return Err(invalid_metadata(rule));
    }
    Ok(Some(value.to_owned()))
}

fn scope(value: Option<&str>, catalog: &ScopeCatalog) -> Result<Option<ScopeSet>, ServiceError> {
    let Some(value) = value.filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    if value.len() > MAX_SCOPE_LEN {
        return Err(invalid_metadata(format!(
            "scope must be at most {MAX_SCOPE_LEN} bytes"
        )));
    }
    let scopes = ScopeSet::parse(value).map_err(|error| invalid_metadata(error.to_string()))?;
    let unknown = catalog.unknown(&scopes);
    if !unknown.is_empty() {
        return Err(invalid_metadata(format!("unknown scope: {unknown}")));
    }
    Ok(Some(scopes))
}

/// Returns whether `c` is a control character, or a zero-width or
/// bidirectional formatting character that could disguise a name on the
/// consent page.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Cuts a client-supplied value for use in an error description.
fn truncate(value: &str) -> String {
    value.chars().take(64).collect()
}
