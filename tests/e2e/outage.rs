//! A database outage under light load: while a TCP proxy between the server
//! and PostgreSQL is stopped, requests fail fast with 503, and the server
//! serves again once the proxy is back, without a restart.

use std::time::{Duration, Instant};

use oauth2::TokenResponse;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::helpers::*;
use crate::postgres::{introspect, redeem, refresh, start_on};
use crate::postgres_support::{Proxy, TestDatabase, database_address, url_through};

/// Concurrent clients of the load.
const WORKERS: usize = 4;
/// Requests per client: 200 in all.
const REQUESTS_PER_WORKER: usize = 50;
/// Pause between two requests of one client, so the load lasts about 10 s.
const PAUSE: Duration = Duration::from_millis(200);
/// Time from the start of the load to the outage, and the outage's length.
const BEFORE_OUTAGE: Duration = Duration::from_secs(2);
const OUTAGE: Duration = Duration::from_secs(4);
/// Maximum time a request may take while the database is down: the
/// server's one-second pool timeout plus slack.
const FAIL_FAST: Duration = Duration::from_secs(3);

/// One request of the load: when it ended, how long it took, its status
/// and body.
struct Sample {
    ended: Instant,
    elapsed: Duration,
    status: u16,
    body: Value,
}

/// Introspects `token` `REQUESTS_PER_WORKER` times, `PAUSE` apart.
async fn introspection_load(base: String, token: String) -> Vec<Sample> {
    let client = http();
    let mut samples = Vec::with_capacity(REQUESTS_PER_WORKER);
    for _ in 0..REQUESTS_PER_WORKER {
        let started = Instant::now();
        let response = client
            .post(format!("{base}/oauth/introspect"))
            .basic_auth(OTHER_ID, Some(OTHER_SECRET))
            .form(&[("token", token.as_str())])
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("the server answers during the outage");
        let status = response.status().as_u16();
        let body = response.json().await.expect("a JSON body");
        samples.push(Sample {
            ended: Instant::now(),
            elapsed: started.elapsed(),
            status,
            body,
        });
        tokio::time::sleep(PAUSE).await;
    }
    samples
}

/// Asserts that `status` and `body` are the 503 response of an outage.
fn assert_unavailable(status: u16, body: &Value) {
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_fails_fast_and_recovers() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let target = database_address();
    let proxy = Proxy::start(0, target);
    let server = start_on(&database, &url_through(proxy.port));
    let client = server.oauth_client(PUBLIC_ID, None, PUBLIC_REDIRECT);
    let token = authorize_and_exchange(&server, &client, &["profile", "offline_access"]).await;
    let access = token.access_token().secret().clone();
    let refresh_token = token
        .refresh_token()
        .expect("a refresh token")
        .secret()
        .clone();
    let (code, verifier) = obtain_code(&server, &client, &["bugs:read"]).await;
    let verifier = verifier.secret().clone();
    let (authorize, _, _) = authorize_url(&client, &["profile"]);

    let mut load = JoinSet::new();
    for _ in 0..WORKERS {
        load.spawn(introspection_load(server.base.clone(), access.clone()));
    }
    tokio::time::sleep(BEFORE_OUTAGE).await;

    // The outage: the proxy closes every connection and refuses new ones.
    let port = proxy.stop().await;
    let outage_started = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let (status, body) = redeem(&server, &code, &verifier).await;
    assert_unavailable(status, &body);
    assert!(
        started.elapsed() < FAIL_FAST,
        "redemption took {:?}",
        started.elapsed()
    );
    let page = Browser::new().get(&authorize).await;
    assert_eq!(page.status, 503, "the authorization page: {}", page.body);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    tokio::time::sleep(OUTAGE.saturating_sub(outage_started.elapsed())).await;
    let proxy = Proxy::start(port, target);
    let outage_ended = Instant::now();

    let mut samples = Vec::new();
    while let Some(worker) = load.join_next().await {
        samples.extend(worker.expect("a load worker panicked"));
    }
    assert_eq!(samples.len(), WORKERS * REQUESTS_PER_WORKER);
    let mut unavailable = 0;
    for sample in &samples {
        if sample.status == 503 {
            assert_unavailable(sample.status, &sample.body);
            assert!(
                sample.elapsed < FAIL_FAST,
                "a 503 took {:?}",
                sample.elapsed
            );
            unavailable += 1;
        } else {
            assert_eq!(sample.status, 200, "{}", sample.body);
            assert_eq!(sample.body["active"], true, "the token must stay active");
        }
    }
    let slowest_503 = samples
        .iter()
        .filter(|sample| sample.status == 503)
        .map(|sample| sample.elapsed)
        .max()
        .unwrap_or_default();
    let served_after = samples
        .iter()
        .filter(|sample| sample.ended > outage_ended + Duration::from_secs(2))
        .filter(|sample| sample.status == 200)
        .count();
    eprintln!(
        "outage load: {} requests, {unavailable} answered 503 (slowest {slowest_503:?}), \
         {served_after} served more than 2 s after the database returned",
        samples.len()
    );
    assert!(unavailable > 0, "no request saw the outage");
    assert!(
        served_after > 0,
        "the server did not serve again after the outage"
    );

    // Nothing was lost or redeemed twice.
    assert_eq!(introspect(&server, &access).await["active"], true);
    let (status, body) = redeem(&server, &code, &verifier).await;
    assert_eq!(
        status, 200,
        "the code that failed during the outage: {body}"
    );
    let (status, body) = redeem(&server, &code, &verifier).await;
    assert_eq!(status, 400, "a second redemption: {body}");
    assert_eq!(body["error"], "invalid_grant");
    let (status, body) = refresh(&server, &refresh_token).await;
    assert_eq!(
        status, 200,
        "the refresh token issued before the outage: {body}"
    );

    drop(server);
    proxy.stop().await;
    database.drop().await;
}
