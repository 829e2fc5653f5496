//! Cases for [`ClientStore`]: clients round-trip every field and list by
//! managing workspace, oldest first.
//!
//! [`ClientStore`]: oauth_apps_core::store::ClientStore

use std::sync::Arc;

use oauth_apps_core::client::{ClientType, PkceMode, RegistrationSource};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{ClientId, WorkspaceId};
use oauth_apps_core::store::Store;

use crate::fixtures::{T0, at, client, workspace};

/// A stored client is found by ID with every field unchanged, secrets and
/// redirect URIs in their order included.
pub async fn client_insert_then_find<S: Store + 'static>(store: Arc<S>) {
    let acme = workspace("acme");
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");
    let confidential = client("tracker", Some(&acme.id), T0);
    store
        .insert_client(&confidential)
        .await
        .expect("insert_client failed");

    let mut public = client("cli", None, at(5));
    public.client_type = ClientType::Public;
    public.pkce = PkceMode::Required;
    public.source = RegistrationSource::Dynamic;
    public.homepage_url = None;
    public.secrets.clear();
    store
        .insert_client(&public)
        .await
        .expect("insert_client failed");

    let found = store
        .find_client(&confidential.id)
        .await
        .expect("find_client failed");
    assert_eq!(
        found,
        Some(confidential),
        "confidential client of a workspace"
    );

    let found = store
        .find_client(&public.id)
        .await
        .expect("find_client failed");
    assert_eq!(found, Some(public), "self-registered public client");
}

/// A second client with a taken ID is a conflict and changes nothing.
pub async fn client_duplicate_id_conflicts<S: Store + 'static>(store: Arc<S>) {
    let acme = workspace("acme");
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");
    let first = client("tracker", Some(&acme.id), T0);
    store
        .insert_client(&first)
        .await
        .expect("insert_client failed");

    let mut second = client("tracker", Some(&acme.id), at(1));
    second.name = "Impostor".to_owned();
    let result = store.insert_client(&second).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "inserting a client with a taken ID returned {result:?}, expected Conflict"
    );

    let found = store
        .find_client(&first.id)
        .await
        .expect("find_client failed");
    assert_eq!(found, Some(first), "the first client must stay as inserted");
}

/// Looking up a client that was never stored returns `None`.
pub async fn unknown_client_not_found<S: Store + 'static>(store: Arc<S>) {
    let found = store
        .find_client(&ClientId::new("app_missing"))
        .await
        .expect("find_client failed");
    assert_eq!(found, None);
}

/// `clients_of_workspace` returns the workspace's clients by creation time,
/// without other workspaces' clients or self-registered ones.
pub async fn clients_of_workspace_oldest_first<S: Store + 'static>(store: Arc<S>) {
    let (acme, globex) = (workspace("acme"), workspace("globex"));
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");
    store
        .insert_workspace(&globex)
        .await
        .expect("insert_workspace failed");

    let newest = client("newest", Some(&acme.id), at(30));
    let oldest = client("oldest", Some(&acme.id), at(10));
    let middle = client("middle", Some(&acme.id), at(20));
    let elsewhere = client("elsewhere", Some(&globex.id), at(15));
    let dynamic = client("dynamic", None, at(12));
    for inserted in [&newest, &oldest, &elsewhere, &middle, &dynamic] {
        store
            .insert_client(inserted)
            .await
            .expect("insert_client failed");
    }

    let listed = store
        .clients_of_workspace(&acme.id)
        .await
        .expect("clients_of_workspace failed");
    let ids: Vec<&str> = listed.iter().map(|found| found.id.as_str()).collect();
    assert_eq!(ids, ["app_oldest", "app_middle", "app_newest"]);

    let none = store
        .clients_of_workspace(&WorkspaceId::new("ws_missing"))
        .await
        .expect("clients_of_workspace failed");
    assert_eq!(none, Vec::new(), "a workspace without clients");
}
