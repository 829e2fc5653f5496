//! Cases that the fields for self-registered clients and for resource
//! indicators (RFC 8707) round-trip: a client's grant types, authentication
//! method, resource-server flag and registration details, a code's and a
//! device authorization's resource, and the audience and resource of the
//! tokens issued in their families.

use std::sync::Arc;

use oauth_apps_core::client::{GrantType, RegistrationSource, TokenEndpointAuthMethod};
use oauth_apps_core::device::DeviceEvent;
use oauth_apps_core::ids::FamilyId;
use oauth_apps_core::store::{CodeRedemption, DevicePoll, Rotation, Store};
use oauth_apps_core::token::{AccessTokenRecord, RefreshTokenRecord};

use crate::checks::{find_access, find_refresh};
use crate::fixtures::{Authorization, T0, at, registered_client};

/// The resource every case of this module names.
const RESOURCE: &str = "https://api.example.com/mcp";

/// Builds tokens `name` in `family_id` bound to [`RESOURCE`].
fn bound_tokens(
    ada: &Authorization,
    family_id: &FamilyId,
    name: &str,
) -> (AccessTokenRecord, RefreshTokenRecord) {
    let mut access = ada.access_token(family_id, name, at(2));
    access.audience = Some(RESOURCE.to_owned());
    let mut refresh = ada.refresh_token(family_id, name, at(2));
    refresh.resource = Some(RESOURCE.to_owned());
    (access, refresh)
}

/// A self-registered client and an admin-registered resource server come
/// back with their grant types, authentication method, resource-server
/// flag and every registration detail.
pub async fn client_new_fields_round_trip<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::build("ada");
    let mut server = ada.client.clone();
    server.grant_types = vec![GrantType::DeviceCode];
    server.auth_method = Some(TokenEndpointAuthMethod::ClientSecretBasic);
    server.resource_server = true;
    ada.store_parties(&*store).await;
    store
        .update_client(&server)
        .await
        .expect("update_client failed");
    let mut cli = registered_client("cli", RegistrationSource::MetadataDocument, T0);
    if let Some(details) = cli.registration.as_mut() {
        details.access_token_hash = None;
        details.first_approved_by = Some(ada.user.id.clone());
        details.first_approved_at = Some(at(3));
    }
    store
        .insert_client(&cli)
        .await
        .expect("insert_client failed");

    for expected in [server, cli] {
        let found = store
            .find_client(&expected.id)
            .await
            .expect("find_client failed");
        assert_eq!(found.as_ref(), Some(&expected), "client {}", expected.id);
    }
}

/// A code's resource comes back from its redemption and from a replay.
pub async fn code_resource_round_trips<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let mut code = ada.code("login");
    code.resource = Some(RESOURCE.to_owned());
    store.insert_code(&code).await.expect("insert_code failed");

    let first = store
        .redeem_code(&code.hash, at(1))
        .await
        .expect("redeem_code failed");
    let CodeRedemption::Redeemed(redeemed) = first else {
        panic!("redeeming a fresh code returned {first:?}, expected Redeemed");
    };
    assert_eq!(
        redeemed.resource.as_deref(),
        Some(RESOURCE),
        "resource of the redeemed code"
    );
    let replay = store
        .redeem_code(&code.hash, at(2))
        .await
        .expect("redeem_code failed");
    let CodeRedemption::AlreadyRedeemed(replayed) = replay else {
        panic!("replaying a code returned {replay:?}, expected AlreadyRedeemed");
    };
    assert_eq!(
        replayed.resource.as_deref(),
        Some(RESOURCE),
        "resource of the replayed code"
    );
}

/// Tokens issued and rotated in a family for a resource come back with
/// their audience and resource.
pub async fn tokens_audience_round_trips<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let mut code = ada.code("login");
    code.resource = Some(RESOURCE.to_owned());
    store.insert_code(&code).await.expect("insert_code failed");
    store
        .redeem_code(&code.hash, at(1))
        .await
        .expect("redeem_code failed");
    let (access, refresh) = bound_tokens(&ada, &code.family_id, "first");
    store
        .insert_tokens(&access, Some(&refresh))
        .await
        .expect("insert_tokens failed");

    assert_eq!(
        find_access(&*store, &access.hash).await,
        access,
        "issued access token"
    );
    assert_eq!(
        find_refresh(&*store, &refresh.hash).await,
        refresh,
        "issued refresh token"
    );
    let (next_access, next_refresh) = bound_tokens(&ada, &code.family_id, "next");
    let rotation = store
        .rotate_refresh_token(&refresh.hash, &next_access, &next_refresh, at(2))
        .await
        .expect("rotate_refresh_token failed");
    assert_eq!(rotation, Rotation::Rotated);
    assert_eq!(
        find_access(&*store, &next_access.hash).await,
        next_access,
        "rotated access"
    );
    assert_eq!(
        find_refresh(&*store, &next_refresh.hash).await,
        next_refresh,
        "rotated refresh"
    );
}

/// A device authorization's resource comes back from its redemption, and
/// the tokens of the family it created carry their audience.
pub async fn device_resource_round_trips<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let mut device = ada.device("cli");
    device.resource = Some(RESOURCE.to_owned());
    store
        .insert_device_authorization(&device)
        .await
        .expect("insert_device_authorization failed");
    store
        .decide_device(
            &device.user_code_hash,
            DeviceEvent::Approve(ada.approval()),
            at(1),
        )
        .await
        .expect("decide_device failed");

    let polled = store
        .poll_device(&device.device_code_hash, at(2))
        .await
        .expect("poll_device failed");
    let DevicePoll::Redeemed(redeemed) = polled else {
        panic!("polling an approved authorization returned {polled:?}, expected Redeemed");
    };
    assert_eq!(
        redeemed.resource.as_deref(),
        Some(RESOURCE),
        "resource of the redemption"
    );
    let (access, refresh) = bound_tokens(&ada, &device.family_id, "cli");
    store
        .insert_tokens(&access, Some(&refresh))
        .await
        .expect("insert_tokens failed");
    assert_eq!(
        find_access(&*store, &access.hash).await,
        access,
        "access token of the family"
    );
    assert_eq!(
        find_refresh(&*store, &refresh.hash).await,
        refresh,
        "refresh token of the family"
    );
}
