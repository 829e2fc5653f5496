//! `AuthorizationService::approve`: the grant it saves, the code it binds
//! and the redirect it returns.

use std::sync::Arc;
use std::time::Duration;

use super::support::*;
use crate::client::{Client, Registration, RegistrationSource};
use crate::code::{AuthorizationCode, CodeState};
use crate::directory::{Membership, Workspace};
use crate::error::ErrorCode;
use crate::grant::Grant;
use crate::ids::{ClientId, GrantId, UserId, WorkspaceId};
use crate::permission::Role;
use crate::pkce::CodeChallenge;
use crate::secret::{Secret, SecretHash, SecretKind};
use crate::service::{AuthorizationError, AuthorizationService, ValidatedAuthorization};

const STATE: &str = "af0ifjsldkj";
const STORED_GRANT: &str = "grt_stored";

fn validated(client: Client) -> ValidatedAuthorization {
    ValidatedAuthorization {
        client,
        redirect_uri: REDIRECT_URI.into(),
        scopes: scopes("bugs:read offline_access"),
        state: Some(STATE.into()),
        challenge: Some(CodeChallenge::parse(RFC_CHALLENGE).unwrap()),
        resource: None,
    }
}

/// Returns a store in which the test member has `memberships` and every
/// workspace exists.
fn member_store(memberships: Vec<Membership>) -> MockStore {
    let mut store = MockStore::new();
    expect_member_of(&mut store, memberships);
    store
}

/// Makes the test member have `memberships` in `store`, and every
/// workspace exist.
fn expect_member_of(store: &mut MockStore, memberships: Vec<Membership>) {
    store
        .expect_memberships_of_user()
        .withf(|user_id| *user_id == UserId::new(USER))
        .returning(move |_| Ok(memberships.clone()));
    store.expect_find_workspace().returning(|id| {
        Ok(Some(Workspace {
            id: id.clone(),
            name: format!("Workspace {id}"),
            created_at: NOW,
        }))
    });
}

struct Approval {
    location: String,
    grant: Grant,
    code: AuthorizationCode,
}

/// Approves the public client's request in [`WORKSPACE`] and records what
/// was stored.
async fn approve() -> Approval {
    approve_request(&validated(public_client()), MockStore::new()).await
}

/// Approves `request` in [`WORKSPACE`] on `store`, which holds the test
/// member's membership, and records what was stored. The store's
/// `save_grant` returns an existing grant's ID, as it does when the member
/// approved this client before.
async fn approve_request(request: &ValidatedAuthorization, mut store: MockStore) -> Approval {
    expect_member_of(&mut store, vec![membership(Role::Member)]);
    let grant = Slot::new();
    let recorded = grant.clone();
    store.expect_save_grant().times(1).returning(move |new| {
        recorded.put(new.clone());
        Ok(Grant {
            id: GrantId::new(STORED_GRANT),
            ..new.clone()
        })
    });
    let code = Slot::new();
    let recorded = code.clone();
    store.expect_insert_code().times(1).returning(move |new| {
        recorded.put(new.clone());
        Ok(())
    });

    let service = AuthorizationService::new(Arc::new(store), context());
    let location = service
        .approve(request, &UserId::new(USER), &WorkspaceId::new(WORKSPACE))
        .await
        .unwrap();
    Approval {
        location,
        grant: grant.get(),
        code: code.get(),
    }
}

fn query_value(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

#[tokio::test]
async fn approval_saves_member_grant() {
    let grant = approve().await.grant;
    assert_eq!(grant.user_id, UserId::new(USER));
    assert_eq!(grant.client_id, ClientId::new(PUBLIC_ID));
    assert_eq!(grant.workspace_id, WorkspaceId::new(WORKSPACE));
    assert_eq!(grant.scopes, scopes("bugs:read offline_access"));
    assert_eq!(grant.created_at, NOW);
    assert_eq!(grant.updated_at, NOW);
}

#[tokio::test]
async fn approval_inserts_bound_code() {
    let code = approve().await.code;
    assert_eq!(code.client_id, ClientId::new(PUBLIC_ID));
    assert_eq!(code.redirect_uri, REDIRECT_URI);
    assert_eq!(code.user_id, UserId::new(USER));
    assert_eq!(code.workspace_id, WorkspaceId::new(WORKSPACE));
    assert_eq!(code.grant_id, GrantId::new(STORED_GRANT));
    assert_eq!(code.scopes, scopes("bugs:read offline_access"));
    assert_eq!(
        code.challenge,
        Some(CodeChallenge::parse(RFC_CHALLENGE).unwrap())
    );
    assert_eq!(code.issued_at, NOW);
    assert_eq!(code.expires_at, NOW + Duration::from_secs(60));
    assert_eq!(code.state, CodeState::Issued);
    assert_eq!(code.resource, None);
}

#[tokio::test]
async fn approval_binds_resource_to_code() {
    let request = ValidatedAuthorization {
        resource: Some(RESOURCE.into()),
        ..validated(public_client())
    };
    let code = approve_request(&request, MockStore::new()).await.code;
    assert_eq!(code.resource.as_deref(), Some(RESOURCE));
}

#[tokio::test]
async fn first_approval_recorded_for_self_registered_client() {
    let self_registered = Client {
        workspace_id: None,
        source: RegistrationSource::Dynamic,
        registration: Some(Registration::default()),
        ..public_client()
    };
    let mut store = MockStore::new();
    store
        .expect_record_first_approval()
        .withf(|id, user_id, now| {
            *id == ClientId::new(PUBLIC_ID) && *user_id == UserId::new(USER) && *now == NOW
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    approve_request(&validated(self_registered), store).await;
}

#[tokio::test]
async fn first_approval_not_recorded_for_admin_app() {
    let mut store = MockStore::new();
    store.expect_record_first_approval().times(0);
    approve_request(&validated(public_client()), store).await;
}

#[tokio::test]
async fn approval_location_carries_code() {
    let approval = approve().await;
    let location = approval.location;
    assert!(location.starts_with("https://app.example/callback?code=oac_"));

    let code = query_value(&location, "code").unwrap();
    let parsed = Secret::parse(SecretKind::AuthorizationCode, &code);
    assert!(parsed.is_ok(), "{code} is not a well-formed code");
    assert_eq!(SecretHash::of(&code), approval.code.hash);
    assert_eq!(query_value(&location, "state").as_deref(), Some(STATE));
    assert_eq!(query_value(&location, "iss").as_deref(), Some(ISSUER));
    assert_eq!(query_value(&location, "error"), None);
}

/// Asserts that approving in `workspace` is denied and stores nothing.
async fn assert_denied(client: Client, memberships: Vec<Membership>, workspace: &str) {
    let mut store = member_store(memberships);
    store.expect_save_grant().times(0);
    store.expect_insert_code().times(0);

    let service = AuthorizationService::new(Arc::new(store), context());
    let result = service
        .approve(
            &validated(client),
            &UserId::new(USER),
            &WorkspaceId::new(workspace),
        )
        .await;
    let Err(AuthorizationError::Redirect(redirect)) = result else {
        panic!("expected an error redirect, got {result:?}");
    };
    assert_eq!(redirect.error.error, ErrorCode::AccessDenied);
    assert_eq!(redirect.redirect_uri, REDIRECT_URI);
    assert_eq!(redirect.state.as_deref(), Some(STATE));
    assert_eq!(redirect.issuer, ISSUER);
}

#[tokio::test]
async fn approval_outside_memberships_is_denied() {
    let self_registered = Client {
        workspace_id: None,
        ..public_client()
    };
    assert_denied(self_registered, vec![membership(Role::Owner)], "ws_other").await;
}

#[tokio::test]
async fn workspace_app_denied_in_other_workspace() {
    let other = Membership {
        workspace_id: WorkspaceId::new("ws_other"),
        ..membership(Role::Owner)
    };
    let memberships = vec![membership(Role::Member), other];
    assert_denied(public_client(), memberships, "ws_other").await;
}

#[tokio::test]
async fn denial_location_is_exact() {
    let service = AuthorizationService::new(Arc::new(MockStore::new()), context());
    assert_eq!(
        service.deny(&validated(public_client())),
        "https://app.example/callback?error=access_denied\
         &error_description=the+member+denied+the+request\
         &state=af0ifjsldkj&iss=https%3A%2F%2Fauth.example"
    );
}

/// Returns whether `client` needs consent when the member's grant to it in
/// [`WORKSPACE`] has `granted` scopes, or there is none.
async fn needs_consent(client: Client, granted: Option<&str>) -> bool {
    let client_id = client.id.clone();
    let grant = granted.map(|granted| Grant {
        id: GrantId::new(STORED_GRANT),
        user_id: UserId::new(USER),
        client_id: client_id.clone(),
        workspace_id: WorkspaceId::new(WORKSPACE),
        scopes: scopes(granted),
        created_at: NOW,
        updated_at: NOW,
    });
    let mut store = MockStore::new();
    store
        .expect_find_grant()
        .withf(move |user_id, requested, workspace_id| {
            *user_id == UserId::new(USER)
                && *requested == client_id
                && *workspace_id == WorkspaceId::new(WORKSPACE)
        })
        .returning(move |_, _, _| Ok(grant.clone()));

    AuthorizationService::new(Arc::new(store), context())
        .needs_consent(
            &validated(client),
            &UserId::new(USER),
            &WorkspaceId::new(WORKSPACE),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn covering_grant_skips_consent_for_confidential_client() {
    let cases = [
        ("no grant", None, true),
        ("narrower grant", Some("bugs:read"), true),
        (
            "covering grant",
            Some("bugs:read bugs:write offline_access"),
            false,
        ),
    ];
    for (case, granted, expected) in cases {
        let needed = needs_consent(confidential_client(), granted).await;
        assert_eq!(needed, expected, "{case}");
    }
}

#[tokio::test]
async fn public_client_always_needs_consent() {
    for granted in [None, Some("bugs:read"), Some("bugs:read offline_access")] {
        assert!(
            needs_consent(public_client(), granted).await,
            "grant {granted:?}"
        );
    }
}
