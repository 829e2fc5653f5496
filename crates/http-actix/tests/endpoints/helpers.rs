//! A fresh store with one workspace, one member and two apps, and request
//! helpers for the test service.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::client::{ClientType, Environment, PkceMode};
use oauth_apps_core::ids::UserId;
use oauth_apps_core::permission::Role;
use oauth_apps_core::pkce::{CodeChallenge, CodeVerifier};
use oauth_apps_core::random::OsRandom;
use oauth_apps_core::scope::ScopeCatalog;
use oauth_apps_core::service::{AppService, Context, NewClient, Settings};
use oauth_apps_core::time::SystemClock;
use oauth_apps_http_actix::login::hash_password;
use oauth_apps_http_actix::{AppState, Authenticator, Session, SessionKey};
use oauth_apps_store_memory::MemoryStore;

pub const ISSUER: &str = "https://auth.example";
pub const EMAIL: &str = "ada@example.com";
pub const PASSWORD: &str = "correct horse battery";
pub const PUBLIC_CLIENT: &str = "public-app";
pub const CONFIDENTIAL_CLIENT: &str = "confidential-app";
pub const REDIRECT_URI: &str = "http://127.0.0.1:4000/cb";
pub const CLIENT_SECRET: &str = "a-chosen-client-secret-of-32-characters";
/// RFC 7636 appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// The header the test authenticator reads the signed-in user from.
pub const TEST_USER_HEADER: &str = "x-test-user";

/// Everything a test needs to call the endpoints.
pub struct Fixture {
    pub store: Arc<MemoryStore>,
    pub context: Arc<Context>,
    pub user_id: UserId,
}

/// Creates a store with workspace `ws_1`, member Ada and two apps.
pub async fn fixture() -> Fixture {
    let store = Arc::new(MemoryStore::new());
    let context = Arc::new(Context {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        settings: Settings::new(ISSUER),
        catalog: ScopeCatalog::default(),
    });
    let apps = AppService::new(Arc::clone(&store), Arc::clone(&context));
    let workspace = apps.create_workspace(Some("ws_1"), "Acme").await.unwrap();
    let user = apps
        .create_user(
            EMAIL,
            "Ada Lovelace",
            Some(hash_password(PASSWORD).unwrap()),
        )
        .await
        .unwrap();
    apps.set_membership(&workspace.id, &user.id, Role::Member)
        .await
        .unwrap();

    for (client_id, client_type, secret) in [
        (PUBLIC_CLIENT, ClientType::Public, None),
        (
            CONFIDENTIAL_CLIENT,
            ClientType::Confidential,
            Some(CLIENT_SECRET.to_owned()),
        ),
    ] {
        apps.create_client(NewClient {
            workspace_id: Some(workspace.id.clone()),
            client_id: Some(client_id.to_owned()),
            name: format!("App {client_id}"),
            description: "Tracks bugs".to_owned(),
            homepage_url: Some("https://app.example".to_owned()),
            client_type,
            redirect_uris: vec![REDIRECT_URI.to_owned()],
            allowed_scopes: "profile bugs:read offline_access".to_owned(),
            default_scopes: "profile".to_owned(),
            environment: Environment::Staging,
            pkce: PkceMode::Required,
            client_secret: secret,
            resource_server: false,
        })
        .await
        .unwrap();
    }
    Fixture {
        store,
        context,
        user_id: user.id,
    }
}

/// An authenticator that takes the signed-in user's ID from the
/// `x-test-user` header, standing in for an embedding service's session.
pub struct HeaderAuthenticator;

impl Authenticator for HeaderAuthenticator {
    fn current_session(&self, request: &HttpRequest) -> Option<Session> {
        let user = request.headers().get(TEST_USER_HEADER)?.to_str().ok()?;
        Some(Session {
            user_id: UserId::new(user),
            binding: format!("session-of-{user}"),
        })
    }

    fn login_response(&self, _request: &HttpRequest, return_to: &str) -> HttpResponse {
        HttpResponse::Found()
            .insert_header((header::LOCATION, format!("/sign-in?next={return_to}")))
            .finish()
    }
}

fn key() -> SessionKey {
    SessionKey::from_bytes(&[42u8; 32]).unwrap()
}

/// Returns the state of the endpoints with the bundled login.
pub fn bundled_state(fixture: &Fixture) -> web::Data<AppState<MemoryStore>> {
    let state = AppState::with_bundled_login(
        Arc::clone(&fixture.store),
        Arc::clone(&fixture.context),
        key(),
    );
    web::Data::new(state)
}

/// Returns the state of the endpoints with [`HeaderAuthenticator`].
pub fn embedded_state(fixture: &Fixture) -> web::Data<AppState<MemoryStore>> {
    web::Data::new(AppState::new(
        Arc::clone(&fixture.store),
        Arc::clone(&fixture.context),
        Arc::new(HeaderAuthenticator),
        key(),
    ))
}

/// Starts a test service with the endpoints mounted on `state`.
#[macro_export]
macro_rules! start {
    ($state:expr) => {
        actix_web::test::init_service(
            actix_web::App::new().configure(oauth_apps_http_actix::configure($state)),
        )
        .await
    };
}

/// Returns the query of an authorization request of the public app.
pub fn authorize_query(extra: &[(&str, &str)]) -> String {
    let challenge = CodeChallenge::s256(&CodeVerifier::parse(VERIFIER).unwrap());
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", PUBLIC_CLIENT),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "profile bugs:read offline_access"),
        ("state", "st&te"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    pairs.retain(|(name, _)| !extra.iter().any(|(other, _)| other == name));
    pairs.extend_from_slice(extra);
    pairs.retain(|(_, value)| !value.is_empty());
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Builds a form POST.
pub fn form_post(path: &str, pairs: &[(&str, &str)]) -> TestRequest {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    TestRequest::post()
        .uri(path)
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body)
}

/// Returns the `value` of the hidden field `name` in a page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&quot;", "\""),
    )
}

/// Returns a response header as text.
pub fn header_text<B>(response: &ServiceResponse<B>, name: header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

/// Returns the cookie `name` the response sets.
pub fn cookie_set<B>(response: &ServiceResponse<B>, name: &str) -> Option<Cookie<'static>> {
    response
        .response()
        .cookies()
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.into_owned())
}

/// Returns a query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Reads a response body as text.
pub async fn body_text<B: MessageBody>(response: ServiceResponse<B>) -> String {
    String::from_utf8(test::read_body(response).await.to_vec()).unwrap()
}
