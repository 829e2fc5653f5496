//! The rule for each field of registration metadata (RFC 7591 section 2):
//! text limits, `token_endpoint_auth_method`, `grant_types` against
//! `response_types`, redirect URIs, `client_uri` and `scope`.

use crate::client::{GrantType, TokenEndpointAuthMethod};
use crate::error::{ErrorCode, ServiceError};
use crate::redirect::{MAX_REDIRECT_URI_LEN, RedirectUri};
use crate::scope::{ScopeCatalog, ScopeSet};
use crate::text::check_visible;

use super::{
    ClientMetadata, LOOPBACK_HOSTS, MAX_REGISTERED_REDIRECT_URIS, MAX_SCOPE_LEN, MAX_TYPE_ENTRIES,
};

pub(super) fn invalid_metadata(description: impl Into<String>) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidClientMetadata, description)
}

fn invalid_redirect(description: impl Into<String>) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidRedirectUri, description)
}

/// Trims a text field and checks its length and that it has no invisible
/// characters ([`crate::text::is_invisible`]). An empty or blank value
/// counts as absent.
pub(super) fn optional_text(
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
    check_visible(name, value).map_err(invalid_metadata)?;
    Ok(Some(value.to_owned()))
}

pub(super) fn auth_method(value: Option<&str>) -> Result<TokenEndpointAuthMethod, ServiceError> {
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
pub(super) fn grant_types(metadata: &ClientMetadata) -> Result<Vec<GrantType>, ServiceError> {
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
pub(super) fn redirect_uris(
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
pub(super) fn client_uri(value: Option<&str>) -> Result<Option<String>, ServiceError> {
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

pub(super) fn scope(
    value: Option<&str>,
    catalog: &ScopeCatalog,
) -> Result<Option<ScopeSet>, ServiceError> {
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

/// Cuts a client-supplied value for use in an error description.
fn truncate(value: &str) -> String {
    value.chars().take(64).collect()
}
