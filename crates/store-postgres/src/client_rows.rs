//! Rows of `clients` and `client_secrets`, their conversion from and to
//! [`Client`], and the queries that load whole clients.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oauth_apps_core::client::{
    Client, ClientSecretRecord, ClientStatus, ClientType, Environment, PkceMode, Registration,
    RegistrationSource, TokenEndpointAuthMethod,
};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{ClientId, UserId, WorkspaceId};
use oauth_apps_core::redirect::RedirectUri;
use oauth_apps_core::store::StoreResult;

use crate::convert::{
    TextEnum, grant_type_from_column, hash_from_column, scopes_from_column, timestamp,
};
use crate::error::{Failure, db_error};
use crate::schema::{client_secrets, clients};

/// A `clients` row without its `position`, which the database assigns.
#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clients, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub(crate) struct ClientRow {
    pub(crate) id: String,
    workspace_id: Option<String>,
    name: String,
    description: String,
    homepage_url: Option<String>,
    client_type: String,
    redirect_uris: Vec<String>,
    allowed_scopes: String,
    default_scopes: String,
    pkce_mode: String,
    environment: String,
    registration_source: String,
    status: String,
    created_at: i64,
    grant_types: Vec<String>,
    auth_method: Option<String>,
    resource_server: bool,
    #[diesel(embed)]
    registration: RegistrationColumns,
}

/// The registration columns of a `clients` row. For a client without
/// registration details they are NULL and `has_registration` is false.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Default)]
#[diesel(table_name = clients, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub(crate) struct RegistrationColumns {
    has_registration: bool,
    registration_token_hash: Option<Vec<u8>>,
    registration_source_address: Option<String>,
    registration_fingerprint: Option<Vec<u8>>,
    software_id: Option<String>,
    software_version: Option<String>,
    metadata_expires_at: Option<i64>,
    first_approved_by: Option<String>,
    first_approved_at: Option<i64>,
}

/// A `client_secrets` row.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = client_secrets, check_for_backend(diesel::pg::Pg))]
pub(crate) struct SecretRow {
    client_id: String,
    position: i32,
    hash: Vec<u8>,
    created_at: i64,
    expires_at: Option<i64>,
}

impl RegistrationColumns {
    fn from_registration(registration: Option<&Registration>) -> RegistrationColumns {
        let Some(registration) = registration else {
            return RegistrationColumns::default();
        };
        RegistrationColumns {
            has_registration: true,
            registration_token_hash: registration
                .access_token_hash
                .as_ref()
                .map(|hash| hash.as_bytes().to_vec()),
            registration_source_address: registration.source_address.clone(),
            registration_fingerprint: registration
                .fingerprint
                .as_ref()
                .map(|hash| hash.as_bytes().to_vec()),
            software_id: registration.software_id.clone(),
            software_version: registration.software_version.clone(),
            metadata_expires_at: registration.metadata_expires_at.map(|at| at.unix_seconds()),
            first_approved_by: registration
                .first_approved_by
                .as_ref()
                .map(|id| id.as_str().to_owned()),
            first_approved_at: registration.first_approved_at.map(|at| at.unix_seconds()),
        }
    }

    fn into_registration(self) -> StoreResult<Option<Registration>> {
        if !self.has_registration {
            return Ok(None);
        }
        Ok(Some(Registration {
            access_token_hash: self
                .registration_token_hash
                .map(hash_from_column)
                .transpose()?,
            source_address: self.registration_source_address,
            fingerprint: self
                .registration_fingerprint
                .map(hash_from_column)
                .transpose()?,
            software_id: self.software_id,
            software_version: self.software_version,
            metadata_expires_at: self.metadata_expires_at.map(timestamp),
            first_approved_by: self.first_approved_by.map(UserId::new),
            first_approved_at: self.first_approved_at.map(timestamp),
        }))
    }
}

impl ClientRow {
    pub(crate) fn from_client(client: &Client) -> ClientRow {
        ClientRow {
            id: client.id.as_str().to_owned(),
            workspace_id: client
                .workspace_id
                .as_ref()
                .map(|id| id.as_str().to_owned()),
            name: client.name.clone(),
            description: client.description.clone(),
            homepage_url: client.homepage_url.clone(),
            client_type: client.client_type.to_column().to_owned(),
            redirect_uris: client
                .redirect_uris
                .iter()
                .map(|uri| uri.as_str().to_owned())
                .collect(),
            allowed_scopes: client.allowed_scopes.to_string(),
            default_scopes: client.default_scopes.to_string(),
            pkce_mode: client.pkce.to_column().to_owned(),
            environment: client.environment.to_column().to_owned(),
            registration_source: client.source.to_column().to_owned(),
            status: client.status.to_column().to_owned(),
            created_at: client.created_at.unix_seconds(),
            grant_types: client
                .grant_types
                .iter()
                .map(|grant_type| grant_type.as_str().to_owned())
                .collect(),
            auth_method: client
                .auth_method
                .map(|method| method.to_column().to_owned()),
            resource_server: client.resource_server,
            registration: RegistrationColumns::from_registration(client.registration.as_ref()),
        }
    }

    /// Builds the client; `secrets` must be in `position` order.
    fn into_client(self, secrets: Vec<SecretRow>) -> StoreResult<Client> {
        let redirect_uris = self
            .redirect_uris
            .iter()
            .map(|uri| RedirectUri::parse(uri))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| StoreError::Internal(format!("stored redirect URI: {error}")))?;
        let secrets = secrets
            .into_iter()
            .map(|row| {
                Ok(ClientSecretRecord {
                    hash: hash_from_column(row.hash)?,
                    created_at: timestamp(row.created_at),
                    expires_at: row.expires_at.map(timestamp),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let grant_types = self
            .grant_types
            .iter()
            .map(|name| grant_type_from_column(name))
            .collect::<StoreResult<Vec<_>>>()?;
        let auth_method = self
            .auth_method
            .as_deref()
            .map(TokenEndpointAuthMethod::from_column)
            .transpose()?;

        Ok(Client {
            id: ClientId::new(self.id),
            workspace_id: self.workspace_id.map(WorkspaceId::new),
            name: self.name,
            description: self.description,
            homepage_url: self.homepage_url,
            client_type: ClientType::from_column(&self.client_type)?,
            redirect_uris,
            allowed_scopes: scopes_from_column(&self.allowed_scopes)?,
            default_scopes: scopes_from_column(&self.default_scopes)?,
            pkce: PkceMode::from_column(&self.pkce_mode)?,
            environment: Environment::from_column(&self.environment)?,
            source: RegistrationSource::from_column(&self.registration_source)?,
            status: ClientStatus::from_column(&self.status)?,
            secrets,
            grant_types,
            auth_method,
            resource_server: self.resource_server,
            registration: self.registration.into_registration()?,
            created_at: timestamp(self.created_at),
        })
    }
}

/// Returns the secret rows of `client`, in its order.
pub(crate) fn secret_rows(client: &Client) -> StoreResult<Vec<SecretRow>> {
    client
        .secrets
        .iter()
        .enumerate()
        .map(|(index, secret)| {
            let position = i32::try_from(index)
                .map_err(|_| StoreError::Internal("a client has too many secrets".to_owned()))?;
            Ok(SecretRow {
                client_id: client.id.as_str().to_owned(),
                position,
                hash: secret.hash.as_bytes().to_vec(),
                created_at: secret.created_at.unix_seconds(),
                expires_at: secret.expires_at.map(|at| at.unix_seconds()),
            })
        })
        .collect()
}

/// Inserts the secrets of `client`.
pub(crate) async fn insert_secrets(
    connection: &mut AsyncPgConnection,
    client: &Client,
) -> Result<(), Failure> {
    let secrets = secret_rows(client).map_err(Failure)?;
    diesel::insert_into(client_secrets::table)
        .values(&secrets)
        .execute(connection)
        .await?;
    Ok(())
}

/// Loads the secrets of the clients in `rows` and builds the clients, in
/// the order of `rows`.
pub(crate) async fn with_secrets(
    connection: &mut AsyncPgConnection,
    rows: Vec<ClientRow>,
) -> StoreResult<Vec<Client>> {
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let secret_rows = client_secrets::table
        .filter(client_secrets::client_id.eq_any(&ids))
        .order((client_secrets::client_id, client_secrets::position))
        .select(SecretRow::as_select())
        .load(connection)
        .await
        .map_err(db_error)?;
    let mut secrets: HashMap<String, Vec<SecretRow>> = HashMap::new();
    for secret in secret_rows {
        secrets
            .entry(secret.client_id.clone())
            .or_default()
            .push(secret);
    }

    rows.into_iter()
        .map(|row| {
            let own = secrets.remove(&row.id).unwrap_or_default();
            row.into_client(own)
        })
        .collect()
}

/// Loads the secrets of the client in `row`, if there is one, and builds it.
pub(crate) async fn first_with_secrets(
    connection: &mut AsyncPgConnection,
    row: Option<ClientRow>,
) -> StoreResult<Option<Client>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let mut clients = with_secrets(connection, vec![row]).await?;
    Ok(clients.pop())
}
