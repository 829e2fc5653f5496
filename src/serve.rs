//! Start-up: settings from the command line, the in-memory store, the seed
//! file and the demo, then the HTTP server.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, web};
use anyhow::{Context as _, bail};
use oauth_apps_core::random::{OsRandom, RandomSource};
use oauth_apps_core::scope::ScopeCatalog;
use oauth_apps_core::service::{AppService, Context, Settings};
use oauth_apps_core::time::SystemClock;
use oauth_apps_http_actix::{AppState, SessionKey, configure};
use oauth_apps_store_memory::MemoryStore;

use crate::cli::ServeArgs;
use crate::demo::{self, Demo};
use crate::seed::{self, Loaded};

/// Maximum authorization code lifetime, in seconds. RFC 6749 section 4.1.2
/// recommends at most 10 minutes.
const MAX_CODE_LIFETIME_SECS: u64 = 600;

/// Everything `serve` and `check-config` prepare before listening.
struct Prepared {
    store: Arc<MemoryStore>,
    context: Arc<Context>,
    key: SessionKey,
    loaded: Loaded,
    demo: Option<Demo>,
}

/// `serve`: prepares the store and runs the server until it is stopped.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let prepared = prepare(&args).await?;
    let issuer = prepared.context.settings.issuer.clone();
    let random = Arc::clone(&prepared.context.random);
    let state = web::Data::new(AppState::with_bundled_login(
        prepared.store,
        prepared.context,
        prepared.key,
    ));

    let server = HttpServer::new(move || App::new().configure(configure(state.clone())))
        .bind(args.bind)
        .with_context(|| format!("failed to listen on {}", args.bind))?;
    tracing::info!(bind = %args.bind, %issuer, store = "memory", "server started");

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

/// `check-config`: validates the settings, the session key and the seed
/// file by loading them into a throwaway store.
pub async fn check_config(args: ServeArgs) -> anyhow::Result<()> {
    let prepared = prepare(&args).await?;
    let loaded = &prepared.loaded;
    println!(
        "configuration is valid: issuer {}, {} workspaces, {} users, {} apps in the seed file",
        prepared.context.settings.issuer, loaded.workspaces, loaded.users, loaded.apps
    );
    Ok(())
}

async fn prepare(args: &ServeArgs) -> anyhow::Result<Prepared> {
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

    let store = Arc::new(MemoryStore::new());
    let apps = AppService::new(Arc::clone(&store), Arc::clone(&context));
    let loaded = match &args.seed {
        Some(path) => {
            let file = seed::read(path)?;
            seed::load(file, &apps)
                .await
                .with_context(|| format!("failed to load the seed file {}", path.display()))?
        }
        None => Loaded::default(),
    };
    let demo = match args.demo {
        true => Some(demo::install(&apps, &context.catalog, random.as_ref()).await?),
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
    if args.access_token_lifetime == 0 || args.refresh_token_lifetime == 0 {
        bail!("token lifetimes must be at least 1 second");
    }

    let mut settings = Settings::new(issuer);
    settings.code_lifetime = Duration::from_secs(args.code_lifetime);
    settings.access_token_lifetime = Duration::from_secs(args.access_token_lifetime);
    settings.refresh_token_lifetime = Duration::from_secs(args.refresh_token_lifetime);
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
        let prepared = prepare(&args(&["--seed", seed])).await.unwrap();
        assert!(prepared.loaded.apps >= 2);
        assert!(prepared.demo.is_none());
    }

    #[actix_web::test]
    async fn demo_installs() {
        let prepared = prepare(&args(&["--demo"])).await.unwrap();
        assert!(prepared.demo.is_some());
    }

    #[actix_web::test]
    async fn short_session_key_is_rejected() {
        let error = prepare(&args(&["--session-key", "abcd"]))
            .await
            .err()
            .unwrap();
        assert!(format!("{error:#}").contains("session key"), "{error:#}");
    }
}
