//! Cases for changing and removing clients: [`ClientStore::update_client`],
//! [`ClientStore::delete_client`] and [`GrantStore::revoke_client_grants`].
//! Deleting a client or its grants revokes every token issued to it.
//!
//! A deleted client's tokens may be kept revoked or deleted with it, so
//! these cases check only that none stays usable.
//!
//! [`ClientStore::update_client`]: oauth_apps_core::store::ClientStore::update_client
//! [`ClientStore::delete_client`]: oauth_apps_core::store::ClientStore::delete_client
//! [`GrantStore::revoke_client_grants`]: oauth_apps_core::store::GrantStore::revoke_client_grants

use std::sync::Arc;

use oauth_apps_core::client::{RegistrationSource, TokenEndpointAuthMethod};
use oauth_apps_core::ids::ClientId;
use oauth_apps_core::redirect::RedirectUri;
use oauth_apps_core::store::Store;
use oauth_apps_core::token::RefreshState;

use crate::checks::{
    assert_access_revoked_at, assert_access_unusable, assert_refresh_state, assert_refresh_unusable,
};
use crate::fixtures::{Authorization, T0, at, grant, registered_client, user, workspace};

/// Updating a client replaces every field, and moving it to another
/// workspace moves it between the workspaces' lists.
pub async fn update_client_replaces_fields<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let globex = workspace("globex");
    store
        .insert_workspace(&globex)
        .await
        .expect("insert_workspace failed");

    let mut changed = ada.client.clone();
    changed.name = "Renamed".to_owned();
    changed.workspace_id = Some(globex.id.clone());
    changed.redirect_uris =
        vec![RedirectUri::parse("https://new.example.com/cb").expect("valid redirect URI")];
    changed.secrets.truncate(1);
    changed.auth_method = Some(TokenEndpointAuthMethod::ClientSecretPost);
    changed.resource_server = true;
    changed.registration = registered_client("ada", RegistrationSource::Dynamic, T0).registration;
    let updated = store
        .update_client(&changed)
        .await
        .expect("update_client failed");
    assert!(updated, "update_client of a stored client must return true");

    let found = store
        .find_client(&changed.id)
        .await
        .expect("find_client failed");
    assert_eq!(found.as_ref(), Some(&changed), "the client after update");
    let old_list = store
        .clients_of_workspace(&ada.workspace.id)
        .await
        .expect("clients_of_workspace failed");
    assert_eq!(old_list, Vec::new(), "clients of the workspace it left");
    let new_list = store
        .clients_of_workspace(&globex.id)
        .await
        .expect("clients_of_workspace failed");
    assert_eq!(
        new_list,
        vec![changed],
        "clients of the workspace it joined"
    );
}

/// Updating a client that was never stored returns `false` and stores
/// nothing.
pub async fn update_unknown_client_returns_false<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::build("ada");
    store
        .insert_workspace(&ada.workspace)
        .await
        .expect("insert_workspace failed");

    let updated = store
        .update_client(&ada.client)
        .await
        .expect("update_client failed");
    assert!(
        !updated,
        "update_client of an unknown client must return false"
    );
    let found = store
        .find_client(&ada.client.id)
        .await
        .expect("find_client failed");
    assert_eq!(found, None, "update_client must not insert");
}

/// Deleting a client removes it from lookups and lists, and a second
/// deletion returns `false`.
pub async fn delete_client_removes_client<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let registered = registered_client("cli", RegistrationSource::Device, T0);
    store
        .insert_client(&registered)
        .await
        .expect("insert_client failed");

    for id in [&ada.client.id, &registered.id] {
        let deleted = store
            .delete_client(id, at(50))
            .await
            .expect("delete_client failed");
        assert!(
            deleted,
            "delete_client of stored client {id} must return true"
        );
        let found = store.find_client(id).await.expect("find_client failed");
        assert_eq!(found, None, "deleted client {id} must not be found");
        let again = store
            .delete_client(id, at(51))
            .await
            .expect("delete_client failed");
        assert!(!again, "deleting client {id} twice must return false");
    }
    let listed = store
        .clients_of_workspace(&ada.workspace.id)
        .await
        .expect("clients_of_workspace failed");
    assert_eq!(listed, Vec::new(), "a deleted client must not be listed");
    let fingerprint = registered_fingerprint(&registered);
    let by_fingerprint = store
        .find_client_by_fingerprint(&fingerprint)
        .await
        .expect("find_client_by_fingerprint failed");
    assert_eq!(by_fingerprint, None, "a deleted client by its fingerprint");
    let registered_list = store
        .registered_clients()
        .await
        .expect("registered_clients failed");
    assert_eq!(
        registered_list,
        Vec::new(),
        "registered clients after deletion"
    );
}

fn registered_fingerprint(
    client: &oauth_apps_core::client::Client,
) -> oauth_apps_core::secret::SecretHash {
    client
        .registration
        .as_ref()
        .and_then(|details| details.fingerprint)
        .expect("registered fixture clients have a fingerprint")
}

/// Deleting a client deletes every grant to it and leaves none of its
/// tokens usable, while another client's grant and tokens stay.
pub async fn delete_client_revokes_grants_and_tokens<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let grace = Authorization::setup(&*store, "grace").await;
    let ada_family = ada.open_family(&*store, "ada").await;
    let (access, refresh) = ada.issue_tokens(&*store, &ada_family, "ada").await;
    let grace_family = grace.open_family(&*store, "grace").await;
    let (other_access, other_refresh) = grace.issue_tokens(&*store, &grace_family, "grace").await;

    let deleted = store
        .delete_client(&ada.client.id, at(50))
        .await
        .expect("delete_client failed");
    assert!(deleted, "delete_client of a stored client must return true");

    let context = "after delete_client";
    let found = store
        .find_grant(&ada.user.id, &ada.client.id, &ada.workspace.id)
        .await
        .expect("find_grant failed");
    assert_eq!(found, None, "{context}: the client's grant must be deleted");
    let listed = store
        .grants_of_user(&ada.user.id)
        .await
        .expect("grants_of_user failed");
    assert_eq!(listed, Vec::new(), "{context}: the member's grants");
    assert_access_unusable(&*store, &access.hash, Some(at(50)), context).await;
    assert_refresh_unusable(&*store, &refresh.hash, context).await;

    let context = "another client was deleted";
    assert_access_revoked_at(&*store, &other_access.hash, None, context).await;
    assert_refresh_state(&*store, &other_refresh.hash, RefreshState::Active, context).await;
    let other_grant = store
        .find_grant(&grace.user.id, &grace.client.id, &grace.workspace.id)
        .await
        .expect("find_grant failed");
    assert_eq!(other_grant, Some(grace.grant), "{context}: its grant");
}

/// Deleting a client that was never stored returns `false`.
pub async fn delete_unknown_client_returns_false<S: Store + 'static>(store: Arc<S>) {
    Authorization::setup(&*store, "ada").await;

    let deleted = store
        .delete_client(&ClientId::new("app_missing"), at(50))
        .await
        .expect("delete_client failed");
    assert!(
        !deleted,
        "delete_client of an unknown client must return false"
    );
}

/// `revoke_client_grants` deletes every member's grant to the client,
/// revokes their tokens at the given time, returns how many grants it
/// deleted, and keeps the client and other clients' grants.
pub async fn revoke_client_grants_revokes_all<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let other = Authorization::setup(&*store, "other").await;
    let grace = user("grace");
    store.insert_user(&grace).await.expect("insert_user failed");
    let grace_grant = grant(
        "grace",
        &grace.id,
        &ada.client.id,
        &ada.workspace.id,
        "profile:read",
        T0,
    );
    store
        .save_grant(&grace_grant)
        .await
        .expect("save_grant failed");
    let family = ada.open_family(&*store, "ada").await;
    let (access, refresh) = ada.issue_tokens(&*store, &family, "ada").await;
    let other_family = other.open_family(&*store, "other").await;
    let (other_access, _) = other.issue_tokens(&*store, &other_family, "other").await;

    let count = store
        .revoke_client_grants(&ada.client.id, at(50))
        .await
        .expect("revoke_client_grants failed");
    assert_eq!(count, 2, "number of grants to the client that were deleted");

    let context = "after revoke_client_grants";
    for user_id in [&ada.user.id, &grace.id] {
        let found = store
            .find_grant(user_id, &ada.client.id, &ada.workspace.id)
            .await
            .expect("find_grant failed");
        assert_eq!(found, None, "{context}: grant of {user_id}");
    }
    assert_access_revoked_at(&*store, &access.hash, Some(at(50)), context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
    assert_access_revoked_at(&*store, &other_access.hash, None, "another client's token").await;
    let client = store
        .find_client(&ada.client.id)
        .await
        .expect("find_client failed");
    assert_eq!(
        client,
        Some(ada.client.clone()),
        "{context}: the client stays"
    );
    let again = store
        .revoke_client_grants(&ada.client.id, at(60))
        .await
        .expect("revoke_client_grants failed");
    assert_eq!(again, 0, "a second revoke_client_grants finds no grant");
}
