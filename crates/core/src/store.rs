//! Store traits: what the core needs from persistence, and the semantics
//! every backend must provide.
//!
//! Operations that guard an invariant across requests are atomic in the
//! store itself: [`CodeStore::redeem_code`], [`TokenStore::rotate_refresh_token`],
//! [`TokenStore::revoke_family`] and [`GrantStore::revoke_grant`]. A backend
//! must return the same result however many callers race, and the
//! `oauth-apps-store-tests` suite checks that it does.

use async_trait::async_trait;

use crate::client::Client;
use crate::code::AuthorizationCode;
use crate::device::{DeviceAuthorization, DeviceEvent, DeviceRejection};
use crate::directory::{Membership, User, Workspace};
use crate::error::StoreError;
use crate::grant::Grant;
use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::secret::SecretHash;
use crate::time::Timestamp;
use crate::token::{AccessTokenRecord, RefreshTokenRecord};

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Workspaces, users and memberships.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Inserts a workspace; [`StoreError::Conflict`] if the ID is taken.
    async fn insert_workspace(&self, workspace: &Workspace) -> StoreResult<()>;
    /// Returns the workspace with `id`.
    async fn find_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>>;
    /// Inserts a user; [`StoreError::Conflict`] if the ID or email is taken.
    async fn insert_user(&self, user: &User) -> StoreResult<()>;
    /// Returns the user with `id`.
    async fn find_user(&self, id: &UserId) -> StoreResult<Option<User>>;
    /// Returns the user with `email`, which is already normalised.
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Inserts a membership or replaces the role of an existing one.
    async fn put_membership(&self, membership: &Membership) -> StoreResult<()>;
    /// Returns the membership of `user_id` in `workspace_id`.
    async fn find_membership(
        &self,
        workspace_id: &WorkspaceId,
        user_id: &UserId,
    ) -> StoreResult<Option<Membership>>;
    /// Returns every membership of `user_id`.
    async fn memberships_of_user(&self, user_id: &UserId) -> StoreResult<Vec<Membership>>;
}

/// OAuth clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Inserts a client; [`StoreError::Conflict`] if the ID is taken, or if
    /// `registration.fingerprint` is set and another client has it.
    async fn insert_client(&self, client: &Client) -> StoreResult<()>;
    /// Returns the client with `id`.
    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>>;
    /// Returns the clients managed by `workspace_id`, oldest first.
    async fn clients_of_workspace(&self, workspace_id: &WorkspaceId) -> StoreResult<Vec<Client>>;
    /// Replaces the stored client with the same ID. Returns `false` when
    /// no client has this ID.
    async fn update_client(&self, client: &Client) -> StoreResult<bool>;
    /// Deletes a client and, in the same atomic step, deletes its grants
    /// and revokes every token family issued to it. Returns `false` when no
    /// client has this ID.
    async fn delete_client(&self, id: &ClientId, now: Timestamp) -> StoreResult<bool>;
    /// Returns the self-registered client whose `registration.fingerprint`
    /// is `fingerprint`.
    async fn find_client_by_fingerprint(
        &self,
        fingerprint: &SecretHash,
    ) -> StoreResult<Option<Client>>;
    /// Returns every self-registered client (source other than
    /// `Dashboard`), oldest first.
    async fn registered_clients(&self) -> StoreResult<Vec<Client>>;
    /// Records the first approval of a self-registered client: sets
    /// `registration.first_approved_by` and `first_approved_at` unless they
    /// are already set. Does nothing for admin-registered apps.
    async fn record_first_approval(
        &self,
        id: &ClientId,
        user_id: &UserId,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Deletes self-registered clients that no member ever approved and that
    /// were created before `created_before`. Returns how many were deleted.
    async fn delete_unapproved_registrations(&self, created_before: Timestamp) -> StoreResult<u64>;
}

/// An initial access token an admin minted to allow dynamic registration
/// when it is not open (RFC 7591 section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialAccessToken {
    /// SHA-256 of the token text.
    pub hash: SecretHash,
    /// Label the admin gave it, shown in listings.
    pub label: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// End of validity, or `None` for no end.
    pub expires_at: Option<Timestamp>,
}

/// Initial access tokens for dynamic client registration.
#[async_trait]
pub trait InitialAccessTokenStore: Send + Sync {
    /// Inserts a token; [`StoreError::Conflict`] if the hash exists.
    async fn insert_initial_access_token(&self, token: &InitialAccessToken) -> StoreResult<()>;
    /// Returns the token with `hash`.
    async fn find_initial_access_token(
        &self,
        hash: &SecretHash,
    ) -> StoreResult<Option<InitialAccessToken>>;
}

/// Outcome of [`DeviceStore::poll_device`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "returned once per poll and matched at once; boxing buys nothing"
)]
pub enum DevicePoll {
    /// This poll redeemed the approved authorization and created its token
    /// family; the record is returned as it is now stored.
    Redeemed(DeviceAuthorization),
    /// Not redeemed; the reason, after the poll time and interval were
    /// stored.
    Rejected(DeviceRejection),
    /// No device authorization has this device code.
    NotFound,
}

/// Device authorizations (RFC 8628).
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Inserts a new device authorization; [`StoreError::Conflict`] if its
    /// device code or user code hash is taken.
    async fn insert_device_authorization(
        &self,
        authorization: &DeviceAuthorization,
    ) -> StoreResult<()>;
    /// Returns the device authorization with this user code hash.
    async fn find_device_by_user_code(
        &self,
        user_code_hash: &SecretHash,
    ) -> StoreResult<Option<DeviceAuthorization>>;
    /// Applies a member's decision following [`crate::device::transition`],
    /// atomically: of concurrent decisions exactly one succeeds. Returns
    /// `None` when no authorization has this user code.
    async fn decide_device(
        &self,
        user_code_hash: &SecretHash,
        event: DeviceEvent,
        now: Timestamp,
    ) -> StoreResult<Option<Result<(), DeviceRejection>>>;
    /// Applies a poll following [`crate::device::transition`], atomically:
    /// of concurrent polls of an approved authorization exactly one returns
    /// [`DevicePoll::Redeemed`], and that one also creates the active token
    /// family `family_id` from the approval.
    async fn poll_device(
        &self,
        device_code_hash: &SecretHash,
        now: Timestamp,
    ) -> StoreResult<DevicePoll>;
}

/// Grants (consents).
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Records an approval. When a grant for the same user, client and
    /// workspace exists, its scopes become the union of both and its
    /// `updated_at` the new one, keeping its ID; otherwise `grant` is
    /// inserted. Returns the stored grant. Atomic per (user, client, workspace).
    async fn save_grant(&self, grant: &Grant) -> StoreResult<Grant>;
    /// Returns the grant of `user_id` to `client_id` in `workspace_id`.
    async fn find_grant(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
        workspace_id: &WorkspaceId,
    ) -> StoreResult<Option<Grant>>;
    /// Returns every grant of `user_id`, oldest first.
    async fn grants_of_user(&self, user_id: &UserId) -> StoreResult<Vec<Grant>>;
    /// Deletes the grant and, in the same atomic step, revokes every token
    /// family issued under it, with all their tokens. Returns `false` when
    /// no such grant exists.
    async fn revoke_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<bool>;
    /// Deletes every grant to `client_id` and revokes their token families,
    /// in one atomic step. Returns how many grants were deleted.
    async fn revoke_client_grants(&self, client_id: &ClientId, now: Timestamp) -> StoreResult<u64>;
}

/// Outcome of [`CodeStore::redeem_code`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// This call redeemed the code and created its token family.
    Redeemed(AuthorizationCode),
    /// The code had been redeemed before; this call revoked the family the
    /// first redemption created.
    AlreadyRedeemed(AuthorizationCode),
    /// The code exists but has expired; nothing changed.
    Expired,
    /// No code has this hash.
    NotFound,
}

/// Authorization codes.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Inserts an issued code.
    async fn insert_code(&self, code: &AuthorizationCode) -> StoreResult<()>;
    /// Redeems the code with `hash` following [`crate::code::transition`],
    /// atomically: of any number of concurrent calls for one code, exactly
    /// one returns [`CodeRedemption::Redeemed`]. That call also creates the
    /// active token family `code.family_id`. Every later call revokes that
    /// family and returns [`CodeRedemption::AlreadyRedeemed`].
    async fn redeem_code(&self, hash: &SecretHash, now: Timestamp) -> StoreResult<CodeRedemption>;
}

/// Outcome of [`TokenStore::rotate_refresh_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The old token is now rotated and the new tokens are stored.
    Rotated,
    /// The old token had been rotated before: this call revoked its family
    /// and stored nothing.
    Reused,
    /// The old token was active but it or its family is revoked; nothing
    /// changed. (A rotated token is reported [`Rotation::Reused`] instead.)
    Revoked,
    /// The old token has expired; nothing changed.
    Expired,
    /// No refresh token has this hash.
    NotFound,
}

/// Access tokens, refresh tokens and token families.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores the tokens of a new authorization in an existing family.
    async fn insert_tokens(
        &self,
        access: &AccessTokenRecord,
        refresh: Option<&RefreshTokenRecord>,
    ) -> StoreResult<()>;
    /// Returns the access token with `hash`, with `revoked_at` set when the
    /// token or its family is revoked.
    async fn find_access_token(&self, hash: &SecretHash) -> StoreResult<Option<AccessTokenRecord>>;
    /// Returns the refresh token with `hash`, in state `Revoked` when the
    /// token or its family is revoked.
    async fn find_refresh_token(
        &self,
        hash: &SecretHash,
    ) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Rotates the refresh token `old` following [`crate::token::transition`],
    /// atomically: of any number of concurrent calls for one token, exactly
    /// one returns [`Rotation::Rotated`] and stores `access` and `refresh`;
    /// the others revoke the family and return [`Rotation::Reused`]. A token
    /// that was rotated is reported `Reused` even after its family has been
    /// revoked; an active token of a revoked family is reported `Revoked`.
    async fn rotate_refresh_token(
        &self,
        old: &SecretHash,
        access: &AccessTokenRecord,
        refresh: &RefreshTokenRecord,
        now: Timestamp,
    ) -> StoreResult<Rotation>;
    /// Revokes one access token. Returns `false` when none has this hash.
    async fn revoke_access_token(&self, hash: &SecretHash, now: Timestamp) -> StoreResult<bool>;
    /// Revokes a family with every token in it. Returns `false` when no
    /// family has this ID.
    async fn revoke_family(&self, id: &FamilyId, now: Timestamp) -> StoreResult<bool>;
}

/// Everything a complete backend implements.
pub trait Store:
    DirectoryStore
    + ClientStore
    + GrantStore
    + CodeStore
    + TokenStore
    + InitialAccessTokenStore
    + DeviceStore
{
}

impl<T> Store for T where
    T: DirectoryStore
        + ClientStore
        + GrantStore
        + CodeStore
        + TokenStore
        + InitialAccessTokenStore
        + DeviceStore
{
}
