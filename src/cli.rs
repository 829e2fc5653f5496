//! Command-line interface. Every `serve` option can also be set through an
//! environment variable with the prefix `OAUTH_APPS_`, except the database
//! URL, which comes from `DATABASE_URL`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::registration::{ClientsCommand, RegistrationArgs, TokenCommand};
use crate::resources::ResourceArgs;

/// OAuth 2.1 authorization server for workspace apps.
#[derive(Debug, Parser)]
#[command(name = "oauth-apps", version, about)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server, on PostgreSQL when a database URL is set and on the
    /// in-memory store otherwise.
    Serve(ServeArgs),
    /// Apply the pending PostgreSQL migrations and print their names.
    Migrate(DatabaseArgs),
    /// Read a password from standard input and print its argon2 PHC hash,
    /// for the `password_hash` field of a seed file.
    HashPassword,
    /// Validate the settings and the seed file, then exit.
    CheckConfig(ServeArgs),
    /// Create initial access tokens for dynamic client registration, on the
    /// PostgreSQL database of DATABASE_URL.
    #[command(subcommand)]
    RegistrationToken(TokenCommand),
    /// List, revoke, block and unblock self-registered clients, on the
    /// PostgreSQL database of DATABASE_URL.
    #[command(subcommand)]
    Clients(ClientsCommand),
}

/// Settings of the server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "OAUTH_APPS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Issuer identifier: the server's public base URL, without a path,
    /// query or fragment. Defaults to `http://<bind>`.
    #[arg(long, env = "OAUTH_APPS_ISSUER")]
    pub issuer: Option<String>,

    /// Lifetime of authorization codes, in seconds (1 to 600).
    #[arg(long, env = "OAUTH_APPS_CODE_LIFETIME", default_value_t = 60)]
    pub code_lifetime: u64,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "OAUTH_APPS_ACCESS_TOKEN_LIFETIME", default_value_t = 3600)]
    pub access_token_lifetime: u64,

    /// Lifetime of refresh tokens, in seconds; each rotation starts a new one.
    #[arg(long, env = "OAUTH_APPS_REFRESH_TOKEN_LIFETIME", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_lifetime: u64,

    /// Lifetime of device codes and user codes of the device authorization
    /// grant, in seconds (1 to 1800).
    #[arg(long, env = "OAUTH_APPS_DEVICE_CODE_LIFETIME", default_value_t = 600)]
    pub device_code_lifetime: u64,

    /// TOML file of workspaces, users, memberships and apps to load at
    /// start (see examples/seed.toml).
    #[arg(long, env = "OAUTH_APPS_SEED")]
    pub seed: Option<PathBuf>,

    /// Add a demo workspace, user and three apps, and print how to try the
    /// flow. The demo user's password comes from OAUTH_APPS_DEMO_PASSWORD or
    /// is generated.
    #[arg(long, env = "OAUTH_APPS_DEMO")]
    pub demo: bool,

    /// Key that signs session cookies and CSRF tokens, as at least 64 hex
    /// digits. Processes that share it accept each other's sessions. A
    /// random key is used when it is not set.
    #[arg(long, env = "OAUTH_APPS_SESSION_KEY", hide_env_values = true)]
    pub session_key: Option<String>,

    /// Protected resources and client ID metadata documents.
    #[command(flatten)]
    pub resources: ResourceArgs,

    /// Dynamic client registration.
    #[command(flatten)]
    pub registration: RegistrationArgs,

    /// The PostgreSQL connection.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Start without applying pending migrations to the database.
    #[arg(long, env = "OAUTH_APPS_NO_MIGRATE")]
    pub no_migrate: bool,

    /// Seconds between two purges of expired codes and tokens.
    #[arg(long, env = "OAUTH_APPS_PURGE_INTERVAL", default_value_t = 300)]
    pub purge_interval: u64,

    /// Maximum rows one purge statement deletes on PostgreSQL.
    #[arg(long, env = "OAUTH_APPS_PURGE_BATCH_SIZE", default_value_t = 1000)]
    pub purge_batch_size: u32,
}

/// Settings of the PostgreSQL connection, shared by `serve` and `migrate`.
/// `Debug` omits the URL, which may contain a password.
#[derive(Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL, such as postgres://user:password@host:5432/dbname.
    /// Without it, `serve` keeps everything in memory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Schema that contains the tables, created by the migrations. Defaults
    /// to the server's search_path (normally `public`).
    #[arg(long, env = "OAUTH_APPS_DATABASE_SCHEMA")]
    pub database_schema: Option<String>,

    /// Maximum number of open database connections of this process.
    #[arg(long, env = "OAUTH_APPS_DATABASE_POOL_SIZE", default_value_t = 16)]
    pub database_pool_size: usize,

    /// Maximum seconds to open a connection, or to wait for a free one,
    /// before a request fails with 503.
    #[arg(long, env = "OAUTH_APPS_DATABASE_TIMEOUT", default_value_t = 5)]
    pub database_timeout: u64,
}

impl fmt::Debug for DatabaseArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseArgs")
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("database_schema", &self.database_schema)
            .field("database_pool_size", &self.database_pool_size)
            .field("database_timeout", &self.database_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults() {
        let cli = Cli::try_parse_from(["oauth-apps", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert_eq!(args.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(args.code_lifetime, 60);
        assert!(!args.demo);
        assert_eq!(args.database.database_pool_size, 16);
        assert!(!args.no_migrate);
    }

    #[test]
    fn debug_hides_database_url() {
        let cli = Cli::try_parse_from([
            "oauth-apps",
            "migrate",
            "--database-url",
            "postgres://app:hunter2@db:5432/oauth",
        ])
        .unwrap();
        let Command::Migrate(args) = cli.command else {
            panic!("expected migrate");
        };
        let debug_output = format!("{args:?}");
        assert!(!debug_output.contains("hunter2"), "{debug_output}");
    }

    #[test]
    fn serve_options() {
        let cli = Cli::try_parse_from([
            "oauth-apps",
            "serve",
            "--bind",
            "127.0.0.1:9000",
            "--issuer",
            "https://auth.example",
            "--demo",
            "--code-lifetime",
            "30",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert_eq!(args.bind.port(), 9000);
        assert_eq!(args.issuer.as_deref(), Some("https://auth.example"));
        assert!(args.demo);
        assert_eq!(args.code_lifetime, 30);
    }
}
