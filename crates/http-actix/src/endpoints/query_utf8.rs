//! Strict percent-decoding of authorization request queries.
//!
//! `url::form_urlencoded::parse`, which [`crate::form`] uses, replaces
//! bytes that are not valid UTF-8 with U+FFFD, so a `state` sent with such
//! bytes would come back to the client changed. The authorization endpoint
//! rejects such a query on an error page instead, because neither the
//! client nor its redirect URI is verified at that point.

use oauth_apps_core::error::{ErrorCode, OAuthError};

use crate::error::HttpError;

/// Rejects a query in which a name or value is not valid UTF-8 after
/// percent-decoding, on an error page because nothing is verified yet.
pub(crate) fn reject_non_utf8(query: &str) -> Result<(), HttpError> {
    match first_non_utf8_parameter(query) {
        None => Ok(()),
        Some(name) => Err(HttpError::AuthorizationPage(OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("the parameter {name} is not valid UTF-8 after percent-decoding"),
        ))),
    }
}

/// Returns the name (cut to 64 characters) of the first parameter of a
/// form-encoded `query` whose name or value does not decode to UTF-8.
fn first_non_utf8_parameter(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = form_decode(name);
        let valid =
            std::str::from_utf8(&name).is_ok() && std::str::from_utf8(&form_decode(value)).is_ok();
        (!valid).then(|| String::from_utf8_lossy(&name).chars().take(64).collect())
    })
}

/// Decodes `+` and `%XX` escapes as `application/x-www-form-urlencoded`
/// does. A `%` not followed by two hex digits stays as it is.
fn form_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = match bytes.get(index..index + 3) {
            Some([b'%', high, low]) => hex_value(*high).zip(hex_value(*low)),
            _ => None,
        };
        match (escaped, bytes[index]) {
            (Some((high, low)), _) => {
                decoded.push(high << 4 | low);
                index += 3;
            }
            (None, b'+') => {
                decoded.push(b' ');
                index += 1;
            }
            (None, byte) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    decoded
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_parameters_are_found() {
        let cases = [
            ("state=abc&client_id=x", None),
            ("state=%C3%A9t%C3%A9+%E2%9C%93", None),
            ("state=100%25&scope=a+b", None),
            ("state=%zz%4", None),
            ("client_id=x&state=%FF", Some("state")),
            ("state=%C3", Some("state")),
            ("state=%ED%A0%80", Some("state")),
            ("%FFname=x", Some("\u{FFFD}name")),
            ("redirect_uri", None),
        ];
        for (query, expected) in cases {
            assert_eq!(
                first_non_utf8_parameter(query).as_deref(),
                expected,
                "{query}"
            );
        }
    }

    #[test]
    fn form_decode_matches_url_crate_on_utf8() {
        for text in ["a+b%20c", "%41%4a%4A", "%", "%4", "%g1", "caf\u{e9}%21"] {
            let ours = String::from_utf8(form_decode(text)).unwrap();
            let theirs: String = url::form_urlencoded::parse(format!("x={text}").as_bytes())
                .map(|(_, value)| value.into_owned())
                .collect();
            assert_eq!(ours, theirs, "{text}");
        }
    }

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
