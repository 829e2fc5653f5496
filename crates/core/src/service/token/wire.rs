//! The wire types of the token endpoint: the request form (RFC 6749
//! sections 4.1.3 and 6, RFC 8628 section 3.4) and the success response
//! (RFC 6749 section 5.1), each with a `Debug` that redacts secrets.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The raw form parameters of a token request, without client credentials.
#[derive(Default, Deserialize)]
pub struct TokenRequest {
    /// `grant_type`.
    pub grant_type: Option<String>,
    /// `code`, for `authorization_code`.
    pub code: Option<String>,
    /// `redirect_uri`, for `authorization_code`.
    pub redirect_uri: Option<String>,
    /// `code_verifier` (RFC 7636), for `authorization_code`.
    pub code_verifier: Option<String>,
    /// `refresh_token`, for `refresh_token`.
    pub refresh_token: Option<String>,
    /// `scope`, for `refresh_token`: at most the original scopes.
    pub scope: Option<String>,
    /// `resource` (RFC 8707): must name the resource of the authorization.
    pub resource: Option<String>,
    /// `device_code`, for the device code grant (RFC 8628 section 3.4).
    pub device_code: Option<String>,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("code", &redacted(&self.code))
            .field("redirect_uri", &self.redirect_uri)
            .field("code_verifier", &redacted(&self.code_verifier))
            .field("refresh_token", &redacted(&self.refresh_token))
            .field("scope", &self.scope)
            .field("resource", &self.resource)
            .field("device_code", &redacted(&self.device_code))
            .finish()
    }
}

/// A successful token response (RFC 6749 section 5.1).
#[derive(Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// A new refresh token, when `offline_access` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Scopes of the access token.
    pub scope: String,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}
