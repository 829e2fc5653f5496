//! The test server, the member's browser and small request helpers.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, IntrospectionUrl,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenUrl,
};
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery staple";
pub const MEMBER_EMAIL: &str = "member@example.com";
pub const PUBLIC_ID: &str = "e2e-public";
pub const PUBLIC_REDIRECT: &str = "https://public.example/cb";
pub const LOOPBACK_REDIRECT: &str = "http://127.0.0.1/callback";
pub const CONFIDENTIAL_ID: &str = "e2e-confidential";
pub const CONFIDENTIAL_SECRET: &str = "e2e-confidential-secret-0123456789abcdef";
pub const CONFIDENTIAL_REDIRECT: &str = "https://confidential.example/cb";
pub const OTHER_ID: &str = "e2e-other";
pub const OTHER_SECRET: &str = "e2e-other-secret-0123456789abcdef0123456";
pub const OTHER_REDIRECT: &str = "https://other.example/cb";
pub const DEVICE_ID: &str = "e2e-device";

const SEED: &str = r#"
[[workspaces]]
id = "ws_e2e"
name = "End to end"

[[users]]
email = "member@example.com"
display_name = "Test Member"
password = "correct horse battery staple"

[[memberships]]
workspace = "ws_e2e"
user = "member@example.com"
role = "member"

[[apps]]
workspace = "ws_e2e"
client_id = "e2e-public"
name = "E2E Public"
homepage = "https://public.example/"
client_type = "public"
redirect_uris = ["https://public.example/cb", "http://127.0.0.1/callback"]
allowed_scopes = ["profile", "bugs:read", "bugs:write", "offline_access"]
default_scopes = ["profile"]

[[apps]]
workspace = "ws_e2e"
client_id = "e2e-confidential"
name = "E2E Confidential"
client_type = "confidential"
redirect_uris = ["https://confidential.example/cb"]
allowed_scopes = ["profile", "bugs:read", "bugs:write", "offline_access"]
default_scopes = ["profile"]
client_secret = "e2e-confidential-secret-0123456789abcdef"
pkce = "optional"

[[apps]]
workspace = "ws_e2e"
client_id = "e2e-other"
name = "E2E Other"
client_type = "confidential"
redirect_uris = ["https://other.example/cb"]
allowed_scopes = ["profile", "bugs:read", "offline_access"]
default_scopes = ["profile"]
client_secret = "e2e-other-secret-0123456789abcdef0123456"
resource_server = true

[[apps]]
workspace = "ws_e2e"
client_id = "e2e-device"
name = "E2E Device"
homepage = "https://device.example/"
client_type = "public"
redirect_uris = ["http://127.0.0.1/callback"]
allowed_scopes = ["profile", "bugs:read", "offline_access"]
default_scopes = ["profile"]
grant_types = ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"]
"#;

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// A running server process, killed when dropped.
pub struct TestServer {
    child: Child,
    pub base: String,
    seed_path: PathBuf,
}

impl TestServer {
    /// Starts the binary with the test seed and default lifetimes.
    pub fn start() -> TestServer {
        TestServer::start_with(&[])
    }

    /// Starts the binary with the test seed and extra `serve` arguments.
    pub fn start_with(extra: &[&str]) -> TestServer {
        TestServer::start_with_base(|_| extra.iter().map(|arg| (*arg).to_owned()).collect())
    }

    /// Starts the binary with the test seed and extra `serve` arguments
    /// built from the server's base URL, which is known only once a port is
    /// chosen.
    pub fn start_with_base(extra: impl FnOnce(&str) -> Vec<String>) -> TestServer {
        let seed_path = std::env::temp_dir().join(format!(
            "oauth-apps-e2e-{}-{}.toml",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&seed_path, SEED).expect("write seed file");

        // The port is free when probed; another process could take it before
        // the server binds, which would fail the start below loudly.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("find a free port")
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--issuer",
                &base,
            ])
            .arg("--seed")
            .arg(&seed_path)
            .args(extra(&base))
            .env("RUST_LOG", "warn")
            .env_remove("OAUTH_APPS_DEMO")
            .env_remove("DATABASE_URL")
            .env_remove("OAUTH_APPS_DATABASE_SCHEMA")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the oauth-apps binary");

        // Forward the server's log to the test output, which cargo shows on failure.
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    eprintln!("[server] {line}");
                }
            });
        }
        let server = TestServer {
            child,
            base,
            seed_path,
        };
        server.wait_until_ready();
        server
    }

    fn wait_until_ready(&self) {
        let address = self.base.trim_start_matches("http://").to_owned();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(&address).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not listen on {address} within 20 s");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Returns an oauth2 client for a registered app.
    pub fn oauth_client(
        &self,
        client_id: &str,
        secret: Option<&str>,
        redirect: &str,
    ) -> OAuthClient {
        let mut client = BasicClient::new(ClientId::new(client_id.to_owned()))
            .set_auth_uri(AuthUrl::new(self.url("/oauth/authorize")).unwrap())
            .set_token_uri(TokenUrl::new(self.url("/oauth/token")).unwrap())
            .set_introspection_url(IntrospectionUrl::new(self.url("/oauth/introspect")).unwrap())
            .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).unwrap());
        if let Some(secret) = secret {
            client = client.set_client_secret(ClientSecret::new(secret.to_owned()));
        }
        client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.seed_path);
    }
}

pub type OAuthClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointSet, EndpointNotSet, EndpointSet>;

/// An HTTP client that follows no redirects, for the oauth2 crate and raw requests.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Builds an authorization URL with PKCE and the given scopes.
pub fn authorize_url(
    client: &OAuthClient,
    scopes: &[&str],
) -> (String, CsrfToken, PkceCodeVerifier) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().map(|scope| Scope::new((*scope).to_owned())))
        .set_pkce_challenge(challenge)
        .url();
    (url.to_string(), state, verifier)
}

/// A member's browser: keeps cookies, never follows redirects on its own.
pub struct Browser {
    client: reqwest::Client,
}

/// A page the server returned: status, Location header and body.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Browser {
    pub fn new() -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { client }
    }

    pub async fn get(&self, url: &str) -> Page {
        page(self.client.get(url).send().await.unwrap()).await
    }

    pub async fn post_form(&self, url: &str, fields: &[(String, String)]) -> Page {
        page(self.client.post(url).form(fields).send().await.unwrap()).await
    }

    /// Signs in on the login page the authorization URL shows and returns
    /// the page that follows the login (the consent page or a redirect).
    pub async fn sign_in(&self, server: &TestServer, authorize_url: &str) -> Page {
        let login = self.get(authorize_url).await;
        assert_eq!(login.status, 200, "the login page: {}", login.body);
        let form = Form::parse(&login.body);
        let mut fields = form.fields.clone();
        set_field(&mut fields, "email", MEMBER_EMAIL);
        set_field(&mut fields, "password", PASSWORD);
        let after = self.post_form(&server.url(&form.action), &fields).await;
        match after.location.as_deref() {
            Some(location) if after.status == 302 || after.status == 303 => {
                self.get(&absolute(server, location)).await
            }
            _ => after,
        }
    }

    /// Submits the consent form with `decision` and returns the redirect
    /// location.
    pub async fn decide(&self, server: &TestServer, consent: &Page, decision: &str) -> String {
        assert_eq!(consent.status, 200, "the consent page: {}", consent.body);
        let form = Form::parse(&consent.body);
        let mut fields = form.fields.clone();
        fields.push(("decision".to_owned(), decision.to_owned()));
        let response = self.post_form(&server.url(&form.action), &fields).await;
        assert!(
            matches!(response.status, 302 | 303),
            "the consent decision must redirect, got {}: {}",
            response.status,
            response.body
        );
        response.location.expect("a Location header")
    }

    /// Runs login and consent for `authorize_url` and returns the redirect
    /// location carrying the code.
    pub async fn approve(&self, server: &TestServer, authorize_url: &str) -> String {
        let consent = self.sign_in(server, authorize_url).await;
        self.decide(server, &consent, "approve").await
    }
}

fn absolute(server: &TestServer, location: &str) -> String {
    if location.starts_with('/') {
        server.url(location)
    } else {
        location.to_owned()
    }
}

/// Replaces the value of form field `name`, or adds the field.
pub fn set_field(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(field, _)| field != name);
    fields.push((name.to_owned(), value.to_owned()));
}

async fn page(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let location = headers
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    Page {
        status,
        location,
        headers,
        body,
    }
}

/// The first form of a page: its action and named inputs, enough for the
/// server's own login and consent pages (checked radio buttons only).
#[derive(Clone)]
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn parse(html: &str) -> Form {
        let start = html.find("<form").expect("the page has a form");
        let end = html[start..]
            .find("</form>")
            .map_or(html.len(), |at| start + at);
        let form = &html[start..end];
        let action = attribute(form, "action").unwrap_or_default();

        let mut fields = Vec::new();
        for tag in form.split("<input").skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let Some(name) = attribute(tag, "name") else {
                continue;
            };
            if attribute(tag, "type").as_deref() == Some("radio") && !tag.contains("checked") {
                continue;
            }
            fields.push((name, attribute(tag, "value").unwrap_or_default()));
        }
        Form { action, fields }
    }
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let length = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + length]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Returns the value of query parameter `name` of `url`.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Posts a form to a server endpoint, optionally with HTTP Basic client
/// authentication, and returns the status, headers and JSON body.
pub async fn post(
    server: &TestServer,
    path: &str,
    basic: Option<(&str, &str)>,
    fields: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = http().post(server.url(path)).form(fields);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, headers, body)
}

/// Runs the whole front channel for `client` and returns the code and the
/// PKCE verifier.
pub async fn obtain_code(
    server: &TestServer,
    client: &OAuthClient,
    scopes: &[&str],
) -> (String, PkceCodeVerifier) {
    let (url, state, verifier) = authorize_url(client, scopes);
    let location = Browser::new().approve(server, &url).await;
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(
        query_param(&location, "iss").as_deref(),
        Some(server.base.as_str())
    );
    let code = query_param(&location, "code").expect("a code in the redirect");
    (code, verifier)
}

/// Runs the front channel for `client` and exchanges the code, with PKCE.
pub async fn authorize_and_exchange(
    server: &TestServer,
    client: &OAuthClient,
    scopes: &[&str],
) -> oauth2::basic::BasicTokenResponse {
    let (code, verifier) = obtain_code(server, client, scopes).await;
    client
        .exchange_code(oauth2::AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .expect("the code exchange succeeds")
}
