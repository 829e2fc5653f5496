//! The login form's return address: a path on this server that the browser
//! goes to after signing in, usually an authorization request.
//!
//! The login page allows form posts to the origin of the return address's
//! `redirect_uri`, because signing in can end in a redirect to the client
//! and browsers check that redirect against the page's CSP `form-action`.

use crate::paths;

/// Returns whether `path` is a path on this server, so that returning to
/// it cannot send the browser to another site.
pub(super) fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path
            .bytes()
            .any(|byte| byte == b'\\' || byte.is_ascii_control())
}

/// Returns the value the login form's CSRF token is derived from. It
/// covers `return_to`, so a form posted with another return address is
/// rejected. The nonce is hex, so the separator cannot be forged.
pub(super) fn login_binding(nonce: &str, return_to: &str) -> String {
    format!("{nonce}:{return_to}")
}

/// Returns the `redirect_uri` parameter of `return_to` when it is a path
/// on the authorization endpoint. The login page of another page, such as
/// the device page, allows no other origin, whatever its query names.
pub(super) fn authorize_redirect_uri(return_to: &str) -> Option<String> {
    let (path, query) = return_to.split_once('?')?;
    if path != paths::AUTHORIZE {
        return None;
    }
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "redirect_uri")
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::LOGIN_CSRF_PURPOSE;
    use crate::session::SessionKey;

    #[test]
    fn local_paths() {
        for (path, expected) in [
            ("/oauth/authorize?client_id=a", true),
            ("/", true),
            ("//evil.example/", false),
            ("/\\evil.example", false),
            ("https://evil.example/", false),
            ("", false),
            ("/a\nb", false),
        ] {
            assert_eq!(is_local_path(path), expected, "{path:?}");
        }
    }

    #[test]
    fn redirect_uri_is_read_from_return_path() {
        let path = "/oauth/authorize?client_id=a&redirect_uri=https%3A%2F%2Fapp.example%2Fcb";
        assert_eq!(
            authorize_redirect_uri(path).as_deref(),
            Some("https://app.example/cb")
        );
        assert_eq!(authorize_redirect_uri("/oauth/authorize"), None);
    }

    #[test]
    fn redirect_uri_is_read_only_from_authorize_path() {
        for path in [
            "/device?redirect_uri=https%3A%2F%2Fevil.example%2F",
            "/oauth/authorize/x?redirect_uri=https%3A%2F%2Fevil.example%2F",
            "/?redirect_uri=https%3A%2F%2Fevil.example%2F",
        ] {
            assert_eq!(authorize_redirect_uri(path), None, "{path}");
        }
    }

    #[test]
    fn login_binding_covers_return_path() {
        let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
        let nonce = "00112233445566778899aabbccddeeff";
        let token = key.csrf_token(LOGIN_CSRF_PURPOSE, &login_binding(nonce, "/a?x=1"));
        let matches = |return_to| {
            key.csrf_token_matches(LOGIN_CSRF_PURPOSE, &login_binding(nonce, return_to), &token)
        };
        assert!(matches("/a?x=1"));
        assert!(!matches("/a?x=2"));
        assert!(!matches(""));
    }
}
