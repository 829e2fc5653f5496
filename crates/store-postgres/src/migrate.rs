//! Embedded schema migrations (the SQL files in `migrations/`).
//!
//! diesel's migration runner is synchronous, so it runs on a blocking thread
//! over [`AsyncConnectionWrapper`], which drives the async connection with
//! the caller's Tokio runtime. That works on the multi-threaded and on the
//! current-thread runtime alike. A session-level advisory lock per schema
//! lets several processes start at once: one applies the migrations, the
//! others wait and then find nothing pending.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::Object;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use oauth_apps_core::error::StoreError;
use oauth_apps_core::store::StoreResult;

use crate::error::db_error;
use crate::pool::PostgresStore;

/// Every migration of this crate, compiled into the binary.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A synchronous diesel connection over a pooled async one.
type SyncConnection = AsyncConnectionWrapper<Object<AsyncPgConnection>>;

impl PostgresStore {
    /// Creates the schema given in [`crate::PoolOptions::schema`] if it is
    /// missing, applies every pending migration in order, each in its own
    /// transaction, and returns the names of those applied (empty when the
    /// database is up to date).
    pub async fn migrate(&self) -> StoreResult<Vec<String>> {
        let connection = self.connection().await?;
        let schema = self.schema().map(str::to_owned);
        let applied = tokio::task::spawn_blocking(move || {
            let mut connection = SyncConnection::from(connection);
            migrate_locked(&mut connection, schema.as_deref())
        })
        .await
        .map_err(|error| StoreError::Internal(format!("the migration task failed: {error}")))??;

        for name in &applied {
            tracing::info!(migration = %name, "applied database migration");
        }
        Ok(applied)
    }
}

/// Applies the migrations while holding the schema's advisory lock. The lock
/// is released on every path; if the connection is lost, the server drops
/// the lock with the session.
fn migrate_locked(
    connection: &mut SyncConnection,
    schema: Option<&str>,
) -> StoreResult<Vec<String>> {
    let lock_key = format!(
        "oauth-apps migrations {}",
        schema.unwrap_or("(default schema)")
    );
    diesel::sql_query("SELECT pg_advisory_lock(hashtext($1))")
        .bind::<Text, _>(&lock_key)
        .execute(connection)
        .map_err(db_error)?;

    let applied = apply(connection, schema);

    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind::<Text, _>(&lock_key)
        .execute(connection)
        .map_err(db_error);
    let applied = applied?;
    unlocked?;
    Ok(applied)
}

fn apply(connection: &mut SyncConnection, schema: Option<&str>) -> StoreResult<Vec<String>> {
    if let Some(schema) = schema {
        // The name was validated as a plain identifier when the pool was built.
        connection
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .map_err(db_error)?;
    }

    let versions = connection
        .run_pending_migrations(MIGRATIONS)
        .map_err(migration_error)?;
    let migrations = MigrationSource::<Pg>::migrations(&MIGRATIONS).map_err(migration_error)?;
    let names = versions
        .iter()
        .map(|version| {
            migrations
                .iter()
                .map(|migration| migration.name())
                .find(|name| name.version() == *version)
                .map_or_else(|| version.to_string(), |name| name.to_string())
        })
        .collect();
    Ok(names)
}

/// Maps a migration failure, keeping the unavailable and conflict cases of
/// a database error.
fn migration_error(error: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    match error.downcast::<diesel::result::Error>() {
        Ok(error) => match db_error(*error) {
            StoreError::Internal(message) => {
                StoreError::Internal(format!("migration failed: {message}"))
            }
            other => other,
        },
        Err(error) => StoreError::Internal(format!("migration failed: {error}")),
    }
}
