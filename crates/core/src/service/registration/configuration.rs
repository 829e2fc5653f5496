//! The client configuration endpoint (RFC 7592 section 2): reading,
//! updating and deleting a self-registered client, each authorised by the
//! client's registration access token.

use crate::client::{Client, ClientType};
use crate::error::{ErrorCode, ServiceError, StoreError};
use crate::ids::ClientId;
use crate::secret::{Secret, SecretKind};
use crate::service::registration::{
    ClientMetadata, RegistrationService, ValidatedMetadata, check_usable_scopes, invalid_token,
    new_client, validate,
};
use crate::store::Store;

impl<S: Store> RegistrationService<S> {
    /// Returns the client that `registration_access_token` manages
    /// (RFC 7592 section 2.1).
    pub async fn read(
        &self,
        client_id: &str,
        registration_access_token: &str,
    ) -> Result<Client, ServiceError> {
        self.authorize(client_id, registration_access_token).await
    }

    /// Replaces the client's metadata with `metadata` (RFC 7592 section
    /// 2.2), under the same rules as a registration. Secrets, the
    /// registration access token and the client ID stay. When the name or
    /// the redirect URIs change, every grant to the client is revoked with
    /// its tokens, so no remembered consent carries over to a name or URIs
    /// members never saw.
    pub async fn update(
        &self,
        client_id: &str,
        registration_access_token: &str,
        metadata: &ClientMetadata,
    ) -> Result<Client, ServiceError> {
        let client = self.authorize(client_id, registration_access_token).await?;
        let validated = validate(metadata, &self.context.catalog)?;
        self.check_update(&client, metadata, &validated)?;

        let mut registration = client.registration.clone().unwrap_or_default();
        registration.fingerprint = (client.client_type == ClientType::Public)
            .then(|| validated.fingerprint(registration.source_address.as_deref()));
        registration.software_id = validated.software_id.clone();
        registration.software_version = validated.software_version.clone();
        let mut updated = new_client(
            client.id.clone(),
            &validated,
            None,
            registration,
            &self.context,
            client.created_at,
        );
        check_usable_scopes(&updated)?;
        updated.secrets = client.secrets;
        updated.status = client.status;

        match self.store.update_client(&updated).await {
            Ok(true) => {}
            Ok(false) => return Err(invalid_token("the registration access token is invalid")),
            Err(StoreError::Conflict(_)) => {
                return Err(ServiceError::rejected(
                    ErrorCode::InvalidClientMetadata,
                    "an identical client is already registered from this address",
                ));
            }
            Err(error) => return Err(error.into()),
        }
        tracing::info!(client_id = %updated.id, "registered client updated");

        // Members approved the client under its old name and redirect
        // URIs; remembered consent must not carry over to new ones.
        if updated.redirect_uris != client.redirect_uris || updated.name != client.name {
            let now = self.context.clock.now();
            let revoked = self.store.revoke_client_grants(&updated.id, now).await?;
            tracing::info!(client_id = %updated.id, revoked, "name or redirect URIs changed; grants revoked");
        }
        Ok(updated)
    }

    /// Deletes the client with its grants and tokens (RFC 7592 section 2.3).
    pub async fn delete(
        &self,
        client_id: &str,
        registration_access_token: &str,
    ) -> Result<(), ServiceError> {
        let client = self.authorize(client_id, registration_access_token).await?;
        let now = self.context.clock.now();
        if !self.store.delete_client(&client.id, now).await? {
            return Err(invalid_token("the registration access token is invalid"));
        }
        tracing::info!(client_id = %client.id, "registered client deleted");
        Ok(())
    }

    /// Finds the self-registered client `client_id` whose registration
    /// access token is `presented`. Every failure looks the same, so the
    /// endpoint does not reveal which client IDs exist.
    async fn authorize(&self, client_id: &str, presented: &str) -> Result<Client, ServiceError> {
        let rejected = |reason: &str| {
            tracing::info!(client_id, reason, "registration access token rejected");
            invalid_token("the registration access token is invalid")
        };
        let Ok(secret) = Secret::parse(SecretKind::RegistrationToken, presented) else {
            return Err(rejected("malformed token"));
        };
        let Some(client) = self.store.find_client(&ClientId::new(client_id)).await? else {
            return Err(rejected("unknown client"));
        };
        let stored = client
            .registration
            .as_ref()
            .and_then(|registration| registration.access_token_hash);
        match stored {
            Some(hash) if hash == secret.hash() => Ok(client),
            _ => Err(rejected("token does not match")),
        }
    }

    /// Checks the RFC 7592 section 2.2 rules of an update body.
    fn check_update(
        &self,
        client: &Client,
        metadata: &ClientMetadata,
        validated: &ValidatedMetadata,
    ) -> Result<(), ServiceError> {
        let invalid = |description: &str| {
            ServiceError::rejected(ErrorCode::InvalidClientMetadata, description)
        };
        if metadata
            .client_id
            .as_deref()
            .is_some_and(|id| id != client.id.as_str())
        {
            return Err(invalid("client_id in the body does not name this client"));
        }
        if let Some(secret) = &metadata.client_secret {
            let now = self.context.clock.now();
            if !client.secret_matches(&crate::secret::SecretHash::of(secret), now) {
                return Err(invalid(
                    "client_secret in the body is not the client's secret",
                ));
            }
        }
        if validated.client_type() != client.client_type {
            return Err(invalid(
                "token_endpoint_auth_method cannot change between none and a secret method: \
                 register a new client instead",
            ));
        }
        Ok(())
    }
}
