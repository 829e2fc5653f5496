//! Cases that race 32 tasks on one device authorization or one client,
//! like the cases of [`crate::concurrency`]: of concurrent polls of an
//! approved device authorization exactly one redeems it, of concurrent
//! decisions exactly one succeeds, and deleting a client while its
//! families rotate leaves no token usable.

use std::sync::Arc;

use oauth_apps_core::device::{DeviceEvent, DeviceRejection, DeviceState};
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{DevicePoll, Rotation, Store};

use crate::checks::{assert_access_unusable, assert_refresh_unusable};
use crate::concurrency::{TASKS, race};
use crate::fixtures::{Authorization, at};

/// Of 32 concurrent polls of one approved device authorization, exactly
/// one returns `Redeemed` and the other 31 `AlreadyRedeemed`.
pub async fn concurrent_device_polls_one_redeemed<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let device = ada.device("cli");
    store
        .insert_device_authorization(&device)
        .await
        .expect("insert_device_authorization failed");
    let approve = DeviceEvent::Approve(ada.approval());
    let decided = store
        .decide_device(&device.user_code_hash, approve, at(10))
        .await
        .expect("decide_device failed");
    assert_eq!(decided, Some(Ok(())), "approving the pending authorization");

    let outcomes = race(TASKS, |_| {
        let store = Arc::clone(&store);
        let hash = device.device_code_hash;
        async move { store.poll_device(&hash, at(20)).await }
    })
    .await;

    let outcomes: Vec<DevicePoll> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("poll_device failed"))
        .collect();
    let redeemed = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, DevicePoll::Redeemed(_)))
        .count();
    let already = outcomes
        .iter()
        .filter(|outcome| **outcome == DevicePoll::Rejected(DeviceRejection::AlreadyRedeemed))
        .count();
    assert_eq!(
        redeemed, 1,
        "{TASKS} concurrent polls: number that returned Redeemed"
    );
    assert_eq!(
        already,
        TASKS - 1,
        "{TASKS} concurrent polls: number that returned AlreadyRedeemed"
    );
}

/// Of 32 concurrent decisions on one pending device authorization, half
/// approvals and half denials, exactly one succeeds, the others return
/// `AlreadyDecided`, and the stored state is the winner's.
pub async fn concurrent_device_decisions_one_wins<S: Store + 'static>(store: Arc<S>) {
    let ada = Arc::new(Authorization::setup(&*store, "ada").await);
    let device = ada.device("cli");
    store
        .insert_device_authorization(&device)
        .await
        .expect("insert_device_authorization failed");

    let outcomes = race(TASKS, |index| {
        let (store, ada) = (Arc::clone(&store), Arc::clone(&ada));
        let hash = device.user_code_hash;
        async move {
            let event = match index % 2 {
                0 => DeviceEvent::Approve(ada.approval()),
                _ => DeviceEvent::Deny,
            };
            store.decide_device(&hash, event, at(10)).await
        }
    })
    .await;

    let outcomes: Vec<_> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("decide_device failed"))
        .collect();
    let winners: Vec<usize> = (0..TASKS)
        .filter(|i| outcomes[*i] == Some(Ok(())))
        .collect();
    let already = outcomes
        .iter()
        .filter(|outcome| **outcome == Some(Err(DeviceRejection::AlreadyDecided)))
        .count();
    assert_eq!(
        winners.len(),
        1,
        "{TASKS} concurrent decisions: number that succeeded"
    );
    assert_eq!(
        already,
        TASKS - 1,
        "{TASKS} concurrent decisions: number that returned AlreadyDecided"
    );

    let expected = match winners[0] % 2 {
        0 => DeviceState::Approved(ada.approval()),
        _ => DeviceState::Denied,
    };
    let stored = store
        .find_device_by_user_code(&device.user_code_hash)
        .await
        .expect("find_device_by_user_code failed")
        .expect("the device authorization must be stored");
    assert_eq!(
        stored.state, expected,
        "the stored state must be the winner's decision"
    );
}

/// Deleting a client while its families rotate leaves no token usable: a
/// rotation that wins the race stores tokens that the deletion then
/// covers, and a rotation that loses returns `Revoked` or `NotFound`.
pub async fn delete_client_races_rotations<S: Store + 'static>(store: Arc<S>) {
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

    // Task 0 deletes the client, and task i rotates the refresh token of family i - 1.
    let outcomes = race(TASKS, |index| {
        let (store, ada, issued) = (Arc::clone(&store), Arc::clone(&ada), Arc::clone(&issued));
        async move {
            let Some(family) = index.checked_sub(1) else {
                let deleted = store.delete_client(&ada.client.id, at(100)).await;
                return DeleteRace::ClientDeleted(deleted.expect("delete_client failed"));
            };
            let old = &issued[family].1;
            let (rotation, access, refresh) = ada
                .rotate(&*store, old, &format!("new_{family}"), at(100))
                .await;
            DeleteRace::Rotation(rotation, access.hash, refresh.hash)
        }
    })
    .await;

    let context = "after delete_client raced the rotations";
    for (index, outcome) in outcomes.iter().enumerate() {
        match outcome {
            DeleteRace::ClientDeleted(deleted) => {
                assert!(
                    deleted,
                    "{context}: delete_client of a stored client must return true"
                );
            }
            DeleteRace::Rotation(Rotation::Rotated, access, refresh) => {
                assert_access_unusable(&*store, access, None, context).await;
                assert_refresh_unusable(&*store, refresh, context).await;
            }
            DeleteRace::Rotation(Rotation::Revoked | Rotation::NotFound, _, _) => {}
            DeleteRace::Rotation(other, _, _) => {
                panic!(
                    "{context}: rotation in task {index} returned {other:?}, expected Rotated, Revoked or NotFound"
                );
            }
        }
    }
    for (old_access, old_refresh) in issued.iter() {
        assert_access_unusable(&*store, &old_access.hash, None, context).await;
        assert_refresh_unusable(&*store, &old_refresh.hash, context).await;
    }
}

/// What one task of [`delete_client_races_rotations`] did.
enum DeleteRace {
    /// The return value of `delete_client`.
    ClientDeleted(bool),
    /// The outcome of a rotation and the hashes of the tokens it offered.
    Rotation(Rotation, SecretHash, SecretHash),
}
