//! Cases for [`DeviceStore`] (RFC 8628): device authorizations round-trip,
//! are unique by both codes, and decisions and polls follow the core's
//! state machine, with the poll time and interval stored even when a poll
//! is rejected. The poll that redeems creates the token family.
//!
//! [`DeviceStore`]: oauth_apps_core::store::DeviceStore

use std::sync::Arc;

use oauth_apps_core::device::{DeviceAuthorization, DeviceEvent, DeviceRejection, DeviceState};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{DevicePoll, Store};
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::RefreshState;

use crate::checks::{assert_access_revoked_at, assert_refresh_state};
use crate::fixtures::{Authorization, DEVICE_INTERVAL, DEVICE_LIFETIME, at};

async fn insert<S: Store + ?Sized>(store: &S, device: &DeviceAuthorization) {
    store
        .insert_device_authorization(device)
        .await
        .expect("insert_device_authorization failed");
}

async fn stored<S: Store + ?Sized>(store: &S, device: &DeviceAuthorization) -> DeviceAuthorization {
    store
        .find_device_by_user_code(&device.user_code_hash)
        .await
        .expect("find_device_by_user_code failed")
        .expect("the device authorization must be stored")
}

async fn poll<S: Store + ?Sized>(
    store: &S,
    device: &DeviceAuthorization,
    now: Timestamp,
) -> DevicePoll {
    store
        .poll_device(&device.device_code_hash, now)
        .await
        .expect("poll_device failed")
}

async fn decide<S: Store + ?Sized>(
    store: &S,
    device: &DeviceAuthorization,
    event: DeviceEvent,
    now: Timestamp,
) -> Option<Result<(), DeviceRejection>> {
    store
        .decide_device(&device.user_code_hash, event, now)
        .await
        .expect("decide_device failed")
}

/// A stored device authorization is found by its user code with every
/// field unchanged.
pub async fn device_insert_then_find<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let mut device = ada.device("cli");
    device.resource = Some("https://api.example.com".to_owned());
    insert(&*store, &device).await;

    assert_eq!(stored(&*store, &device).await, device);
}

/// A device authorization whose device code or user code hash is taken is
/// a conflict and changes nothing.
pub async fn device_duplicate_codes_conflict<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let first = ada.device("cli");
    insert(&*store, &first).await;

    let mut same_device_code = ada.device("other");
    same_device_code.device_code_hash = first.device_code_hash;
    let mut same_user_code = ada.device("third");
    same_user_code.user_code_hash = first.user_code_hash;
    for (label, duplicate) in [
        ("device code", &same_device_code),
        ("user code", &same_user_code),
    ] {
        let result = store.insert_device_authorization(duplicate).await;
        assert!(
            matches!(result, Err(StoreError::Conflict(_))),
            "inserting a device authorization with a taken {label} returned {result:?}, expected Conflict"
        );
    }
    assert_eq!(
        stored(&*store, &first).await,
        first,
        "the first must stay as inserted"
    );
    let other = store
        .find_device_by_user_code(&same_device_code.user_code_hash)
        .await
        .expect("find_device_by_user_code failed");
    assert_eq!(other, None, "the rejected authorization must not be stored");
}

/// Unknown codes: lookup and decision return `None`, a poll `NotFound`.
pub async fn unknown_device_not_found<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let missing = ada.device("missing");

    let found = store
        .find_device_by_user_code(&SecretHash::of("missing"))
        .await
        .expect("find_device_by_user_code failed");
    assert_eq!(found, None, "lookup of an unknown user code");
    let decided = decide(
        &*store,
        &missing,
        DeviceEvent::Approve(ada.approval()),
        at(10),
    )
    .await;
    assert_eq!(decided, None, "decision on an unknown user code");
    assert_eq!(poll(&*store, &missing, at(10)).await, DevicePoll::NotFound);
}

/// An approval is stored, and the next poll redeems the authorization: it
/// returns the record in state `Redeemed` with the poll time, and the
/// active family it created holds tokens and belongs to the approval's
/// grant.
pub async fn device_approve_then_poll_redeems<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let device = ada.device("cli");
    insert(&*store, &device).await;

    let decided = decide(
        &*store,
        &device,
        DeviceEvent::Approve(ada.approval()),
        at(10),
    )
    .await;
    assert_eq!(decided, Some(Ok(())), "approving a pending authorization");
    let approved = stored(&*store, &device).await;
    assert_eq!(
        approved.state,
        DeviceState::Approved(ada.approval()),
        "state after approval"
    );

    let DevicePoll::Redeemed(redeemed) = poll(&*store, &device, at(20)).await else {
        panic!("polling an approved authorization must redeem it");
    };
    let mut expected = device.clone();
    expected.state = DeviceState::Redeemed(ada.approval());
    expected.last_polled_at = Some(at(20));
    assert_eq!(redeemed, expected, "the redeemed record as returned");
    assert_eq!(
        stored(&*store, &device).await,
        expected,
        "the redeemed record as stored"
    );

    let (access, refresh) = ada.issue_tokens(&*store, &device.family_id, "cli").await;
    assert_access_revoked_at(&*store, &access.hash, None, "tokens of the new family").await;
    let revoked = store
        .revoke_grant(&ada.grant.id, at(30))
        .await
        .expect("revoke_grant failed");
    assert!(
        revoked,
        "revoke_grant of the approval's grant must return true"
    );
    let context = "the approval's grant was revoked";
    assert_access_revoked_at(&*store, &access.hash, Some(at(30)), context).await;
    assert_refresh_state(&*store, &refresh.hash, RefreshState::Revoked, context).await;
}

/// A denial is stored and polls then return `Denied`.
pub async fn device_deny_then_poll_denied<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let device = ada.device("cli");
    insert(&*store, &device).await;

    let decided = decide(&*store, &device, DeviceEvent::Deny, at(10)).await;
    assert_eq!(decided, Some(Ok(())), "denying a pending authorization");
    assert_eq!(stored(&*store, &device).await.state, DeviceState::Denied);
    let polled = poll(&*store, &device, at(20)).await;
    assert_eq!(polled, DevicePoll::Rejected(DeviceRejection::Denied));
}

/// A second decision is rejected with `AlreadyDecided` and keeps the
/// first.
pub async fn device_decide_twice_already_decided<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let device = ada.device("cli");
    insert(&*store, &device).await;
    decide(&*store, &device, DeviceEvent::Deny, at(10)).await;

    let second = decide(
        &*store,
        &device,
        DeviceEvent::Approve(ada.approval()),
        at(11),
    )
    .await;
    assert_eq!(second, Some(Err(DeviceRejection::AlreadyDecided)));
    assert_eq!(stored(&*store, &device).await.state, DeviceState::Denied);
}

/// At and after the expiry, decisions and polls return `Expired` and the
/// authorization stays pending.
pub async fn device_expired_rejects_decisions_and_polls<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let device = ada.device("cli");
    insert(&*store, &device).await;
    let end = at(DEVICE_LIFETIME);

    let decided = decide(&*store, &device, DeviceEvent::Approve(ada.approval()), end).await;
    assert_eq!(
        decided,
        Some(Err(DeviceRejection::Expired)),
        "approval at expiry"
    );
    let polled = poll(&*store, &device, end).await;
    assert_eq!(
        polled,
        DevicePoll::Rejected(DeviceRejection::Expired),
        "poll at expiry"
    );
    assert_eq!(stored(&*store, &device).await.state, DeviceState::Pending);
}

/// A rejected poll still stores its time: a pending authorization answers
/// `Pending` and records `last_polled_at`.
pub async fn device_pending_poll_stores_time<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let device = ada.device("cli");
    insert(&*store, &device).await;

    let polled = poll(&*store, &device, at(10)).await;
    assert_eq!(polled, DevicePoll::Rejected(DeviceRejection::Pending));
    let after = stored(&*store, &device).await;
    assert_eq!(
        after.last_polled_at,
        Some(at(10)),
        "last_polled_at after a pending poll"
    );
    assert_eq!(
        after.interval, DEVICE_INTERVAL,
        "interval after a poll on time"
    );
}

/// Polling faster than the interval answers `SlowDown` and stores the
/// longer interval, which the next poll must respect.
pub async fn device_fast_poll_slows_down<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let device = ada.device("cli");
    insert(&*store, &device).await;
    poll(&*store, &device, at(10)).await;

    let fast = poll(&*store, &device, at(11)).await;
    let slower = DEVICE_INTERVAL + 5;
    assert_eq!(
        fast,
        DevicePoll::Rejected(DeviceRejection::SlowDown(slower))
    );
    let after = stored(&*store, &device).await;
    assert_eq!(after.interval, slower, "stored interval after slow_down");
    assert_eq!(
        after.last_polled_at,
        Some(at(11)),
        "stored poll time after slow_down"
    );

    let within_new_interval = at(11 + i64::from(slower) - 1);
    let again = poll(&*store, &device, within_new_interval).await;
    assert_eq!(
        again,
        DevicePoll::Rejected(DeviceRejection::SlowDown(slower + 5))
    );
}

/// A too-fast poll of an approved authorization does not redeem it; a
/// later poll does, and every poll after that is `AlreadyRedeemed`.
pub async fn device_poll_after_redeem_rejected<S: Store + 'static>(store: Arc<S>) {
    let ada = Authorization::setup(&*store, "ada").await;
    let device = ada.device("cli");
    insert(&*store, &device).await;
    poll(&*store, &device, at(10)).await;
    decide(
        &*store,
        &device,
        DeviceEvent::Approve(ada.approval()),
        at(11),
    )
    .await;

    let fast = poll(&*store, &device, at(12)).await;
    assert!(
        matches!(fast, DevicePoll::Rejected(DeviceRejection::SlowDown(_))),
        "{fast:?}"
    );
    let approved = stored(&*store, &device).await;
    assert_eq!(
        approved.state,
        DeviceState::Approved(ada.approval()),
        "after a fast poll"
    );

    let redeemed = poll(&*store, &device, at(100)).await;
    assert!(matches!(redeemed, DevicePoll::Redeemed(_)), "{redeemed:?}");
    let replay = poll(&*store, &device, at(200)).await;
    assert_eq!(
        replay,
        DevicePoll::Rejected(DeviceRejection::AlreadyRedeemed)
    );
    let late = poll(&*store, &device, at(DEVICE_LIFETIME + 100)).await;
    assert_eq!(
        late,
        DevicePoll::Rejected(DeviceRejection::AlreadyRedeemed),
        "after expiry"
    );
}
