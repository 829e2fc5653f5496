//! Reading client credentials from a token, revocation or introspection
//! request (RFC 6749 section 2.3.1).
//!
//! A client authenticates either with HTTP Basic authentication, whose user
//! name and password are the form-urlencoded `client_id` and `client_secret`
//! before base64 encoding, or with `client_id` and `client_secret` form
//! parameters. Public clients send `client_id` alone. Using both the header
//! and the `client_secret` parameter is rejected as `invalid_request`,
//! because OAuth 2.1 allows one authentication method per request.
//! Authorization schemes other than Basic are ignored here.

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use oauth_apps_core::error::{ErrorCode, OAuthError};
use oauth_apps_core::service::{ClientAuthMethod, ClientCredentials, PresentedSecret};

use crate::form::Params;

/// Standard base64 that accepts the encoding with or without padding.
const BASIC_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A failure to read the credentials of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CredentialsError {
    /// The error to send.
    pub(crate) error: OAuthError,
    /// Whether the request used HTTP Basic authentication.
    pub(crate) basic: bool,
}

/// Reads the client credentials from the `Authorization` header or the
/// `client_id` and `client_secret` parameters, removing those parameters.
pub(crate) fn read_credentials(
    request: &HttpRequest,
    params: &mut Params,
) -> Result<ClientCredentials, CredentialsError> {
    let form_id = params.take("client_id");
    let form_secret = params.take("client_secret");
    let Some(header) = basic_credentials(request) else {
        let method = if form_secret.is_some() {
            ClientAuthMethod::Post
        } else {
            ClientAuthMethod::None
        };
        return Ok(ClientCredentials {
            client_id: form_id.unwrap_or_default(),
            secret: form_secret.map(PresentedSecret::new),
            method,
        });
    };

    let reject = |code, description: &str| CredentialsError {
        error: OAuthError::new(code, description),
        basic: true,
    };
    let (client_id, secret) =
        header.map_err(|description| reject(ErrorCode::InvalidClient, description))?;
    if form_secret.is_some() {
        return Err(reject(
            ErrorCode::InvalidRequest,
            "the client sent credentials in both the Authorization header and the client_secret parameter: use one method",
        ));
    }
    if form_id.is_some_and(|form_id| form_id != client_id) {
        return Err(reject(
            ErrorCode::InvalidRequest,
            "the client_id parameter differs from the client_id in the Authorization header",
        ));
    }
    Ok(ClientCredentials {
        client_id,
        secret: secret.map(PresentedSecret::new),
        method: ClientAuthMethod::Basic,
    })
}

type BasicResult = Result<(String, Option<String>), &'static str>;

/// Returns `None` when the request has no Basic `Authorization` header,
/// otherwise the decoded client ID and secret (an empty secret is `None`),
/// or a description of what is malformed.
fn basic_credentials(request: &HttpRequest) -> Option<BasicResult> {
    let value = request.headers().get(header::AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return None;
    };
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    Some(decode_basic(encoded.trim()))
}

fn decode_basic(encoded: &str) -> BasicResult {
    const MALFORMED: &str = "the Authorization header is not valid HTTP Basic authentication";
    let decoded = BASIC_BASE64.decode(encoded).map_err(|_| MALFORMED)?;
    let decoded = String::from_utf8(decoded).map_err(|_| MALFORMED)?;
    let (user, password) = decoded.split_once(':').ok_or(MALFORMED)?;

    let client_id = form_decode(user).ok_or(MALFORMED)?;
    let secret = form_decode(password).ok_or(MALFORMED)?;
    if client_id.is_empty() {
        return Err("the Authorization header has an empty client_id");
    }
    Ok((client_id, Some(secret).filter(|secret| !secret.is_empty())))
}

/// Decodes `application/x-www-form-urlencoded` text: `+` is a space and
/// `%XX` a byte. Returns `None` for a broken escape or invalid UTF-8.
fn form_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = char::from(input.next()?).to_digit(16)?;
                let low = char::from(input.next()?).to_digit(16)?;
                bytes.push((high * 16 + low) as u8);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use base64::engine::general_purpose::STANDARD;

    fn read(
        authorization: Option<&str>,
        form: &str,
    ) -> Result<ClientCredentials, CredentialsError> {
        let mut request = TestRequest::post();
        if let Some(value) = authorization {
            request = request.insert_header((header::AUTHORIZATION, value));
        }
        let mut params = Params::parse(form.as_bytes()).unwrap();
        read_credentials(&request.to_http_request(), &mut params)
    }

    fn basic(user_and_password: &str) -> String {
        format!("Basic {}", STANDARD.encode(user_and_password))
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let credentials = read(Some(&basic("my%20app:s%3Acret+x")), "").unwrap();
        assert_eq!(credentials.client_id, "my app");
        assert_eq!(credentials.method, ClientAuthMethod::Basic);
        assert_eq!(
            credentials.secret.unwrap().hash(),
            PresentedSecret::new("s:cret x").hash()
        );
    }

    #[test]
    fn basic_without_padding_is_accepted() {
        let header = format!("basic {}", STANDARD.encode("a:bc").trim_end_matches('='));
        assert_eq!(read(Some(&header), "").unwrap().client_id, "a");
    }

    #[test]
    fn basic_with_empty_secret_has_no_secret() {
        let credentials = read(Some(&basic("public-app:")), "").unwrap();
        assert!(credentials.secret.is_none());
    }

    #[test]
    fn malformed_basic_is_invalid_client() {
        for header in [
            "Basic !!!",
            &basic("no-colon"),
            &basic("a:%zz"),
            &basic(":secret"),
        ] {
            let error = read(Some(header), "").unwrap_err();
            assert_eq!(error.error.error, ErrorCode::InvalidClient, "{header}");
            assert!(error.basic);
        }
    }

    #[test]
    fn basic_and_form_secret_is_invalid_request() {
        let error = read(Some(&basic("a:b")), "client_secret=b").unwrap_err();
        assert_eq!(error.error.error, ErrorCode::InvalidRequest);
    }

    #[test]
    fn mismatched_client_ids_are_invalid() {
        let error = read(Some(&basic("a:b")), "client_id=c").unwrap_err();
        assert_eq!(error.error.error, ErrorCode::InvalidRequest);
        assert!(read(Some(&basic("a:b")), "client_id=a").is_ok());
    }

    #[test]
    fn form_credentials() {
        let post = read(None, "client_id=a&client_secret=b").unwrap();
        assert_eq!(post.method, ClientAuthMethod::Post);
        assert_eq!(post.client_id, "a");
        let public = read(None, "client_id=a").unwrap();
        assert_eq!(public.method, ClientAuthMethod::None);
        assert!(public.secret.is_none());
    }

    #[test]
    fn bearer_header_is_ignored() {
        let credentials = read(Some("Bearer abc"), "client_id=a").unwrap();
        assert_eq!(credentials.method, ClientAuthMethod::None);
    }

    #[test]
    fn form_decode_cases() {
        assert_eq!(form_decode("a+b%2Bc").as_deref(), Some("a b+c"));
        assert_eq!(form_decode("%C3%A9").as_deref(), Some("\u{e9}"));
        assert_eq!(form_decode("%4"), None);
        assert_eq!(form_decode("%FF"), None);
    }
}
