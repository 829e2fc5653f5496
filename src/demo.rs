//! `serve --demo`: a demo workspace, user and three apps, and instructions
//! for trying the authorization code and device flows with a browser and
//! curl. The confidential app is a resource server, so it can introspect
//! the public app's tokens.
//!
//! Installing is idempotent. On a database that already has the demo
//! records, each existing one is kept as it is and logged. So the demo
//! user's password and the confidential app's secret stay the ones from
//! the first start, and only that start prints them.

use anyhow::Context as _;
use oauth_apps_core::client::{ClientType, Environment, GrantType, PkceMode};
use oauth_apps_core::ids::WorkspaceId;
use oauth_apps_core::permission::Role;
use oauth_apps_core::pkce::{CodeChallenge, CodeVerifier};
use oauth_apps_core::random::RandomSource;
use oauth_apps_core::scope::ScopeCatalog;
use oauth_apps_core::secret::Secret;
use oauth_apps_core::service::{AppService, NewClient};
use oauth_apps_core::store::Store;
use oauth_apps_http_actix::login::hash_password;

use crate::seed::{find_user, is_conflict, set_grant_types};

/// Email of the demo user.
pub const DEMO_EMAIL: &str = "demo@example.com";
/// Client ID of the demo public app.
pub const PUBLIC_CLIENT_ID: &str = "demo-public";
/// Client ID of the demo confidential app.
pub const CONFIDENTIAL_CLIENT_ID: &str = "demo-confidential";
/// Client ID of the demo command-line app, which uses the device
/// authorization grant.
pub const CLI_CLIENT_ID: &str = "demo-cli";
/// Redirect URI of the demo confidential app, also used for the public one
/// (whose loopback registration allows any port).
pub const DEMO_REDIRECT_URI: &str = "http://127.0.0.1:9999/callback";
/// Environment variable that sets the demo user's password.
pub const PASSWORD_VARIABLE: &str = "OAUTH_APPS_DEMO_PASSWORD";

const ALPHANUMERIC: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// ID of the demo workspace.
const WORKSPACE_ID: &str = "ws_demo";

/// Demo credentials created at this start, for the start-up instructions.
pub struct Demo {
    password: Option<String>,
    /// Whether the demo user existed before this start.
    existing_user: bool,
    confidential_secret: Option<Secret>,
}

/// Creates the demo workspace, user and apps that `store` does not have yet.
pub async fn install<S: Store>(
    apps: &AppService<S>,
    store: &S,
    catalog: &ScopeCatalog,
    random: &dyn RandomSource,
) -> anyhow::Result<Demo> {
    let workspace_id = WorkspaceId::new(WORKSPACE_ID);
    match apps
        .create_workspace(Some(WORKSPACE_ID), "Demo workspace")
        .await
    {
        Err(error) if is_conflict(&error) => {
            tracing::info!(
                workspace_id = WORKSPACE_ID,
                "demo workspace already exists, kept"
            );
        }
        result => drop(result.context("failed to create the demo workspace")?),
    }

    let (password, generated) = match std::env::var(PASSWORD_VARIABLE) {
        Ok(password) if !password.is_empty() => (password, false),
        _ => (random_password(random), true),
    };
    let hash = hash_password(&password).context("failed to hash the demo password")?;
    let (user_id, existing_user) = match apps.create_user(DEMO_EMAIL, "Demo User", Some(hash)).await
    {
        Ok(user) => (user.id, false),
        Err(error) if is_conflict(&error) => {
            let user_id = find_user(store, DEMO_EMAIL).await?;
            tracing::info!(%user_id, "demo user already exists, kept with its password");
            (user_id, true)
        }
        Err(error) => return Err(error).context("failed to create the demo user"),
    };
    apps.set_membership(&workspace_id, &user_id, Role::Admin)
        .await
        .context("failed to add the demo user to the demo workspace")?;

    let app = |client_id: &str, client_type, redirect_uris: &[&str]| NewClient {
        workspace_id: Some(workspace_id.clone()),
        client_id: Some(client_id.to_owned()),
        name: format!("Demo {} app", client_type_label(client_type)),
        description: "A demo app created by oauth-apps serve --demo.".to_owned(),
        homepage_url: None,
        client_type,
        redirect_uris: redirect_uris.iter().map(|uri| (*uri).to_owned()).collect(),
        allowed_scopes: catalog.all().to_string(),
        default_scopes: "profile".to_owned(),
        environment: Environment::Development,
        pkce: PkceMode::Required,
        client_secret: None,
        resource_server: false,
    };
    let public = app(
        PUBLIC_CLIENT_ID,
        ClientType::Public,
        &["http://127.0.0.1/callback", "http://localhost/callback"],
    );
    create_app(apps, public).await?;
    let mut confidential = app(
        CONFIDENTIAL_CLIENT_ID,
        ClientType::Confidential,
        &[DEMO_REDIRECT_URI],
    );
    // The printed steps introspect the public app's tokens with this app.
    confidential.resource_server = true;
    let confidential_secret = create_app(apps, confidential).await?;
    let mut cli = app(
        CLI_CLIENT_ID,
        ClientType::Public,
        &["http://127.0.0.1/callback"],
    );
    cli.name = "Demo CLI".to_owned();
    create_cli_app(apps, store, cli).await?;

    Ok(Demo {
        password: (generated && !existing_user).then_some(password),
        existing_user,
        confidential_secret,
    })
}

/// Creates a demo app unless one with its client ID exists, and returns its
/// generated secret when it created a confidential app.
async fn create_app<S: Store>(
    apps: &AppService<S>,
    app: NewClient,
) -> anyhow::Result<Option<Secret>> {
    let client_id = app.client_id.clone().unwrap_or_default();
    match apps.create_client(app).await {
        Ok((_, secret)) => Ok(secret),
        Err(error) if is_conflict(&error) => {
            tracing::info!(%client_id, "demo app already exists, kept unchanged");
            Ok(None)
        }
        Err(error) => {
            Err(error).with_context(|| format!("failed to create the demo app {client_id}"))
        }
    }
}

/// Creates the demo command-line app, allowed the device code and refresh
/// token grants, unless one with its client ID exists.
async fn create_cli_app<S: Store>(
    apps: &AppService<S>,
    store: &S,
    app: NewClient,
) -> anyhow::Result<()> {
    match apps.create_client(app).await {
        Ok((client, _)) => {
            let grant_types = vec![GrantType::DeviceCode, GrantType::RefreshToken];
            set_grant_types(store, client, grant_types).await
        }
        Err(error) if is_conflict(&error) => {
            tracing::info!(
                client_id = CLI_CLIENT_ID,
                "demo app already exists, kept unchanged"
            );
            Ok(())
        }
        Err(error) => {
            Err(error).with_context(|| format!("failed to create the demo app {CLI_CLIENT_ID}"))
        }
    }
}

fn client_type_label(client_type: ClientType) -> &'static str {
    match client_type {
        ClientType::Public => "public",
        ClientType::Confidential => "confidential",
    }
}

fn random_password(random: &dyn RandomSource) -> String {
    let mut bytes = [0u8; 20];
    random.fill(&mut bytes);
    bytes
        .iter()
        .map(|byte| char::from(ALPHANUMERIC[usize::from(*byte) % ALPHANUMERIC.len()]))
        .collect()
}

/// Prints the demo credentials (once) and the steps of the flow to standard
/// output, not to the log.
pub fn print_instructions(demo: &Demo, issuer: &str, random: &dyn RandomSource) {
    println!();
    print_credentials(demo);
    println!();
    print_steps(demo, issuer.trim_end_matches('/'), random);
    println!();
}

fn print_credentials(demo: &Demo) {
    println!("Demo ready. Sign in as {DEMO_EMAIL}.");
    if demo.password.is_some() || demo.confidential_secret.is_some() {
        println!(
            "A generated password and client secret are printed here, on standard output, only \
             at the start that creates them, and never logged. Save them."
        );
    }
    match (&demo.password, demo.existing_user) {
        (Some(password), _) => println!("  password (generated, shown once): {password}"),
        (None, true) => println!("  password: unchanged since the demo user was created"),
        (None, false) => println!("  password: the value of {PASSWORD_VARIABLE}"),
    }
    match &demo.confidential_secret {
        Some(secret) => println!(
            "  client secret of {CONFIDENTIAL_CLIENT_ID} (shown once): {}",
            secret.expose()
        ),
        None => println!(
            "  client secret of {CONFIDENTIAL_CLIENT_ID}: unchanged since the app was created"
        ),
    }
}

fn print_steps(demo: &Demo, base: &str, random: &dyn RandomSource) {
    let mut bytes = [0u8; 32];
    random.fill(&mut bytes);
    let verifier_text: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let challenge = CodeVerifier::parse(&verifier_text)
        .map(|verifier| CodeChallenge::s256(&verifier).as_str().to_owned())
        .unwrap_or_default();
    let authorize = format!(
        "{base}/oauth/authorize?response_type=code&client_id={PUBLIC_CLIENT_ID}\
         &redirect_uri={}&scope=profile+bugs%3Aread+offline_access&state=demo\
         &code_challenge={challenge}&code_challenge_method=S256",
        form_encode(DEMO_REDIRECT_URI)
    );
    // Without this start's secret, the command shows where the saved one goes.
    let secret = demo
        .confidential_secret
        .as_ref()
        .map_or("CLIENT_SECRET", |secret| secret.expose());

    println!("1. Open this URL in a browser, sign in and approve:");
    println!("   {authorize}");
    println!("2. The browser is sent to {DEMO_REDIRECT_URI}?code=...; nothing needs to listen");
    println!("   there. Copy the code from the address bar.");
    println!("3. Exchange the code (within the code lifetime):");
    println!(
        "   curl -s {base}/oauth/token -d grant_type=authorization_code -d client_id={PUBLIC_CLIENT_ID} \
         --data-urlencode redirect_uri={DEMO_REDIRECT_URI} -d code_verifier={verifier_text} -d code=CODE"
    );
    println!("4. Refresh, then introspect as the confidential app, a resource server:");
    println!(
        "   curl -s {base}/oauth/token -d grant_type=refresh_token -d client_id={PUBLIC_CLIENT_ID} -d refresh_token=REFRESH_TOKEN"
    );
    println!(
        "   curl -s -u {CONFIDENTIAL_CLIENT_ID}:{secret} {base}/oauth/introspect -d token=ACCESS_TOKEN"
    );
    println!("5. Revoke the access token; introspecting it again returns {{\"active\":false}}.");
    println!("   The refresh token still works. Revoking it ends the whole authorization:");
    println!(
        "   curl -s -X POST {base}/oauth/revoke -d client_id={PUBLIC_CLIENT_ID} -d token=ACCESS_TOKEN"
    );
    println!(
        "   curl -s -X POST {base}/oauth/revoke -d client_id={PUBLIC_CLIENT_ID} -d token=REFRESH_TOKEN"
    );
    println!(
        "Device flow: curl -s {base}/oauth/device_authorization -d client_id={CLI_CLIENT_ID} \
         -d scope=profile, open verification_uri_complete, approve, then poll \
         curl -s {base}/oauth/token -d grant_type={} -d client_id={CLI_CLIENT_ID} -d device_code=DEVICE_CODE",
        GrantType::DeviceCode.as_str()
    );
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth_apps_core::random::SequenceRandom;

    #[test]
    fn random_password_is_alphanumeric() {
        let password = random_password(&SequenceRandom::default());
        assert_eq!(password.len(), 20);
        assert!(password.bytes().all(|byte| ALPHANUMERIC.contains(&byte)));
    }
}
