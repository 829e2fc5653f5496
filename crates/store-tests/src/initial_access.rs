//! Cases for [`InitialAccessTokenStore`]: tokens that allow dynamic client
//! registration (RFC 7591 section 3) round-trip and are unique by hash.
//!
//! [`InitialAccessTokenStore`]: oauth_apps_core::store::InitialAccessTokenStore

use std::sync::Arc;

use oauth_apps_core::error::StoreError;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::Store;

use crate::fixtures::{T0, at, initial_access_token};

/// Stored tokens are found by hash with every field, with and without an
/// end of validity, and an expired one is still returned.
pub async fn initial_access_token_insert_then_find<S: Store + 'static>(store: Arc<S>) {
    let lasting = initial_access_token("lasting", T0, None);
    let expiring = initial_access_token("expiring", T0, Some(at(60)));
    for token in [&lasting, &expiring] {
        store
            .insert_initial_access_token(token)
            .await
            .expect("insert_initial_access_token failed");
    }

    for token in [lasting, expiring] {
        let found = store
            .find_initial_access_token(&token.hash)
            .await
            .expect("find_initial_access_token failed");
        assert_eq!(found.as_ref(), Some(&token), "token {}", token.label);
    }
}

/// A second token with a taken hash is a conflict and changes nothing.
pub async fn initial_access_token_duplicate_conflicts<S: Store + 'static>(store: Arc<S>) {
    let first = initial_access_token("shared", T0, None);
    store
        .insert_initial_access_token(&first)
        .await
        .expect("insert_initial_access_token failed");

    let mut second = initial_access_token("shared", at(5), Some(at(60)));
    second.label = "Impostor".to_owned();
    let result = store.insert_initial_access_token(&second).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "inserting a token with a taken hash returned {result:?}, expected Conflict"
    );
    let found = store
        .find_initial_access_token(&first.hash)
        .await
        .expect("find_initial_access_token failed");
    assert_eq!(found, Some(first), "the first token must stay as inserted");
}

/// Looking up a token that was never stored returns `None`.
pub async fn unknown_initial_access_token_not_found<S: Store + 'static>(store: Arc<S>) {
    let found = store
        .find_initial_access_token(&SecretHash::of("oia_missing"))
        .await
        .expect("find_initial_access_token failed");
    assert_eq!(found, None);
}
