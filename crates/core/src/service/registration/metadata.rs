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
use crate::error::ServiceError;
use crate::redirect::RedirectUri;
use crate::scope::{ScopeCatalog, ScopeSet};
use crate::secret::SecretHash;

mod fields;

use crate::text::check_readable_name;
use fields::{
    auth_method, client_uri, grant_types, invalid_metadata, optional_text, redirect_uris, scope,
};

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

/// Checks `metadata` against every registration rule. Size limits are
/// checked before anything is parsed.
pub(crate) fn validate(
    metadata: &ClientMetadata,
    catalog: &ScopeCatalog,
) -> Result<ValidatedMetadata, ServiceError> {
    let client_name = optional_text("client_name", &metadata.client_name, MAX_CLIENT_NAME_LEN)?;
    if let Some(name) = &client_name {
        check_readable_name("client_name", name).map_err(invalid_metadata)?;
    }
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
