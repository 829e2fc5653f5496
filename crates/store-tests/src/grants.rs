//! Cases for [`GrantStore`]: saving merges scopes into the existing grant
//! of the same user, client and workspace, and revoking deletes the grant and
//! revokes every token issued under it.
//!
//! [`GrantStore`]: oauth_apps_core::store::GrantStore

use std::sync::Arc;

use oauth_apps_core::ids::{ClientId, GrantId, UserId, WorkspaceId};
use oauth_apps_core::store::{Rotation, Store};
use oauth_apps_core::token::RefreshState;

use crate::checks::{assert_access_revoked_at, assert_refresh_state};
use crate::fixtures::{Authorization, T0, at, client, grant, scopes};

/// Saving a grant with a new key stores it as given.
pub async fn save_grant_inserts_new<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::build("ada");
    ada.store_parties(&*store).await;

    let saved = store
        .save_grant(&ada.grant)
        .await
        .expect("save_grant failed");
    assert_eq!(
        saved, ada.grant,
        "save_grant must return the inserted grant"
    );

    let found = store
        .find_grant(&ada.user.id, &ada.client.id, &ada.workspace.id)
        .await
        .expect("find_grant failed");
    assert_eq!(found, Some(ada.grant));
}

/// Saving a second approval for the same key keeps the first ID and
/// creation time, takes the union of the scopes and the new `updated_at`.
pub async fn save_grant_merges_scopes<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::build("ada");
    ada.store_parties(&*store).await;
    let (user_id, client_id, workspace_id) = (&ada.user.id, &ada.client.id, &ada.workspace.id);
    let first = grant(
        "first",
        user_id,
        client_id,
        workspace_id,
        "profile:read initiatives:read",
        T0,
    );
    store.save_grant(&first).await.expect("save_grant failed");

    let second = grant(
        "second",
        user_id,
        client_id,
        workspace_id,
        "initiatives:read comments:write",
        at(100),
    );
    let merged = store.save_grant(&second).await.expect("save_grant failed");

    assert_eq!(merged.id, first.id, "the merged grant keeps the first ID");
    assert_eq!(
        merged.scopes,
        scopes("comments:write initiatives:read profile:read"),
        "the merged scopes are the union of both approvals"
    );
    assert_eq!(
        merged.created_at, T0,
        "created_at stays the first approval's"
    );
    assert_eq!(
        merged.updated_at,
        at(100),
        "updated_at becomes the second approval's"
    );

    let found = store
        .find_grant(user_id, client_id, workspace_id)
        .await
        .expect("find_grant failed");
    assert_eq!(
        found.as_ref(),
        Some(&merged),
        "find_grant returns the merged grant"
    );
    let all = store
        .grants_of_user(user_id)
        .await
        .expect("grants_of_user failed");
    assert_eq!(all, vec![merged], "the user must have exactly one grant");
}

/// `find_grant` matches user, client and workspace together.
pub async fn find_grant_matches_whole_key<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let other_user = UserId::new("usr_other");
    let other_client = ClientId::new("app_other");
    let other_workspace = WorkspaceId::new("ws_other");

    let lookups = [
        (
            "another user",
            &other_user,
            &ada.client.id,
            &ada.workspace.id,
        ),
        (
            "another client",
            &ada.user.id,
            &other_client,
            &ada.workspace.id,
        ),
        (
            "another workspace",
            &ada.user.id,
            &ada.client.id,
            &other_workspace,
        ),
    ];
    for (label, user_id, client_id, workspace_id) in lookups {
        let found = store
            .find_grant(user_id, client_id, workspace_id)
            .await
            .expect("find_grant failed");
        assert_eq!(found, None, "grant lookup with {label}");
    }
}

/// `grants_of_user` returns the user's grants by creation time, without
/// other users' grants.
pub async fn grants_of_user_oldest_first<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let grace = Authorization::setup(&*store, "grace").await;
    let workspace_id = &ada.workspace.id;
    for (name, created_at) in [("newest", at(30)), ("middle", at(20))] {
        let app = client(name, Some(workspace_id), T0);
        store
            .insert_client(&app)
            .await
            .expect("insert_client failed");
        let approval = grant(
            name,
            &ada.user.id,
            &app.id,
            workspace_id,
            "profile:read",
            created_at,
        );
        store
            .save_grant(&approval)
            .await
            .expect("save_grant failed");
    }

    let listed = store
        .grants_of_user(&ada.user.id)
        .await
        .expect("grants_of_user failed");
    let ids: Vec<&str> = listed.iter().map(|found| found.id.as_str()).collect();
    assert_eq!(ids, ["grt_ada", "grt_middle", "grt_newest"]);

    let others = store
        .grants_of_user(&grace.user.id)
        .await
        .expect("grants_of_user failed");
    assert_eq!(others, vec![grace.grant], "another user's grants");
}

/// Revoking a grant deletes it: it is no longer found or listed, a second
/// revocation returns `false`, and a new approval starts a new grant.
pub async fn revoke_grant_deletes_grant<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let (user_id, client_id, workspace_id) = (&ada.user.id, &ada.client.id, &ada.workspace.id);

    let revoked = store
        .revoke_grant(&ada.grant.id, at(50))
        .await
        .expect("revoke_grant failed");
    assert!(revoked, "revoke_grant of a stored grant must return true");

    let found = store
        .find_grant(user_id, client_id, workspace_id)
        .await
        .expect("find_grant failed");
    assert_eq!(found, None, "the revoked grant must not be found");
    let listed = store
        .grants_of_user(user_id)
        .await
        .expect("grants_of_user failed");
    assert_eq!(listed, Vec::new(), "the revoked grant must not be listed");
    let again = store
        .revoke_grant(&ada.grant.id, at(51))
        .await
        .expect("revoke_grant failed");
    assert!(!again, "revoking a deleted grant must return false");

    let renewed = grant(
        "renewed",
        user_id,
        client_id,
        workspace_id,
        "profile:read",
        at(60),
    );
    let saved = store.save_grant(&renewed).await.expect("save_grant failed");
    assert_eq!(
        saved, renewed,
        "an approval after revocation must not merge into the old grant"
    );
}

/// Revoking a grant revokes every family issued under it with all their
/// tokens, rotated ones included, at the revocation time.
pub async fn revoke_grant_revokes_tokens<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let first = ada.open_family(&*store, "first").await;
    let second = ada.open_family(&*store, "second").await;
    let (first_access, first_refresh) = ada.issue_tokens(&*store, &first, "first").await;
    let (second_access, second_refresh) = ada.issue_tokens(&*store, &second, "second").await;
    let (rotation, rotated_access, rotated_refresh) =
        ada.rotate(&*store, &first_refresh, "rotated", at(10)).await;
    assert_eq!(
        rotation,
        Rotation::Rotated,
        "rotation before the revocation"
    );

    let revoked = store
        .revoke_grant(&ada.grant.id, at(50))
        .await
        .expect("revoke_grant failed");
    assert!(revoked, "revoke_grant of a stored grant must return true");

    let context = "after revoke_grant";
    for access in [&first_access, &second_access, &rotated_access] {
        assert_access_revoked_at(&*store, &access.hash, Some(at(50)), context).await;
    }
    for refresh in [&first_refresh, &second_refresh, &rotated_refresh] {
        assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
    }
    let (rotation, _, _) = ada.rotate(&*store, &rotated_refresh, "after", at(60)).await;
    assert_eq!(
        rotation,
        Rotation::Revoked,
        "rotating a token of a revoked grant"
    );
}

/// Revoking one user's grant leaves another user's grant and tokens active.
pub async fn revoke_grant_spares_other_grants<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let grace = Authorization::setup(&*store, "grace").await;
    let ada_family = ada.open_family(&*store, "ada").await;
    let grace_family = grace.open_family(&*store, "grace").await;
    ada.issue_tokens(&*store, &ada_family, "ada").await;
    let (access, refresh) = grace.issue_tokens(&*store, &grace_family, "grace").await;

    let revoked = store
        .revoke_grant(&ada.grant.id, at(50))
        .await
        .expect("revoke_grant failed");
    assert!(revoked, "revoke_grant of a stored grant must return true");

    let context = "another user's grant was revoked";
    assert_access_revoked_at(&*store, &access.hash, None, context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Active, context).await;
    let found = store
        .find_grant(&grace.user.id, &grace.client.id, &grace.workspace.id)
        .await
        .expect("find_grant failed");
    assert_eq!(
        found,
        Some(grace.grant),
        "{context}: the other grant must stay"
    );
}

/// Revoking a grant that does not exist returns `false`.
pub async fn revoke_unknown_grant_returns_false<S: Store + 'static>(store: Arc<S>) {
    Authorization::setup(&*store, "ada").await;

    let revoked = store
        .revoke_grant(&GrantId::new("grt_missing"), at(50))
        .await
        .expect("revoke_grant failed");
    assert!(
        !revoked,
        "revoke_grant of an unknown grant must return false"
    );
}
