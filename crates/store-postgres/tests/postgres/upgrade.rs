//! Rows stored before the migration that added self-registered clients,
//! devices and resources read back with the documented defaults, and the
//! constraints that migration added.

use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use oauth_apps_core::client::RegistrationSource;
use oauth_apps_core::error::StoreError;
use oauth_apps_core::store::ClientStore;
use oauth_apps_store_postgres::PostgresStore;
use oauth_apps_store_tests::fixtures::{at, client, registered_client, workspace};

use crate::support::{
    TestDatabase, admin_connection, database_url, drop_schema, new_schema_name, test_options,
};

/// The migrations before the one under test, in order.
const EARLIER_MIGRATIONS: [&str; 4] = [
    include_str!("../../migrations/2026-01-01-000001_create_directory/up.sql"),
    include_str!("../../migrations/2026-01-01-000002_create_clients/up.sql"),
    include_str!("../../migrations/2026-01-01-000003_create_grants/up.sql"),
    include_str!("../../migrations/2026-01-01-000004_create_codes_and_tokens/up.sql"),
];

const REGISTRATION_MIGRATION: &str =
    include_str!("../../migrations/2026-01-01-000005_add_registrations_devices_resources/up.sql");

/// A client insert in the shape of the earlier schema.
const INSERT_OLD_CLIENT: &str = "
INSERT INTO clients (id, workspace_id, name, description, homepage_url, client_type,
    redirect_uris, allowed_scopes, default_scopes, pkce_mode, environment,
    registration_source, status, created_at)
VALUES ($1, $2, $3, $4, $5, 'confidential', $6, $7, $8, 'optional', 'staging',
    'dashboard', 'active', $9)";

#[tokio::test]
async fn dashboard_app_gains_defaults() {
    let Some(mut admin) = admin_connection().await else {
        return;
    };
    let schema = new_schema_name();
    admin
        .batch_execute(&format!(
            "CREATE SCHEMA \"{schema}\"; SET search_path TO \"{schema}\""
        ))
        .await
        .unwrap();
    for migration in EARLIER_MIGRATIONS {
        admin.batch_execute(migration).await.unwrap();
    }
    let acme = workspace("acme");
    let mut expected = client("legacy", Some(&acme.id), at(7));
    expected.secrets.clear();
    let redirect_uris: Vec<&str> = expected.redirect_uris.iter().map(|u| u.as_str()).collect();
    diesel::sql_query(INSERT_OLD_CLIENT)
        .bind::<Text, _>(expected.id.as_str())
        .bind::<Nullable<Text>, _>(Some(acme.id.as_str()))
        .bind::<Text, _>(&expected.name)
        .bind::<Text, _>(&expected.description)
        .bind::<Nullable<Text>, _>(expected.homepage_url.as_deref())
        .bind::<Array<Text>, _>(&redirect_uris)
        .bind::<Text, _>(expected.allowed_scopes.to_string())
        .bind::<Text, _>(expected.default_scopes.to_string())
        .bind::<BigInt, _>(expected.created_at.unix_seconds())
        .execute(&mut admin)
        .await
        .unwrap();

    admin.batch_execute(REGISTRATION_MIGRATION).await.unwrap();

    let store = PostgresStore::connect(&database_url(), test_options(&schema)).unwrap();
    let found = store.find_client(&expected.id).await.unwrap();
    assert_eq!(
        found,
        Some(expected),
        "a dashboard app stored before the migration: authorization_code and \
         refresh_token, no auth method, not a resource server, no registration"
    );
    drop(store);
    drop_schema(&mut admin, &schema).await;
}

#[tokio::test]
async fn duplicate_fingerprint_is_conflict() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let first = registered_client("first", RegistrationSource::Dynamic, at(1));
    let mut second = registered_client("second", RegistrationSource::Dynamic, at(2));
    second.registration = first.registration.clone();
    store.insert_client(&first).await.unwrap();

    let again = store.insert_client(&second).await;

    let Err(StoreError::Conflict(message)) = again else {
        panic!("a second client with the same fingerprint returned {again:?}");
    };
    assert!(
        message.contains("clients_registration_fingerprint_key"),
        "{message}"
    );
    assert_eq!(store.find_client(&second.id).await.unwrap(), None);
    database.drop().await;
}

#[tokio::test]
async fn clients_without_fingerprint_coexist() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = &database.store;
    let mut clients = Vec::new();
    for name in ["left", "right"] {
        let mut registered = registered_client(name, RegistrationSource::MetadataDocument, at(1));
        if let Some(details) = registered.registration.as_mut() {
            details.fingerprint = None;
        }
        store.insert_client(&registered).await.unwrap();
        clients.push(registered);
    }

    let listed = store.registered_clients().await.unwrap();

    assert_eq!(
        listed, clients,
        "both clients, ordered by ID within a second"
    );
    database.drop().await;
}
