//! Behaviour while the database is unreachable: requests fail fast as
//! `Unavailable`, and the pool recovers by itself once the database is back.
//!
//! The outage is simulated with a TCP proxy on 127.0.0.1 in front of the
//! test database, which the test stops (closing every proxied connection)
//! and starts again on the same port.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use oauth_apps_core::error::StoreError;
use oauth_apps_core::store::DirectoryStore;
use oauth_apps_store_postgres::{PoolOptions, PostgresStore};
use oauth_apps_store_tests::fixtures::workspace;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::support::{TestDatabase, database_url, report_skip};

/// Pool timeouts of the stores in these tests.
const TIMEOUT: Duration = Duration::from_secs(1);

/// Maximum time a request may take to fail while the database is down: the
/// pool timeout plus scheduling slack.
const FAIL_FAST: Duration = Duration::from_secs(3);

/// Attempts, 100 ms apart, for the pool to recover once the proxy is back.
const RECOVERY_ATTEMPTS: usize = 50;

/// A TCP proxy from a loopback port to the database.
struct Proxy {
    port: u16,
    accept_loop: JoinHandle<()>,
}

impl Proxy {
    /// Listens on `port` (0 for any free port) and forwards every
    /// connection to `target`.
    async fn start(port: u16, target: SocketAddr) -> Proxy {
        let listener = bind_loopback(port);
        let port = listener.local_addr().unwrap().port();
        let accept_loop = tokio::spawn(async move {
            // Dropping the set when this task is aborted aborts every
            // forwarding task, which closes both ends of each connection.
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

    /// Stops listening and closes every proxied connection.
    async fn stop(self) -> u16 {
        self.accept_loop.abort();
        let _ = self.accept_loop.await;
        self.port
    }
}

/// Binds a listener on 127.0.0.1 with `SO_REUSEADDR`, so a stopped proxy's
/// port can be bound again at once.
fn bind_loopback(port: u16) -> TcpListener {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .unwrap();
    socket.listen(64).unwrap()
}

/// Returns the database's TCP address, or `None` when the test URL names a
/// Unix socket.
fn database_address() -> Option<SocketAddr> {
    let config: tokio_postgres::Config = database_url().parse().unwrap();
    let host = match config.get_hosts().first()? {
        tokio_postgres::config::Host::Tcp(host) => host.clone(),
        _ => return None,
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let host = if host == "localhost" {
        "127.0.0.1".to_owned()
    } else {
        host
    };
    format!("{host}:{port}").parse().ok()
}

/// Returns the test database URL with the host and port replaced.
fn url_through(port: u16) -> String {
    let config: tokio_postgres::Config = database_url().parse().unwrap();
    let mut url = format!("host=127.0.0.1 port={port}");
    if let Some(user) = config.get_user() {
        url.push_str(&format!(" user={user}"));
    }
    if let Some(password) = config.get_password() {
        url.push_str(&format!(
            " password='{}'",
            String::from_utf8_lossy(password)
        ));
    }
    if let Some(dbname) = config.get_dbname() {
        url.push_str(&format!(" dbname={dbname}"));
    }
    url
}

fn fast_options(schema: Option<&str>) -> PoolOptions {
    PoolOptions {
        max_size: 4,
        connect_timeout: TIMEOUT,
        wait_timeout: TIMEOUT,
        schema: schema.map(str::to_owned),
    }
}

/// Asserts that `result` is `Unavailable` and came within [`FAIL_FAST`].
fn assert_unavailable<T: std::fmt::Debug>(result: Result<T, StoreError>, started: Instant) {
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(elapsed < FAIL_FAST, "failing took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_recovers_after_outage() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let Some(target) = database_address() else {
        report_skip("SKIPPED: the outage test needs a TCP address in the test database URL");
        return;
    };
    let proxy = Proxy::start(0, target).await;
    let store = PostgresStore::connect(
        &url_through(proxy.port),
        fast_options(Some(&database.schema)),
    )
    .unwrap();
    let acme = workspace("acme");
    store
        .insert_workspace(&acme)
        .await
        .expect("insert through the proxy failed");

    let port = proxy.stop().await;
    for _ in 0..3 {
        let started = Instant::now();
        assert_unavailable(store.find_workspace(&acme.id).await, started);
    }

    let proxy = Proxy::start(port, target).await;
    let mut recovered = None;
    for attempt in 1..=RECOVERY_ATTEMPTS {
        if let Ok(found) = store.find_workspace(&acme.id).await {
            recovered = Some((attempt, found));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (attempt, found) = recovered.expect("the pool did not recover within 5 seconds");
    assert_eq!(found, Some(acme), "the workspace after recovery");
    eprintln!("pool recovered on attempt {attempt}");
    proxy.stop().await;
    database.drop().await;
}

#[tokio::test]
async fn refused_connection_is_unavailable() {
    // A port that was free a moment ago: nothing listens there.
    let port = bind_loopback(0).local_addr().unwrap().port();
    let store = PostgresStore::connect(&url_through(port), fast_options(None)).unwrap();

    let started = Instant::now();
    assert_unavailable(store.check_connection().await, started);
    let started = Instant::now();
    assert_unavailable(store.migrate().await, started);
}

#[tokio::test]
async fn silent_server_times_out_as_unavailable() {
    // A listener that accepts connections but never sends a byte.
    let listener = bind_loopback(0);
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let mut open_streams = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open_streams.push(stream);
        }
    });
    let store = PostgresStore::connect(&url_through(port), fast_options(None)).unwrap();

    let started = Instant::now();
    assert_unavailable(store.check_connection().await, started);
    assert!(
        started.elapsed() >= TIMEOUT,
        "failed before the connect timeout"
    );
    silent.abort();
}
