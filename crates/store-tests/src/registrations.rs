//! Cases for the records of self-registered clients (RFC 7591): lookup by
//! fingerprint, the list of registered clients, the first approval, and
//! the deletion of registrations that no member approved in time.

use std::sync::Arc;

use oauth_apps_core::client::{Client, RegistrationSource};
use oauth_apps_core::ids::{ClientId, UserId};
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::Store;
use oauth_apps_core::time::Timestamp;

use crate::checks::{assert_access_unusable, assert_refresh_unusable};
use crate::fixtures::{Authorization, T0, at, client, registered_client, workspace};

async fn insert_all<S: Store + ?Sized>(store: &S, clients: &[&Client]) {
    for inserted in clients {
        store
            .insert_client(inserted)
            .await
            .expect("insert_client failed");
    }
}

async fn first_approval<S: Store + ?Sized>(
    store: &S,
    id: &ClientId,
) -> (Option<UserId>, Option<Timestamp>) {
    let found = store
        .find_client(id)
        .await
        .expect("find_client failed")
        .unwrap_or_else(|| panic!("client {id} is not stored"));
    let registration = found.registration.unwrap_or_default();
    (
        registration.first_approved_by,
        registration.first_approved_at,
    )
}

/// `find_client_by_fingerprint` returns the client with that fingerprint
/// and `None` for a fingerprint no client has.
pub async fn find_client_by_fingerprint_matches<S: Store + 'static>(store: Arc<S>) {
    let cli = registered_client("cli", RegistrationSource::Dynamic, T0);
    let other = registered_client("other", RegistrationSource::Device, at(1));
    insert_all(&*store, &[&cli, &other]).await;

    let found = store
        .find_client_by_fingerprint(&SecretHash::of("fp_cli"))
        .await
        .expect("find_client_by_fingerprint failed");
    assert_eq!(found, Some(cli), "client by its fingerprint");
    let missing = store
        .find_client_by_fingerprint(&SecretHash::of("fp_missing"))
        .await
        .expect("find_client_by_fingerprint failed");
    assert_eq!(missing, None, "a fingerprint no client has");
}

/// `registered_clients` lists the clients of every source but
/// `Dashboard`, by creation time.
pub async fn registered_clients_oldest_first<S: Store + 'static>(store: Arc<S>) {
    let acme = workspace("acme");
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");
    let device = registered_client("device", RegistrationSource::Device, at(30));
    let dynamic = registered_client("dynamic", RegistrationSource::Dynamic, at(10));
    let document = registered_client("document", RegistrationSource::MetadataDocument, at(20));
    let dashboard = client("dashboard", Some(&acme.id), at(5));
    insert_all(&*store, &[&device, &dashboard, &dynamic, &document]).await;

    let listed = store
        .registered_clients()
        .await
        .expect("registered_clients failed");
    let ids: Vec<&str> = listed.iter().map(|found| found.id.as_str()).collect();
    assert_eq!(ids, ["app_dynamic", "app_document", "app_device"]);
    assert_eq!(listed[0], dynamic, "listed clients carry every field");
}

/// The first approval is recorded once: a later approval by another member
/// keeps the first member and time.
pub async fn record_first_approval_sets_once<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let grace = Authorization::setup(&*store, "grace").await;
    let cli = registered_client("cli", RegistrationSource::Dynamic, T0);
    insert_all(&*store, &[&cli]).await;

    store
        .record_first_approval(&cli.id, &ada.user.id, at(10))
        .await
        .expect("record_first_approval failed");
    let first = first_approval(&*store, &cli.id).await;
    assert_eq!(
        first,
        (Some(ada.user.id.clone()), Some(at(10))),
        "after the first approval"
    );

    store
        .record_first_approval(&cli.id, &grace.user.id, at(20))
        .await
        .expect("record_first_approval failed");
    let second = first_approval(&*store, &cli.id).await;
    assert_eq!(second, first, "a later approval must not replace the first");

    let mut expected = cli.clone();
    if let Some(details) = expected.registration.as_mut() {
        details.first_approved_by = Some(ada.user.id.clone());
        details.first_approved_at = Some(at(10));
    }
    let found = store
        .find_client(&cli.id)
        .await
        .expect("find_client failed");
    assert_eq!(
        found,
        Some(expected),
        "only the first approval fields change"
    );
}

/// Recording a first approval of an admin-registered app changes nothing.
pub async fn record_first_approval_skips_dashboard_apps<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;

    store
        .record_first_approval(&ada.client.id, &ada.user.id, at(10))
        .await
        .expect("record_first_approval failed");

    let found = store
        .find_client(&ada.client.id)
        .await
        .expect("find_client failed");
    assert_eq!(
        found,
        Some(ada.client),
        "an admin-registered app after approval"
    );
}

/// Only self-registered clients created strictly before the cutoff and
/// never approved are deleted, and the count says how many.
pub async fn delete_unapproved_registrations_selects<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let stale_dynamic = registered_client("stale_dynamic", RegistrationSource::Dynamic, at(10));
    let stale_device = registered_client("stale_device", RegistrationSource::Device, at(20));
    let approved = registered_client("approved", RegistrationSource::Dynamic, at(10));
    let at_cutoff = registered_client("at_cutoff", RegistrationSource::Dynamic, at(100));
    let dashboard = client("dashboard", Some(&ada.workspace.id), at(10));
    insert_all(
        &*store,
        &[
            &stale_dynamic,
            &stale_device,
            &approved,
            &at_cutoff,
            &dashboard,
        ],
    )
    .await;
    store
        .record_first_approval(&approved.id, &ada.user.id, at(30))
        .await
        .expect("record_first_approval failed");

    let deleted = store
        .delete_unapproved_registrations(at(100))
        .await
        .expect("delete_unapproved_registrations failed");
    assert_eq!(deleted, 2, "number of unapproved registrations deleted");

    for gone in [&stale_dynamic, &stale_device] {
        let found = store
            .find_client(&gone.id)
            .await
            .expect("find_client failed");
        assert_eq!(
            found, None,
            "unapproved client {} created before the cutoff",
            gone.id
        );
    }
    for kept in [&approved, &at_cutoff, &dashboard, &ada.client] {
        let found = store
            .find_client(&kept.id)
            .await
            .expect("find_client failed");
        assert!(found.is_some(), "client {} must be kept", kept.id);
    }
}

/// Deleting an unapproved registration also deletes any grant to it and
/// leaves none of its tokens usable.
pub async fn delete_unapproved_registrations_revokes_tokens<S: Store + 'static>(store: Arc<S>) {
    let mut ada = Authorization::build("ada");
    ada.client = registered_client("ada", RegistrationSource::Dynamic, T0);
    ada.store_parties(&*store).await;
    store
        .save_grant(&ada.grant)
        .await
        .expect("save_grant failed");
    let family = ada.open_family(&*store, "ada").await;
    let (access, refresh) = ada.issue_tokens(&*store, &family, "ada").await;

    let deleted = store
        .delete_unapproved_registrations(at(100))
        .await
        .expect("delete_unapproved_registrations failed");
    assert_eq!(deleted, 1, "number of unapproved registrations deleted");

    let context = "after delete_unapproved_registrations";
    let found = store
        .find_grant(&ada.user.id, &ada.client.id, &ada.workspace.id)
        .await
        .expect("find_grant failed");
    assert_eq!(found, None, "{context}: the grant to the deleted client");
    assert_access_unusable(&*store, &access.hash, None, context).await;
    assert_refresh_unusable(&*store, &refresh.hash, context).await;
}
