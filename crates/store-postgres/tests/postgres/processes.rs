//! Two stores with separate pools on one schema behave as two server
//! processes sharing the database: the guarded operations stay atomic
//! across them.

use std::sync::Arc;

use oauth_apps_core::device::{DeviceEvent, DeviceRejection};
use oauth_apps_core::store::{CodeRedemption, CodeStore, DevicePoll, DeviceStore, Rotation};
use oauth_apps_store_postgres::PostgresStore;
use oauth_apps_store_tests::fixtures::{Authorization, at};

use crate::support::TestDatabase;

/// Calls per store in each race.
const CALLS_PER_STORE: usize = 8;

/// Returns the two stores, each repeated `CALLS_PER_STORE` times, in turn.
fn alternating(first: &PostgresStore, second: &PostgresStore) -> Vec<Arc<PostgresStore>> {
    let (first, second) = (Arc::new(first.clone()), Arc::new(second.clone()));
    (0..CALLS_PER_STORE)
        .flat_map(|_| [Arc::clone(&first), Arc::clone(&second)])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redemption_has_one_winner_across_processes() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let other_process = database.second_store();
    let ada = Authorization::setup(&database.store, "ada").await;
    let code = ada.code("login");
    database.store.insert_code(&code).await.unwrap();

    let calls: Vec<_> = alternating(&database.store, &other_process)
        .into_iter()
        .map(|store| tokio::spawn(async move { store.redeem_code(&code.hash, at(5)).await }))
        .collect();
    let mut redeemed = 0;
    let mut already = 0;
    for call in calls {
        match call.await.unwrap().unwrap() {
            CodeRedemption::Redeemed(_) => redeemed += 1,
            CodeRedemption::AlreadyRedeemed(_) => already += 1,
            other => panic!("concurrent redemption returned {other:?}"),
        }
    }

    assert_eq!(redeemed, 1, "redemptions that won");
    assert_eq!(
        already,
        2 * CALLS_PER_STORE - 1,
        "redemptions reported as replays"
    );
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_has_one_winner_across_processes() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let other_process = database.second_store();
    let ada = Arc::new(Authorization::setup(&database.store, "ada").await);
    let family = ada.open_family(&database.store, "login").await;
    let (_, old) = ada.issue_tokens(&database.store, &family, "login").await;
    let old = Arc::new(old);

    let calls: Vec<_> = alternating(&database.store, &other_process)
        .into_iter()
        .enumerate()
        .map(|(index, store)| {
            let (ada, old) = (Arc::clone(&ada), Arc::clone(&old));
            tokio::spawn(async move {
                let name = format!("next_{index}");
                ada.rotate(&*store, &old, &name, at(100)).await.0
            })
        })
        .collect();
    let mut rotated = 0;
    let mut reused = 0;
    for call in calls {
        match call.await.unwrap() {
            Rotation::Rotated => rotated += 1,
            Rotation::Reused => reused += 1,
            other => panic!("concurrent rotation returned {other:?}"),
        }
    }

    assert_eq!(rotated, 1, "rotations that won");
    assert_eq!(
        reused,
        2 * CALLS_PER_STORE - 1,
        "rotations reported as reuse"
    );
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn device_redemption_has_one_winner_across_processes() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let other_process = database.second_store();
    let ada = Authorization::setup(&database.store, "ada").await;
    let device = ada.device("cli");
    database
        .store
        .insert_device_authorization(&device)
        .await
        .unwrap();
    let approve = DeviceEvent::Approve(ada.approval());
    let decided = other_process
        .decide_device(&device.user_code_hash, approve, at(10))
        .await
        .unwrap();
    assert_eq!(decided, Some(Ok(())), "approving at the other process");

    let calls: Vec<_> = alternating(&database.store, &other_process)
        .into_iter()
        .map(|store| {
            let hash = device.device_code_hash;
            tokio::spawn(async move { store.poll_device(&hash, at(20)).await })
        })
        .collect();
    let mut redeemed = 0;
    let mut rejected = 0;
    for call in calls {
        match call.await.unwrap().unwrap() {
            DevicePoll::Redeemed(_) => redeemed += 1,
            // Polls after the winner are too fast or find it redeemed.
            DevicePoll::Rejected(
                DeviceRejection::SlowDown(_) | DeviceRejection::AlreadyRedeemed,
            ) => rejected += 1,
            other => panic!("concurrent poll returned {other:?}"),
        }
    }

    assert_eq!(redeemed, 1, "polls that redeemed");
    assert_eq!(rejected, 2 * CALLS_PER_STORE - 1, "polls rejected");
    database.drop().await;
}
