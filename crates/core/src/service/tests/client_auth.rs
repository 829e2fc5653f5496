//! Client authentication at the token, revocation and introspection
//! endpoints: which credentials pass, and which error each failure gives.

use super::support::*;
use crate::client::{Client, ClientStatus, TokenEndpointAuthMethod};
use crate::error::{ErrorCode, OAuthError, ServiceError};
use crate::ids::ClientId;
use crate::service::client_auth::authenticate;
use crate::service::{ClientAuthMethod, ClientCredentials, PresentedSecret};
use crate::time::Timestamp;

const FAILED: &str = "client authentication failed";
const LATER: Timestamp = Timestamp::from_unix_seconds(NOW.unix_seconds() + 1);

async fn authenticate_with(
    clients: Vec<Client>,
    credentials: &ClientCredentials,
) -> Result<Client, ServiceError> {
    let mut store = MockStore::new();
    expect_clients(&mut store, clients);
    authenticate(&store, credentials, NOW).await
}

fn assert_invalid_client(error: &OAuthError, description: &str) {
    assert_eq!(error.error, ErrorCode::InvalidClient);
    assert_eq!(error.error_description, description);
}

#[tokio::test]
async fn public_client_sending_secret_is_rejected() {
    let credentials = secret_credentials(PUBLIC_ID, "anything");
    let result = authenticate_with(vec![public_client()], &credentials).await;
    assert_invalid_client(
        &rejection(result),
        "this client is public and must not send a client secret",
    );
}

#[tokio::test]
async fn public_client_without_secret_passes() {
    let credentials = public_credentials(PUBLIC_ID);
    let client = authenticate_with(vec![public_client()], &credentials)
        .await
        .unwrap();
    assert_eq!(client.id, ClientId::new(PUBLIC_ID));
}

#[tokio::test]
async fn confidential_client_without_secret_is_rejected() {
    let credentials = public_credentials(CONFIDENTIAL_ID);
    let result = authenticate_with(vec![confidential_client()], &credentials).await;
    assert_invalid_client(&rejection(result), FAILED);
}

#[tokio::test]
async fn wrong_secret_is_rejected() {
    let credentials = secret_credentials(CONFIDENTIAL_ID, "not-the-secret");
    let result = authenticate_with(vec![confidential_client()], &credentials).await;
    assert_invalid_client(&rejection(result), FAILED);
}

#[tokio::test]
async fn unknown_client_looks_like_wrong_secret() {
    let unknown = secret_credentials("app_unknown", CLIENT_SECRET);
    let unknown_error = rejection(authenticate_with(vec![confidential_client()], &unknown).await);
    let wrong = secret_credentials(CONFIDENTIAL_ID, "not-the-secret");
    let wrong_error = rejection(authenticate_with(vec![confidential_client()], &wrong).await);

    assert_eq!(unknown_error.error, wrong_error.error);
    assert_eq!(
        unknown_error.error_description,
        wrong_error.error_description
    );
}

#[tokio::test]
async fn suspended_client_is_rejected() {
    let suspended = Client {
        status: ClientStatus::Suspended,
        ..confidential_client()
    };
    let credentials = secret_credentials(CONFIDENTIAL_ID, CLIENT_SECRET);
    let result = authenticate_with(vec![suspended], &credentials).await;
    assert_invalid_client(&rejection(result), FAILED);
}

#[tokio::test]
async fn empty_client_id_is_rejected() {
    let credentials = public_credentials("");
    let result = authenticate_with(vec![public_client()], &credentials).await;
    assert_invalid_client(
        &rejection(result),
        "client_id is missing: send it in the form or in HTTP Basic authentication",
    );
}

#[tokio::test]
async fn expired_secret_is_rejected() {
    let client = Client {
        secrets: vec![secret_record(CLIENT_SECRET, Some(NOW))],
        ..confidential_client()
    };
    let credentials = secret_credentials(CONFIDENTIAL_ID, CLIENT_SECRET);
    let result = authenticate_with(vec![client], &credentials).await;
    assert_invalid_client(&rejection(result), FAILED);
}

#[tokio::test]
async fn unexpired_secret_is_accepted() {
    let client = Client {
        secrets: vec![secret_record(CLIENT_SECRET, Some(LATER))],
        ..confidential_client()
    };
    let credentials = secret_credentials(CONFIDENTIAL_ID, CLIENT_SECRET);
    let result = authenticate_with(vec![client], &credentials).await;
    assert_eq!(result.unwrap().id, ClientId::new(CONFIDENTIAL_ID));
}

#[tokio::test]
async fn both_secrets_pass_during_rotation() {
    let rotated = "rotated-client-secret-0123456789abcdef";
    let client = Client {
        secrets: vec![
            secret_record(CLIENT_SECRET, Some(LATER)),
            secret_record(rotated, None),
        ],
        ..confidential_client()
    };
    for secret in [CLIENT_SECRET, rotated] {
        let credentials = secret_credentials(CONFIDENTIAL_ID, secret);
        let result = authenticate_with(vec![client.clone()], &credentials).await;
        assert!(result.is_ok(), "{result:?}");
    }
}

#[tokio::test]
async fn basic_and_post_are_equivalent() {
    for method in [ClientAuthMethod::Basic, ClientAuthMethod::Post] {
        let credentials = ClientCredentials {
            client_id: CONFIDENTIAL_ID.into(),
            secret: Some(PresentedSecret::new(CLIENT_SECRET)),
            method,
        };
        let result = authenticate_with(vec![confidential_client()], &credentials).await;
        assert!(result.is_ok(), "{method:?}: {result:?}");
    }
}

/// Returns `client` registered with the one authentication method `method`.
fn registered_with(client: Client, method: TokenEndpointAuthMethod) -> Client {
    Client {
        auth_method: Some(method),
        ..client
    }
}

fn with_method(credentials: ClientCredentials, method: ClientAuthMethod) -> ClientCredentials {
    ClientCredentials {
        method,
        ..credentials
    }
}

#[tokio::test]
async fn registered_method_must_be_used() {
    use TokenEndpointAuthMethod::{ClientSecretBasic, ClientSecretPost};
    let cases = [
        (
            ClientSecretPost,
            ClientAuthMethod::Basic,
            "client_secret_post",
        ),
        (
            ClientSecretBasic,
            ClientAuthMethod::Post,
            "client_secret_basic",
        ),
    ];
    for (registered, used, name) in cases {
        let client = registered_with(confidential_client(), registered);
        let credentials = with_method(secret_credentials(CONFIDENTIAL_ID, CLIENT_SECRET), used);
        let result = authenticate_with(vec![client], &credentials).await;
        assert_invalid_client(
            &rejection(result),
            &format!("this client must authenticate with {name}"),
        );
    }
}

#[tokio::test]
async fn registered_method_passes() {
    use TokenEndpointAuthMethod::{ClientSecretBasic, ClientSecretPost};
    for (registered, used) in [
        (ClientSecretPost, ClientAuthMethod::Post),
        (ClientSecretBasic, ClientAuthMethod::Basic),
    ] {
        let client = registered_with(confidential_client(), registered);
        let credentials = with_method(secret_credentials(CONFIDENTIAL_ID, CLIENT_SECRET), used);
        let client = authenticate_with(vec![client], &credentials).await.unwrap();
        assert_eq!(client.id, ClientId::new(CONFIDENTIAL_ID), "{registered:?}");
    }
}

#[tokio::test]
async fn client_registered_with_none_cannot_send_secret() {
    let client = registered_with(public_client(), TokenEndpointAuthMethod::None);
    for used in [ClientAuthMethod::Basic, ClientAuthMethod::Post] {
        let credentials = with_method(secret_credentials(PUBLIC_ID, "anything"), used);
        let result = authenticate_with(vec![client.clone()], &credentials).await;
        assert_invalid_client(
            &rejection(result),
            "this client must authenticate with none",
        );
    }
    let credentials = public_credentials(PUBLIC_ID);
    let passed = authenticate_with(vec![client], &credentials).await.unwrap();
    assert_eq!(passed.id, ClientId::new(PUBLIC_ID));
}
