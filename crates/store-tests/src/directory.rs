//! Cases for [`DirectoryStore`]: workspaces, users with unique emails, and
//! memberships whose role a later put replaces.
//!
//! [`DirectoryStore`]: oauth_apps_core::store::DirectoryStore

use std::sync::Arc;

use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{UserId, WorkspaceId};
use oauth_apps_core::permission::Role;
use oauth_apps_core::store::Store;

use crate::fixtures::{membership, user, workspace};

/// A stored workspace is found by its ID, unchanged.
pub async fn workspace_insert_then_find<S: Store + 'static>(store: Arc<S>) {
    let acme = workspace("acme");
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");

    let found = store
        .find_workspace(&acme.id)
        .await
        .expect("find_workspace failed");
    assert_eq!(found, Some(acme));
}

/// A second workspace with a taken ID is a conflict and changes nothing.
pub async fn workspace_duplicate_id_conflicts<S: Store + 'static>(store: Arc<S>) {
    let acme = workspace("acme");
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");

    let mut renamed = acme.clone();
    renamed.name = "Other name".to_owned();
    let result = store.insert_workspace(&renamed).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "inserting a workspace with a taken ID returned {result:?}, expected Conflict"
    );

    let found = store
        .find_workspace(&acme.id)
        .await
        .expect("find_workspace failed");
    assert_eq!(
        found,
        Some(acme),
        "the first workspace must stay as inserted"
    );
}

/// Looking up a workspace that was never stored returns `None`.
pub async fn unknown_workspace_not_found<S: Store + 'static>(store: Arc<S>) {
    let found = store
        .find_workspace(&WorkspaceId::new("ws_missing"))
        .await
        .expect("find_workspace failed");
    assert_eq!(found, None);
}

/// A stored user is found by ID and by email, unchanged.
pub async fn user_insert_then_find<S: Store + 'static>(store: Arc<S>) {
    let ada = user("ada");
    store.insert_user(&ada).await.expect("insert_user failed");

    let by_id = store.find_user(&ada.id).await.expect("find_user failed");
    assert_eq!(by_id.as_ref(), Some(&ada), "lookup by ID");

    let by_email = store
        .find_user_by_email(&ada.email)
        .await
        .expect("find_user_by_email failed");
    assert_eq!(by_email.as_ref(), Some(&ada), "lookup by email");
}

/// A second user with a taken ID is a conflict.
pub async fn user_duplicate_id_conflicts<S: Store + 'static>(store: Arc<S>) {
    let ada = user("ada");
    store.insert_user(&ada).await.expect("insert_user failed");

    let mut same_id = user("grace");
    same_id.id = ada.id.clone();
    let result = store.insert_user(&same_id).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "inserting a user with a taken ID returned {result:?}, expected Conflict"
    );

    let by_email = store
        .find_user_by_email(&same_id.email)
        .await
        .expect("find_user_by_email failed");
    assert_eq!(
        by_email, None,
        "the rejected user's email must not be stored"
    );
}

/// A second user with a taken email is a conflict and is not stored.
pub async fn user_duplicate_email_conflicts<S: Store + 'static>(store: Arc<S>) {
    let ada = user("ada");
    store.insert_user(&ada).await.expect("insert_user failed");

    let mut same_email = user("grace");
    same_email.email = ada.email.clone();
    let result = store.insert_user(&same_email).await;
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "inserting a user with a taken email returned {result:?}, expected Conflict"
    );

    let rejected = store
        .find_user(&same_email.id)
        .await
        .expect("find_user failed");
    assert_eq!(rejected, None, "the rejected user must not be stored");
    let owner = store
        .find_user_by_email(&ada.email)
        .await
        .expect("find_user_by_email failed");
    assert_eq!(
        owner,
        Some(ada),
        "the email must still belong to the first user"
    );
}

/// Looking up a user that was never stored returns `None`, by ID and by
/// email.
pub async fn unknown_user_not_found<S: Store + 'static>(store: Arc<S>) {
    store
        .insert_user(&user("ada"))
        .await
        .expect("insert_user failed");

    let by_id = store
        .find_user(&UserId::new("usr_missing"))
        .await
        .expect("find_user failed");
    assert_eq!(by_id, None, "lookup by ID");

    let by_email = store
        .find_user_by_email("missing@example.com")
        .await
        .expect("find_user_by_email failed");
    assert_eq!(by_email, None, "lookup by email");
}

/// A stored membership is found by workspace and user, and other pairs are
/// not.
pub async fn membership_put_then_find<S: Store + 'static>(store: Arc<S>) {
    let (acme, ada) = (workspace("acme"), user("ada"));
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");
    store.insert_user(&ada).await.expect("insert_user failed");
    let member = membership(&acme.id, &ada.id, Role::Member);
    store
        .put_membership(&member)
        .await
        .expect("put_membership failed");

    let found = store
        .find_membership(&acme.id, &ada.id)
        .await
        .expect("find_membership failed");
    assert_eq!(found, Some(member));

    let other = store
        .find_membership(&WorkspaceId::new("ws_missing"), &ada.id)
        .await
        .expect("find_membership failed");
    assert_eq!(other, None, "membership in a workspace the user is not in");
}

/// Putting a membership again replaces its role instead of adding a second
/// one.
pub async fn membership_put_replaces_role<S: Store + 'static>(store: Arc<S>) {
    let (acme, ada) = (workspace("acme"), user("ada"));
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");
    store.insert_user(&ada).await.expect("insert_user failed");
    let guest = membership(&acme.id, &ada.id, Role::Guest);
    store
        .put_membership(&guest)
        .await
        .expect("put_membership failed");

    let admin = membership(&acme.id, &ada.id, Role::Admin);
    store
        .put_membership(&admin)
        .await
        .expect("put_membership failed");

    let found = store
        .find_membership(&acme.id, &ada.id)
        .await
        .expect("find_membership failed");
    assert_eq!(
        found.map(|found| found.role),
        Some(Role::Admin),
        "role after the second put"
    );

    let all = store
        .memberships_of_user(&ada.id)
        .await
        .expect("memberships_of_user failed");
    assert_eq!(
        all,
        vec![admin],
        "the user must have exactly one membership"
    );
}

/// `memberships_of_user` returns every workspace of the user and no other
/// user's memberships.
pub async fn memberships_of_user_lists_all<S: Store + 'static>(store: Arc<S>) {
    let (acme, globex) = (workspace("acme"), workspace("globex"));
    let (ada, grace) = (user("ada"), user("grace"));
    store
        .insert_workspace(&acme)
        .await
        .expect("insert_workspace failed");
    store
        .insert_workspace(&globex)
        .await
        .expect("insert_workspace failed");
    store.insert_user(&ada).await.expect("insert_user failed");
    store.insert_user(&grace).await.expect("insert_user failed");

    let expected = vec![
        membership(&acme.id, &ada.id, Role::Owner),
        membership(&globex.id, &ada.id, Role::Guest),
    ];
    for member in &expected {
        store
            .put_membership(member)
            .await
            .expect("put_membership failed");
    }
    let other_user = membership(&acme.id, &grace.id, Role::Member);
    store
        .put_membership(&other_user)
        .await
        .expect("put_membership failed");

    // The order is not specified, so compare sorted by workspace.
    let mut found = store
        .memberships_of_user(&ada.id)
        .await
        .expect("memberships_of_user failed");
    found.sort_by(|left, right| left.workspace_id.cmp(&right.workspace_id));
    assert_eq!(found, expected);

    let none = store
        .memberships_of_user(&UserId::new("usr_missing"))
        .await
        .expect("memberships_of_user failed");
    assert_eq!(none, Vec::new(), "a user without memberships");
}
