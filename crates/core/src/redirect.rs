//! Redirect URIs: what may be registered, and how a requested URI is matched
//! against the registration.
//!
//! Matching compares the raw strings with no normalisation, because a URL
//! parser would make look-alikes equal (case of the host, default ports,
//! percent-encoding, trailing dots). The one exception is the RFC 8252
//! section 7.3 loopback rule: for `http://127.0.0.1`, `http://[::1]` and
//! `http://localhost` the port may differ, while scheme, host, path and query
//! must match exactly.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Maximum length of a redirect URI, in bytes.
pub const MAX_REDIRECT_URI_LEN: usize = 2000;

const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];
const FORBIDDEN_SCHEMES: [&str; 5] = ["javascript", "data", "file", "vbscript", "blob"];

/// A redirect URI that passed the registration rules.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RedirectUri(String);

/// A redirect URI breaks a registration rule, named in the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid redirect URI {uri:?}: {reason}")]
pub struct InvalidRedirectUri {
    /// The rejected URI, cut to 200 characters.
    pub uri: String,
    /// The rule it breaks.
    pub reason: &'static str,
}

impl RedirectUri {
    /// Validates a URI for registration: absolute, no fragment, wildcard or
    /// userinfo, no script-like scheme, and plain http only for loopback hosts.
    /// Private-use schemes (RFC 8252 section 7.1, such as
    /// `com.example.app:/callback`) are accepted for native apps.
    pub fn parse(uri: &str) -> Result<RedirectUri, InvalidRedirectUri> {
        let reject = |reason| InvalidRedirectUri {
            uri: uri.chars().take(200).collect(),
            reason,
        };
        if uri.len() > MAX_REDIRECT_URI_LEN {
            return Err(reject("longer than 2000 bytes"));
        }
        if uri.contains('#') {
            return Err(reject("a fragment is not allowed"));
        }
        if uri.contains('*') {
            return Err(reject("wildcards are not allowed"));
        }
        if uri.bytes().any(|byte| byte <= b' ' || byte == 0x7F) {
            return Err(reject("whitespace and control characters are not allowed"));
        }
        if !uri.is_ascii() {
            return Err(reject(
                "only ASCII is allowed: percent-encode other characters and write hosts in punycode",
            ));
        }
        if uri.contains('\\') {
            return Err(reject("a backslash is not allowed"));
        }

        let parsed = url::Url::parse(uri).map_err(|_| reject("not an absolute URI"))?;
        let scheme = parsed.scheme();
        if FORBIDDEN_SCHEMES.contains(&scheme) {
            return Err(reject("this scheme is not allowed"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(reject("userinfo is not allowed"));
        }

        // Browsers and URL parsers read odd forms such as `https:host` or
        // `https:/host` differently. Only the parser's own form is accepted,
        // so the registered string means the same thing everywhere.
        if matches!(scheme, "https" | "http") && parsed.as_str() != uri {
            return Err(reject(
                "write the URI in normalised form: scheme://host, lowercase scheme and host, \
                 no default port, and a path (at least '/')",
            ));
        }

        match scheme {
            "https" if parsed.host_str().is_some_and(|host| !host.is_empty()) => {}
            "https" => return Err(reject("an https URI needs a host")),
            "http" if split_loopback(uri).is_some() => {}
            "http" => {
                return Err(reject(
                    "plain http is allowed only for 127.0.0.1, [::1] and localhost",
                ));
            }
            _ if is_reverse_domain_scheme(uri, scheme) => {}
            _ => {
                return Err(reject(
                    "use https, http on a loopback host, or a private-use scheme in reverse domain form",
                ));
            }
        }
        Ok(RedirectUri(uri.to_owned()))
    }

    /// Returns whether `requested` is this registered URI, comparing raw
    /// strings, with only the port free on loopback hosts.
    pub fn matches(&self, requested: &str) -> bool {
        if self.0 == requested {
            return true;
        }
        match (split_loopback(&self.0), split_loopback(requested)) {
            (Some(registered), Some(asked)) => {
                registered.host == asked.host && registered.rest == asked.rest
            }
            _ => false,
        }
    }

    /// Returns the URI as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedirectUri({})", self.0)
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RedirectUri {
    type Error = InvalidRedirectUri;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        RedirectUri::parse(&value)
    }
}

impl From<RedirectUri> for String {
    fn from(uri: RedirectUri) -> String {
        uri.0
    }
}

/// Returns whether `uri` uses a private-use scheme in reverse domain form
/// (RFC 8252 section 7.1), written in lowercase and followed by `:/`, such
/// as `com.example.app:/callback`.
fn is_reverse_domain_scheme(uri: &str, scheme: &str) -> bool {
    let labels_valid =
        scheme.split('.').count() >= 2 && scheme.split('.').all(|label| !label.is_empty());
    let written_as_parsed = uri.starts_with(scheme) && uri[scheme.len()..].starts_with(":/");
    labels_valid && written_as_parsed
}

/// The parts of a loopback `http` URI that must match exactly.
struct LoopbackParts<'a> {
    host: &'a str,
    rest: &'a str,
}

/// Splits `http://HOST[:PORT]REST` when HOST is a loopback host written
/// exactly as listed and PORT is empty or all digits; returns `None` for
/// anything else.
fn split_loopback(uri: &str) -> Option<LoopbackParts<'_>> {
    let after_scheme = uri.strip_prefix("http://")?;
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let (authority, rest) = after_scheme.split_at(authority_end);

    let host = LOOPBACK_HOSTS
        .into_iter()
        .find(|host| authority.starts_with(host))?;
    let port = &authority[host.len()..];
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            digits.bytes().all(|b| b.is_ascii_digit())
                && digits.parse::<u16>().is_ok_and(|port| port > 0)
        });
    port_ok.then_some(LoopbackParts { host, rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(uri: &str) -> RedirectUri {
        RedirectUri::parse(uri).unwrap()
    }

    #[test]
    fn exact_match_is_accepted() {
        assert!(registered("https://app.example/cb").matches("https://app.example/cb"));
    }

    #[test]
    fn near_misses_are_rejected() {
        let uri = registered("https://app.example/cb");
        for requested in [
            "https://app.example/cb/",
            "https://app.example/cb/more",
            "https://app.example/cb?x=1",
            "https://APP.example/cb",
            "https://app.example:443/cb",
            "https://app.example:8443/cb",
            "http://app.example/cb",
            "https://app.example/cb#",
            "https://app.example/CB",
            "https://app.example/%63b",
        ] {
            assert!(!uri.matches(requested), "{requested} must not match");
        }
    }

    #[test]
    fn loopback_port_may_differ() {
        for (uri, requested) in [
            ("http://127.0.0.1/cb", "http://127.0.0.1:53121/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9/cb"),
            ("http://[::1]:1/cb", "http://[::1]:65535/cb"),
            (
                "http://localhost:3000/callback",
                "http://localhost:49152/callback",
            ),
        ] {
            assert!(
                registered(uri).matches(requested),
                "{requested} must match {uri}"
            );
        }
    }

    #[test]
    fn loopback_other_parts_must_match() {
        let uri = registered("http://127.0.0.1/cb");
        for requested in [
            "http://127.0.0.1:5000/cb/",
            "http://127.0.0.1:5000/other",
            "http://127.0.0.1:5000/cb?x",
            "http://localhost:5000/cb",
            "https://127.0.0.1:5000/cb",
            "http://127.0.0.1:abc/cb",
            "http://127.0.0.1:0/cb",
            "http://127.0.0.1:65536/cb",
            "http://127.0.0.1:+80/cb",
            "http://127.0.0.1.evil.example/cb",
            "http://127.0.0.1@evil.example/cb",
        ] {
            assert!(!uri.matches(requested), "{requested} must not match");
        }
    }

    #[test]
    fn registration_rejects_unsafe_uris() {
        for uri in [
            "https://app.example/cb#frag",
            "https://*.app.example/cb",
            "https://user:pw@app.example/cb",
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "http://app.example/cb",
            "/relative/cb",
            "myapp:/cb",
            "https://app.example/c b",
            "https://example.com\\@evil.example/cb",
            "https:/example.com/cb",
            "https:example.com",
            "https:///cb",
            "https://\u{435}xample.com/cb",
            "https://example.com/\u{202e}cb",
            "HTTPS://app.example/cb",
            "https://APP.example/cb",
            "https://app.example:443/cb",
            "https://app.example",
            "a.:x",
            "com.example.app:callback",
            "Com.Example.App:/cb",
        ] {
            assert!(RedirectUri::parse(uri).is_err(), "{uri} must be rejected");
        }
    }

    #[test]
    fn registration_accepts_native_and_loopback() {
        for uri in [
            "https://app.example/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
            "http://localhost:3000/callback",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(RedirectUri::parse(uri).is_ok(), "{uri} must be accepted");
        }
    }
}
