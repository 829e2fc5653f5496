//! The bundled protected resource at `{issuer}/mcp`: `GET` and `POST`
//! return the principal of a valid access token as JSON, so MCP clients
//! and tests can check the whole authorization flow against a real
//! resource. It is not an MCP server; it implements only the resource
//! server side of the MCP authorization specification.
//!
//! The token must come in the `Authorization: Bearer` header (RFC 6750
//! section 2.1) and must have been issued for this resource (RFC 8707
//! `resource`), so a token for another resource, or one issued without a
//! resource, is rejected. A request without a valid token gets 401 with
//! `WWW-Authenticate: Bearer resource_metadata="..."` (RFC 9728 section
//! 5.1), plus `error="invalid_token"` when a token was sent (RFC 6750
//! section 3.1).

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::service::{Context, Principal};
use oauth_apps_core::store::Store;
use serde::Serialize;

use super::protected_resource::{mcp_resource, mcp_resource_metadata_url, resource_metadata};
use crate::error::HttpError;
use crate::paths;
use crate::security::no_store;
use crate::state::AppState;
use crate::telemetry::trace_request;

/// The caller's principal, as the resource returns it.
#[derive(Debug, Serialize)]
struct PrincipalBody {
    sub: String,
    workspace_id: String,
    client_id: String,
    scope: String,
    aud: Option<String>,
    exp: i64,
}

impl From<Principal> for PrincipalBody {
    fn from(principal: Principal) -> PrincipalBody {
        PrincipalBody {
            sub: principal.user_id.to_string(),
            workspace_id: principal.workspace_id.to_string(),
            client_id: principal.client_id.to_string(),
            scope: principal.scopes.to_string(),
            aud: principal.audience,
            exp: principal.expires_at.unix_seconds(),
        }
    }
}

/// Returns whether the bundled resource is served: when `{issuer}/mcp` is
/// one of the configured resources, so tokens can be issued for it.
pub(crate) fn is_configured(context: &Context) -> bool {
    let resource = mcp_resource(&context.settings.issuer);
    context.settings.resources.contains(&resource)
}

/// Mounts the resource and its metadata documents.
pub(crate) fn mount<S: Store + 'static>(config: &mut web::ServiceConfig) {
    for path in [paths::RESOURCE_METADATA, paths::MCP_RESOURCE_METADATA] {
        config.service(
            web::resource(path)
                .wrap(from_fn(trace_request))
                .route(web::get().to(resource_metadata::<S>)),
        );
    }
    config.service(
        web::resource(paths::MCP)
            .wrap(from_fn(trace_request))
            .route(web::get().to(mcp::<S>))
            .route(web::post().to(mcp::<S>)),
    );
}

/// `GET /mcp` and `POST /mcp`.
pub(crate) async fn mcp<S: Store + 'static>(
    request: HttpRequest,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, HttpError> {
    let issuer = &state.context.settings.issuer;
    let Some(token) = bearer_token(&request) else {
        return Ok(unauthorized(issuer, false));
    };
    let resource = mcp_resource(issuer);
    let principal = state
        .tokens
        .verify_access_token(token, Some(&resource))
        .await
        .map_err(|error| HttpError::Token {
            error,
            basic: false,
        })?;

    // A token issued without a resource passes `verify_access_token`, but
    // an MCP server must accept only tokens issued for it.
    match principal {
        Some(principal) if principal.audience.as_deref() == Some(resource.as_str()) => {
            let mut response = HttpResponse::Ok().json(PrincipalBody::from(principal));
            no_store(&mut response);
            Ok(response)
        }
        _ => {
            tracing::info!("bearer token rejected by the MCP resource");
            Ok(unauthorized(issuer, true))
        }
    }
}

/// Returns the token of an `Authorization: Bearer` header.
fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Builds the 401 challenge; `token_sent` adds `error="invalid_token"`.
fn unauthorized(issuer: &str, token_sent: bool) -> HttpResponse {
    let mut challenge = format!(
        "Bearer resource_metadata=\"{}\"",
        mcp_resource_metadata_url(issuer)
    );
    if token_sent {
        challenge.push_str(
            ", error=\"invalid_token\", error_description=\"the access token is not valid for this resource\"",
        );
    }
    let mut response = HttpResponse::Unauthorized().finish();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    no_store(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn bearer_token_parsing() {
        for (value, expected) in [
            ("Bearer oat_abc", Some("oat_abc")),
            ("bearer oat_abc", Some("oat_abc")),
            ("Basic abc", None),
            ("Bearer ", None),
            ("Bearer", None),
        ] {
            let request = TestRequest::default()
                .insert_header((header::AUTHORIZATION, value))
                .to_http_request();
            assert_eq!(bearer_token(&request), expected, "{value}");
        }
        assert_eq!(
            bearer_token(&TestRequest::default().to_http_request()),
            None
        );
    }

    #[test]
    fn challenge_names_resource_metadata() {
        let response = unauthorized("https://auth.example", false);
        let challenge = response.headers().get(header::WWW_AUTHENTICATE).unwrap();
        assert_eq!(
            challenge,
            "Bearer resource_metadata=\"https://auth.example/.well-known/oauth-protected-resource/mcp\""
        );
        let response = unauthorized("https://auth.example", true);
        let challenge = response.headers().get(header::WWW_AUTHENTICATE).unwrap();
        assert!(
            challenge
                .to_str()
                .unwrap()
                .contains("error=\"invalid_token\"")
        );
    }
}
