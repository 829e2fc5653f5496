//! A tool that connects with no app created beforehand: a command-line
//! client registers itself (RFC 7591), a member approves it through the
//! device flow (RFC 8628), and an admin then lists and revokes it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;
use crate::postgres::start_on;
use crate::postgres_support::{TestDatabase, database_url};
use crate::registration::cli;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {body}"))
}

/// Registers a public device-flow client and returns its client ID.
async fn register_cli_client(server: &TestServer) -> String {
    let response = http()
        .post(server.url("/oauth/register"))
        .json(&json!({
            "client_name": "Acme CLI",
            "grant_types": [DEVICE_GRANT, "refresh_token"],
            "token_endpoint_auth_method": "none",
            "scope": "profile offline_access",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("client_secret").is_none(), "{body}");
    text(&body, "client_id").to_owned()
}

/// Signs the member in on the complete verification URI and approves.
async fn approve_on_device_page(server: &TestServer, complete_uri: &str) {
    let browser = Browser::new();
    let code_page = browser.sign_in(server, complete_uri).await;
    assert_eq!(code_page.status, 200, "{}", code_page.body);
    let form = Form::parse(&code_page.body);
    let consent = browser
        .post_form(&server.url(&form.action), &form.fields)
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("Acme CLI"), "{}", consent.body);

    let form = Form::parse(&consent.body);
    let mut fields = form.fields.clone();
    fields.push(("decision".to_owned(), "approve".to_owned()));
    let result = browser.post_form(&server.url(&form.action), &fields).await;
    assert_eq!(result.status, 200, "{}", result.body);
}

/// Polls like a CLI, keeping to the interval, for at most 60 seconds.
async fn poll_for_tokens(
    server: &TestServer,
    client_id: &str,
    device_code: &str,
    interval: u64,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut interval = interval;
    while Instant::now() < deadline {
        let fields = [
            ("grant_type", DEVICE_GRANT),
            ("client_id", client_id),
            ("device_code", device_code),
        ];
        let (status, _, body) = post(server, "/oauth/token", None, &fields).await;
        match (status, body["error"].as_str()) {
            (200, _) => return body,
            (400, Some("authorization_pending")) => {}
            (400, Some("slow_down")) => interval += 5,
            _ => panic!("unexpected poll answer {status}: {body}"),
        }
        tokio::time::sleep(Duration::from_secs(interval)).await;
    }
    panic!("no tokens within 60 s");
}

#[tokio::test]
async fn cli_registers_connects_and_is_revoked() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let server = start_on(&database, &database_url());
    let client_id = register_cli_client(&server).await;

    let fields = [
        ("client_id", client_id.as_str()),
        ("scope", "profile offline_access"),
    ];
    let (status, _, started) = post(&server, "/oauth/device_authorization", None, &fields).await;
    assert_eq!(status, 200, "{started}");
    let device_code = text(&started, "device_code").to_owned();
    let interval = started["interval"].as_u64().unwrap();

    // The member approves while the tool polls, as a person and a CLI would.
    let poller = poll_for_tokens(&server, &client_id, &device_code, interval);
    let approval = approve_on_device_page(&server, text(&started, "verification_uri_complete"));
    let (tokens, ()) = tokio::join!(poller, approval);
    let access = text(&tokens, "access_token").to_owned();
    let refresh = text(&tokens, "refresh_token").to_owned();

    let listing = cli(&database, &["clients", "list", "--registered"]);
    let line = listing
        .lines()
        .find(|line| line.starts_with(&client_id))
        .unwrap_or_else(|| panic!("{client_id} not listed: {listing}"));
    let columns: Vec<&str> = line.split('\t').collect();
    assert_eq!(columns[1], "Acme CLI", "{line}");
    assert_eq!(columns[2], "device", "{line}");
    assert!(columns[4].starts_with("usr_"), "first approved by: {line}");

    let introspect = [("token", access.as_str())];
    let (_, _, active) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &introspect,
    )
    .await;
    assert_eq!(active["active"], true, "{active}");
    cli(&database, &["clients", "revoke", &client_id]);
    let (_, _, inactive) = post(
        &server,
        "/oauth/introspect",
        Some((OTHER_ID, OTHER_SECRET)),
        &introspect,
    )
    .await;
    assert_eq!(inactive, json!({"active": false}));

    let refresh_fields = [
        ("grant_type", "refresh_token"),
        ("client_id", client_id.as_str()),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, _, error) = post(&server, "/oauth/token", None, &refresh_fields).await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"], "invalid_grant");

    drop(server);
    database.drop().await;
}
