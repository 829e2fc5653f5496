//! The parameters of an authorization request (RFC 6749 section 4.1.1),
//! the request that passed validation, and the errors that end it: an
//! error page, or a redirect with `error`, `state` and `iss` (RFC 6749
//! section 4.1.2.1, RFC 9207).

use serde::Deserialize;

use crate::client::Client;
use crate::error::{OAuthError, ServiceError, StoreError};
use crate::pkce::CodeChallenge;
use crate::scope::ScopeSet;

/// The raw parameters of an authorization request, as received.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizationRequest {
    /// `response_type`; only `code` is supported.
    pub response_type: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`; always required here, so it is never guessed.
    pub redirect_uri: Option<String>,
    /// `scope`; absent or empty means the client's default scopes.
    pub scope: Option<String>,
    /// `state`, echoed back unchanged.
    pub state: Option<String>,
    /// `code_challenge` (RFC 7636).
    pub code_challenge: Option<String>,
    /// `code_challenge_method`; only `S256`.
    pub code_challenge_method: Option<String>,
    /// `resource` (RFC 8707): the protected resource the tokens are for.
    pub resource: Option<String>,
}

/// A request that passed validation.
#[derive(Debug, Clone)]
pub struct ValidatedAuthorization {
    /// The requesting client.
    pub client: Client,
    /// The exact redirect URI of the request, matched against the client's.
    pub redirect_uri: String,
    /// Requested scopes, or the client's defaults.
    pub scopes: ScopeSet,
    /// `state`, if sent.
    pub state: Option<String>,
    /// PKCE challenge, if sent.
    pub challenge: Option<CodeChallenge>,
    /// Requested resource (RFC 8707), if any.
    pub resource: Option<String>,
}

/// An error to send back to the client's verified redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRedirect {
    /// The verified redirect URI.
    pub redirect_uri: String,
    /// Error code and description.
    pub error: OAuthError,
    /// `state` of the request, echoed back.
    pub state: Option<String>,
    /// Issuer identifier (RFC 9207).
    pub issuer: String,
}

impl ErrorRedirect {
    /// Returns the full redirect location carrying the error parameters.
    pub fn location(&self) -> String {
        let mut pairs = vec![
            ("error", self.error.error.as_str()),
            ("error_description", self.error.error_description.as_str()),
        ];
        if let Some(state) = &self.state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", &self.issuer));
        append_query(&self.redirect_uri, &pairs)
    }
}

/// Why an authorization request cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// The client or redirect URI could not be verified: show an error page
    /// and never redirect.
    #[error("{0}")]
    ErrorPage(OAuthError),
    /// Redirect the error to the client.
    #[error("{}", .0.error)]
    Redirect(ErrorRedirect),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Appends form-encoded `pairs` to `uri`, keeping the URI's own characters
/// as registered.
pub(super) fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{encoded}")
}

impl From<ServiceError> for AuthorizationError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Rejected(error) => AuthorizationError::ErrorPage(error),
            ServiceError::Store(error) => AuthorizationError::Store(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_query_keeps_existing_query() {
        assert_eq!(
            append_query("https://app.example/cb?a=1", &[("code", "x y")]),
            "https://app.example/cb?a=1&code=x+y"
        );
        assert_eq!(
            append_query("https://app.example/cb", &[("state", "&")]),
            "https://app.example/cb?state=%26"
        );
    }
}
