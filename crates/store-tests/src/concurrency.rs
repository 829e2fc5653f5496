//! Cases that race 32 tasks on one record: the store itself must make the
//! guarded operations atomic, so exactly one caller wins however they
//! interleave. Every task is spawned first and starts only when all have
//! reached a [`Barrier`], so the calls overlap as much as the runtime
//! allows.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::UserId;
use oauth_apps_core::scope::ScopeSet;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{CodeRedemption, Rotation, Store};
use oauth_apps_core::token::RefreshState;
use tokio::sync::Barrier;
use tokio::time::Instant;

use crate::checks::{assert_access_revoked, assert_refresh_state};
use crate::fixtures::{Authorization, at, grant, scopes, user};

/// Number of tasks in each race.
pub const TASKS: usize = 32;

/// Time a whole race may take before the case fails as a likely deadlock.
const RACE_TIMEOUT: Duration = Duration::from_secs(30);

/// Spawns `tasks` tasks, the i-th running `start(i)` once all have started,
/// and returns their outputs in task order.
pub(crate) async fn race<T, F, Fut>(tasks: usize, start: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(tasks));
    let handles: Vec<_> = (0..tasks)
        .map(|index| {
            let barrier = Arc::clone(&barrier);
            let operation = start(index);
            tokio::spawn(async move {
                barrier.wait().await;
                operation.await
            })
        })
        .collect();

    let deadline = Instant::now() + RACE_TIMEOUT;
    let mut outputs = Vec::with_capacity(tasks);
    for handle in handles {
        let joined = tokio::time::timeout_at(deadline, handle)
            .await
            .unwrap_or_else(|_| panic!("the race did not finish within {RACE_TIMEOUT:?}"));
        outputs.push(joined.expect("a racing task panicked"));
    }
    outputs
}

/// Of 32 concurrent redemptions of one code, exactly one returns `Redeemed`
/// and the other 31 `AlreadyRedeemed`, which leaves the family revoked.
pub async fn concurrent_redemptions_one_winner<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let code = ada.code("login");
    store.insert_code(&code).await.expect("insert_code failed");

    let outcomes = race(TASKS, |_| {
        let store = Arc::clone(&store);
        let hash = code.hash;
        async move { store.redeem_code(&hash, at(5)).await }
    })
    .await;

    let outcomes: Vec<CodeRedemption> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("redeem_code failed"))
        .collect();
    let redeemed = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, CodeRedemption::Redeemed(_)))
        .count();
    let already = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, CodeRedemption::AlreadyRedeemed(_)))
        .count();
    assert_eq!(
        redeemed, 1,
        "{TASKS} concurrent redemptions: number that returned Redeemed"
    );
    assert_eq!(
        already,
        TASKS - 1,
        "{TASKS} concurrent redemptions: number that returned AlreadyRedeemed"
    );

    let (access, refresh) = ada.issue_tokens(&*store, &code.family_id, "winner").await;
    let context = "tokens of a code that was redeemed more than once";
    assert_access_revoked(&*store, &access.hash, context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
}

/// Of 32 concurrent rotations of one refresh token, exactly one returns
/// `Rotated` and the other 31 `Reused`. Only the winner's tokens are
/// stored, and the reuse has revoked them.
pub async fn concurrent_rotations_one_winner<S: Store + 'static>(store: Arc<S>) {
    let ada = Arc::new(Authorization::setup(&*store, "ada").await);
    let family_id = ada.open_family(&*store, "login").await;
    let (_, old) = ada.issue_tokens(&*store, &family_id, "login").await;
    let old = Arc::new(old);

    let outcomes = race(TASKS, |index| {
        let (store, ada, old) = (Arc::clone(&store), Arc::clone(&ada), Arc::clone(&old));
        async move {
            ada.rotate(&*store, &old, &format!("next_{index}"), at(100))
                .await
        }
    })
    .await;

    let rotated: Vec<_> = outcomes
        .iter()
        .filter(|(rotation, _, _)| *rotation == Rotation::Rotated)
        .collect();
    let reused = outcomes
        .iter()
        .filter(|(rotation, _, _)| *rotation == Rotation::Reused)
        .count();
    assert_eq!(
        rotated.len(),
        1,
        "{TASKS} concurrent rotations: number that returned Rotated"
    );
    assert_eq!(
        reused,
        TASKS - 1,
        "{TASKS} concurrent rotations: number that returned Reused"
    );

    let context = "the winning rotation's tokens after concurrent reuse";
    for (_, access, refresh) in rotated {
        assert_access_revoked(&*store, &access.hash, context).await;
        assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
    }
    let mut stored = 0;
    for (_, access, _) in &outcomes {
        let found = store
            .find_access_token(&access.hash)
            .await
            .expect("find_access_token failed");
        stored += usize::from(found.is_some());
    }
    assert_eq!(
        stored, 1,
        "{TASKS} concurrent rotations: number of new access tokens stored"
    );
}

/// 32 concurrent approvals of one client by one user, each with its own
/// scope, end as one grant holding every scope, and every call returns that
/// grant's ID.
pub async fn concurrent_grant_saves_merge<S: Store + 'static>(store: Arc<S>) {
    let ada = Arc::new(Authorization::build("ada"));
    ada.store_parties(&*store).await;

    let outcomes = race(TASKS, |index| {
        let (store, ada) = (Arc::clone(&store), Arc::clone(&ada));
        async move {
            let (user_id, client_id) = (&ada.user.id, &ada.client.id);
            let scope = format!("custom:{index}");
            let approval = grant(
                &format!("g{index}"),
                user_id,
                client_id,
                &ada.workspace.id,
                &scope,
                at(10),
            );
            store.save_grant(&approval).await
        }
    })
    .await;

    let saved: Vec<_> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("save_grant failed"))
        .collect();
    let stored = store
        .find_grant(&ada.user.id, &ada.client.id, &ada.workspace.id)
        .await
        .expect("find_grant failed")
        .expect("the grant must exist after the approvals");
    for returned in &saved {
        assert_eq!(
            returned.id, stored.id,
            "every concurrent approval must return the stored grant's ID"
        );
    }
    let expected: ScopeSet = (0..TASKS).fold(ScopeSet::default(), |all, index| {
        all.union(&scopes(&format!("custom:{index}")))
    });
    assert_eq!(
        stored.scopes, expected,
        "the stored grant must hold every approved scope"
    );
    let listed = store
        .grants_of_user(&ada.user.id)
        .await
        .expect("grants_of_user failed");
    assert_eq!(
        listed.len(),
        1,
        "number of grants after {TASKS} concurrent approvals"
    );
}

/// Of 32 concurrent inserts of users sharing one email, exactly one
/// succeeds and the others are conflicts.
pub async fn concurrent_duplicate_emails_one_wins<S: Store + 'static>(store: Arc<S>) {
    let outcomes = race(TASKS, |index| {
        let store = Arc::clone(&store);
        async move {
            let mut candidate = user(&format!("u{index}"));
            candidate.email = "shared@example.com".to_owned();
            store.insert_user(&candidate).await
        }
    })
    .await;

    let inserted = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let conflicts = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Err(StoreError::Conflict(_))))
        .count();
    assert_eq!(
        inserted, 1,
        "{TASKS} concurrent inserts of one email: number that succeeded"
    );
    assert_eq!(
        conflicts,
        TASKS - 1,
        "{TASKS} concurrent inserts of one email: number of conflicts"
    );

    let winner = outcomes.iter().position(Result::is_ok).unwrap_or_default();
    let owner = store
        .find_user_by_email("shared@example.com")
        .await
        .expect("find_user_by_email failed");
    let owner_id = owner.map(|owner| owner.id);
    assert_eq!(
        owner_id,
        Some(UserId::new(format!("usr_u{winner}"))),
        "owner of the shared email"
    );
}

/// Revoking a grant while its families rotate leaves no token active: a
/// rotation that wins the race stores tokens that the revocation then
/// covers, and a rotation that loses returns `Revoked`.
pub async fn revoke_grant_races_rotations<S: Store + 'static>(store: Arc<S>) {
    let ada = Arc::new(Authorization::setup(&*store, "ada").await);
    let mut issued = Vec::with_capacity(TASKS - 1);
    for family in 0..TASKS - 1 {
        let family_id = ada.open_family(&*store, &format!("family_{family}")).await;
        issued.push(
            ada.issue_tokens(&*store, &family_id, &format!("old_{family}"))
                .await,
        );
    }
    let issued = Arc::new(issued);

    // Task 0 revokes the grant, and task i rotates the refresh token of family i - 1.
    let outcomes = race(TASKS, |index| {
        let (store, ada, issued) = (Arc::clone(&store), Arc::clone(&ada), Arc::clone(&issued));
        async move {
            let Some(family) = index.checked_sub(1) else {
                let revoked = store.revoke_grant(&ada.grant.id, at(100)).await;
                return RaceOutcome::GrantRevoked(revoked.expect("revoke_grant failed"));
            };
            let old = &issued[family].1;
            let (rotation, access, refresh) = ada
                .rotate(&*store, old, &format!("new_{family}"), at(100))
                .await;
            RaceOutcome::Rotation(rotation, access.hash, refresh.hash)
        }
    })
    .await;

    let context = "after revoke_grant raced the rotations";
    for (index, outcome) in outcomes.iter().enumerate() {
        match outcome {
            RaceOutcome::GrantRevoked(revoked) => {
                assert!(
                    revoked,
                    "{context}: revoke_grant of a stored grant must return true"
                );
            }
            RaceOutcome::Rotation(Rotation::Rotated, access, refresh) => {
                assert_access_revoked(&*store, access, context).await;
                assert_refresh_state(&*store, refresh, RefreshState::Revoked, context).await;
            }
            RaceOutcome::Rotation(Rotation::Revoked, _, _) => {}
            RaceOutcome::Rotation(other, _, _) => {
                panic!(
                    "{context}: rotation in task {index} returned {other:?}, expected Rotated or Revoked"
                );
            }
        }
    }
    for (old_access, old_refresh) in issued.iter() {
        assert_access_revoked(&*store, &old_access.hash, context).await;
        assert_refresh_state(&*store, &old_refresh.hash, RefreshState::Revoked, context).await;
    }
}

/// What one task of [`revoke_grant_races_rotations`] did.
enum RaceOutcome {
    /// The return value of `revoke_grant`.
    GrantRevoked(bool),
    /// The outcome of a rotation and the hashes of the tokens it offered.
    Rotation(Rotation, SecretHash, SecretHash),
}
