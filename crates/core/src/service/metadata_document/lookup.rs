//! Finding the client that a metadata-document `client_id` names: the
//! stored client while its document is fresh, otherwise a fetch through the
//! [`ClientMetadataResolver`] and an insert or update of the stored client.

use std::sync::Arc;

use crate::client::{Client, RegistrationSource};
use crate::error::{ErrorCode, OAuthError, StoreError};
use crate::ids::ClientId;
use crate::service::metadata_document::{
    ClientMetadataResolver, check_client_id_url, client_from_document, names_metadata_document,
};
use crate::service::{AuthorizationError, AuthorizationService};
use crate::store::Store;
use crate::time::Timestamp;

impl<S: Store> AuthorizationService<S> {
    /// Lets clients identify themselves by the URL of a metadata document,
    /// fetched through `resolver`. Without a resolver such client IDs are
    /// unknown.
    pub fn with_metadata_resolver(mut self, resolver: Arc<dyn ClientMetadataResolver>) -> Self {
        self.metadata_resolver = Some(resolver);
        self
    }

    /// Returns whether a resolver is set, so client IDs may be metadata
    /// document URLs.
    pub fn accepts_metadata_documents(&self) -> bool {
        self.metadata_resolver.is_some()
    }

    /// Returns the client with `client_id`. A `client_id` that names a
    /// metadata document is fetched when no client is stored for it or its
    /// stored copy has expired, and the checked client is stored.
    pub(in crate::service) async fn find_or_fetch_client(
        &self,
        client_id: &str,
    ) -> Result<Option<Client>, AuthorizationError> {
        let stored = self.store.find_client(&ClientId::new(client_id)).await?;
        let Some(resolver) = self.metadata_resolver.as_ref() else {
            return Ok(stored);
        };
        let now = self.context.clock.now();
        let fresh = stored.as_ref().is_some_and(|client| {
            client.source != RegistrationSource::MetadataDocument || !is_expired(client, now)
        });
        if fresh || !names_metadata_document(client_id) {
            return Ok(stored);
        }

        let reject = |reason: String| {
            tracing::info!(client_id, reason, "client ID metadata document rejected");
            AuthorizationError::ErrorPage(OAuthError::new(
                ErrorCode::InvalidClient,
                format!("the client ID metadata document at {client_id} was rejected: {reason}"),
            ))
        };
        check_client_id_url(client_id).map_err(reject)?;
        // NOTE: no rate limit or negative cache here; see the module docs.
        let resolved = resolver
            .resolve(client_id)
            .await
            .map_err(|error| reject(error.description))?;
        let client = client_from_document(
            client_id,
            &resolved,
            &self.context.catalog,
            stored.as_ref(),
            now,
        )
        .map_err(reject)?;

        self.save_document_client(&client, stored.is_some()).await?;
        tracing::info!(client_id, "client ID metadata document fetched and stored");
        Ok(Some(client))
    }

    /// Inserts or updates `client`; an insert that loses a race with a
    /// concurrent fetch updates instead.
    async fn save_document_client(&self, client: &Client, stored: bool) -> Result<(), StoreError> {
        if !stored {
            match self.store.insert_client(client).await {
                Err(StoreError::Conflict(_)) => {}
                result => return result,
            }
        }
        self.store.update_client(client).await.map(|_| ())
    }
}

fn is_expired(client: &Client, now: Timestamp) -> bool {
    let expires_at = client
        .registration
        .as_ref()
        .and_then(|registration| registration.metadata_expires_at);
    expires_at.is_none_or(|expires_at| expires_at <= now)
}
