//! [`ClientStore`]: OAuth clients, with their secret hashes in a child table.

use std::collections::HashMap;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use oauth_apps_core::client::{
    Client, ClientSecretRecord, ClientStatus, ClientType, Environment, PkceMode, RegistrationSource,
};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::ids::{ClientId, WorkspaceId};
use oauth_apps_core::redirect::RedirectUri;
use oauth_apps_core::store::{ClientStore, StoreResult};

use crate::convert::{TextEnum, hash_from_column, scopes_from_column, timestamp};
use crate::error::{Failure, db_error};
use crate::pool::PostgresStore;
use crate::schema::{client_secrets, clients};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = clients, check_for_backend(diesel::pg::Pg))]
struct ClientRow {
    id: String,
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
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = client_secrets, check_for_backend(diesel::pg::Pg))]
struct SecretRow {
    client_id: String,
    position: i32,
    hash: Vec<u8>,
    created_at: i64,
    expires_at: Option<i64>,
}

impl ClientRow {
    fn from_client(client: &Client) -> ClientRow {
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
            created_at: timestamp(self.created_at),
        })
    }
}

fn secret_rows(client: &Client) -> StoreResult<Vec<SecretRow>> {
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

#[async_trait]
impl ClientStore for PostgresStore {
    async fn insert_client(&self, client: &Client) -> StoreResult<()> {
        let row = ClientRow::from_client(client);
        let secrets = secret_rows(client)?;
        let mut connection = self.connection().await?;
        connection
            .transaction(async |connection| {
                diesel::insert_into(clients::table)
                    .values(&row)
                    .execute(connection)
                    .await?;
                diesel::insert_into(client_secrets::table)
                    .values(&secrets)
                    .execute(connection)
                    .await?;
                Ok::<_, Failure>(())
            })
            .await?;
        Ok(())
    }

    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>> {
        let mut connection = self.connection().await?;
        let row = clients::table
            .find(id.as_str())
            .select(ClientRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(None);
        };

        let secrets = client_secrets::table
            .filter(client_secrets::client_id.eq(id.as_str()))
            .order(client_secrets::position)
            .select(SecretRow::as_select())
            .load(&mut connection)
            .await
            .map_err(db_error)?;
        row.into_client(secrets).map(Some)
    }

    async fn clients_of_workspace(&self, workspace_id: &WorkspaceId) -> StoreResult<Vec<Client>> {
        let mut connection = self.connection().await?;
        let rows = clients::table
            .filter(clients::workspace_id.eq(workspace_id.as_str()))
            .order((clients::created_at, clients::position))
            .select(ClientRow::as_select())
            .load(&mut connection)
            .await
            .map_err(db_error)?;

        let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
        let secret_rows = client_secrets::table
            .filter(client_secrets::client_id.eq_any(&ids))
            .order((client_secrets::client_id, client_secrets::position))
            .select(SecretRow::as_select())
            .load(&mut connection)
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
}
