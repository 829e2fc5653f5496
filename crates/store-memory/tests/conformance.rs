//! Runs the store conformance suite against [`MemoryStore`].

use oauth_apps_store_memory::MemoryStore;

async fn empty_store() -> MemoryStore {
    MemoryStore::new()
}

oauth_apps_store_tests::conformance_tests!(empty_store);
