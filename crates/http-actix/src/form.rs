//! Strict parsing of `application/x-www-form-urlencoded` bodies and query
//! strings.
//!
//! RFC 6749 sections 3.1 and 3.2 forbid including a request parameter more
//! than once, and treat a parameter sent without a value as omitted.
//! [`Params::parse`] applies both rules. Bodies of another media
//! type, or larger than [`MAX_FORM_BYTES`], are rejected before parsing, and
//! so are bodies in which a name or value is not valid UTF-8 after
//! percent-decoding, which the parser would replace with U+FFFD.
//! [`read_query`] leaves that check to its callers.

use std::collections::BTreeMap;

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web;
use serde::de::DeserializeOwned;

/// Largest form body accepted, in bytes. Real token and consent requests
/// stay below 4 KiB; the limit leaves room for long `state` values.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// A reason to reject a form body or query string. Each message is safe
/// to show to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The body is not `application/x-www-form-urlencoded`.
    #[error("the request body must be application/x-www-form-urlencoded")]
    UnsupportedMediaType,
    /// The body is larger than [`MAX_FORM_BYTES`].
    #[error("the request body is larger than {MAX_FORM_BYTES} bytes")]
    TooLarge,
    /// The body could not be read.
    #[error("the request body could not be read")]
    Unreadable,
    /// A parameter name or value is not valid UTF-8 after percent-decoding.
    #[error("the parameter {0} is not valid UTF-8 after percent-decoding")]
    NotUtf8(String),
    /// A parameter appears more than once.
    #[error("the parameter {0} is included more than once")]
    Duplicate(String),
    /// The parameters do not fit the expected shape.
    #[error("the request parameters are invalid")]
    Invalid,
}

/// Request parameters with distinct names and non-empty values.
#[derive(Default)]
pub(crate) struct Params(BTreeMap<String, String>);

impl Params {
    /// Parses a form-encoded string, rejecting repeated names and dropping
    /// empty values.
    pub(crate) fn parse(encoded: &[u8]) -> Result<Params, FormError> {
        let mut params = BTreeMap::new();
        let mut seen = std::collections::BTreeSet::new();
        for (name, value) in url::form_urlencoded::parse(encoded) {
            if !seen.insert(name.clone().into_owned()) {
                return Err(FormError::Duplicate(truncate(&name)));
            }
            if !value.is_empty() {
                params.insert(name.into_owned(), value.into_owned());
            }
        }
        Ok(Params(params))
    }

    /// Returns the value of `name`, if sent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Removes and returns the value of `name`, if sent.
    pub(crate) fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// Deserializes the parameters into `T`; unknown names are ignored, as
    /// RFC 6749 section 3.1 requires.
    pub(crate) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, FormError> {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.0.iter())
            .finish();
        serde_urlencoded::from_str(&encoded).map_err(|_| FormError::Invalid)
    }
}

/// Reads and parses the form body of `request`.
pub(crate) async fn read_form(
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<Params, FormError> {
    if !is_form_media_type(request) {
        return Err(FormError::UnsupportedMediaType);
    }
    let body = match payload.to_bytes_limited(MAX_FORM_BYTES).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => return Err(FormError::Unreadable),
        Err(_) => return Err(FormError::TooLarge),
    };
    if let Some(name) = first_non_utf8_parameter(&body) {
        return Err(FormError::NotUtf8(name));
    }
    Params::parse(&body)
}

/// Parses the query string of `request`.
pub(crate) fn read_query(request: &HttpRequest) -> Result<Params, FormError> {
    Params::parse(request.query_string().as_bytes())
}

fn is_form_media_type(request: &HttpRequest) -> bool {
    let Some(value) = request.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// Cuts a client-supplied name for use in an error message.
fn truncate(name: &str) -> String {
    name.chars().take(64).collect()
}

/// Returns the name (cut to 64 characters) of the first parameter of a
/// form-encoded body or query whose name or value does not decode to UTF-8.
pub(crate) fn first_non_utf8_parameter(encoded: &[u8]) -> Option<String> {
    encoded.split(|byte| *byte == b'&').find_map(|pair| {
        let (name, value) = match pair.iter().position(|byte| *byte == b'=') {
            Some(equals) => (&pair[..equals], &pair[equals + 1..]),
            None => (pair, &[][..]),
        };
        let name = form_decode(name);
        let valid =
            std::str::from_utf8(&name).is_ok() && std::str::from_utf8(&form_decode(value)).is_ok();
        (!valid).then(|| String::from_utf8_lossy(&name).chars().take(64).collect())
    })
}

/// Decodes `+` and `%XX` escapes as `application/x-www-form-urlencoded`
/// does. A `%` not followed by two hex digits stays as it is.
fn form_decode(bytes: &[u8]) -> Vec<u8> {
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
    use actix_web::FromRequest;
    use actix_web::test::TestRequest;

    #[derive(serde::Deserialize)]
    struct Sample {
        grant_type: Option<String>,
        code: Option<String>,
    }

    #[test]
    fn parse_decodes_values() {
        let params = Params::parse(b"a=x+y&b=%26%3D&c=").unwrap();
        assert_eq!(params.get("a"), Some("x y"));
        assert_eq!(params.get("b"), Some("&="));
        assert_eq!(params.get("c"), None);
    }

    #[test]
    fn parse_rejects_duplicates() {
        let error = Params::parse(b"code=1&grant_type=x&code=2").err();
        assert_eq!(error, Some(FormError::Duplicate("code".into())));
    }

    #[test]
    fn parse_rejects_duplicate_even_when_empty() {
        let error = Params::parse(b"code=&code=2").err();
        assert_eq!(error, Some(FormError::Duplicate("code".into())));
    }

    #[test]
    fn deserialize_ignores_unknown_and_treats_empty_as_absent() {
        let params = Params::parse(b"grant_type=refresh_token&code=&extra=1").unwrap();
        let sample: Sample = params.deserialize().unwrap();
        assert_eq!(sample.grant_type.as_deref(), Some("refresh_token"));
        assert_eq!(sample.code, None);
    }

    #[test]
    fn media_type_check() {
        for (value, expected) in [
            ("application/x-www-form-urlencoded", true),
            ("application/x-www-form-urlencoded; charset=UTF-8", true),
            ("Application/X-WWW-Form-Urlencoded", true),
            ("application/json", false),
            ("multipart/form-data; boundary=x", false),
        ] {
            let request = TestRequest::default()
                .insert_header((header::CONTENT_TYPE, value))
                .to_http_request();
            assert_eq!(is_form_media_type(&request), expected, "{value}");
        }
        assert!(!is_form_media_type(
            &TestRequest::default().to_http_request()
        ));
    }

    #[actix_web::test]
    async fn read_form_rejects_large_body() {
        let body = format!("state={}", "a".repeat(MAX_FORM_BYTES));
        let (request, mut payload) = TestRequest::post()
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body)
            .to_http_parts();
        let payload = web::Payload::from_request(&request, &mut payload)
            .await
            .unwrap();
        assert_eq!(
            read_form(&request, payload).await.err(),
            Some(FormError::TooLarge)
        );
    }

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
                first_non_utf8_parameter(query.as_bytes()).as_deref(),
                expected,
                "{query}"
            );
        }
    }

    #[test]
    fn form_decode_matches_url_crate_on_utf8() {
        for text in ["a+b%20c", "%41%4a%4A", "%", "%4", "%g1", "caf\u{e9}%21"] {
            let ours = String::from_utf8(form_decode(text.as_bytes())).unwrap();
            let theirs: String = url::form_urlencoded::parse(format!("x={text}").as_bytes())
                .map(|(_, value)| value.into_owned())
                .collect();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[actix_web::test]
    async fn read_form_rejects_non_utf8() {
        let cases: [(&[u8], &str); 3] = [
            (b"grant_type=x&state=%FF", "state"),
            (b"state=\xC3", "state"),
            (b"%C3name=x", "\u{FFFD}name"),
        ];
        for (body, name) in cases {
            let (request, mut payload) = TestRequest::post()
                .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(body.to_vec())
                .to_http_parts();
            let payload = web::Payload::from_request(&request, &mut payload)
                .await
                .unwrap();
            assert_eq!(
                read_form(&request, payload).await.err(),
                Some(FormError::NotUtf8(name.into())),
                "{body:?}"
            );
        }
    }
}
