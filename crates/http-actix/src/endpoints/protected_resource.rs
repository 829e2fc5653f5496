//! Protected resource metadata (RFC 9728) for the bundled MCP resource at
//! `{issuer}/mcp`, served at `/.well-known/oauth-protected-resource/mcp`
//! (the path-aware location of RFC 9728 section 3.1) and at
//! `/.well-known/oauth-protected-resource`, where older MCP clients look.

use actix_web::{HttpResponse, web};
use oauth_apps_core::service::Context;
use oauth_apps_core::store::Store;
use serde::Serialize;

use super::metadata::cacheable_json;
use crate::paths;
use crate::state::AppState;

/// The metadata document (RFC 9728 section 2).
#[derive(Debug, Serialize)]
pub(crate) struct ResourceMetadata {
    resource: String,
    authorization_servers: [String; 1],
    scopes_supported: Vec<String>,
    bearer_methods_supported: [&'static str; 1],
    resource_name: &'static str,
}

impl ResourceMetadata {
    /// Builds the document of the bundled MCP resource of `context`.
    pub(crate) fn of(context: &Context) -> ResourceMetadata {
        ResourceMetadata {
            resource: mcp_resource(&context.settings.issuer),
            authorization_servers: [context.settings.issuer.clone()],
            scopes_supported: context
                .catalog
                .entries()
                .iter()
                .map(|entry| entry.scope.as_str().to_owned())
                .collect(),
            bearer_methods_supported: ["header"],
            resource_name: "oauth-apps MCP resource",
        }
    }
}

/// Returns the resource identifier of the bundled MCP resource.
pub(crate) fn mcp_resource(issuer: &str) -> String {
    format!("{}{}", issuer.trim_end_matches('/'), paths::MCP)
}

/// Returns the URL of the bundled MCP resource's metadata document.
pub(crate) fn mcp_resource_metadata_url(issuer: &str) -> String {
    format!(
        "{}{}",
        issuer.trim_end_matches('/'),
        paths::MCP_RESOURCE_METADATA
    )
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`.
pub(crate) async fn resource_metadata<S: Store + 'static>(
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    cacheable_json(ResourceMetadata::of(&state.context))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::metadata::context_for_tests;

    #[test]
    fn document_names_resource_and_issuer() {
        let context = context_for_tests();
        let json = serde_json::to_value(ResourceMetadata::of(&context)).unwrap();
        assert_eq!(json["resource"], "https://auth.example/mcp");
        assert_eq!(
            json["authorization_servers"],
            serde_json::json!(["https://auth.example"])
        );
        assert_eq!(
            json["bearer_methods_supported"],
            serde_json::json!(["header"])
        );
        let scopes = json["scopes_supported"].as_array().unwrap();
        assert!(scopes.contains(&serde_json::json!("profile")));
        assert_eq!(
            mcp_resource_metadata_url("https://auth.example"),
            "https://auth.example/.well-known/oauth-protected-resource/mcp"
        );
    }
}
