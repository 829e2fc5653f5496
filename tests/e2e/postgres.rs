//! Servers on PostgreSQL: state survives a restart, and two processes on one
//! database enforce single-use codes, refresh-token reuse detection and
//! revocation between them.

use std::process::Command;

use oauth2::TokenResponse;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::postgres_support::{TestDatabase, database_url};

/// Starts a server on `database`'s schema, connecting to `url`.
pub fn start_on(database: &TestDatabase, url: &str) -> TestServer {
    let args = database.serve_args(url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    TestServer::start_with(&args)
}

/// Introspects `token` at `server` as the other confidential app.
pub async fn introspect(server: &TestServer, token: &str) -> Value {
    let (status, _, body) = post(
        server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &[("token", token)],
    )
    .await;
    assert_eq!(status, 200, "introspection: {body}");
    body
}

/// Redeems `code` of the public app at `server`.
pub async fn redeem(server: &TestServer, code: &str, verifier: &str) -> (u16, Value) {
    let fields = [
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC_ID),
        ("code", code),
        ("redirect_uri", PUBLIC_REDIRECT),
        ("code_verifier", verifier),
    ];
    let (status, _, body) = post(server, "/oauth/token", None, &fields).await;
    (status, body)
}

/// Presents `refresh_token` of the public app at `server`.
pub async fn refresh(server: &TestServer, refresh_token: &str) -> (u16, Value) {
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", PUBLIC_ID),
        ("refresh_token", refresh_token),
    ];
    let (status, _, body) = post(server, "/oauth/token", None, &fields).await;
    (status, body)
}

fn text(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

#[tokio::test]
async fn tokens_survive_restart() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let first = start_on(&database, &database_url());
    let client = first.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let token = authorize_and_exchange(&first, &client, &["profile", "offline_access"]).await;
    let access = token.access_token().secret().clone();
    let refresh_token = token
        .refresh_token()
        .expect("a refresh token")
        .secret()
        .clone();
    drop(first);

    // The second start finds the seed's records and skips them.
    let second = start_on(&database, &database_url());
    assert_eq!(introspect(&second, &access).await["active"], true);
    let (status, refreshed) = refresh(&second, &refresh_token).await;
    assert_eq!(status, 200, "refresh after restart: {refreshed}");
    let new_access = text(&refreshed, "access_token");
    assert_eq!(introspect(&second, &new_access).await["active"], true);

    drop(second);
    database.drop().await;
}

#[tokio::test]
async fn code_redeems_once_across_processes() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let a = start_on(&database, &database_url());
    let b = start_on(&database, &database_url());
    let client = a.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let (code, verifier) = obtain_code(&a, &client, &["profile", "offline_access"]).await;
    let verifier = verifier.secret().clone();

    let (status, at_b) = redeem(&b, &code, &verifier).await;
    assert_eq!(status, 200, "redemption at B: {at_b}");
    let (status, at_a) = redeem(&a, &code, &verifier).await;
    assert_eq!(status, 400, "replay at A: {at_a}");
    assert_eq!(at_a["error"], "invalid_grant");

    // The replay revoked the tokens B issued for the code.
    let access = text(&at_b, "access_token");
    assert_eq!(introspect(&b, &access).await, json!({"active": false}));
    let (status, _) = refresh(&b, &text(&at_b, "refresh_token")).await;
    assert_eq!(status, 400);

    drop((a, b));
    database.drop().await;
}

#[tokio::test]
async fn refresh_reuse_detected_across_processes() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let a = start_on(&database, &database_url());
    let b = start_on(&database, &database_url());
    let client = a.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let token = authorize_and_exchange(&a, &client, &["profile", "offline_access"]).await;
    let old_refresh = token
        .refresh_token()
        .expect("a refresh token")
        .secret()
        .clone();

    let (status, rotated) = refresh(&a, &old_refresh).await;
    assert_eq!(status, 200, "rotation at A: {rotated}");
    let (status, reused) = refresh(&b, &old_refresh).await;
    assert_eq!(status, 400, "reuse at B: {reused}");
    assert_eq!(reused["error"], "invalid_grant");

    // A finds the whole family revoked.
    let new_access = text(&rotated, "access_token");
    assert_eq!(introspect(&a, &new_access).await, json!({"active": false}));
    let (status, body) = refresh(&a, &text(&rotated, "refresh_token")).await;
    assert_eq!(status, 400, "the rotated-to token after reuse: {body}");
    assert_eq!(body["error"], "invalid_grant");

    drop((a, b));
    database.drop().await;
}

#[tokio::test]
async fn revocation_seen_across_processes() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let a = start_on(&database, &database_url());
    let b = start_on(&database, &database_url());
    let client = a.oauth_client(
        CONFIDENTIAL_ID,
        Some(CONFIDENTIAL_SECRET),
        CONFIDENTIAL_REDIRECT,
    );
    let token = authorize_and_exchange(&a, &client, &["profile"]).await;
    let access = token.access_token().secret().clone();
    assert_eq!(introspect(&b, &access).await["active"], true);

    let revoke = http()
        .post(a.url("/oauth/revoke"))
        .basic_auth(CONFIDENTIAL_ID, Some(CONFIDENTIAL_SECRET))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status().as_u16(), 200);
    assert_eq!(introspect(&b, &access).await, json!({"active": false}));

    drop((a, b));
    database.drop().await;
}

#[tokio::test]
async fn demo_and_seed_restart_on_same_database() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let mut args = database.serve_args(&database_url());
    args.push("--demo".to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    drop(TestServer::start_with(&args));

    // The demo and seed records exist now; the second start skips them.
    let second = TestServer::start_with(&args);
    let client = second.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let token = authorize_and_exchange(&second, &client, &["profile"]).await;
    let access = token.access_token().secret();
    assert_eq!(introspect(&second, access).await["active"], true);

    drop(second);
    database.drop().await;
}

/// Runs `oauth-apps migrate` on `database` and returns its standard output.
fn run_migrate(database: &TestDatabase) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
        .args(["migrate", "--database-schema", &database.schema])
        .env("DATABASE_URL", database_url())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run oauth-apps migrate");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "migrate failed: {stdout}{stderr}");
    stdout
}

#[tokio::test]
async fn migrate_command_applies_once() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let first = run_migrate(&database);
    assert!(first.lines().count() >= 1, "{first}");
    assert!(
        first.lines().all(|line| line.starts_with("applied ")),
        "{first}"
    );
    let second = run_migrate(&database);
    assert!(second.contains("up to date"), "{second}");
    database.drop().await;
}
