//! Test database access: the URL, the reachability rule, and one fresh
//! schema per test.
//!
//! Tests use the database at `postgres://postgres@127.0.0.1:5432/test`, or
//! `OAUTH_APPS_TEST_DATABASE_URL` when set. When it cannot be reached, a test
//! fails if `CI` is `true`, and otherwise prints a `SKIPPED:` line to stderr
//! and passes without running.
//!
//! Every test works in its own schema named
//! `oauth_apps_test_<unix seconds>_<random hex>`. Focused tests drop theirs
//! at the end. The conformance suite has no end-of-test hook, so each new
//! test schema first drops test schemas created more than 15 minutes earlier.
//! Any left behind can be dropped by hand with `DROP SCHEMA <name> CASCADE`.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use oauth_apps_store_postgres::{PoolOptions, PostgresStore};

/// Database used when `OAUTH_APPS_TEST_DATABASE_URL` is not set.
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Prefix of every test schema.
const SCHEMA_PREFIX: &str = "oauth_apps_test_";

/// Age after which a leftover test schema is dropped: far longer than a run
/// of this test binary, which takes seconds.
const STALE_SCHEMA_AGE: Duration = Duration::from_secs(15 * 60);

/// Returns the test database URL.
pub fn database_url() -> String {
    std::env::var("OAUTH_APPS_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// Pool options for tests: enough connections for the 32-task races to
/// overlap, and a wait long enough for them to queue.
pub fn test_options(schema: &str) -> PoolOptions {
    PoolOptions {
        max_size: 16,
        connect_timeout: Duration::from_secs(5),
        wait_timeout: Duration::from_secs(30),
        schema: Some(schema.to_owned()),
    }
}

/// Opens a plain connection to the test database, or applies the
/// reachability rule: `None` means the caller should return, skipped.
pub async fn admin_connection() -> Option<AsyncPgConnection> {
    let url = database_url();
    match AsyncPgConnection::establish(&url).await {
        Ok(connection) => Some(connection),
        Err(error) => {
            let redacted_url = redact_password(&url);
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "PostgreSQL not reachable at {redacted_url}: {error}. CI must provide it; \
                     set OAUTH_APPS_TEST_DATABASE_URL to point elsewhere"
                );
            }
            report_skip(&format!(
                "SKIPPED: PostgreSQL not reachable at {redacted_url} ({error}); \
                 set OAUTH_APPS_TEST_DATABASE_URL to run the PostgreSQL store tests"
            ));
            None
        }
    }
}

/// Writes `line` to the process's stderr. `eprintln!` output of a passing
/// test is captured and discarded by the test harness, but a skip must be
/// seen, so this writes to the stream directly.
pub fn report_skip(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A fresh test schema with a migrated store in it.
pub struct TestDatabase {
    /// The store, its `search_path` set to the schema.
    pub store: PostgresStore,
    /// The schema's name.
    pub schema: String,
}

impl TestDatabase {
    /// Creates a schema, migrates it and returns the store, or `None` when
    /// the test is skipped.
    pub async fn create() -> Option<TestDatabase> {
        let mut admin = admin_connection().await?;
        drop_stale_schemas(&mut admin).await;
        let schema = new_schema_name();
        let store = PostgresStore::connect(&database_url(), test_options(&schema))
            .expect("test pool options are valid");
        store
            .migrate()
            .await
            .expect("migrating a fresh schema failed");
        Some(TestDatabase { store, schema })
    }

    /// Opens a second store on the same schema: another server process,
    /// as far as the database can tell.
    pub fn second_store(&self) -> PostgresStore {
        PostgresStore::connect(&database_url(), test_options(&self.schema))
            .expect("test pool options are valid")
    }

    /// Drops the schema with everything in it.
    pub async fn drop(self) {
        drop(self.store);
        if let Some(mut admin) = admin_connection().await {
            drop_schema(&mut admin, &self.schema).await;
        }
    }
}

/// Returns a new schema name with the creation time and 64 random bits.
pub fn new_schema_name() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    format!("{SCHEMA_PREFIX}{now}_{:016x}", rand::random::<u64>())
}

/// Drops one test schema.
pub async fn drop_schema(admin: &mut AsyncPgConnection, schema: &str) {
    assert!(
        schema.starts_with(SCHEMA_PREFIX),
        "refusing to drop {schema}"
    );
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await
        .unwrap_or_else(|error| panic!("dropping schema {schema} failed: {error}"));
}

/// Drops test schemas whose name says they are older than [`STALE_SCHEMA_AGE`].
async fn drop_stale_schemas(admin: &mut AsyncPgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Schema {
        #[diesel(sql_type = Text)]
        nspname: String,
    }

    let schemas: Vec<Schema> = diesel::sql_query(
        "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname LIMIT 200",
    )
    .bind::<Text, _>(SCHEMA_PREFIX)
    .load(admin)
    .await
    .expect("listing test schemas failed");

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let cutoff = now.saturating_sub(STALE_SCHEMA_AGE.as_secs());
    for Schema { nspname } in schemas {
        let created = nspname[SCHEMA_PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|seconds| seconds.parse::<u64>().ok());
        if created.is_some_and(|created| created < cutoff) {
            // Another test run may drop the same schema at the same moment.
            let _ = admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{nspname}\" CASCADE"))
                .await;
        }
    }
}

/// Replaces the password of a `postgres://` URL with `***`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[test]
fn password_is_redacted() {
    assert_eq!(
        redact_password("postgres://app:secret@db:5432/x"),
        "postgres://app:***@db:5432/x"
    );
    assert_eq!(
        redact_password("postgres://postgres@127.0.0.1/test"),
        "postgres://postgres@127.0.0.1/test"
    );
}
