//! Start-up: settings from the command line, the store (PostgreSQL when a
//! database URL is set, memory otherwise), the seed file and the demo, the
//! purge task, then the HTTP server.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, web};
use anyhow::{Context as _, bail};
use oauth_apps_core::random::{OsRandom, RandomSource};
use oauth_apps_core::scope::ScopeCatalog;
use oauth_apps_core::service::{AppService, Context, Settings};
use oauth_apps_core::store::Store;
use oauth_apps_core::time::SystemClock;
use oauth_apps_http_actix::{AppState, SessionKey, configure};
use oauth_apps_store_memory::MemoryStore;

use crate::cleanup::{self, Purge};
use crate::cli::ServeArgs;
use crate::database;
use crate::demo::{self, Demo};
use crate::resources;
use crate::seed::{self, Loaded};

/// Maximum authorization code lifetime, in seconds. RFC 6749 section 4.1.2
/// recommends at most 10 minutes.
const MAX_CODE_LIFETIME_SECS: u64 = 600;

/// Maximum device code lifetime, in seconds. Every extra minute gives a
/// user code guesser more time against the same pending authorizations.
const MAX_DEVICE_CODE_LIFETIME_SECS: u64 = 1800;

/// Everything `serve` and `check-config` prepare before listening.
struct Prepared<S> {
    store: Arc<S>,
    context: Arc<Context>,
    key: SessionKey,
    loaded: Loaded,
    demo: Option<Demo>,
}

/// `serve`: opens the store and runs the server until it is stopped.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let Some(url) = args.database.database_url.clone() else {
        tracing::info!(
            store = "memory",
            "using the in-memory store: nothing survives a restart"
        );
        return run(&args, Arc::new(MemoryStore::new()), "memory").await;
    };

    let store = database::connect(&args.database, &url)?;
    let description = database::describe(&url, args.database.database_schema.as_deref());
    tracing::info!(
        store = "postgres",
        database = %description,
        pool_size = args.database.database_pool_size,
        "using PostgreSQL"
    );
    if args.no_migrate {
        tracing::info!("--no-migrate is set: pending migrations are not applied");
    } else {
        let applied = database::migrate(&store).await?;
        tracing::info!(count = applied.len(), applied = ?applied, "migrations applied");
    }
    run(&args, Arc::new(store), "postgres").await
}

/// Runs the server on `store`, shared by both stores.
async fn run<S: Store + Purge + 'static>(
    args: &ServeArgs,
    store: Arc<S>,
    store_name: &'static str,
) -> anyhow::Result<()> {
    let prepared = prepare(args, store).await?;
    let issuer = prepared.context.settings.issuer.clone();
    let random = Arc::clone(&prepared.context.random);
    start_purge(args, &prepared)?;
    let fetcher = resources::fetcher(&args.resources)?;
    let state = web::Data::new(resources::with_fetcher(
        AppState::with_bundled_login(prepared.store, prepared.context, prepared.key)
            .with_registration(
                args.registration.policy(),
                args.registration.registration_rate_limit,
            ),
        fetcher,
    ));

    let server = HttpServer::new(move || App::new().configure(configure(state.clone())))
        .bind(args.bind)
        .with_context(|| format!("failed to listen on {}", args.bind))?;
    tracing::info!(bind = %args.bind, %issuer, store = store_name, "server started");

    for (client_id, secret) in &prepared.loaded.generated_secrets {
        println!(
            "client secret of {client_id} (generated, shown once): {}",
            secret.expose()
        );
    }
    if let Some(demo) = &prepared.demo {
        demo::print_instructions(demo, &issuer, random.as_ref());
    }

    server.run().await.context("the HTTP server failed")?;
    tracing::info!("server stopped");
    Ok(())
}

/// Starts the background purge of expired codes and tokens.
fn start_purge<S: Store + Purge + 'static>(
    args: &ServeArgs,
    prepared: &Prepared<S>,
) -> anyhow::Result<()> {
    if args.purge_interval == 0 || args.purge_batch_size == 0 {
        bail!("--purge-interval and --purge-batch-size must be at least 1");
    }
    let interval = Duration::from_secs(args.purge_interval);
    tracing::info!(
        interval_seconds = args.purge_interval,
        batch_size = args.purge_batch_size,
        "purging expired records periodically"
    );
    cleanup::spawn(
        Arc::clone(&prepared.store),
        Arc::clone(&prepared.context.clock),
        interval,
        args.purge_batch_size,
        args.registration.unapproved_ttl()?,
    );
    Ok(())
}

/// `check-config`: validates the settings, the session key and the seed
/// file by loading them into a throwaway in-memory store. The database is
/// not contacted.
pub async fn check_config(args: ServeArgs) -> anyhow::Result<()> {
    let prepared = prepare(&args, Arc::new(MemoryStore::new())).await?;
    resources::fetcher(&args.resources)?;
    let loaded = &prepared.loaded;
    println!(
        "configuration is valid: issuer {}, {} workspaces, {} users, {} apps in the seed file",
        prepared.context.settings.issuer, loaded.workspaces, loaded.users, loaded.apps
    );
    Ok(())
}

async fn prepare<S: Store>(args: &ServeArgs, store: Arc<S>) -> anyhow::Result<Prepared<S>> {
    let settings = settings(args).context("invalid settings")?;
    let random: Arc<dyn RandomSource> = Arc::new(OsRandom);
    let key = match &args.session_key {
        Some(hex) => SessionKey::from_hex(hex).context("invalid --session-key")?,
        None => SessionKey::generate(random.as_ref()),
    };
    let context = Arc::new(Context {
        clock: Arc::new(SystemClock),
        random: Arc::clone(&random),
        settings,
        catalog: ScopeCatalog::default(),
    });

    let apps = AppService::new(Arc::clone(&store), Arc::clone(&context));
    let loaded = match &args.seed {
        Some(path) => {
            let file = seed::read(path)?;
            seed::load(file, &apps, store.as_ref())
                .await
                .with_context(|| format!("failed to load the seed file {}", path.display()))?
        }
        None => Loaded::default(),
    };
    let demo = match args.demo {
        true => {
            Some(demo::install(&apps, store.as_ref(), &context.catalog, random.as_ref()).await?)
        }
        false => None,
    };
    Ok(Prepared {
        store,
        context,
        key,
        loaded,
        demo,
    })
}

/// Builds the core settings from the command line.
fn settings(args: &ServeArgs) -> anyhow::Result<Settings> {
    let issuer = match &args.issuer {
        Some(issuer) => issuer.trim_end_matches('/').to_owned(),
        None => format!("http://{}", args.bind),
    };
    check_issuer(&issuer)?;
    if !(1..=MAX_CODE_LIFETIME_SECS).contains(&args.code_lifetime) {
        bail!(
            "--code-lifetime must be 1 to {MAX_CODE_LIFETIME_SECS} seconds, got {}",
            args.code_lifetime
        );
    }
    if !(1..=MAX_DEVICE_CODE_LIFETIME_SECS).contains(&args.device_code_lifetime) {
        bail!(
            "--device-code-lifetime must be 1 to {MAX_DEVICE_CODE_LIFETIME_SECS} seconds, got {}",
            args.device_code_lifetime
        );
    }
    if args.access_token_lifetime == 0 || args.refresh_token_lifetime == 0 {
        bail!("token lifetimes must be at least 1 second");
    }

    let mut settings = Settings::new(issuer);
    settings.code_lifetime = Duration::from_secs(args.code_lifetime);
    settings.access_token_lifetime = Duration::from_secs(args.access_token_lifetime);
    settings.refresh_token_lifetime = Duration::from_secs(args.refresh_token_lifetime);
    settings.device_code_lifetime = Duration::from_secs(args.device_code_lifetime);
    settings.resources = resources::resources(&args.resources, &settings.issuer)?;
    Ok(settings)
}

/// Checks the issuer rules of RFC 8414 section 2 that apply here: an http
/// or https URL with no query or fragment, and no path, because the
/// endpoints are served at the root.
fn check_issuer(issuer: &str) -> anyhow::Result<()> {
    let url =
        url::Url::parse(issuer).with_context(|| format!("the issuer {issuer:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("the issuer {issuer:?} must be an https (or local http) URL");
    }
    if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
        bail!("the issuer {issuer:?} must have no path, query or fragment");
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("the issuer {issuer:?} must not contain user information");
    }
    if url.scheme() == "http" {
        tracing::warn!(%issuer, "the issuer uses plain http: use https outside local development");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn args(extra: &[&str]) -> ServeArgs {
        let argv = ["oauth-apps", "serve"]
            .into_iter()
            .chain(extra.iter().copied());
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Serve(args) => args,
            _ => unreachable!("the serve subcommand was parsed"),
        }
    }

    #[test]
    fn issuer_defaults_to_bind_address() {
        let settings = settings(&args(&["--bind", "127.0.0.1:9000"])).unwrap();
        assert_eq!(settings.issuer, "http://127.0.0.1:9000");
    }

    #[test]
    fn issuer_trailing_slash_is_removed() {
        let settings = settings(&args(&["--issuer", "https://auth.example/"])).unwrap();
        assert_eq!(settings.issuer, "https://auth.example");
    }

    #[test]
    fn invalid_issuers_are_rejected() {
        for issuer in [
            "auth.example",
            "ftp://auth.example",
            "https://auth.example/tenant",
            "https://auth.example?x=1",
            "https://auth.example#f",
            "https://user@auth.example",
        ] {
            assert!(settings(&args(&["--issuer", issuer])).is_err(), "{issuer}");
        }
    }

    #[test]
    fn code_lifetime_bounds() {
        assert!(settings(&args(&["--code-lifetime", "0"])).is_err());
        assert!(settings(&args(&["--code-lifetime", "601"])).is_err());
        assert_eq!(
            settings(&args(&["--code-lifetime", "600"]))
                .unwrap()
                .code_lifetime
                .as_secs(),
            600
        );
    }

    #[actix_web::test]
    async fn example_seed_loads() {
        let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed.toml");
        let prepared = prepare(&args(&["--seed", seed]), Arc::new(MemoryStore::new()))
            .await
            .unwrap();
        assert!(prepared.loaded.apps >= 2);
        assert!(prepared.demo.is_none());
    }

    #[actix_web::test]
    async fn seed_and_demo_load_twice() {
        let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed.toml");
        let store = Arc::new(MemoryStore::new());
        let args = args(&["--seed", seed, "--demo"]);
        let first = prepare(&args, Arc::clone(&store)).await.unwrap();
        let second = prepare(&args, store).await.unwrap();
        assert_eq!(second.loaded.apps, first.loaded.apps);
        assert!(second.loaded.generated_secrets.is_empty());
    }

    #[actix_web::test]
    async fn demo_installs() {
        let prepared = prepare(&args(&["--demo"]), Arc::new(MemoryStore::new()))
            .await
            .unwrap();
        assert!(prepared.demo.is_some());
    }

    #[actix_web::test]
    async fn short_session_key_is_rejected() {
        let error = prepare(
            &args(&["--session-key", "abcd"]),
            Arc::new(MemoryStore::new()),
        )
        .await
        .err()
        .unwrap();
        assert!(format!("{error:#}").contains("session key"), "{error:#}");
    }
}
