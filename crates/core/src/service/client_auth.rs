//! Client authentication at the token, revocation and introspection
//! endpoints (RFC 6749 section 2.3): `client_secret_basic`,
//! `client_secret_post`, and `none` for public clients.
//!
//! An unknown client and a wrong secret produce the same `invalid_client`
//! error, so the endpoint cannot be used to find out which client IDs exist.

use std::fmt;

use crate::client::{Client, ClientStatus, ClientType, TokenEndpointAuthMethod};
use crate::error::{ErrorCode, ServiceError};
use crate::ids::ClientId;
use crate::secret::SecretHash;
use crate::store::ClientStore;
use crate::time::Timestamp;

/// How the client presented its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// HTTP Basic authentication (`client_secret_basic`).
    Basic,
    /// `client_id` and `client_secret` form parameters (`client_secret_post`).
    Post,
    /// Only `client_id`, for public clients (`none`).
    None,
}

/// A client secret as presented by a client. Redacts itself in `Debug`.
pub struct PresentedSecret(String);

impl PresentedSecret {
    /// Wraps a presented secret.
    pub fn new(value: impl Into<String>) -> PresentedSecret {
        PresentedSecret(value.into())
    }

    /// Returns the hash to compare against stored secret hashes.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl fmt::Debug for PresentedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PresentedSecret(<redacted>)")
    }
}

/// The client identification a request carried.
#[derive(Debug)]
pub struct ClientCredentials {
    /// The presented `client_id`.
    pub client_id: String,
    /// The presented secret, if any.
    pub secret: Option<PresentedSecret>,
    /// How they were presented.
    pub method: ClientAuthMethod,
}

fn failed(reason: &str, client_id: &str) -> ServiceError {
    tracing::info!(client_id, reason, "client authentication failed");
    ServiceError::rejected(ErrorCode::InvalidClient, "client authentication failed")
}

/// Authenticates the client behind `credentials`.
pub(crate) async fn authenticate<S: ClientStore + ?Sized>(
    store: &S,
    credentials: &ClientCredentials,
    now: Timestamp,
) -> Result<Client, ServiceError> {
    let client_id = credentials.client_id.as_str();
    if client_id.is_empty() {
        return Err(ServiceError::rejected(
            ErrorCode::InvalidClient,
            "client_id is missing: send it in the form or in HTTP Basic authentication",
        ));
    }
    let Some(client) = store.find_client(&ClientId::new(client_id)).await? else {
        return Err(failed("unknown client_id", client_id));
    };
    if client.status != ClientStatus::Active {
        return Err(failed("client is suspended", client_id));
    }

    if let Some(registered) = client.auth_method {
        let used = match credentials.method {
            ClientAuthMethod::Basic => TokenEndpointAuthMethod::ClientSecretBasic,
            ClientAuthMethod::Post => TokenEndpointAuthMethod::ClientSecretPost,
            ClientAuthMethod::None => TokenEndpointAuthMethod::None,
        };
        if used != registered {
            tracing::info!(
                client_id,
                registered = registered.as_str(),
                used = used.as_str(),
                "client used another authentication method"
            );
            return Err(ServiceError::rejected(
                ErrorCode::InvalidClient,
                format!("this client must authenticate with {}", registered.as_str()),
            ));
        }
    }

    match (client.client_type, &credentials.secret) {
        (ClientType::Public, None) => Ok(client),
        (ClientType::Public, Some(_)) => {
            tracing::info!(client_id, "public client sent a client secret");
            Err(ServiceError::rejected(
                ErrorCode::InvalidClient,
                "this client is public and must not send a client secret",
            ))
        }
        (ClientType::Confidential, None) => {
            Err(failed("confidential client sent no secret", client_id))
        }
        (ClientType::Confidential, Some(secret)) if client.secret_matches(&secret.hash(), now) => {
            Ok(client)
        }
        (ClientType::Confidential, Some(_)) => Err(failed("wrong client secret", client_id)),
    }
}
