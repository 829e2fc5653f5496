//! The shared store conformance suite, run against PostgreSQL with one
//! fresh schema per case.

use oauth_apps_store_postgres::PostgresStore;

use crate::support::{TestDatabase, report_skip};

/// Returns a migrated store in a new, empty schema.
///
/// The suite's cases cannot return early, so when the database is not
/// reachable outside CI (the `SKIPPED:` line is already printed) this ends
/// the whole test process with status 0. That also ends the binary's other
/// tests, which need the database too, except for two outage tests that
/// only need a free loopback port.
async fn empty_store() -> PostgresStore {
    match TestDatabase::create().await {
        Some(database) => database.store,
        None => {
            report_skip("SKIPPED: the conformance suite needs PostgreSQL; ending this test binary");
            std::process::exit(0)
        }
    }
}

oauth_apps_store_tests::conformance_tests!(empty_store);
