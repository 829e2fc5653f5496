//! Operator actions on registration: minting initial access tokens, listing
//! self-registered clients, revoking, blocking and unblocking clients, and
//! deleting registrations no member approved in time.

use std::time::Duration;

use crate::client::{Client, ClientStatus};
use crate::error::{ErrorCode, ServiceError};
use crate::ids::ClientId;
use crate::secret::{Secret, SecretKind};
use crate::service::registration::RegistrationService;
use crate::store::{InitialAccessToken, Store};
use crate::time::Timestamp;

/// Maximum length of an initial access token's label, in characters.
pub const MAX_TOKEN_LABEL_LEN: usize = 100;

fn invalid(description: impl Into<String>) -> ServiceError {
    ServiceError::rejected(ErrorCode::InvalidRequest, description)
}

impl<S: Store> RegistrationService<S> {
    /// Mints an initial access token (`oiat_`) valid for `expires_in`, or
    /// with no end when `None`. Returns its record and the token, which is
    /// shown once and never stored.
    pub async fn create_initial_access_token(
        &self,
        label: &str,
        expires_in: Option<Duration>,
    ) -> Result<(InitialAccessToken, Secret), ServiceError> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > MAX_TOKEN_LABEL_LEN {
            return Err(invalid(format!(
                "the label must be 1 to {MAX_TOKEN_LABEL_LEN} characters"
            )));
        }
        if expires_in.is_some_and(|duration| duration.is_zero()) {
            return Err(invalid("the lifetime must be at least 1 second"));
        }

        let now = self.context.clock.now();
        let secret = Secret::generate(SecretKind::InitialAccessToken, self.random());
        let token = InitialAccessToken {
            hash: secret.hash(),
            label: label.to_owned(),
            created_at: now,
            expires_at: expires_in.map(|duration| now + duration),
        };
        self.store.insert_initial_access_token(&token).await?;
        tracing::info!(label, "initial access token created");
        Ok((token, secret))
    }

    /// Returns every self-registered client, oldest first.
    pub async fn registered_clients(&self) -> Result<Vec<Client>, ServiceError> {
        Ok(self.store.registered_clients().await?)
    }

    /// Deletes every grant to the client and revokes their tokens. Returns
    /// how many grants were deleted.
    pub async fn revoke_client(&self, client_id: &str) -> Result<u64, ServiceError> {
        let client = self.existing_client(client_id).await?;
        let now = self.context.clock.now();
        let revoked = self.store.revoke_client_grants(&client.id, now).await?;
        tracing::info!(client_id = %client.id, grants = revoked, "client access revoked");
        Ok(revoked)
    }

    /// Suspends the client, so every request of it is rejected, then
    /// revokes its grants and tokens. Returns how many grants were deleted.
    pub async fn block_client(&self, client_id: &str) -> Result<u64, ServiceError> {
        self.set_status(client_id, ClientStatus::Suspended).await?;
        let revoked = self.revoke_client(client_id).await?;
        tracing::info!(client_id, "client blocked");
        Ok(revoked)
    }

    /// Makes a blocked client active again. Its revoked grants stay revoked.
    pub async fn unblock_client(&self, client_id: &str) -> Result<(), ServiceError> {
        self.set_status(client_id, ClientStatus::Active).await?;
        tracing::info!(client_id, "client unblocked");
        Ok(())
    }

    /// Deletes self-registered clients that no member approved within
    /// `max_age` of their registration. Returns how many were deleted.
    pub async fn delete_unapproved(&self, max_age: Duration) -> Result<u64, ServiceError> {
        let now = self.context.clock.now();
        let age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        let created_before = Timestamp::from_unix_seconds(now.unix_seconds().saturating_sub(age));
        Ok(self
            .store
            .delete_unapproved_registrations(created_before)
            .await?)
    }

    async fn existing_client(&self, client_id: &str) -> Result<Client, ServiceError> {
        self.store
            .find_client(&ClientId::new(client_id))
            .await?
            .ok_or_else(|| invalid(format!("no client has the ID {client_id:?}")))
    }

    async fn set_status(&self, client_id: &str, status: ClientStatus) -> Result<(), ServiceError> {
        let mut client = self.existing_client(client_id).await?;
        client.status = status;
        if !self.store.update_client(&client).await? {
            return Err(invalid(format!("no client has the ID {client_id:?}")));
        }
        Ok(())
    }
}
