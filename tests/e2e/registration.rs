//! Dynamic client registration (RFC 7591) and the client configuration
//! endpoint (RFC 7592) against the real binary: registered clients run the
//! authorization code flow, bad metadata is rejected, registrations are
//! rate-limited, and on PostgreSQL the initial access token policy and the
//! `clients` subcommands work.

use std::process::Command;

use oauth2::TokenResponse;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::postgres::start_on;
use crate::postgres_support::{TestDatabase, database_url};

const REGISTERED_REDIRECT: &str = "http://127.0.0.1/registered-callback";

fn public_body() -> Value {
    json!({
        "redirect_uris": [REGISTERED_REDIRECT],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "client_name": "Registered Tool",
        "scope": "profile bugs:read offline_access",
        "logo_uri": "https://10.0.0.1/never-fetched.png",
    })
}

async fn send(request: reqwest::RequestBuilder) -> (u16, HeaderMap, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, headers, body)
}

async fn register(
    server: &TestServer,
    body: &Value,
    bearer: Option<&str>,
) -> (u16, HeaderMap, Value) {
    let mut request = http().post(server.url("/oauth/register")).json(body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    send(request).await
}

/// Registers `body` and returns the client information, failing unless 201.
async fn register_ok(server: &TestServer, body: &Value) -> Value {
    let (status, _, information) = register(server, body, None).await;
    assert_eq!(status, 201, "registration: {information}");
    information
}

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
}

fn configuration_url(server: &TestServer, client_id: &str) -> String {
    server.url(&format!("/oauth/register/{client_id}"))
}

#[tokio::test]
async fn public_registration_runs_code_flow() {
    let server = TestServer::start();
    let (_, _, metadata) =
        send(http().get(server.url("/.well-known/oauth-authorization-server"))).await;
    assert_eq!(
        metadata["registration_endpoint"],
        server.url("/oauth/register")
    );

    let information = register_ok(&server, &public_body()).await;
    let client_id = text(&information, "client_id");
    assert!(information.get("client_secret").is_none(), "{information}");
    assert!(text(&information, "registration_access_token").starts_with("orat_"));
    assert_eq!(information["token_endpoint_auth_method"], "none");
    assert_eq!(information["response_types"], json!(["code"]));
    assert_eq!(
        text(&information, "registration_client_uri"),
        configuration_url(&server, client_id)
    );

    let client = server.oauth_client(client_id, None, REGISTERED_REDIRECT);
    let tokens = authorize_and_exchange(
        &server,
        &client,
        &["profile", "bugs:read", "offline_access"],
    )
    .await;
    assert!(tokens.access_token().secret().starts_with("oat_"));
    assert!(tokens.refresh_token().is_some());
}

#[tokio::test]
async fn confidential_registration_binds_secret_and_method() {
    let server = TestServer::start();
    let mut body = public_body();
    body["token_endpoint_auth_method"] = json!("client_secret_post");
    let information = register_ok(&server, &body).await;
    let client_id = text(&information, "client_id").to_owned();
    let secret = text(&information, "client_secret").to_owned();
    assert!(secret.starts_with("ocs_"));
    assert_eq!(information["client_secret_expires_at"], 0);

    let client = server.oauth_client(&client_id, None, REGISTERED_REDIRECT);
    let (code, verifier) = obtain_code(&server, &client, &["profile"]).await;
    let exchange = |extra: Vec<(&'static str, String)>| {
        let mut fields = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", REGISTERED_REDIRECT.to_owned()),
            ("code_verifier", verifier.secret().clone()),
        ];
        fields.extend(extra);
        fields
    };

    let without_secret = exchange(vec![("client_id", client_id.clone())]);
    let (status, _, body) = send(
        http()
            .post(server.url("/oauth/token"))
            .form(&without_secret),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");

    let basic = http()
        .post(server.url("/oauth/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&exchange(vec![]));
    let (status, _, body) = send(basic).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");

    let post_fields = exchange(vec![
        ("client_id", client_id.clone()),
        ("client_secret", secret.clone()),
    ]);
    let (status, _, body) = send(http().post(server.url("/oauth/token")).form(&post_fields)).await;
    assert_eq!(status, 200, "{body}");
    assert!(text(&body, "access_token").starts_with("oat_"));
}

#[tokio::test]
async fn bad_metadata_is_rejected_and_not_stored() {
    let server = TestServer::start();
    let with = |field: &str, value: Value| {
        let mut body = public_body();
        body[field] = value;
        body
    };
    let cases = [
        (
            "fragment",
            with("redirect_uris", json!(["https://a.example/cb#x"])),
            "invalid_redirect_uri",
        ),
        (
            "javascript",
            with("redirect_uris", json!(["javascript:alert(1)"])),
            "invalid_redirect_uri",
        ),
        (
            "http non-loopback",
            with("redirect_uris", json!(["http://a.example/cb"])),
            "invalid_redirect_uri",
        ),
        (
            "wildcard",
            with("redirect_uris", json!(["https://*.a.example/cb"])),
            "invalid_redirect_uri",
        ),
        (
            "userinfo",
            with("redirect_uris", json!(["https://u:p@a.example/cb"])),
            "invalid_redirect_uri",
        ),
        (
            "grant without response type",
            with("response_types", json!([])),
            "invalid_client_metadata",
        ),
        (
            "unknown scope",
            with("scope", json!("profile admin:all")),
            "invalid_client_metadata",
        ),
        (
            "oversized name",
            with("client_name", json!("n".repeat(101))),
            "invalid_client_metadata",
        ),
        (
            "oversized list",
            with(
                "redirect_uris",
                json!(
                    (0..11)
                        .map(|port| format!("http://127.0.0.1:{}/cb", 5000 + port))
                        .collect::<Vec<_>>()
                ),
            ),
            "invalid_client_metadata",
        ),
        (
            "wrong type",
            with("redirect_uris", json!("https://a.example/cb")),
            "invalid_client_metadata",
        ),
        (
            "Hangul filler in name",
            with("client_name", json!("Registered\u{3164}Tool")),
            "invalid_client_metadata",
        ),
    ];
    for (name, body, expected) in cases {
        let (status, headers, error) = register(&server, &body, None).await;
        assert_eq!(status, 400, "{name}: {error}");
        assert_eq!(error["error"], expected, "{name}: {error}");
        assert!(error["error_description"].is_string(), "{name}: {error}");
        assert_eq!(headers["cache-control"], "no-store", "{name}");
    }

    // JSON is always UTF-8, so a body that claims another charset is
    // rejected before it is read.
    let utf16 = http()
        .post(server.url("/oauth/register"))
        .header("content-type", "application/json; charset=utf-16")
        .body(public_body().to_string());
    let (status, _, error) = send(utf16).await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"], "invalid_client_metadata", "{error}");
    assert!(
        text(&error, "error_description").contains("names charset utf-16:"),
        "{error}"
    );

    // Generated client IDs are `app_` and 32 hex digits; a guessed one
    // with a made-up token finds nothing.
    let guessed = configuration_url(&server, "app_00000000000000000000000000000000");
    let (status, _, _) = send(http().get(guessed).bearer_auth("orat_guess")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn configuration_endpoint_reads_updates_deletes() {
    let server = TestServer::start();
    let information = register_ok(&server, &public_body()).await;
    let client_id = text(&information, "client_id").to_owned();
    let token = text(&information, "registration_access_token").to_owned();
    let url = configuration_url(&server, &client_id);

    let (status, _, read) = send(http().get(&url).bearer_auth(&token)).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["client_id"], client_id.as_str());
    assert_eq!(read["client_name"], "Registered Tool");

    let (status, headers, error) = send(http().get(&url).bearer_auth("orat_wrong")).await;
    assert_eq!(status, 401, "{error}");
    assert_eq!(error["error"], "invalid_token");
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    let mut changed = public_body();
    changed["client_id"] = json!(client_id);
    changed["client_name"] = json!("Renamed Tool");
    let (status, _, updated) = send(http().put(&url).bearer_auth(&token).json(&changed)).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["client_name"], "Renamed Tool");

    let client = server.oauth_client(&client_id, None, REGISTERED_REDIRECT);
    let tokens = authorize_and_exchange(&server, &client, &["offline_access"]).await;
    let refresh_token = tokens.refresh_token().unwrap().secret().clone();

    let (status, _, _) = send(http().delete(&url).bearer_auth(&token)).await;
    assert_eq!(status, 204);
    let (status, _, _) = send(http().get(&url).bearer_auth(&token)).await;
    assert_eq!(status, 401);
    let fields = [
        ("grant_type", "refresh_token"),
        ("client_id", client_id.as_str()),
        ("refresh_token", refresh_token.as_str()),
    ];
    let (status, _, body) = post(&server, "/oauth/token", None, &fields).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn identical_registration_returns_same_client() {
    let server = TestServer::start();
    let first = register_ok(&server, &public_body()).await;
    let (status, _, second) = register(&server, &public_body(), None).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(first["client_id"], second["client_id"]);
    assert!(
        second.get("registration_access_token").is_none(),
        "a repeated registration gets no credentials: {second}"
    );

    // The first registrant keeps its registration access token.
    let url = configuration_url(&server, text(&first, "client_id"));
    let token = text(&first, "registration_access_token");
    let (status, _, _) = send(http().get(&url).bearer_auth(token)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn identical_confidential_registration_is_new_client() {
    let server = TestServer::start();
    let mut body = public_body();
    body["token_endpoint_auth_method"] = json!("client_secret_basic");
    let first = register_ok(&server, &body).await;
    let second = register_ok(&server, &body).await;
    assert_ne!(first["client_id"], second["client_id"]);
    assert_ne!(first["client_secret"], second["client_secret"]);
}

#[tokio::test]
async fn redirect_change_revokes_consent() {
    let server = TestServer::start();
    let mut body = public_body();
    body["token_endpoint_auth_method"] = json!("client_secret_basic");
    let information = register_ok(&server, &body).await;
    let client_id = text(&information, "client_id").to_owned();
    let secret = text(&information, "client_secret").to_owned();
    let client = server.oauth_client(&client_id, Some(&secret), REGISTERED_REDIRECT);
    let tokens = authorize_and_exchange(&server, &client, &["profile"]).await;

    body["redirect_uris"] = json!(["https://moved.example/cb"]);
    body["client_id"] = json!(client_id);
    let url = configuration_url(&server, &client_id);
    let token = text(&information, "registration_access_token");
    let (status, _, updated) = send(http().put(&url).bearer_auth(token).json(&body)).await;
    assert_eq!(status, 200, "{updated}");

    let access = tokens.access_token().secret().as_str();
    let introspect = [("token", access)];
    let (_, _, inactive) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &introspect,
    )
    .await;
    assert_eq!(
        inactive,
        json!({"active": false}),
        "tokens of the old consent are revoked"
    );
}

#[tokio::test]
async fn registrations_are_rate_limited() {
    let server = TestServer::start_with(&["--registration-rate-limit", "3"]);
    for attempt in 0..3 {
        let mut body = public_body();
        body["client_name"] = json!(format!("Tool {attempt}"));
        register_ok(&server, &body).await;
    }
    let (status, headers, error) = register(&server, &public_body(), None).await;
    assert_eq!(status, 429, "{error}");
    assert_eq!(error["error"], "temporarily_unavailable");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
}

/// Runs the binary with `args` and the database options of `database`;
/// returns its standard output, failing unless it succeeds.
pub(crate) fn cli(database: &TestDatabase, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
        .args(args)
        .args(database.serve_args(&database_url()))
        .env_remove("DATABASE_URL")
        .env_remove("OAUTH_APPS_DATABASE_SCHEMA")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the oauth-apps binary");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test]
async fn initial_access_token_policy_on_postgres() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let url = database_url();
    let mut args = database.serve_args(&url);
    args.extend(["--registration-policy", "initial-access-token"].map(str::to_owned));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = TestServer::start_with(&args);

    let (status, headers, error) = register(&server, &public_body(), None).await;
    assert_eq!(status, 401, "{error}");
    assert_eq!(error["error"], "invalid_token");
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    let token = cli(
        &database,
        &["registration-token", "create", "--label", "e2e"],
    );
    let token = token.trim();
    assert!(token.starts_with("oiat_"), "{token}");
    let (status, _, error) = register(&server, &public_body(), Some("oiat_wrong")).await;
    assert_eq!(status, 401, "{error}");
    let (status, _, information) = register(&server, &public_body(), Some(token)).await;
    assert_eq!(status, 201, "{information}");

    drop(server);
    database.drop().await;
}

#[tokio::test]
async fn clients_commands_on_postgres() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let server = start_on(&database, &database_url());
    let mut body = public_body();
    body["token_endpoint_auth_method"] = json!("client_secret_basic");
    let information = register_ok(&server, &body).await;
    let client_id = text(&information, "client_id").to_owned();
    let secret = text(&information, "client_secret").to_owned();
    let client = server.oauth_client(&client_id, Some(&secret), REGISTERED_REDIRECT);
    let introspect = |token: String| {
        let request = http()
            .post(server.url("/oauth/introspect"))
            .basic_auth(&client_id, Some(&secret))
            .form(&[("token", token)]);
        async move { send(request).await.2 }
    };

    let tokens = authorize_and_exchange(&server, &client, &["profile"]).await;
    let listing = cli(&database, &["clients", "list", "--registered"]);
    let line = listing
        .lines()
        .find(|line| line.starts_with(&client_id))
        .unwrap_or_else(|| panic!("{client_id} not listed: {listing}"));
    let columns: Vec<&str> = line.split('\t').collect();
    assert_eq!(columns[1], "Registered Tool", "{line}");
    assert_eq!(columns[2], "dynamic", "{line}");
    assert!(columns[4].starts_with("usr_"), "first approved by: {line}");
    assert_eq!(columns[6], "active", "{line}");

    let access = tokens.access_token().secret().clone();
    assert_eq!(introspect(access.clone()).await["active"], true);
    cli(&database, &["clients", "revoke", &client_id]);
    assert_eq!(introspect(access).await["active"], false);

    let (url, _, _) = authorize_url(&client, &["profile"]);
    cli(&database, &["clients", "block", &client_id]);
    let fields = [("grant_type", "refresh_token"), ("refresh_token", "ort_x")];
    let (status, _, error) = post(
        &server,
        "/oauth/token",
        Some((&client_id, &secret)),
        &fields,
    )
    .await;
    assert_eq!(status, 401, "{error}");
    assert_eq!(error["error"], "invalid_client");
    let page = Browser::new().get(&url).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("suspended"), "{}", page.body);

    cli(&database, &["clients", "unblock", &client_id]);
    let listing = cli(&database, &["clients", "list"]);
    assert!(listing.contains(&client_id), "{listing}");

    drop(server);
    database.drop().await;
}

#[tokio::test]
async fn rename_revokes_consent() {
    let server = TestServer::start();
    let mut body = public_body();
    body["token_endpoint_auth_method"] = json!("client_secret_basic");
    let information = register_ok(&server, &body).await;
    let client_id = text(&information, "client_id").to_owned();
    let secret = text(&information, "client_secret").to_owned();
    let client = server.oauth_client(&client_id, Some(&secret), REGISTERED_REDIRECT);
    let tokens = authorize_and_exchange(&server, &client, &["profile"]).await;

    body["client_name"] = json!("Totally Official Tool");
    body["client_id"] = json!(client_id);
    let url = configuration_url(&server, &client_id);
    let token = text(&information, "registration_access_token");
    let (status, _, updated) = send(http().put(&url).bearer_auth(token).json(&body)).await;
    assert_eq!(status, 200, "{updated}");

    let access = tokens.access_token().secret().as_str();
    let introspect = [("token", access)];
    let (_, _, inactive) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &introspect,
    )
    .await;
    assert_eq!(
        inactive,
        json!({"active": false}),
        "tokens approved under the old name are revoked"
    );
}

#[tokio::test]
async fn unusable_scope_is_rejected() {
    let server = TestServer::start();
    let mut body = public_body();
    body["grant_types"] = json!(["authorization_code"]);
    body["scope"] = json!("offline_access");
    let (status, _, error) = register(&server, &body, None).await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"], "invalid_client_metadata");
}

#[tokio::test]
async fn blank_name_is_rejected() {
    let server = TestServer::start();
    for name in [
        "\u{2800}\u{17b5}",
        "-- !! --",
        "e\u{301}\u{301}\u{301}\u{301}",
    ] {
        let mut body = public_body();
        body["client_name"] = json!(name);
        let (status, _, error) = register(&server, &body, None).await;
        assert_eq!(status, 400, "{name:?}: {error}");
        assert_eq!(error["error"], "invalid_client_metadata", "{name:?}");
    }
}
