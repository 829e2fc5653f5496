//! PostgreSQL for the end-to-end tests: a fresh schema per test, the
//! `serve` arguments that point a server at it, and a TCP proxy whose stop
//! simulates a database outage.
//!
//! The database is `OAUTH_APPS_TEST_DATABASE_URL`, or
//! `postgres://postgres@127.0.0.1:5432/test`. When it cannot be reached, a
//! test fails if `CI=true` and otherwise prints a `SKIPPED:` line and passes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Prefix of every schema these tests create.
const SCHEMA_PREFIX: &str = "oauth_apps_e2e_";

/// Age after which a test schema left by a failed run is dropped.
const STALE_SCHEMA_SECONDS: u64 = 15 * 60;

static NEXT_SCHEMA: AtomicUsize = AtomicUsize::new(0);

/// Returns the URL of the test database.
pub fn database_url() -> String {
    std::env::var("OAUTH_APPS_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// A schema of its own for one test, dropped by [`TestDatabase::drop`].
pub struct TestDatabase {
    pub schema: String,
    client: tokio_postgres::Client,
}

impl TestDatabase {
    /// Connects and picks a new schema name; the server's migrations create
    /// the schema. Returns `None` after reporting a skip when the database
    /// cannot be reached and `CI` is not `true`.
    pub async fn create() -> Option<TestDatabase> {
        let url = database_url();
        let connecting = tokio_postgres::connect(&url, tokio_postgres::NoTls);
        let client = match tokio::time::timeout(Duration::from_secs(5), connecting).await {
            Ok(Ok((client, connection))) => {
                tokio::spawn(connection);
                client
            }
            Ok(Err(error)) => return report_unreachable(&url, &error.to_string()),
            Err(_) => return report_unreachable(&url, "timed out after 5 s"),
        };
        drop_stale_schemas(&client).await;

        let seconds = unix_seconds();
        let schema = format!(
            "{SCHEMA_PREFIX}{seconds}_{}_{}",
            std::process::id(),
            NEXT_SCHEMA.fetch_add(1, Ordering::SeqCst)
        );
        Some(TestDatabase { schema, client })
    }

    /// Returns the `serve` arguments for this schema, connecting through
    /// `url` and failing requests after one second without a connection.
    pub fn serve_args(&self, url: &str) -> Vec<String> {
        [
            "--database-url",
            url,
            "--database-schema",
            &self.schema,
            "--database-timeout",
            "1",
            "--database-pool-size",
            "4",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Drops the schema and everything in it.
    pub async fn drop(self) {
        let statement = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
        self.client
            .batch_execute(&statement)
            .await
            .expect("drop the test schema");
    }
}

fn report_unreachable(url: &str, error: &str) -> Option<TestDatabase> {
    let message = format!("PostgreSQL not reachable at {url}: {error}");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{message} (CI=true requires the database; start it or set OAUTH_APPS_TEST_DATABASE_URL)"
        );
    }
    eprintln!("SKIPPED: {message}");
    None
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// Drops test schemas older than [`STALE_SCHEMA_SECONDS`], which failed
/// runs left behind.
async fn drop_stale_schemas(client: &tokio_postgres::Client) {
    let pattern = format!("{}%", SCHEMA_PREFIX.replace('_', "\\_"));
    let rows = client
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1",
            &[&pattern],
        )
        .await
        .expect("list the test schemas");
    let cutoff = unix_seconds().saturating_sub(STALE_SCHEMA_SECONDS);
    for row in rows {
        let name: String = row.get(0);
        let created = name[SCHEMA_PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|seconds| seconds.parse::<u64>().ok());
        if created.is_some_and(|created| created < cutoff) {
            let statement = format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE");
            let _ = client.batch_execute(&statement).await;
        }
    }
}

/// Returns the database's TCP address from the test URL.
pub fn database_address() -> SocketAddr {
    let config: tokio_postgres::Config = database_url().parse().expect("a valid test URL");
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) if host != "localhost" => host.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
        .parse()
        .expect("the test URL names an IP address")
}

/// Returns the test database URL with its host and port replaced by the
/// proxy on `port`.
pub fn url_through(port: u16) -> String {
    let config: tokio_postgres::Config = database_url().parse().expect("a valid test URL");
    let mut url = format!("host=127.0.0.1 port={port}");
    if let Some(user) = config.get_user() {
        url.push_str(&format!(" user={user}"));
    }
    if let Some(password) = config.get_password() {
        let password = String::from_utf8_lossy(password);
        url.push_str(&format!(" password='{password}'"));
    }
    if let Some(dbname) = config.get_dbname() {
        url.push_str(&format!(" dbname={dbname}"));
    }
    url
}

/// A TCP proxy from a loopback port to the database.
pub struct Proxy {
    pub port: u16,
    accept_loop: JoinHandle<()>,
}

impl Proxy {
    /// Listens on `port` (0 for any free port) and forwards every
    /// connection to `target`.
    pub fn start(port: u16, target: SocketAddr) -> Proxy {
        let socket = TcpSocket::new_v4().unwrap();
        // SO_REUSEADDR lets a stopped proxy bind its port again at once.
        socket.set_reuseaddr(true).unwrap();
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .unwrap();
        let listener: TcpListener = socket.listen(64).unwrap();
        let port = listener.local_addr().unwrap().port();
        let accept_loop = tokio::spawn(async move {
            // Aborting this task drops the set, which aborts every
            // forwarding task and so closes both ends of each connection.
            let mut connections = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                connections.spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        Proxy { port, accept_loop }
    }

    /// Stops listening, closes every proxied connection and returns the
    /// port, to start again on.
    pub async fn stop(self) -> u16 {
        self.accept_loop.abort();
        let _ = self.accept_loop.await;
        self.port
    }
}
