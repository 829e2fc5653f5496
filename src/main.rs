//! `oauth-apps`: the bundled authorization server, on PostgreSQL or on the
//! in-memory store.
//!
//! Subcommands: `serve` starts the server, `migrate` applies the pending
//! PostgreSQL migrations, `hash-password` prints the argon2 hash of a
//! password read from standard input, and `check-config` validates the
//! settings and the seed file without starting anything.

mod cleanup;
mod cli;
mod database;
mod demo;
mod registration;
mod resources;
mod seed;
mod serve;

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole chain of contexts on one line.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            init_tracing();
            actix_web::rt::System::new().block_on(serve::serve(args))
        }
        Command::Migrate(args) => {
            init_tracing();
            actix_web::rt::System::new().block_on(database::migrate_command(args))
        }
        Command::CheckConfig(args) => {
            // Loading the seed into a scratch store logs every record it
            // "creates"; only warnings and errors matter for a check.
            init_tracing_at("warn");
            actix_web::rt::System::new().block_on(serve::check_config(args))
        }
        Command::HashPassword => hash_password(),
        Command::RegistrationToken(command) => {
            init_tracing();
            actix_web::rt::System::new().block_on(registration::token_command(command))
        }
        Command::Clients(command) => {
            init_tracing();
            actix_web::rt::System::new().block_on(registration::clients_command(command))
        }
    }
}

/// Logs to standard error, filtered by `RUST_LOG` (default `info`).
fn init_tracing() {
    init_tracing_at("info");
}

/// Logs to standard error, filtered by `RUST_LOG` (default `level`), with
/// colours only when standard error is a terminal.
fn init_tracing_at(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Reads one line from standard input and prints its argon2 PHC hash.
fn hash_password() -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("failed to read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        bail!(
            "the password is empty: write it to standard input, for example `oauth-apps hash-password < file`"
        );
    }
    let hash = oauth_apps_http_actix::login::hash_password(password)
        .context("failed to hash the password")?;
    println!("{hash}");
    Ok(())
}
