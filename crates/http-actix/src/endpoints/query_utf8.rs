//! The UTF-8 check of authorization request queries.
//!
//! `url::form_urlencoded::parse`, which [`crate::form`] uses, replaces
//! bytes that are not valid UTF-8 with U+FFFD, so a `state` sent with such
//! bytes would come back to the client changed. The authorization endpoint
//! rejects such a query on an error page before it parses it, because
//! neither the client nor its redirect URI is verified at that point.

use oauth_apps_core::error::{ErrorCode, OAuthError};

use crate::error::HttpError;
use crate::form::first_non_utf8_parameter;

/// Rejects a query in which a name or value is not valid UTF-8 after
/// percent-decoding, on an error page because nothing is verified yet.
pub(crate) fn reject_non_utf8(query: &str) -> Result<(), HttpError> {
    match first_non_utf8_parameter(query.as_bytes()) {
        None => Ok(()),
        Some(name) => Err(HttpError::AuthorizationPage(OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("the parameter {name} is not valid UTF-8 after percent-decoding"),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_query_is_an_error_page() {
        let error = reject_non_utf8("state=%FF").unwrap_err();
        assert!(matches!(
            error,
            HttpError::AuthorizationPage(OAuthError {
                error: ErrorCode::InvalidRequest,
                ..
            })
        ));
    }
}
