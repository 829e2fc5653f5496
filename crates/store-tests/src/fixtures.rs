//! Builders for the records the cases store, all at fixed timestamps so that
//! every expiry is exact.
//!
//! Names passed to the builders become IDs and secret texts (`ws_{name}`,
//! `usr_{name}`, `oat_{name}`, ...), so one store can hold several fixtures
//! side by side. [`Authorization::setup`] stores a workspace, a member, a
//! client and a grant first, so backends that enforce foreign keys accept
//! the codes and tokens built on it.

use oauth_apps_core::client::{
    Client, ClientSecretRecord, ClientStatus, ClientType, Environment, GrantType, PkceMode,
    RegistrationSource,
};
use oauth_apps_core::code::{AuthorizationCode, CodeState};
use oauth_apps_core::directory::{Membership, User, Workspace};
use oauth_apps_core::grant::Grant;
use oauth_apps_core::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use oauth_apps_core::permission::Role;
use oauth_apps_core::pkce::CodeChallenge;
use oauth_apps_core::redirect::RedirectUri;
use oauth_apps_core::scope::ScopeSet;
use oauth_apps_core::secret::SecretHash;
use oauth_apps_core::store::{CodeRedemption, Rotation, Store};
use oauth_apps_core::time::Timestamp;
use oauth_apps_core::token::{AccessTokenRecord, RefreshState, RefreshTokenRecord};

mod devices;
mod registration;

pub use devices::{DEVICE_INTERVAL, DEVICE_LIFETIME};
pub use registration::{initial_access_token, registered_client};

/// The time every fixture starts from: 2023-11-14T22:13:20Z.
pub const T0: Timestamp = Timestamp::from_unix_seconds(1_700_000_000);

/// Lifetime of fixture codes, in seconds.
pub const CODE_LIFETIME: i64 = 600;

/// Lifetime of fixture access tokens, in seconds.
pub const ACCESS_LIFETIME: i64 = 3_600;

/// Lifetime of fixture refresh tokens, in seconds (30 days).
pub const REFRESH_LIFETIME: i64 = 30 * 86_400;

/// Scopes that fixture clients may request and fixture grants hold.
pub const SCOPES: &str = "initiatives:read offline_access profile:read";

/// The S256 challenge of the RFC 7636 appendix B verifier.
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Returns the time `seconds` after [`T0`].
pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0.unix_seconds() + seconds)
}

/// Parses a space-separated scope string.
pub fn scopes(text: &str) -> ScopeSet {
    ScopeSet::parse(text).expect("fixture scopes follow the RFC 6749 grammar")
}

/// Builds workspace `ws_{name}`, created at [`T0`].
pub fn workspace(name: &str) -> Workspace {
    Workspace {
        id: WorkspaceId::new(format!("ws_{name}")),
        name: format!("Workspace {name}"),
        created_at: T0,
    }
}

/// Builds user `usr_{name}` with email `{name}@example.com`.
pub fn user(name: &str) -> User {
    User {
        id: UserId::new(format!("usr_{name}")),
        email: format!("{name}@example.com"),
        display_name: format!("User {name}"),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".to_owned()),
        created_at: T0,
    }
}

/// Builds the membership of `user_id` in `workspace_id` with `role`.
pub fn membership(workspace_id: &WorkspaceId, user_id: &UserId, role: Role) -> Membership {
    Membership {
        workspace_id: workspace_id.clone(),
        user_id: user_id.clone(),
        role,
    }
}

/// Builds confidential client `app_{name}` managed by `workspace_id`,
/// created at `created_at`, with two secrets (one expiring) and every
/// optional field set.
pub fn client(name: &str, workspace_id: Option<&WorkspaceId>, created_at: Timestamp) -> Client {
    let redirect_uris = [
        format!("https://{name}.example.com/callback"),
        "http://127.0.0.1/callback".to_owned(),
    ]
    .iter()
    .map(|uri| RedirectUri::parse(uri).expect("fixture redirect URIs are valid"))
    .collect();
    Client {
        id: ClientId::new(format!("app_{name}")),
        workspace_id: workspace_id.cloned(),
        name: format!("App {name}"),
        description: format!("Fixture app {name}"),
        homepage_url: Some(format!("https://{name}.example.com")),
        client_type: ClientType::Confidential,
        redirect_uris,
        allowed_scopes: scopes(SCOPES),
        default_scopes: scopes("profile:read"),
        pkce: PkceMode::Optional,
        environment: Environment::Staging,
        source: RegistrationSource::Dashboard,
        status: ClientStatus::Active,
        secrets: vec![
            ClientSecretRecord {
                hash: SecretHash::of(&format!("ocs_{name}_new")),
                created_at,
                expires_at: None,
            },
            ClientSecretRecord {
                hash: SecretHash::of(&format!("ocs_{name}_old")),
                created_at,
                expires_at: Some(at(86_400)),
            },
        ],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        auth_method: None,
        resource_server: false,
        registration: None,
        created_at,
    }
}

/// Builds grant `grt_{name}` of `user_id` to `client_id` in `workspace_id`,
/// created and updated at `created_at`.
pub fn grant(
    name: &str,
    user_id: &UserId,
    client_id: &ClientId,
    workspace_id: &WorkspaceId,
    scope_text: &str,
    created_at: Timestamp,
) -> Grant {
    Grant {
        id: GrantId::new(format!("grt_{name}")),
        user_id: user_id.clone(),
        client_id: client_id.clone(),
        workspace_id: workspace_id.clone(),
        scopes: scopes(scope_text),
        created_at,
        updated_at: created_at,
    }
}

/// One member's approval of one client in one workspace, stored together
/// with everything it refers to. Codes and tokens are built on it.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The workspace.
    pub workspace: Workspace,
    /// The member, an admin of the workspace.
    pub user: User,
    /// The client, managed by the workspace.
    pub client: Client,
    /// The stored grant, with [`SCOPES`].
    pub grant: Grant,
}

impl Authorization {
    /// Builds the records named after `name` without storing them.
    pub fn build(name: &str) -> Authorization {
        let workspace = workspace(name);
        let user = user(name);
        let client = client(name, Some(&workspace.id), T0);
        let grant = grant(name, &user.id, &client.id, &workspace.id, SCOPES, T0);
        Authorization {
            workspace,
            user,
            client,
            grant,
        }
    }

    /// Builds the records named after `name` and stores them in `store`,
    /// the grant included.
    pub async fn setup<S: Store + ?Sized>(store: &S, name: &str) -> Authorization {
        let authorization = Authorization::build(name);
        authorization.store_parties(store).await;
        store
            .save_grant(&authorization.grant)
            .await
            .expect("save_grant failed");
        authorization
    }

    /// Stores the workspace, the member with their membership, and the
    /// client, but not the grant.
    pub async fn store_parties<S: Store + ?Sized>(&self, store: &S) {
        store
            .insert_workspace(&self.workspace)
            .await
            .expect("insert_workspace failed");
        store
            .insert_user(&self.user)
            .await
            .expect("insert_user failed");
        let admin = membership(&self.workspace.id, &self.user.id, Role::Admin);
        store
            .put_membership(&admin)
            .await
            .expect("put_membership failed");
        store
            .insert_client(&self.client)
            .await
            .expect("insert_client failed");
    }

    /// Builds code `oac_{name}`, issued at [`T0`] and valid for
    /// [`CODE_LIFETIME`], whose redemption creates family `fam_{name}`.
    pub fn code(&self, name: &str) -> AuthorizationCode {
        AuthorizationCode {
            hash: SecretHash::of(&format!("oac_{name}")),
            client_id: self.client.id.clone(),
            redirect_uri: self.client.redirect_uris[0].as_str().to_owned(),
            user_id: self.user.id.clone(),
            workspace_id: self.workspace.id.clone(),
            grant_id: self.grant.id.clone(),
            scopes: self.grant.scopes.clone(),
            challenge: Some(CodeChallenge::parse(CHALLENGE).expect("RFC 7636 challenge parses")),
            resource: None,
            family_id: FamilyId::new(format!("fam_{name}")),
            issued_at: T0,
            expires_at: at(CODE_LIFETIME),
            state: CodeState::Issued,
        }
    }

    /// Stores code `oac_{name}` and redeems it at `at(1)`, which creates
    /// and returns family `fam_{name}`.
    pub async fn open_family<S: Store + ?Sized>(&self, store: &S, name: &str) -> FamilyId {
        let code = self.code(name);
        store.insert_code(&code).await.expect("insert_code failed");
        let redemption = store
            .redeem_code(&code.hash, at(1))
            .await
            .expect("redeem_code failed");
        assert!(
            matches!(redemption, CodeRedemption::Redeemed(_)),
            "redeeming fresh code {name} returned {redemption:?}, expected Redeemed"
        );
        code.family_id
    }

    /// Builds access token `oat_{name}` in `family_id`, issued at
    /// `issued_at` and valid for [`ACCESS_LIFETIME`].
    pub fn access_token(
        &self,
        family_id: &FamilyId,
        name: &str,
        issued_at: Timestamp,
    ) -> AccessTokenRecord {
        AccessTokenRecord {
            hash: SecretHash::of(&format!("oat_{name}")),
            family_id: family_id.clone(),
            client_id: self.client.id.clone(),
            user_id: self.user.id.clone(),
            workspace_id: self.workspace.id.clone(),
            scopes: scopes("initiatives:read profile:read"),
            audience: None,
            issued_at,
            expires_at: Timestamp::from_unix_seconds(issued_at.unix_seconds() + ACCESS_LIFETIME),
            revoked_at: None,
        }
    }

    /// Builds active refresh token `ort_{name}` in `family_id`, issued at
    /// `issued_at` and valid for [`REFRESH_LIFETIME`].
    pub fn refresh_token(
        &self,
        family_id: &FamilyId,
        name: &str,
        issued_at: Timestamp,
    ) -> RefreshTokenRecord {
        RefreshTokenRecord {
            hash: SecretHash::of(&format!("ort_{name}")),
            family_id: family_id.clone(),
            client_id: self.client.id.clone(),
            user_id: self.user.id.clone(),
            workspace_id: self.workspace.id.clone(),
            scopes: self.grant.scopes.clone(),
            resource: None,
            issued_at,
            expires_at: Timestamp::from_unix_seconds(issued_at.unix_seconds() + REFRESH_LIFETIME),
            state: RefreshState::Active,
        }
    }

    /// Stores access token `oat_{name}` and refresh token `ort_{name}`,
    /// issued at `at(2)`, in `family_id` and returns them.
    pub async fn issue_tokens<S: Store + ?Sized>(
        &self,
        store: &S,
        family_id: &FamilyId,
        name: &str,
    ) -> (AccessTokenRecord, RefreshTokenRecord) {
        let access = self.access_token(family_id, name, at(2));
        let refresh = self.refresh_token(family_id, name, at(2));
        store
            .insert_tokens(&access, Some(&refresh))
            .await
            .expect("insert_tokens failed");
        (access, refresh)
    }

    /// Builds access token `oat_{name}` and refresh token `ort_{name}`,
    /// issued at `now` in the family of `old`, and rotates `old` to them.
    /// Returns the outcome and the new tokens, stored only when the outcome
    /// is [`Rotation::Rotated`].
    pub async fn rotate<S: Store + ?Sized>(
        &self,
        store: &S,
        old: &RefreshTokenRecord,
        name: &str,
        now: Timestamp,
    ) -> (Rotation, AccessTokenRecord, RefreshTokenRecord) {
        let access = self.access_token(&old.family_id, name, now);
        let refresh = self.refresh_token(&old.family_id, name, now);
        let rotation = store
            .rotate_refresh_token(&old.hash, &access, &refresh, now)
            .await
            .expect("rotate_refresh_token failed");
        (rotation, access, refresh)
    }
}
