//! The `mockall` store the service tests run against: one mock that
//! implements every store trait, so it satisfies [`crate::store::Store`].

use async_trait::async_trait;
use mockall::mock;

use crate::client::Client;
use crate::code::AuthorizationCode;
use crate::device::{DeviceAuthorization, DeviceEvent, DeviceRejection};
use crate::directory::{Membership, User, Workspace};
use crate::grant::Grant;
use crate::ids::{ClientId, FamilyId, GrantId, UserId, WorkspaceId};
use crate::secret::SecretHash;
use crate::store::{
    ClientStore, CodeRedemption, CodeStore, DevicePoll, DeviceStore, DirectoryStore, GrantStore,
    InitialAccessToken, InitialAccessTokenStore, Rotation, StoreResult, TokenStore,
};
use crate::time::Timestamp;
use crate::token::{AccessTokenRecord, RefreshTokenRecord};

mock! {
    pub Store {}

    #[async_trait]
    impl DirectoryStore for Store {
        async fn insert_workspace(&self, workspace: &Workspace) -> StoreResult<()>;
        async fn find_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>>;
        async fn insert_user(&self, user: &User) -> StoreResult<()>;
        async fn find_user(&self, id: &UserId) -> StoreResult<Option<User>>;
        async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
        async fn put_membership(&self, membership: &Membership) -> StoreResult<()>;
        async fn find_membership(
            &self,
            workspace_id: &WorkspaceId,
            user_id: &UserId,
        ) -> StoreResult<Option<Membership>>;
        async fn memberships_of_user(&self, user_id: &UserId) -> StoreResult<Vec<Membership>>;
    }

    #[async_trait]
    impl ClientStore for Store {
        async fn insert_client(&self, client: &Client) -> StoreResult<()>;
        async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>>;
        async fn clients_of_workspace(
            &self,
            workspace_id: &WorkspaceId,
        ) -> StoreResult<Vec<Client>>;
        async fn update_client(&self, client: &Client) -> StoreResult<bool>;
        async fn delete_client(&self, id: &ClientId, now: Timestamp) -> StoreResult<bool>;
        async fn find_client_by_fingerprint(
            &self,
            fingerprint: &SecretHash,
        ) -> StoreResult<Option<Client>>;
        async fn registered_clients(&self) -> StoreResult<Vec<Client>>;
        async fn record_first_approval(
            &self,
            id: &ClientId,
            user_id: &UserId,
            now: Timestamp,
        ) -> StoreResult<()>;
        async fn delete_unapproved_registrations(
            &self,
            created_before: Timestamp,
        ) -> StoreResult<u64>;
    }

    #[async_trait]
    impl InitialAccessTokenStore for Store {
        async fn insert_initial_access_token(
            &self,
            token: &InitialAccessToken,
        ) -> StoreResult<()>;
        async fn find_initial_access_token(
            &self,
            hash: &SecretHash,
        ) -> StoreResult<Option<InitialAccessToken>>;
    }

    #[async_trait]
    impl DeviceStore for Store {
        async fn insert_device_authorization(
            &self,
            authorization: &DeviceAuthorization,
        ) -> StoreResult<()>;
        async fn find_device_by_user_code(
            &self,
            user_code_hash: &SecretHash,
        ) -> StoreResult<Option<DeviceAuthorization>>;
        async fn decide_device(
            &self,
            user_code_hash: &SecretHash,
            event: DeviceEvent,
            now: Timestamp,
        ) -> StoreResult<Option<Result<(), DeviceRejection>>>;
        async fn poll_device(
            &self,
            device_code_hash: &SecretHash,
            now: Timestamp,
        ) -> StoreResult<DevicePoll>;
    }

    #[async_trait]
    impl GrantStore for Store {
        async fn save_grant(&self, grant: &Grant) -> StoreResult<Grant>;
        async fn find_grant(
            &self,
            user_id: &UserId,
            client_id: &ClientId,
            workspace_id: &WorkspaceId,
        ) -> StoreResult<Option<Grant>>;
        async fn grants_of_user(&self, user_id: &UserId) -> StoreResult<Vec<Grant>>;
        async fn revoke_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<bool>;
        async fn revoke_client_grants(
            &self,
            client_id: &ClientId,
            now: Timestamp,
        ) -> StoreResult<u64>;
    }

    #[async_trait]
    impl CodeStore for Store {
        async fn insert_code(&self, code: &AuthorizationCode) -> StoreResult<()>;
        async fn redeem_code(
            &self,
            hash: &SecretHash,
            now: Timestamp,
        ) -> StoreResult<CodeRedemption>;
    }

    #[async_trait]
    impl TokenStore for Store {
        // `mockall` needs a named lifetime for the reference inside
        // `Option<&_>`, and naming only that one fails to compile, so every
        // reference gets its own.
        async fn insert_tokens<'a, 'b, 'c>(
            &'a self,
            access: &'b AccessTokenRecord,
            refresh: Option<&'c RefreshTokenRecord>,
        ) -> StoreResult<()>;
        async fn find_access_token(
            &self,
            hash: &SecretHash,
        ) -> StoreResult<Option<AccessTokenRecord>>;
        async fn find_refresh_token(
            &self,
            hash: &SecretHash,
        ) -> StoreResult<Option<RefreshTokenRecord>>;
        async fn rotate_refresh_token(
            &self,
            old: &SecretHash,
            access: &AccessTokenRecord,
            refresh: &RefreshTokenRecord,
            now: Timestamp,
        ) -> StoreResult<Rotation>;
        async fn revoke_access_token(&self, hash: &SecretHash, now: Timestamp) -> StoreResult<bool>;
        async fn revoke_family(&self, id: &FamilyId, now: Timestamp) -> StoreResult<bool>;
    }
}
