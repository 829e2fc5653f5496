//! Embedded migrations and the per-schema `search_path`.

use oauth_apps_core::ids::WorkspaceId;
use oauth_apps_core::store::DirectoryStore;
use oauth_apps_store_postgres::PostgresStore;
use oauth_apps_store_tests::fixtures::workspace;

use crate::support::{
    TestDatabase, admin_connection, database_url, drop_schema, new_schema_name, test_options,
};

/// Every migration of the crate, in the order they apply.
const ALL_MIGRATIONS: [&str; 5] = [
    "2026-01-01-000001_create_directory",
    "2026-01-01-000002_create_clients",
    "2026-01-01-000003_create_grants",
    "2026-01-01-000004_create_codes_and_tokens",
    "2026-01-01-000005_add_registrations_devices_resources",
];

#[tokio::test]
async fn migrate_applies_each_migration_once() {
    let Some(mut admin) = admin_connection().await else {
        return;
    };
    let schema = new_schema_name();
    let store = PostgresStore::connect(&database_url(), test_options(&schema)).unwrap();

    let first = store.migrate().await.expect("first migrate failed");
    let second = store.migrate().await.expect("second migrate failed");

    assert_eq!(first, ALL_MIGRATIONS, "first run on an empty schema");
    assert!(second.is_empty(), "second run applied {second:?}");
    drop(store);
    drop_schema(&mut admin, &schema).await;
}

#[tokio::test]
async fn concurrent_migrations_apply_once() {
    let Some(mut admin) = admin_connection().await else {
        return;
    };
    let schema = new_schema_name();
    let left = PostgresStore::connect(&database_url(), test_options(&schema)).unwrap();
    let right = PostgresStore::connect(&database_url(), test_options(&schema)).unwrap();

    let (left_applied, right_applied) = tokio::join!(left.migrate(), right.migrate());

    let left_applied = left_applied.expect("left migrate failed");
    let right_applied = right_applied.expect("right migrate failed");
    let mut together = [left_applied.clone(), right_applied.clone()];
    together.sort_by_key(Vec::len);
    assert!(
        together[0].is_empty(),
        "both processes applied migrations: {together:?}"
    );
    assert_eq!(together[1], ALL_MIGRATIONS);
    drop((left, right));
    drop_schema(&mut admin, &schema).await;
}

#[tokio::test(flavor = "current_thread")]
async fn migrate_works_on_current_thread_runtime() {
    let Some(mut admin) = admin_connection().await else {
        return;
    };
    let schema = new_schema_name();
    let store = PostgresStore::connect(&database_url(), test_options(&schema)).unwrap();

    let applied = store.migrate().await.expect("migrate failed");

    assert_eq!(applied.len(), ALL_MIGRATIONS.len());
    drop(store);
    drop_schema(&mut admin, &schema).await;
}

#[tokio::test]
async fn schemas_are_isolated() {
    let Some(first) = TestDatabase::create().await else {
        return;
    };
    let Some(second) = TestDatabase::create().await else {
        return;
    };
    let acme = workspace("acme");

    first.store.insert_workspace(&acme).await.unwrap();
    let in_first = first.store.find_workspace(&acme.id).await.unwrap();
    let in_second = second.store.find_workspace(&acme.id).await.unwrap();

    assert_eq!(
        in_first,
        Some(acme),
        "the schema the workspace was stored in"
    );
    assert_eq!(in_second, None, "another test schema");
    assert_eq!(
        second
            .store
            .find_workspace(&WorkspaceId::new("ws_missing"))
            .await
            .unwrap(),
        None
    );
    first.drop().await;
    second.drop().await;
}
