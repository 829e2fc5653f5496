//! Dynamic client registration in the binary: the `serve` settings, and the
//! `registration-token` and `clients` subcommands an operator runs against
//! the database.
//!
//! The subcommands act on the PostgreSQL database of `DATABASE_URL` (or
//! `--database-url`) and its `--database-schema`. They need PostgreSQL:
//! the in-memory store lives inside one server process and keeps no state
//! between processes, so a subcommand could not reach it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use oauth_apps_core::client::{Client, ClientStatus};
use oauth_apps_core::random::OsRandom;
use oauth_apps_core::scope::ScopeCatalog;
use oauth_apps_core::service::{Context, RegistrationPolicy, RegistrationService, Settings};
use oauth_apps_core::time::{SystemClock, Timestamp};
use oauth_apps_http_actix::DEFAULT_REGISTRATIONS_PER_MINUTE;
use oauth_apps_store_postgres::PostgresStore;

use crate::cli::DatabaseArgs;
use crate::database;

/// Registration policy of `POST /oauth/register`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    /// Anyone, public and confidential clients alike.
    Open,
    /// Only requests with an initial access token from `registration-token
    /// create`.
    InitialAccessToken,
}

/// Settings of dynamic client registration.
#[derive(Debug, Clone, Args)]
pub struct RegistrationArgs {
    /// Registration policy: `open`, or `initial-access-token` to
    /// require a token from `oauth-apps registration-token create`.
    #[arg(
        long,
        env = "OAUTH_APPS_REGISTRATION_POLICY",
        value_enum,
        default_value = "open"
    )]
    pub registration_policy: PolicyArg,

    /// Registrations one IP address may make per minute, in a burst or
    /// spread out; 0 turns registration off.
    #[arg(long, env = "OAUTH_APPS_REGISTRATION_RATE_LIMIT", default_value_t = DEFAULT_REGISTRATIONS_PER_MINUTE)]
    pub registration_rate_limit: u32,

    /// Seconds after which a registered client that no member approved is
    /// deleted by the purge task.
    #[arg(
        long,
        env = "OAUTH_APPS_UNAPPROVED_REGISTRATION_TTL",
        default_value_t = 24 * 3600
    )]
    pub unapproved_registration_ttl: u64,
}

impl RegistrationArgs {
    /// Returns the core's policy.
    pub fn policy(&self) -> RegistrationPolicy {
        match self.registration_policy {
            PolicyArg::Open => RegistrationPolicy::Open,
            PolicyArg::InitialAccessToken => RegistrationPolicy::InitialAccessToken,
        }
    }

    /// Returns how long an unapproved registration is kept.
    pub fn unapproved_ttl(&self) -> anyhow::Result<Duration> {
        if self.unapproved_registration_ttl == 0 {
            bail!("--unapproved-registration-ttl must be at least 1 second");
        }
        Ok(Duration::from_secs(self.unapproved_registration_ttl))
    }
}

/// `registration-token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an initial access token and print it once.
    Create(CreateTokenArgs),
}

/// Arguments of `registration-token create`.
#[derive(Debug, Args)]
pub struct CreateTokenArgs {
    /// Name of the token in listings and logs, such as the team it is for.
    #[arg(long)]
    pub label: String,
    /// Lifetime in seconds; without it the token does not expire.
    #[arg(long)]
    pub expires_in: Option<u64>,
    /// The PostgreSQL connection.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `clients` subcommands.
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List the clients that registered themselves: ID, name, source,
    /// creation time, first approval and status.
    List(ListArgs),
    /// Delete every grant to a client and revoke all its tokens.
    Revoke(ClientArgs),
    /// Suspend a client, so every request of it is rejected, and revoke its
    /// grants and tokens.
    Block(ClientArgs),
    /// Make a blocked client active again; revoked grants stay revoked.
    Unblock(ClientArgs),
}

/// Arguments of `clients list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// List self-registered clients. The command lists only those, with or
    /// without the flag: admin-registered apps come from the seed file or
    /// the embedding service, which list them themselves.
    #[arg(long)]
    pub registered: bool,
    /// The PostgreSQL connection.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Arguments of the commands that act on one client.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The client's ID.
    pub client_id: String,
    /// The PostgreSQL connection.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Runs a `registration-token` subcommand.
pub async fn token_command(command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create(args) = command;
    let service = open(&args.database)?;
    let expires_in = args.expires_in.map(Duration::from_secs);
    let (record, token) = service
        .create_initial_access_token(&args.label, expires_in)
        .await
        .context("failed to create the initial access token")?;
    let expiry = record
        .expires_at
        .map_or_else(|| "never".to_owned(), format_time);
    eprintln!(
        "initial access token {:?} created, expires {expiry}; it is shown once:",
        record.label
    );
    println!("{}", token.expose());
    Ok(())
}

/// Runs a `clients` subcommand.
pub async fn clients_command(command: ClientsCommand) -> anyhow::Result<()> {
    match command {
        ClientsCommand::List(args) => {
            let clients = open(&args.database)?
                .registered_clients()
                .await
                .context("failed to list the registered clients")?;
            print_clients(&clients);
        }
        ClientsCommand::Revoke(args) => {
            let revoked = open(&args.database)?
                .revoke_client(&args.client_id)
                .await
                .with_context(|| format!("failed to revoke client {}", args.client_id))?;
            println!(
                "revoked {revoked} grants of {} and their tokens",
                args.client_id
            );
        }
        ClientsCommand::Block(args) => {
            let revoked = open(&args.database)?
                .block_client(&args.client_id)
                .await
                .with_context(|| format!("failed to block client {}", args.client_id))?;
            println!(
                "blocked {}; revoked {revoked} grants and their tokens",
                args.client_id
            );
        }
        ClientsCommand::Unblock(args) => {
            open(&args.database)?
                .unblock_client(&args.client_id)
                .await
                .with_context(|| format!("failed to unblock client {}", args.client_id))?;
            println!("unblocked {}", args.client_id);
        }
    }
    Ok(())
}

/// Opens the registration service on the PostgreSQL database of `args`.
fn open(args: &DatabaseArgs) -> anyhow::Result<RegistrationService<PostgresStore>> {
    let Some(url) = args.database_url.as_deref() else {
        bail!(
            "no database: set DATABASE_URL or --database-url. These commands need PostgreSQL, \
             because the in-memory store keeps no state between processes"
        );
    };
    let store = database::connect(args, url)?;
    let context = Context {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        // The issuer appears in no output of these commands.
        settings: Settings::new("http://127.0.0.1"),
        catalog: ScopeCatalog::default(),
    };
    Ok(RegistrationService::new(
        Arc::new(store),
        Arc::new(context),
        RegistrationPolicy::Open,
    ))
}

/// Prints one tab-separated line per client, after a header line.
fn print_clients(clients: &[Client]) {
    println!("CLIENT_ID\tNAME\tSOURCE\tCREATED\tFIRST_APPROVED_BY\tFIRST_APPROVED_AT\tSTATUS");
    for client in clients {
        let registration = client.registration.as_ref();
        let approved_by = registration
            .and_then(|r| r.first_approved_by.as_ref())
            .map_or_else(|| "-".to_owned(), ToString::to_string);
        let approved_at = registration
            .and_then(|r| r.first_approved_at)
            .map_or_else(|| "-".to_owned(), format_time);
        let status = match client.status {
            ClientStatus::Active => "active",
            ClientStatus::Suspended => "suspended",
        };
        println!(
            "{}\t{}\t{}\t{}\t{approved_by}\t{approved_at}\t{status}",
            client.id,
            client.name.replace(['\t', '\n'], " "),
            client.source.as_str(),
            format_time(client.created_at),
        );
    }
}

/// Formats a timestamp as RFC 3339 UTC, such as `2024-05-01T12:00:00Z`.
fn format_time(time: Timestamp) -> String {
    let seconds = time.unix_seconds();
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date, with the
/// era arithmetic of Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_time_is_rfc3339() {
        assert_eq!(
            format_time(Timestamp::from_unix_seconds(0)),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            format_time(Timestamp::from_unix_seconds(1_700_000_000)),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            format_time(Timestamp::from_unix_seconds(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }
}
