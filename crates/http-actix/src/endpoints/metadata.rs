//! Authorization server metadata (RFC 8414 section 2), with the
//! `device_authorization_endpoint` of RFC 8628 section 4 and the
//! `authorization_response_iss_parameter_supported` flag of RFC 9207.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use oauth_apps_core::client::GrantType;
use oauth_apps_core::service::Context;
use oauth_apps_core::store::Store;
use serde::Serialize;

use crate::paths;
use crate::state::AppState;

const CLIENT_AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];
const CONFIDENTIAL_AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

/// The metadata document.
#[derive(Debug, Serialize)]
pub(crate) struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    device_authorization_endpoint: String,
    registration_endpoint: String,
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; 3],
    code_challenge_methods_supported: [&'static str; 1],
    token_endpoint_auth_methods_supported: [&'static str; 3],
    revocation_endpoint_auth_methods_supported: [&'static str; 3],
    introspection_endpoint_auth_methods_supported: [&'static str; 2],
    scopes_supported: Vec<String>,
    authorization_response_iss_parameter_supported: bool,
    /// Whether a `client_id` may be the URL of a client ID metadata
    /// document; omitted when not.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    client_id_metadata_document_supported: bool,
}

impl Metadata {
    /// Builds the document for the issuer and scope catalog of `context`.
    pub(crate) fn of(context: &Context) -> Metadata {
        let issuer = context.settings.issuer.clone();
        let base = issuer.trim_end_matches('/');
        let endpoint = |path: &str| format!("{base}{path}");
        Metadata {
            authorization_endpoint: endpoint(paths::AUTHORIZE),
            token_endpoint: endpoint(paths::TOKEN),
            revocation_endpoint: endpoint(paths::REVOKE),
            introspection_endpoint: endpoint(paths::INTROSPECT),
            device_authorization_endpoint: endpoint(paths::DEVICE_AUTHORIZATION),
            registration_endpoint: endpoint(paths::REGISTER),
            issuer,
            response_types_supported: ["code"],
            response_modes_supported: ["query"],
            grant_types_supported: [
                GrantType::AuthorizationCode.as_str(),
                GrantType::RefreshToken.as_str(),
                GrantType::DeviceCode.as_str(),
            ],
            code_challenge_methods_supported: ["S256"],
            token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
            revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
            introspection_endpoint_auth_methods_supported: CONFIDENTIAL_AUTH_METHODS,
            scopes_supported: context
                .catalog
                .entries()
                .iter()
                .map(|entry| entry.scope.as_str().to_owned())
                .collect(),
            authorization_response_iss_parameter_supported: true,
            client_id_metadata_document_supported: false,
        }
    }
}

/// `GET /.well-known/oauth-authorization-server`.
pub(crate) async fn metadata<S: Store + 'static>(state: web::Data<AppState<S>>) -> HttpResponse {
    cacheable_json(Metadata {
        client_id_metadata_document_supported: state.authorization.accepts_metadata_documents(),
        ..Metadata::of(&state.context)
    })
}

/// Builds a 200 response with `document` as JSON that clients may cache for
/// an hour, the headers of every metadata document of this server.
pub(super) fn cacheable_json(document: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .json(document)
}

/// Builds a context with the issuer `https://auth.example`, a fixed clock
/// and the default scope catalog, for the metadata documents' tests.
#[cfg(test)]
pub(super) fn context_for_tests() -> Context {
    use std::sync::Arc;

    use oauth_apps_core::random::SequenceRandom;
    use oauth_apps_core::scope::ScopeCatalog;
    use oauth_apps_core::service::Settings;
    use oauth_apps_core::time::{FixedClock, Timestamp};

    Context {
        clock: Arc::new(FixedClock::new(Timestamp::from_unix_seconds(0))),
        random: Arc::new(SequenceRandom::default()),
        settings: Settings::new("https://auth.example"),
        catalog: ScopeCatalog::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_names_endpoints_under_issuer() {
        let context = context_for_tests();
        let json = serde_json::to_value(Metadata::of(&context)).unwrap();
        assert_eq!(json["issuer"], "https://auth.example");
        assert_eq!(
            json["authorization_endpoint"],
            "https://auth.example/oauth/authorize"
        );
        assert_eq!(json["token_endpoint"], "https://auth.example/oauth/token");
        assert_eq!(
            json["registration_endpoint"],
            "https://auth.example/oauth/register"
        );
        assert_eq!(
            json["revocation_endpoint"],
            "https://auth.example/oauth/revoke"
        );
        assert_eq!(
            json["introspection_endpoint"],
            "https://auth.example/oauth/introspect"
        );
        assert_eq!(
            json["device_authorization_endpoint"],
            "https://auth.example/oauth/device_authorization"
        );
        assert_eq!(
            json["grant_types_supported"],
            serde_json::json!([
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code"
            ])
        );
        assert_eq!(
            json["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(json["authorization_response_iss_parameter_supported"], true);
        let scopes = json["scopes_supported"].as_array().unwrap();
        assert!(scopes.contains(&serde_json::json!("offline_access")));
    }
}
