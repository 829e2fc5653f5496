//! `AppService::create_client`: what registration rejects, and the secret a
//! confidential app receives and the store keeps.

use std::sync::Arc;

use super::support::*;
use crate::client::{Client, ClientType, Environment, PkceMode};
use crate::error::{ErrorCode, ServiceError};
use crate::ids::{ClientId, WorkspaceId};
use crate::secret::{Secret, SecretHash, SecretKind};
use crate::service::{AppService, NewClient};

const CHOSEN_SECRET: &str = "a-chosen-secret-of-at-least-32-characters";

/// Returns a confidential app that registration accepts. Each case below
/// changes one field of it.
fn new_client() -> NewClient {
    NewClient {
        workspace_id: None,
        client_id: Some("app_new".into()),
        name: "Bug Tracker Sync".into(),
        description: "Copies bugs to another tracker".into(),
        homepage_url: Some("https://app.example".into()),
        client_type: ClientType::Confidential,
        redirect_uris: vec![REDIRECT_URI.into()],
        allowed_scopes: "bugs:read profile".into(),
        default_scopes: "profile".into(),
        environment: Environment::Production,
        pkce: PkceMode::Optional,
        client_secret: None,
        resource_server: false,
    }
}

/// Registers `new` and returns the result with the client the store
/// received, if any.
async fn create(new: NewClient) -> (Result<(Client, Option<Secret>), ServiceError>, Slot<Client>) {
    let inserted = Slot::new();
    let recorded = inserted.clone();
    let mut store = MockStore::new();
    store.expect_insert_client().returning(move |client| {
        recorded.put(client.clone());
        Ok(())
    });
    let service = AppService::new(Arc::new(store), context());
    (service.create_client(new).await, inserted)
}

#[tokio::test]
async fn invalid_registration_is_rejected() {
    let cases = [
        (
            "no redirect URI",
            NewClient {
                redirect_uris: Vec::new(),
                ..new_client()
            },
            "an app needs at least one redirect URI",
        ),
        (
            "javascript: redirect URI",
            NewClient {
                redirect_uris: vec!["javascript:alert(1)".into()],
                ..new_client()
            },
            "invalid redirect URI 'javascript:alert(1)': this scheme is not allowed",
        ),
        (
            "unknown scope",
            NewClient {
                allowed_scopes: "admin:everything profile".into(),
                ..new_client()
            },
            "unknown scope: admin:everything",
        ),
        (
            "default outside allowed",
            NewClient {
                allowed_scopes: "profile".into(),
                default_scopes: "bugs:read profile".into(),
                ..new_client()
            },
            "default scopes must be among the allowed scopes, but these are not: bugs:read",
        ),
        (
            "public app with a secret",
            NewClient {
                client_type: ClientType::Public,
                client_secret: Some(CHOSEN_SECRET.into()),
                ..new_client()
            },
            "a public app cannot have a client secret",
        ),
        (
            "short chosen secret",
            NewClient {
                client_secret: Some("x".repeat(31)),
                ..new_client()
            },
            "a chosen client secret must be at least 32 characters",
        ),
    ];
    for (case, new, description) in cases {
        let mut store = MockStore::new();
        store.expect_insert_client().times(0);
        let service = AppService::new(Arc::new(store), context());

        let error = rejection(service.create_client(new).await);
        assert_eq!(error.error, ErrorCode::InvalidRequest, "{case}");
        assert_eq!(error.error_description, description, "{case}");
    }
}

#[tokio::test]
async fn missing_workspace_is_rejected() {
    let mut store = MockStore::new();
    store.expect_find_workspace().returning(|_| Ok(None));
    store.expect_insert_client().times(0);
    let service = AppService::new(Arc::new(store), context());

    let new = NewClient {
        workspace_id: Some(WorkspaceId::new("ws_missing")),
        ..new_client()
    };
    let error = rejection(service.create_client(new).await);
    assert_eq!(
        error.error_description,
        "workspace ws_missing does not exist"
    );
}

#[tokio::test]
async fn confidential_app_gets_generated_secret() {
    let (result, inserted) = create(new_client()).await;
    let (client, secret) = result.unwrap();
    let secret = secret.unwrap();
    let stored = inserted.get();

    assert!(secret.expose().starts_with("ocs_"));
    let parsed = Secret::parse(SecretKind::ClientSecret, secret.expose());
    assert!(parsed.is_ok(), "the generated secret is malformed");
    assert_eq!(stored.secrets.len(), 1);
    assert_eq!(stored.secrets[0].hash, SecretHash::of(secret.expose()));
    assert_eq!(stored.secrets[0].created_at, NOW);
    assert_eq!(stored.secrets[0].expires_at, None);
    assert_eq!(stored, client);
}

#[tokio::test]
async fn chosen_secret_is_stored_hashed() {
    let new = NewClient {
        client_secret: Some(CHOSEN_SECRET.into()),
        ..new_client()
    };
    let (result, inserted) = create(new).await;
    let (_, secret) = result.unwrap();
    let stored = inserted.get();

    assert!(secret.is_none());
    assert_eq!(stored.secrets.len(), 1);
    assert_eq!(stored.secrets[0].hash, SecretHash::of(CHOSEN_SECRET));
}

#[tokio::test]
async fn public_app_always_requires_pkce() {
    let new = NewClient {
        client_type: ClientType::Public,
        pkce: PkceMode::Optional,
        ..new_client()
    };
    let (result, inserted) = create(new).await;
    let (_, secret) = result.unwrap();
    let stored = inserted.get();

    assert!(secret.is_none());
    assert!(stored.secrets.is_empty());
    assert_eq!(stored.pkce, PkceMode::Required);
}

#[tokio::test]
async fn registered_app_keeps_its_settings() {
    let (result, _) = create(new_client()).await;
    let (client, _) = result.unwrap();

    assert_eq!(client.id, ClientId::new("app_new"));
    assert_eq!(client.allowed_scopes, scopes("bugs:read profile"));
    assert_eq!(client.default_scopes, scopes("profile"));
    assert_eq!(client.redirect_uris[0].as_str(), REDIRECT_URI);
    assert_eq!(client.created_at, NOW);
}

#[test]
fn new_client_debug_redacts_secret() {
    let new = NewClient {
        client_secret: Some("chosen-secret-value-0123456789abcdef".into()),
        ..new_client()
    };
    let shown = format!("{new:?}");
    assert!(!shown.contains("chosen-secret-value"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}
