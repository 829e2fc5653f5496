//! `DeviceService`: starting a device authorization, finding it by user
//! code, and the member's approval or denial.

use std::sync::Arc;

use super::support::*;
use crate::client::{Client, ClientStatus, GrantType};
use crate::device::{
    DeviceAuthorization, DeviceEvent, DeviceRejection, DeviceState, USER_CODE_ALPHABET,
};
use crate::directory::{Membership, Workspace};
use crate::error::{ErrorCode, StoreError};
use crate::grant::Grant;
use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::random::{RandomSource, SequenceRandom};
use crate::secret::SecretHash;
use crate::service::device::generate_user_code;
use crate::service::{DeviceDecisionError, DeviceService};
use crate::time::Timestamp;

const DEVICE_ID: &str = "app_device";
const USER_CODE: &str = "BCDFGHJK";
const STORED_GRANT: &str = "grt_stored";

/// A public command-line client registered for the device grant.
fn device_client() -> Client {
    Client {
        id: ClientId::new(DEVICE_ID),
        grant_types: vec![GrantType::DeviceCode, GrantType::RefreshToken],
        ..public_client()
    }
}

fn service(store: MockStore) -> DeviceService<MockStore> {
    DeviceService::new(Arc::new(store), context())
}

/// Returns a store that knows the device client and records the inserted
/// device authorization in `inserted`.
fn start_store(inserted: &Slot<DeviceAuthorization>) -> MockStore {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![device_client(), public_client()]);
    let inserted = inserted.clone();
    store
        .expect_insert_device_authorization()
        .returning(move |authorization| {
            inserted.put(authorization.clone());
            Ok(())
        });
    store
}

fn pending(state: DeviceState, expires_at: Timestamp) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code_hash: SecretHash::of("odc_device"),
        user_code_hash: SecretHash::of(USER_CODE),
        client_id: ClientId::new(DEVICE_ID),
        scopes: scopes("bugs:read offline_access"),
        resource: None,
        family_id: FamilyId::new(FAMILY),
        issued_at: NOW,
        expires_at,
        interval: 5,
        last_polled_at: None,
        state,
    }
}

/// Returns a store holding `authorization` under [`USER_CODE`] and the
/// clients in `clients`.
fn lookup_store(authorization: DeviceAuthorization, clients: Vec<Client>) -> MockStore {
    let mut store = MockStore::new();
    store
        .expect_find_device_by_user_code()
        .returning(move |hash| {
            Ok((*hash == SecretHash::of(USER_CODE)).then(|| authorization.clone()))
        });
    expect_clients(&mut store, clients);
    store
}

fn pending_store() -> MockStore {
    let expires_at = Timestamp::from_unix_seconds(NOW.unix_seconds() + 600);
    lookup_store(
        pending(DeviceState::Pending, expires_at),
        vec![device_client()],
    )
}

fn expect_member_of(store: &mut MockStore, memberships: Vec<Membership>) {
    store
        .expect_memberships_of_user()
        .returning(move |_| Ok(memberships.clone()));
    store.expect_find_workspace().returning(|id| {
        Ok(Some(Workspace {
            id: id.clone(),
            name: format!("Workspace {id}"),
            created_at: NOW,
        }))
    });
}

fn expect_decision(
    store: &mut MockStore,
    decided: &Slot<DeviceEvent>,
    outcome: Result<(), DeviceRejection>,
) {
    let decided = decided.clone();
    store
        .expect_decide_device()
        .times(1)
        .returning(move |hash, event, now| {
            assert_eq!(*hash, SecretHash::of(USER_CODE));
            assert_eq!(now, NOW);
            decided.put(event);
            Ok(Some(outcome.clone()))
        });
}

#[tokio::test]
async fn start_stores_only_hashes() {
    let inserted = Slot::new();
    let response = service(start_store(&inserted))
        .start(public_credentials(DEVICE_ID), None, None)
        .await
        .unwrap();
    let stored = inserted.get();

    assert!(response.device_code.starts_with("odc_"));
    assert_eq!(
        stored.device_code_hash,
        SecretHash::of(&response.device_code)
    );
    let typed = response.user_code.replace('-', "");
    assert_eq!(stored.user_code_hash, SecretHash::of(&typed));
    assert_eq!(stored.client_id, ClientId::new(DEVICE_ID));
    assert_eq!(
        stored.scopes,
        scopes("profile"),
        "the client's default scopes"
    );
    assert_eq!(stored.state, DeviceState::Pending);
    assert_eq!(stored.expires_at.unix_seconds(), NOW.unix_seconds() + 600);
    assert_eq!(stored.interval, 5);
    assert_eq!(stored.last_polled_at, None);
}

#[tokio::test]
async fn start_response_fields() {
    let response = service(start_store(&Slot::new()))
        .start(public_credentials(DEVICE_ID), Some("bugs:read"), None)
        .await
        .unwrap();
    let code = &response.user_code;

    assert_eq!(code.len(), 9);
    assert_eq!(&code[4..5], "-");
    assert!(
        code.replace('-', "")
            .bytes()
            .all(|b| USER_CODE_ALPHABET.contains(&b))
    );
    assert_eq!(response.verification_uri, "https://auth.example/device");
    assert_eq!(
        response.verification_uri_complete,
        format!("https://auth.example/device?user_code={code}")
    );
    assert_eq!(response.expires_in, 600);
    assert_eq!(response.interval, 5);
    assert!(!format!("{response:?}").contains(&response.device_code));
}

#[tokio::test]
async fn start_keeps_requested_resource() {
    let inserted = Slot::new();
    service(start_store(&inserted))
        .start(public_credentials(DEVICE_ID), None, Some(RESOURCE))
        .await
        .unwrap();
    assert_eq!(inserted.get().resource.as_deref(), Some(RESOURCE));
}

#[tokio::test]
async fn start_rejects_client_without_device_grant() {
    let result = service(start_store(&Slot::new()))
        .start(public_credentials(PUBLIC_ID), None, None)
        .await;
    assert_eq!(rejection(result).error, ErrorCode::UnauthorizedClient);
}

#[tokio::test]
async fn start_rejects_failed_client_authentication() {
    let result = service(start_store(&Slot::new()))
        .start(secret_credentials(DEVICE_ID, "not-a-secret"), None, None)
        .await;
    assert_eq!(rejection(result).error, ErrorCode::InvalidClient);
}

#[tokio::test]
async fn start_rejects_bad_scopes() {
    for scope in ["admin:everything", "agents:run", "a  b"] {
        let result = service(start_store(&Slot::new()))
            .start(public_credentials(DEVICE_ID), Some(scope), None)
            .await;
        assert_eq!(rejection(result).error, ErrorCode::InvalidScope, "{scope}");
    }
}

#[tokio::test]
async fn start_rejects_unknown_resource() {
    for resource in [
        "https://unknown.example/api",
        "not a uri",
        "https://bugs.example/api#x",
    ] {
        let result = service(start_store(&Slot::new()))
            .start(public_credentials(DEVICE_ID), None, Some(resource))
            .await;
        assert_eq!(
            rejection(result).error,
            ErrorCode::InvalidTarget,
            "{resource}"
        );
    }
}

#[tokio::test]
async fn start_draws_new_user_code_when_taken() {
    let mut store = MockStore::new();
    expect_clients(&mut store, vec![device_client()]);
    let hashes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&hashes);
    store
        .expect_insert_device_authorization()
        .times(2)
        .returning(move |authorization| {
            let mut seen = seen.lock().unwrap();
            seen.push(authorization.user_code_hash);
            match seen.len() {
                1 => Err(StoreError::Conflict("user code taken".into())),
                _ => Ok(()),
            }
        });
    let response = service(store)
        .start(public_credentials(DEVICE_ID), None, None)
        .await
        .unwrap();

    let hashes = hashes.lock().unwrap();
    assert_ne!(hashes[0], hashes[1]);
    assert_eq!(
        hashes[1],
        SecretHash::of(&response.user_code.replace('-', ""))
    );
}

/// A random source that returns the same bytes on every call.
struct RepeatedBytes(Vec<u8>);

impl RandomSource for RepeatedBytes {
    fn fill(&self, buffer: &mut [u8]) {
        for (byte, value) in buffer.iter_mut().zip(self.0.iter().cycle()) {
            *byte = *value;
        }
    }
}

#[test]
fn user_code_skips_biased_bytes() {
    // 240 and above would favour the first 16 characters, so they are
    // skipped; 0, 21 and 239 map to characters 0, 1 and 19.
    let random = RepeatedBytes(vec![255, 0, 240, 21, 239]);
    assert_eq!(generate_user_code(&random).unwrap(), "BCZBCZBC");
}

#[test]
fn user_code_fails_when_every_byte_is_biased() {
    assert!(generate_user_code(&RepeatedBytes(vec![250])).is_err());
}

#[test]
fn user_codes_use_the_alphabet() {
    let random = SequenceRandom::default();
    for _ in 0..50 {
        let code = generate_user_code(&random).unwrap();
        assert_eq!(code.len(), 8);
        assert!(
            code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)),
            "{code}"
        );
    }
}

#[tokio::test]
async fn find_accepts_code_as_typed() {
    let found = service(pending_store()).find(" bcdf-ghjk ").await.unwrap();
    let found = found.expect("the pending authorization");
    assert_eq!(found.client.id, ClientId::new(DEVICE_ID));
    assert_eq!(found.user_code, "BCDF-GHJK");
    assert_eq!(found.scopes, scopes("bugs:read offline_access"));
}

#[tokio::test]
async fn find_ignores_malformed_and_unknown_codes() {
    let service = service(pending_store());
    for typed in ["", "BCDF-GHJ", "ABCD-EFGH", "ZZZZ-ZZZZ"] {
        assert!(service.find(typed).await.unwrap().is_none(), "{typed:?}");
    }
}

#[tokio::test]
async fn find_ignores_expired_and_decided_codes() {
    let later = Timestamp::from_unix_seconds(NOW.unix_seconds() + 600);
    let approval = crate::device::DeviceApproval {
        user_id: UserId::new(USER),
        workspace_id: WorkspaceId::new(WORKSPACE),
        grant_id: GrantId::new(STORED_GRANT),
    };
    let cases = [
        ("expired", pending(DeviceState::Pending, NOW)),
        ("denied", pending(DeviceState::Denied, later)),
        ("approved", pending(DeviceState::Approved(approval), later)),
    ];
    for (label, authorization) in cases {
        let store = lookup_store(authorization, vec![device_client()]);
        assert!(
            service(store).find(USER_CODE).await.unwrap().is_none(),
            "{label}"
        );
    }
}

#[tokio::test]
async fn find_ignores_suspended_client() {
    let later = Timestamp::from_unix_seconds(NOW.unix_seconds() + 600);
    let suspended = Client {
        status: ClientStatus::Suspended,
        ..device_client()
    };
    let store = lookup_store(pending(DeviceState::Pending, later), vec![suspended]);
    assert!(service(store).find(USER_CODE).await.unwrap().is_none());
}

#[tokio::test]
async fn approve_saves_grant_then_decides() {
    let mut store = pending_store();
    expect_member_of(&mut store, vec![membership(Role::Member)]);
    let saved = Slot::new();
    let saved_in_mock = saved.clone();
    store.expect_save_grant().times(1).returning(move |grant| {
        saved_in_mock.put(grant.clone());
        Ok(Grant {
            id: GrantId::new(STORED_GRANT),
            ..grant.clone()
        })
    });
    let decided = Slot::new();
    expect_decision(&mut store, &decided, Ok(()));

    service(store)
        .approve(
            "bcdf-ghjk",
            &UserId::new(USER),
            &WorkspaceId::new(WORKSPACE),
        )
        .await
        .unwrap();

    let grant = saved.get();
    assert_eq!(grant.client_id, ClientId::new(DEVICE_ID));
    assert_eq!(grant.workspace_id, WorkspaceId::new(WORKSPACE));
    assert_eq!(grant.scopes, scopes("bugs:read offline_access"));
    let DeviceEvent::Approve(approval) = decided.get() else {
        panic!("expected an approval, got {:?}", decided.get());
    };
    assert_eq!(
        approval.grant_id,
        GrantId::new(STORED_GRANT),
        "the stored grant's ID"
    );
    assert_eq!(approval.user_id, UserId::new(USER));
    assert_eq!(approval.workspace_id, WorkspaceId::new(WORKSPACE));
}

#[tokio::test]
async fn approve_rejects_other_workspace() {
    let mut store = pending_store();
    let elsewhere = Membership {
        workspace_id: WorkspaceId::new("ws_other"),
        ..membership(Role::Admin)
    };
    expect_member_of(&mut store, vec![elsewhere]);
    let result = service(store)
        .approve(USER_CODE, &UserId::new(USER), &WorkspaceId::new("ws_other"))
        .await;
    assert_eq!(result, Err(DeviceDecisionError::WorkspaceNotAllowed));
}

#[tokio::test]
async fn approve_rejects_unknown_code() {
    let result = service(pending_store())
        .approve(
            "ZZZZ-ZZZZ",
            &UserId::new(USER),
            &WorkspaceId::new(WORKSPACE),
        )
        .await;
    assert_eq!(result, Err(DeviceDecisionError::UnknownCode));
}

#[tokio::test]
async fn approve_reports_lost_race() {
    let cases = [
        (
            DeviceRejection::AlreadyDecided,
            DeviceDecisionError::AlreadyDecided,
        ),
        (DeviceRejection::Expired, DeviceDecisionError::Expired),
    ];
    for (rejection, expected) in cases {
        let mut store = pending_store();
        expect_member_of(&mut store, vec![membership(Role::Member)]);
        store
            .expect_save_grant()
            .returning(|grant| Ok(grant.clone()));
        expect_decision(&mut store, &Slot::new(), Err(rejection));
        let result = service(store)
            .approve(USER_CODE, &UserId::new(USER), &WorkspaceId::new(WORKSPACE))
            .await;
        assert_eq!(result, Err(expected));
    }
}

#[tokio::test]
async fn deny_decides_without_grant() {
    let mut store = pending_store();
    let decided = Slot::new();
    expect_decision(&mut store, &decided, Ok(()));
    service(store).deny("BCDF GHJK").await.unwrap();
    assert_eq!(decided.get(), DeviceEvent::Deny);
}
