//! actix-web endpoints and pages of the oauth-apps authorization server.
//!
//! [`configure`] mounts every endpoint on an existing actix-web app:
//!
//! | path | what |
//! | --- | --- |
//! | `GET /.well-known/oauth-authorization-server` | metadata (RFC 8414, RFC 9207) |
//! | `GET /oauth/authorize` | validation, login, consent page (RFC 6749 section 4.1.1) |
//! | `POST /oauth/authorize` | the member's decision, CSRF-protected |
//! | `POST /oauth/token` | `authorization_code` and `refresh_token` grants (RFC 6749 section 3.2) |
//! | `POST /oauth/revoke` | revocation (RFC 7009) |
//! | `POST /oauth/introspect` | introspection (RFC 7662) |
//! | `POST /oauth/login` | the bundled login form's target, when the bundled login is used |
//! | `GET /.well-known/oauth-protected-resource[/mcp]` | metadata of the bundled MCP resource (RFC 9728), when `{issuer}/mcp` is a configured resource |
//! | `GET /mcp`, `POST /mcp` | the bundled MCP resource: the token's principal as JSON (RFC 6750, RFC 9728 section 5.1) |
//! | `POST /oauth/device_authorization` | device authorization request (RFC 8628 section 3.1) |
//! | `GET /device`, `POST /device` | user code entry and consent for a device, CSRF-protected (RFC 8628 section 3.3) |
//! | `POST /oauth/register` | dynamic client registration (RFC 7591), rate-limited per IP address |
//! | `GET`, `PUT`, `DELETE /oauth/register/{client_id}` | client configuration endpoint (RFC 7592) |
//!
//! Who is signed in comes from an [`Authenticator`]: the bundled
//! [`login::BundledLogin`] (argon2 passwords, signed session cookie), or an
//! embedding service's own session.
//!
//! Clients whose `client_id` is the https URL of a client ID metadata
//! document are accepted once [`AppState::with_metadata_resolver`] is given
//! a resolver, such as a [`MetadataDocumentFetcher`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use actix_web::{App, HttpServer, web};
//! # async fn run<S: oauth_apps_core::store::Store + 'static>(
//! #     store: Arc<S>, context: Arc<oauth_apps_core::service::Context>,
//! # ) -> std::io::Result<()> {
//! use oauth_apps_http_actix::{AppState, SessionKey, configure};
//! use oauth_apps_core::random::OsRandom;
//!
//! let key = SessionKey::generate(&OsRandom);
//! let state = web::Data::new(AppState::with_bundled_login(store, context, key));
//! HttpServer::new(move || App::new().configure(configure(state.clone())))
//!     .bind("127.0.0.1:8080")?
//!     .run()
//!     .await
//! # }
//! ```
//!
//! Limitations: the endpoints are mounted at the root paths above, and the
//! metadata document names them under the issuer, so the app must serve
//! them at the issuer's origin without a path prefix. No CORS headers are
//! sent, so browser apps on other origins cannot call the token endpoint
//! directly. The management API is not served here yet. Protected
//! resource metadata is served only for the bundled MCP resource, not for
//! an embedding service's own resources.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]

mod authenticator;
mod client_auth;
mod endpoints;
mod error;
mod form;
mod guess_limit;
pub mod login;
mod metadata_document;
mod pages;
mod rate_limit;
mod security;
mod session;
mod state;
mod telemetry;

pub use authenticator::{Authenticator, Session};
pub use endpoints::registration::MAX_REGISTRATION_BYTES;
pub use error::{HttpError, REALM};
pub use form::{FormError, MAX_FORM_BYTES};
pub use metadata_document::{
    DEFAULT_FETCH_TIMEOUT, DEFAULT_MAX_DOCUMENT_BYTES, FetcherSettings, InvalidRootCertificate,
    MetadataDocumentFetcher,
};
pub use rate_limit::DEFAULT_REGISTRATIONS_PER_MINUTE;
pub use session::{MIN_SESSION_KEY_LEN, SessionKey, SessionKeyError};
pub use state::AppState;
pub use telemetry::REQUEST_ID_HEADER;

use actix_web::middleware::from_fn;
use actix_web::web;
use oauth_apps_core::store::Store;

use endpoints::{authorize, device_authorization, metadata, registration, token, verification};
use telemetry::trace_request;

/// The paths the endpoints are mounted at.
pub mod paths {
    /// Authorization server metadata (RFC 8414 section 3).
    pub const METADATA: &str = "/.well-known/oauth-authorization-server";
    /// Authorization endpoint.
    pub const AUTHORIZE: &str = "/oauth/authorize";
    /// Token endpoint.
    pub const TOKEN: &str = "/oauth/token";
    /// Revocation endpoint.
    pub const REVOKE: &str = "/oauth/revoke";
    /// Introspection endpoint.
    pub const INTROSPECT: &str = "/oauth/introspect";
    /// Target of the bundled login form.
    pub const LOGIN: &str = "/oauth/login";
    /// Protected resource metadata (RFC 9728 section 3).
    pub const RESOURCE_METADATA: &str = "/.well-known/oauth-protected-resource";
    /// Protected resource metadata of the bundled MCP resource, at the
    /// path-aware location of RFC 9728 section 3.1.
    pub const MCP_RESOURCE_METADATA: &str = "/.well-known/oauth-protected-resource/mcp";
    /// The bundled MCP resource.
    pub const MCP: &str = "/mcp";
    /// Device authorization endpoint (RFC 8628 section 3.1).
    pub const DEVICE_AUTHORIZATION: &str = "/oauth/device_authorization";
    /// Device verification page (RFC 8628 section 3.3).
    pub const DEVICE: &str = "/device";
    /// Dynamic client registration endpoint (RFC 7591 section 3); the
    /// client configuration endpoint (RFC 7592) is below it.
    pub const REGISTER: &str = "/oauth/register";
}

/// Returns a function that mounts every endpoint, the login system's
/// routes and `state` on an app: `App::new().configure(configure(state))`.
pub fn configure<S: Store + 'static>(
    state: web::Data<AppState<S>>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        state.authenticator.configure(config);
        let serves_mcp = endpoints::mcp::is_configured(&state.context);
        config
            .app_data(state)
            .service(
                web::resource(paths::METADATA)
                    .wrap(from_fn(trace_request))
                    .route(web::get().to(metadata::metadata::<S>)),
            )
            .service(
                web::resource(paths::AUTHORIZE)
                    .wrap(from_fn(trace_request))
                    .route(web::get().to(authorize::authorize::<S>))
                    .route(web::post().to(authorize::decide::<S>)),
            )
            .service(
                web::resource(paths::TOKEN)
                    .wrap(from_fn(trace_request))
                    .route(web::post().to(token::token::<S>)),
            )
            .service(
                web::resource(paths::REVOKE)
                    .wrap(from_fn(trace_request))
                    .route(web::post().to(token::revoke::<S>)),
            )
            .service(
                web::resource(paths::INTROSPECT)
                    .wrap(from_fn(trace_request))
                    .route(web::post().to(token::introspect::<S>)),
            )
            .service(
                web::resource(paths::DEVICE_AUTHORIZATION)
                    .wrap(from_fn(trace_request))
                    .route(web::post().to(device_authorization::device_authorization::<S>)),
            )
            .service(
                web::resource(paths::DEVICE)
                    .wrap(from_fn(trace_request))
                    .route(web::get().to(verification::show_code_form::<S>))
                    .route(web::post().to(verification::submit::<S>)),
            )
            .service(
                web::resource(paths::REGISTER)
                    .wrap(from_fn(trace_request))
                    .route(web::post().to(registration::register::<S>)),
            )
            .service(
                web::resource(format!("{}/{{client_id}}", paths::REGISTER))
                    .wrap(from_fn(trace_request))
                    .route(web::get().to(registration::read::<S>))
                    .route(web::put().to(registration::update::<S>))
                    .route(web::delete().to(registration::delete::<S>)),
            );
        if serves_mcp {
            endpoints::mcp::mount::<S>(config);
        }
    }
}
