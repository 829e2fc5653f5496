//! Command-line interface. Every `serve` option can also be set through an
//! environment variable with the prefix `OAUTH_APPS_`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// Start the server on the in-memory store.
    Serve(ServeArgs),
    /// Read a password from standard input and print its argon2 PHC hash,
    /// for the `password_hash` field of a seed file.
    HashPassword,
    /// Validate the settings and the seed file, then exit.
    CheckConfig(ServeArgs),
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

    /// TOML file of workspaces, users, memberships and apps to load at
    /// start (see examples/seed.toml).
    #[arg(long, env = "OAUTH_APPS_SEED")]
    pub seed: Option<PathBuf>,

    /// Add a demo workspace, user and two apps, and print how to try the
    /// flow. The demo user's password comes from OAUTH_APPS_DEMO_PASSWORD or
    /// is generated.
    #[arg(long, env = "OAUTH_APPS_DEMO")]
    pub demo: bool,

    /// Key that signs session cookies and CSRF tokens, as at least 64 hex
    /// digits. Processes that share it accept each other's sessions. A
    /// random key is used when it is not set.
    #[arg(long, env = "OAUTH_APPS_SESSION_KEY", hide_env_values = true)]
    pub session_key: Option<String>,
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
