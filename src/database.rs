//! The PostgreSQL store: opening the pool from the command line, applying
//! migrations, and describing the connection in logs without its password.

use std::time::Duration;

use anyhow::{Context as _, bail};
use oauth_apps_store_postgres::{PoolOptions, PostgresStore};

use crate::cli::DatabaseArgs;

/// Builds the pool for `url`. No connection is opened yet.
pub fn connect(args: &DatabaseArgs, url: &str) -> anyhow::Result<PostgresStore> {
    if args.database_timeout == 0 {
        bail!("--database-timeout must be at least 1 second");
    }
    let timeout = Duration::from_secs(args.database_timeout);
    let options = PoolOptions {
        max_size: args.database_pool_size,
        connect_timeout: timeout,
        wait_timeout: timeout,
        schema: args.database_schema.clone(),
    };
    PostgresStore::connect(url, options).context("invalid database settings")
}

/// Applies the pending migrations and returns their names.
pub async fn migrate(store: &PostgresStore) -> anyhow::Result<Vec<String>> {
    store
        .migrate()
        .await
        .context("failed to apply the database migrations")
}

/// `migrate`: applies the pending migrations and prints what it applied.
pub async fn migrate_command(args: DatabaseArgs) -> anyhow::Result<()> {
    let Some(url) = args.database_url.as_deref() else {
        bail!("no database: set --database-url or DATABASE_URL");
    };
    let store = connect(&args, url)?;
    tracing::info!(database = %describe(url, args.database_schema.as_deref()), "migrating");
    let applied = migrate(&store).await?;
    if applied.is_empty() {
        println!("the database is up to date: no migration applied");
    }
    for name in &applied {
        println!("applied {name}");
    }
    Ok(())
}

/// Describes the database of `url` as `host:port/dbname` (and the schema),
/// leaving out the user and password.
pub fn describe(url: &str, schema: Option<&str>) -> String {
    let Ok(config) = url.parse::<tokio_postgres::Config>() else {
        return "<invalid URL>".to_owned();
    };
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let dbname = config.get_dbname().unwrap_or("<default>");
    match schema {
        Some(schema) => format!("{host}:{port}/{dbname} (schema {schema})"),
        None => format!("{host}:{port}/{dbname}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_omits_credentials() {
        let text = describe("postgres://app:hunter2@db.internal:6543/oauth", None);
        assert_eq!(text, "db.internal:6543/oauth");
    }

    #[test]
    fn describe_names_schema_and_default_port() {
        let text = describe("host=db user=app password=hunter2 dbname=oauth", Some("s1"));
        assert_eq!(text, "db:5432/oauth (schema s1)");
    }

    #[test]
    fn describe_hides_invalid_url() {
        assert_eq!(
            describe("postgres://a:b@h:notaport/x", None),
            "<invalid URL>"
        );
    }
}
