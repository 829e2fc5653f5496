//! Response headers that protect pages and token responses.
//!
//! Every HTML response carries a strict Content Security Policy. Nothing
//! loads from anywhere, and the one inline stylesheet is allowed by its
//! SHA-256 hash. Forms may post only to this server, and on pages that end
//! in a redirect to a client also to that client's origin. No site may
//! frame the page. Token responses carry `Cache-Control: no-store` and
//! `Pragma: no-cache` (RFC 6749 section 5.1).

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maud::Markup;
use sha2::{Digest, Sha256};

/// The stylesheet of every page, sent inline and allowed by its hash.
pub(crate) const STYLESHEET: &str = "\
body{font-family:system-ui,sans-serif;background:#f5f5f7;color:#1d1d1f;margin:0}\
main{max-width:30rem;margin:3rem auto;background:#fff;border-radius:8px;padding:2rem;\
box-shadow:0 1px 4px rgba(0,0,0,.12)}\
h1{font-size:1.4rem;margin-top:0}\
label{display:block;margin:.8rem 0 .3rem}\
input[type=email],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}\
button{padding:.6rem 1.2rem;margin:1rem .5rem 0 0;font-size:1rem;cursor:pointer}\
.primary{background:#0a66c2;color:#fff;border:none;border-radius:4px}\
.secondary{background:#fff;border:1px solid #888;border-radius:4px}\
.notice{background:#fdecea;border-radius:4px;padding:.6rem}\
.muted{color:#666;font-size:.9rem}\
.tag{display:inline-block;background:#eee;border-radius:4px;padding:0 .4rem;font-size:.8rem}\
ul.scopes li{margin:.4rem 0}\
code{background:#f0f0f0;padding:0 .2rem}";

static STYLE_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLESHEET.as_bytes());
    format!("'sha256-{}'", STANDARD.encode(digest))
});

/// Builds the Content Security Policy of a page. `form_target` is an extra
/// CSP source that forms may post to, because browsers also check the
/// redirect that follows a form submission against `form-action`.
pub(crate) fn content_security_policy(form_target: Option<&str>) -> String {
    let form_action = match form_target {
        Some(source) => format!("'self' {source}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'none'; style-src {}; img-src 'self'; form-action {form_action}; \
         frame-ancestors 'none'; base-uri 'none'",
        STYLE_SOURCE.as_str()
    )
}

/// Returns the CSP source expression for the origin of `redirect_uri`:
/// `scheme://host[:port]` for http and https, `scheme:` for private-use
/// schemes, or `None` when the URI does not parse or would not be a safe
/// source expression. Pass only a redirect URI that passed authorization
/// request validation, because the source lets the page's forms post there.
pub(crate) fn form_action_source(redirect_uri: &str) -> Option<String> {
    let parsed = url::Url::parse(redirect_uri).ok()?;
    let source = match parsed.scheme() {
        "http" | "https" => parsed.origin().ascii_serialization(),
        scheme => format!("{scheme}:"),
    };
    let safe = source
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || b":/.-+[]".contains(&byte));
    safe.then_some(source)
}

/// Builds an HTML response with the page security headers.
pub(crate) fn html(status: StatusCode, markup: Markup, form_target: Option<&str>) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(form_target),
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    response.body(markup.into_string())
}

/// Adds `Cache-Control: no-store` and `Pragma: no-cache` to a response that
/// carries tokens or token errors.
pub(crate) fn no_store(response: &mut HttpResponse) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(response: &HttpResponse, name: header::HeaderName) -> &str {
        response.headers().get(name).unwrap().to_str().unwrap()
    }

    #[test]
    fn html_sends_page_headers() {
        let response = html(StatusCode::OK, maud::html! { p { "hi" } }, None);
        let csp = header_of(&response, header::CONTENT_SECURITY_POLICY);
        assert!(csp.starts_with("default-src 'none'; "));
        assert!(csp.contains("form-action 'self';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(header_of(&response, header::X_FRAME_OPTIONS), "DENY");
        assert_eq!(header_of(&response, header::REFERRER_POLICY), "no-referrer");
        assert_eq!(
            header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-store");
    }

    #[test]
    fn style_hash_matches_stylesheet() {
        let expected = STANDARD.encode(Sha256::digest(STYLESHEET.as_bytes()));
        assert!(content_security_policy(None).contains(&format!("style-src 'sha256-{expected}'")));
    }

    #[test]
    fn form_target_is_added_to_form_action() {
        let csp = content_security_policy(Some("https://app.example"));
        assert!(csp.contains("form-action 'self' https://app.example;"));
    }

    #[test]
    fn form_action_source_of_redirect_uris() {
        let cases = [
            ("https://app.example/cb?x=1", Some("https://app.example")),
            (
                "http://127.0.0.1:8765/callback",
                Some("http://127.0.0.1:8765"),
            ),
            ("http://[::1]:80/cb", Some("http://[::1]")),
            ("com.example.app:/oauth2redirect", Some("com.example.app:")),
            ("not a uri", None),
        ];
        for (uri, expected) in cases {
            assert_eq!(form_action_source(uri).as_deref(), expected, "{uri}");
        }
    }

    #[test]
    fn no_store_sets_both_headers() {
        let mut response = HttpResponse::Ok().finish();
        no_store(&mut response);
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-store");
        assert_eq!(header_of(&response, header::PRAGMA), "no-cache");
    }
}
