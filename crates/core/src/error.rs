//! The two error vocabularies: [`ErrorCode`] is what goes on the wire (the
//! RFC error codes), [`StoreError`] and the `tracing` log carry the internal
//! cause, which clients never see.

use std::fmt;

use serde::{Serialize, Serializer};

/// An RFC error code, serialised as its wire string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// RFC 6749 section 5.2.
    InvalidRequest,
    /// RFC 6749 section 5.2.
    InvalidClient,
    /// RFC 6749 section 5.2.
    InvalidGrant,
    /// RFC 6749 section 5.2.
    UnauthorizedClient,
    /// RFC 6749 section 5.2.
    UnsupportedGrantType,
    /// RFC 6749 section 5.2.
    InvalidScope,
    /// RFC 6749 section 4.1.2.1.
    AccessDenied,
    /// RFC 6749 section 4.1.2.1.
    UnsupportedResponseType,
    /// RFC 6749 section 4.1.2.1.
    ServerError,
    /// RFC 6749 section 4.1.2.1.
    TemporarilyUnavailable,
    /// RFC 7009 section 2.2.1.
    UnsupportedTokenType,
    /// RFC 7591 section 3.2.2.
    InvalidRedirectUri,
    /// RFC 7591 section 3.2.2.
    InvalidClientMetadata,
    /// RFC 8628 section 3.5.
    AuthorizationPending,
    /// RFC 8628 section 3.5.
    SlowDown,
    /// RFC 8628 section 3.5.
    ExpiredToken,
    /// RFC 8707 section 2.
    InvalidTarget,
    /// RFC 6750 section 3.1.
    InvalidToken,
}

impl ErrorCode {
    /// Returns the wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            ErrorCode::InvalidRedirectUri => "invalid_redirect_uri",
            ErrorCode::InvalidClientMetadata => "invalid_client_metadata",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::InvalidToken => "invalid_token",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An error a client may see: a wire code and a human-readable description
/// (RFC 6749 section 5.2 `error_description`, printable ASCII only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{error}: {error_description}")]
pub struct OAuthError {
    /// Wire code.
    pub error: ErrorCode,
    /// What was wrong, for the developer of the client.
    pub error_description: String,
}

impl OAuthError {
    /// Builds an error, replacing characters RFC 6749 forbids in a description
    /// (anything outside `%x20-21 / %x23-5B / %x5D-7E`) with `?`.
    pub fn new(error: ErrorCode, description: impl Into<String>) -> OAuthError {
        let error_description = description
            .into()
            .chars()
            .map(|c| match c {
                '\x20'..='\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E' => c,
                '"' => '\'',
                _ => '?',
            })
            .collect();
        OAuthError {
            error,
            error_description,
        }
    }
}

/// A store operation failed. The message is for logs, never for clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken, such as a user's email.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backing service cannot be reached; the request may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or corrupt data.
    #[error("store failure: {0}")]
    Internal(String),
}

/// What a service call can fail with: a rejection the client sees, or a
/// store failure that becomes `server_error` or `temporarily_unavailable`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// The request was rejected for a reason the client may see.
    #[error(transparent)]
    Rejected(#[from] OAuthError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// Builds a rejection.
    pub fn rejected(error: ErrorCode, description: impl Into<String>) -> ServiceError {
        ServiceError::Rejected(OAuthError::new(error, description))
    }

    /// Returns the wire form of this error. Store failures are described
    /// generically, so no internal detail reaches a client.
    pub fn to_oauth(&self) -> OAuthError {
        match self {
            ServiceError::Rejected(error) => error.clone(),
            ServiceError::Store(StoreError::Unavailable(_)) => OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                "the server cannot reach its database; retry shortly",
            ),
            ServiceError::Store(_) => OAuthError::new(ErrorCode::ServerError, "internal error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_serialises_as_wire_string() {
        let error = OAuthError::new(ErrorCode::InvalidGrant, "code expired");
        let json = serde_json_like(&error);
        assert_eq!(json, "invalid_grant|code expired");
    }

    #[test]
    fn description_drops_forbidden_characters() {
        let error = OAuthError::new(ErrorCode::InvalidRequest, "bad \"x\" \\ \u{e9}\n");
        assert_eq!(error.error_description, "bad 'x' ? ??");
    }

    #[test]
    fn store_failure_hides_details() {
        let error = ServiceError::Store(StoreError::Internal("password=hunter2".into()));
        let wire = error.to_oauth();
        assert_eq!(wire.error, ErrorCode::ServerError);
        assert!(!wire.error_description.contains("hunter2"));
    }

    fn serde_json_like(error: &OAuthError) -> String {
        format!("{}|{}", error.error.as_str(), error.error_description)
    }
}
