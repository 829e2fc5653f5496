use super::*;
use crate::ids::{ClientId, FamilyId};

const ISSUED: Timestamp = Timestamp::from_unix_seconds(1000);
const EXPIRES: Timestamp = Timestamp::from_unix_seconds(1600);

fn approval() -> DeviceApproval {
    DeviceApproval {
        user_id: UserId::new("usr_1"),
        workspace_id: WorkspaceId::new("ws_1"),
        grant_id: GrantId::new("grt_1"),
    }
}

fn authorization(state: DeviceState, last_polled_at: Option<i64>) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code_hash: SecretHash::of("device"),
        user_code_hash: SecretHash::of("user"),
        client_id: ClientId::new("cli"),
        scopes: ScopeSet::default(),
        resource: None,
        family_id: FamilyId::new("fam_1"),
        issued_at: ISSUED,
        expires_at: EXPIRES,
        interval: 5,
        last_polled_at: last_polled_at.map(Timestamp::from_unix_seconds),
        state,
    }
}

/// State, last poll time, event, time of the event, expected outcome
/// and expected state.
type Case = (
    DeviceState,
    Option<i64>,
    DeviceEvent,
    i64,
    Result<(), DeviceRejection>,
    DeviceState,
);

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

#[test]
fn transition_table() {
    use DeviceRejection as R;
    let pending = DeviceState::Pending;
    let approved = DeviceState::Approved(approval());
    let redeemed = DeviceState::Redeemed(approval());
    let cases: Vec<Case> = vec![
        (
            pending.clone(),
            None,
            DeviceEvent::Poll,
            1001,
            Err(R::Pending),
            pending.clone(),
        ),
        (
            pending.clone(),
            Some(1001),
            DeviceEvent::Poll,
            1003,
            Err(R::SlowDown(10)),
            pending.clone(),
        ),
        (
            pending.clone(),
            Some(1001),
            DeviceEvent::Poll,
            1006,
            Err(R::Pending),
            pending.clone(),
        ),
        (
            pending.clone(),
            None,
            DeviceEvent::Poll,
            1600,
            Err(R::Expired),
            pending.clone(),
        ),
        (
            pending.clone(),
            None,
            DeviceEvent::Approve(approval()),
            1100,
            Ok(()),
            approved.clone(),
        ),
        (
            pending.clone(),
            None,
            DeviceEvent::Deny,
            1100,
            Ok(()),
            DeviceState::Denied,
        ),
        (
            pending.clone(),
            None,
            DeviceEvent::Deny,
            1600,
            Err(R::Expired),
            pending.clone(),
        ),
        (
            approved.clone(),
            None,
            DeviceEvent::Poll,
            1100,
            Ok(()),
            redeemed.clone(),
        ),
        (
            approved.clone(),
            Some(1099),
            DeviceEvent::Poll,
            1100,
            Err(R::SlowDown(10)),
            approved.clone(),
        ),
        (
            approved.clone(),
            None,
            DeviceEvent::Poll,
            1600,
            Err(R::Expired),
            approved.clone(),
        ),
        (
            approved.clone(),
            None,
            DeviceEvent::Deny,
            1100,
            Err(R::AlreadyDecided),
            approved.clone(),
        ),
        (
            DeviceState::Denied,
            None,
            DeviceEvent::Poll,
            1100,
            Err(R::Denied),
            DeviceState::Denied,
        ),
        (
            DeviceState::Denied,
            None,
            DeviceEvent::Approve(approval()),
            1100,
            Err(R::AlreadyDecided),
            DeviceState::Denied,
        ),
        (
            redeemed.clone(),
            None,
            DeviceEvent::Poll,
            1100,
            Err(R::AlreadyRedeemed),
            redeemed.clone(),
        ),
        (
            redeemed.clone(),
            None,
            DeviceEvent::Poll,
            1700,
            Err(R::AlreadyRedeemed),
            redeemed.clone(),
        ),
        (
            redeemed.clone(),
            None,
            DeviceEvent::Approve(approval()),
            1100,
            Err(R::AlreadyDecided),
            redeemed.clone(),
        ),
    ];
    for (state, last_polled, event, now, expected, expected_state) in cases {
        let label = format!("{state:?} x {event:?} at {now}");
        let (next, outcome) = transition(&authorization(state, last_polled), event, at(now));
        assert_eq!(outcome, expected, "{label}");
        assert_eq!(next.state, expected_state, "{label}");
    }
}

#[test]
fn slow_down_raises_interval_for_later_polls() {
    let (next, outcome) = transition(
        &authorization(DeviceState::Pending, Some(1000)),
        DeviceEvent::Poll,
        at(1001),
    );
    assert_eq!(outcome, Err(DeviceRejection::SlowDown(10)));
    assert_eq!(next.interval, 10);
    assert_eq!(next.last_polled_at, Some(at(1001)));
    let (_, again) = transition(&next, DeviceEvent::Poll, at(1008));
    assert_eq!(
        again,
        Err(DeviceRejection::SlowDown(15)),
        "the longer interval applies"
    );
}

#[test]
fn slow_down_interval_is_capped() {
    // Interval before the too-fast poll, interval after it.
    let cases = [(5, 10), (50, 55), (55, 60), (58, 60), (60, 60), (90, 90)];
    for (before, after) in cases {
        let mut polled = authorization(DeviceState::Pending, Some(1000));
        polled.interval = before;
        let (next, outcome) = transition(&polled, DeviceEvent::Poll, at(1001));
        assert_eq!(outcome, Err(DeviceRejection::SlowDown(after)), "{before}");
        assert_eq!(next.interval, after, "{before}");
    }
}

#[test]
fn user_code_normalisation() {
    assert_eq!(
        normalize_user_code("bcdf-ghjk").as_deref(),
        Some("BCDFGHJK")
    );
    assert_eq!(
        normalize_user_code(" BCDF GHJK ").as_deref(),
        Some("BCDFGHJK")
    );
    assert_eq!(normalize_user_code("BCDF-GHJ"), None);
    assert_eq!(
        normalize_user_code("ABCD-EFGH"),
        None,
        "vowels are not in the alphabet"
    );
    assert_eq!(format_user_code("BCDFGHJK"), "BCDF-GHJK");
}
