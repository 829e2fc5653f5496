//! Reading a metadata document response: status, content type, size limit,
//! JSON body and the cache lifetime.

use std::time::Duration;

use oauth_apps_core::service::{
    ClientMetadataDocument, MetadataFetchError, ResolvedMetadataDocument,
};
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};

/// Checks the response and parses its body.
pub(super) async fn read_document(
    mut response: reqwest::Response,
    max_bytes: usize,
) -> Result<ResolvedMetadataDocument, MetadataFetchError> {
    let status = response.status();
    if status.is_redirection() {
        return Err(MetadataFetchError::new(format!(
            "the document server responded with a redirect ({status}); \
             a metadata document must be served at the client_id URL itself"
        )));
    }
    if status != reqwest::StatusCode::OK {
        return Err(MetadataFetchError::new(format!(
            "the document server responded with status {status}"
        )));
    }
    let content_type = header(&response, CONTENT_TYPE).unwrap_or_default();
    if !is_json(&content_type) {
        return Err(MetadataFetchError::new(format!(
            "the document has content type {:?}; expected application/json",
            content_type.chars().take(100).collect::<String>()
        )));
    }
    let too_large =
        || MetadataFetchError::new(format!("the document is larger than {max_bytes} bytes"));
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes as u64)
    {
        return Err(too_large());
    }

    let max_age = header(&response, CACHE_CONTROL).and_then(|value| max_age(&value));
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| MetadataFetchError::new("reading the document failed"))?
    {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let document: ClientMetadataDocument = serde_json::from_slice(&body).map_err(|error| {
        MetadataFetchError::new(format!(
            "the document is not valid client metadata: {error}"
        ))
    })?;
    Ok(ResolvedMetadataDocument { document, max_age })
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    let value = response.headers().get(name)?;
    value.to_str().ok().map(str::to_owned)
}

/// Returns whether a Content-Type is `application/json`, with any
/// parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Returns the cache lifetime of a `Cache-Control` value: zero for
/// `no-store` or `no-cache`, else `max-age` (RFC 9111 section 5.2.2.1).
fn max_age(cache_control: &str) -> Option<Duration> {
    let mut lifetime = None;
    for directive in cache_control.split(',').map(str::trim) {
        let lowered = directive.to_ascii_lowercase();
        if lowered == "no-store" || lowered == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(seconds) = lowered.strip_prefix("max-age=") {
            lifetime = seconds
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    lifetime
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age() {
        for (value, expected) in [
            ("max-age=600", Some(600)),
            ("public, max-age=3600", Some(3600)),
            ("Max-Age=\"60\"", Some(60)),
            ("max-age=600, no-store", Some(0)),
            ("no-cache", Some(0)),
            ("public", None),
            ("max-age=abc", None),
        ] {
            assert_eq!(max_age(value), expected.map(Duration::from_secs), "{value}");
        }
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("Application/JSON"));
        assert!(!is_json("text/html"));
        assert!(!is_json("application/jsonp"));
        assert!(!is_json(""));
    }
}
