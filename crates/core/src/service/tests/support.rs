//! Fixtures shared by the service tests: a context on a fixed clock with
//! predictable randomness, and the clients, members and workspaces the
//! tests act as.

use std::sync::{Arc, Mutex};

use crate::client::{
    Client, ClientSecretRecord, ClientStatus, ClientType, Environment, GrantType, PkceMode,
    RegistrationSource,
};
use crate::directory::Membership;
use crate::error::{OAuthError, ServiceError};
use crate::ids::{ClientId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::random::SequenceRandom;
use crate::redirect::RedirectUri;
use crate::scope::{ScopeCatalog, ScopeSet};
use crate::secret::SecretHash;
use crate::service::client_auth::{ClientAuthMethod, ClientCredentials, PresentedSecret};
use crate::service::{Context, Settings};
use crate::time::{FixedClock, Timestamp};

pub use super::mock::MockStore;

/// The time every test runs at.
pub const NOW: Timestamp = Timestamp::from_unix_seconds(1_700_000_000);
/// Protected resource the tests name in `resource`; one of
/// `Settings.resources`.
pub const RESOURCE: &str = "https://bugs.example/api";
/// A second protected resource of the test server.
pub const OTHER_RESOURCE: &str = "https://mail.example/api";
/// Issuer of the test server.
pub const ISSUER: &str = "https://auth.example";
/// The one redirect URI the test clients register.
pub const REDIRECT_URI: &str = "https://app.example/callback";
/// Workspace the test member belongs to.
pub const WORKSPACE: &str = "ws_acme";
/// The test member.
pub const USER: &str = "usr_alice";
/// Family created by the test authorization.
pub const FAMILY: &str = "fam_first";
/// Secret of [`confidential_client`].
pub const CLIENT_SECRET: &str = "confidential-client-secret-0123456789";
/// Public client that must use PKCE, with default scope `profile`.
pub const PUBLIC_ID: &str = "app_public";
/// Confidential client with PKCE optional.
pub const CONFIDENTIAL_ID: &str = "app_confidential";
/// Public client with no default scopes.
pub const NO_DEFAULTS_ID: &str = "app_no_defaults";
/// Suspended public client.
pub const SUSPENDED_ID: &str = "app_suspended";
/// Scopes every test client may request.
pub const ALLOWED_SCOPES: &str = "bugs:read bugs:write offline_access profile";
/// Code verifier of RFC 7636 appendix B.
pub const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// Code challenge of RFC 7636 appendix B, the S256 of [`RFC_VERIFIER`].
pub const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Returns a context on a clock fixed at [`NOW`] with default lifetimes.
pub fn context() -> Arc<Context> {
    Arc::new(Context {
        clock: Arc::new(FixedClock::new(NOW)),
        random: Arc::new(SequenceRandom::default()),
        settings: Settings {
            resources: vec![RESOURCE.into(), OTHER_RESOURCE.into()],
            ..Settings::new(ISSUER)
        },
        catalog: ScopeCatalog::default(),
    })
}

/// Parses a scope string, failing the test when its syntax is invalid.
pub fn scopes(text: &str) -> ScopeSet {
    ScopeSet::parse(text).unwrap()
}

/// Returns a public client that registered [`REDIRECT_URI`].
pub fn public_client() -> Client {
    Client {
        id: ClientId::new(PUBLIC_ID),
        workspace_id: Some(WorkspaceId::new(WORKSPACE)),
        name: "Bug Tracker Sync".into(),
        description: "Copies bugs to another tracker".into(),
        homepage_url: None,
        client_type: ClientType::Public,
        redirect_uris: vec![RedirectUri::parse(REDIRECT_URI).unwrap()],
        allowed_scopes: scopes(ALLOWED_SCOPES),
        default_scopes: scopes("profile"),
        pkce: PkceMode::Required,
        environment: Environment::Production,
        source: RegistrationSource::Dashboard,
        status: ClientStatus::Active,
        secrets: Vec::new(),
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        auth_method: None,
        resource_server: false,
        registration: None,
        created_at: NOW,
    }
}

/// Returns a confidential client whose secret is [`CLIENT_SECRET`].
pub fn confidential_client() -> Client {
    Client {
        id: ClientId::new(CONFIDENTIAL_ID),
        client_type: ClientType::Confidential,
        pkce: PkceMode::Optional,
        secrets: vec![secret_record(CLIENT_SECRET, None)],
        ..public_client()
    }
}

/// Returns a secret record for `secret` that ends at `expires_at`.
pub fn secret_record(secret: &str, expires_at: Option<Timestamp>) -> ClientSecretRecord {
    ClientSecretRecord {
        hash: SecretHash::of(secret),
        created_at: NOW,
        expires_at,
    }
}

/// Returns every client the authorization tests use.
pub fn known_clients() -> Vec<Client> {
    let no_defaults = Client {
        id: ClientId::new(NO_DEFAULTS_ID),
        default_scopes: ScopeSet::default(),
        ..public_client()
    };
    let suspended = Client {
        id: ClientId::new(SUSPENDED_ID),
        status: ClientStatus::Suspended,
        ..public_client()
    };
    vec![
        public_client(),
        confidential_client(),
        no_defaults,
        suspended,
    ]
}

/// Makes `find_client` return the client of `clients` with the looked-up
/// ID, or `None`, as often as it is called.
pub fn expect_clients(store: &mut MockStore, clients: Vec<Client>) {
    store
        .expect_find_client()
        .returning(move |id| Ok(clients.iter().find(|client| client.id == *id).cloned()));
}

/// Returns what a public client presents: its ID and no secret.
pub fn public_credentials(client_id: &str) -> ClientCredentials {
    ClientCredentials {
        client_id: client_id.into(),
        secret: None,
        method: ClientAuthMethod::None,
    }
}

/// Returns what a confidential client presents with `client_secret_post`.
pub fn secret_credentials(client_id: &str, secret: &str) -> ClientCredentials {
    ClientCredentials {
        client_id: client_id.into(),
        secret: Some(PresentedSecret::new(secret)),
        method: ClientAuthMethod::Post,
    }
}

/// Returns the test member's membership in [`WORKSPACE`] with `role`.
pub fn membership(role: Role) -> Membership {
    Membership {
        workspace_id: WorkspaceId::new(WORKSPACE),
        user_id: UserId::new(USER),
        role,
    }
}

/// Returns the rejection a service call ended with, failing the test when
/// it succeeded or the store failed.
pub fn rejection<T: std::fmt::Debug>(result: Result<T, ServiceError>) -> OAuthError {
    match result {
        Err(ServiceError::Rejected(error)) => error,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// A value a mock expectation records, for the test to inspect afterwards.
pub struct Slot<T>(Arc<Mutex<Option<T>>>);

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Slot(Arc::clone(&self.0))
    }
}

impl<T: Clone> Slot<T> {
    /// Creates an empty slot.
    pub fn new() -> Self {
        Slot(Arc::new(Mutex::new(None)))
    }

    /// Records `value`, replacing any earlier one.
    pub fn put(&self, value: T) {
        *self.0.lock().unwrap() = Some(value);
    }

    /// Returns the recorded value, failing the test when there is none.
    pub fn get(&self) -> T {
        self.0
            .lock()
            .unwrap()
            .clone()
            .expect("the expectation recorded no value")
    }
}
