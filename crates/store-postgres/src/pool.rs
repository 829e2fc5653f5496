//! The connection pool: options, connection set-up (`search_path`) and
//! checkout.

use std::fmt;
use std::time::Duration;

use deadpool::Runtime;
use diesel::ConnectionError;
use diesel_async::futures_util::FutureExt;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod, SetupCallback,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::store::StoreResult;

use crate::error::{db_error, pool_error};

/// Maximum length of a schema name that PostgreSQL keeps without truncating
/// it (`NAMEDATALEN` - 1).
const MAX_SCHEMA_NAME_LEN: usize = 63;

/// Settings of the connection pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOptions {
    /// Maximum number of open connections per server process, so N processes
    /// need N times as many on the server.
    pub max_size: usize,
    /// Maximum time to open a new connection, or to check that an idle one
    /// still works, before the request fails as unavailable.
    pub connect_timeout: Duration,
    /// Maximum time a request waits for a free connection when all
    /// `max_size` are busy.
    pub wait_timeout: Duration,
    /// Schema that contains every table, set as the connection's `search_path`
    /// and created by [`PostgresStore::migrate`]. `None` keeps the server's
    /// default `search_path` (normally `public`). Must match
    /// `[a-z_][a-z0-9_]*` and be at most 63 bytes long.
    pub schema: Option<String>,
}

impl Default for PoolOptions {
    /// Ten connections, so that several processes fit in PostgreSQL's default
    /// `max_connections` of 100, and 5-second timeouts, so that requests fail
    /// fast with 503 while the database is down.
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            connect_timeout: Duration::from_secs(5),
            wait_timeout: Duration::from_secs(5),
            schema: None,
        }
    }
}

/// A store backed by PostgreSQL. Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool<AsyncPgConnection>,
    schema: Option<String>,
}

impl fmt::Debug for PostgresStore {
    /// Shows the pool's state but not the URL, which may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .field("max_size", &status.max_size)
            .field("open_connections", &status.size)
            .finish()
    }
}

impl PostgresStore {
    /// Builds the pool for `database_url` (a `postgres://` URL or a
    /// `key=value` string as `tokio-postgres` accepts). No connection is
    /// opened yet, so this succeeds while the database is down; call
    /// [`PostgresStore::check_connection`] or [`PostgresStore::migrate`] to
    /// reach it. Fails with [`StoreError::Internal`] for an invalid URL,
    /// schema name or a `max_size` of 0.
    pub fn connect(database_url: &str, options: PoolOptions) -> StoreResult<PostgresStore> {
        database_url
            .parse::<tokio_postgres::Config>()
            .map_err(|error| StoreError::Internal(format!("invalid PostgreSQL URL: {error}")))?;
        if options.max_size == 0 {
            return Err(StoreError::Internal(
                "invalid pool size 0: max_size must be at least 1".to_owned(),
            ));
        }
        if let Some(schema) = &options.schema {
            validate_schema_name(schema)?;
        }

        let mut config = ManagerConfig::<AsyncPgConnection>::default();
        // `Fast` skips a `SELECT 1` round trip on every checkout. A
        // connection the server closed is still caught: tokio-postgres marks
        // it closed when its socket ends, and the pool then drops it.
        config.recycling_method = RecyclingMethod::Fast;
        config.custom_setup = connection_setup(options.schema.clone());
        let manager = AsyncDieselConnectionManager::new_with_config(database_url, config);

        let pool = Pool::builder(manager)
            .max_size(options.max_size)
            .wait_timeout(Some(options.wait_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.connect_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|error| {
                StoreError::Internal(format!("building the connection pool failed: {error}"))
            })?;
        Ok(PostgresStore {
            pool,
            schema: options.schema,
        })
    }

    /// Checks out a connection and runs `SELECT 1` on it, for a readiness
    /// probe. Fails with [`StoreError::Unavailable`] when the database
    /// cannot be reached within the pool's timeouts.
    pub async fn check_connection(&self) -> StoreResult<()> {
        let mut connection = self.connection().await?;
        connection.batch_execute("SELECT 1").await.map_err(db_error)
    }

    /// Returns the schema given in [`PoolOptions::schema`].
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Checks out a connection, mapping pool timeouts and connection failures
    /// to [`StoreError::Unavailable`].
    pub(crate) async fn connection(&self) -> StoreResult<Object<AsyncPgConnection>> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Returns the function that opens a connection and sets its `search_path`.
/// The setting is per session, so it holds for the connection's lifetime in
/// the pool.
fn connection_setup(schema: Option<String>) -> SetupCallback<AsyncPgConnection> {
    let statement = schema.map(|name| format!("SET search_path TO \"{name}\""));
    Box::new(move |url: &str| {
        let statement = statement.clone();
        async move {
            let mut connection = AsyncPgConnection::establish(url).await?;
            if let Some(statement) = statement {
                connection
                    .batch_execute(&statement)
                    .await
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
            }
            Ok(connection)
        }
        .boxed()
    })
}

/// Accepts only plain lowercase identifiers, so the name can be quoted into
/// SQL without escaping.
fn validate_schema_name(name: &str) -> StoreResult<()> {
    let mut bytes = name.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|byte| byte.is_ascii_lowercase() || byte == b'_');
    let rest_ok =
        bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
    if first_ok && rest_ok && name.len() <= MAX_SCHEMA_NAME_LEN {
        Ok(())
    } else {
        Err(StoreError::Internal(format!(
            "invalid schema name {name:?}: use [a-z_][a-z0-9_]*, at most 63 bytes"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_validated() {
        for valid in ["public", "_x", "oauth_apps_test_17_ab12", &"a".repeat(63)] {
            assert!(validate_schema_name(valid).is_ok(), "{valid}");
        }
        for invalid in ["", "1abc", "Public", "a-b", "a\"b", "a b", &"a".repeat(64)] {
            assert!(validate_schema_name(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn invalid_url_is_rejected() {
        let error = PostgresStore::connect("postgres://host:notaport/db", PoolOptions::default())
            .unwrap_err();
        assert!(matches!(error, StoreError::Internal(_)), "{error:?}");
    }

    #[test]
    fn empty_pool_is_rejected() {
        let options = PoolOptions {
            max_size: 0,
            ..PoolOptions::default()
        };
        let error = PostgresStore::connect("postgres://127.0.0.1/db", options).unwrap_err();
        assert!(matches!(error, StoreError::Internal(_)), "{error:?}");
    }

    #[tokio::test]
    async fn debug_hides_url() {
        let store = PostgresStore::connect(
            "postgres://user:hunter2@127.0.0.1:1/db",
            PoolOptions::default(),
        )
        .unwrap();
        let debug_output = format!("{store:?}");
        assert!(!debug_output.contains("hunter2"), "{debug_output}");
        assert!(debug_output.contains("max_size: 10"), "{debug_output}");
    }
}
