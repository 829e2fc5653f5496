//! A small HTTPS server on 127.0.0.1 with a self-signed certificate, which
//! serves client ID metadata documents (or bad responses) to the server
//! under test. It speaks just enough HTTP/1.1: one request per connection,
//! a canned response per path.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// One canned response.
#[derive(Clone)]
pub struct Canned {
    pub status: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Canned {
    /// Builds a 200 response with a JSON body and a cache lifetime.
    pub fn json(body: &serde_json::Value) -> Canned {
        Canned {
            status: "200 OK",
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Cache-Control".into(), "max-age=600".into()),
            ],
            body: body.to_string().into_bytes(),
        }
    }
}

/// The running document server; its task ends with the test's runtime.
pub struct DocumentServer {
    pub port: u16,
    /// PEM of the self-signed certificate, to pass as the CA file.
    pub ca_file: PathBuf,
    routes: Arc<Mutex<HashMap<String, Canned>>>,
    requests: Arc<AtomicUsize>,
}

static NEXT_CA: AtomicUsize = AtomicUsize::new(0);

impl DocumentServer {
    /// Starts the server with a certificate for `localhost` and 127.0.0.1.
    pub async fn start() -> DocumentServer {
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let certified = rcgen::generate_simple_self_signed(names).unwrap();
        let ca_file = std::env::temp_dir().join(format!(
            "oauth-apps-e2e-ca-{}-{}.pem",
            std::process::id(),
            NEXT_CA.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&ca_file, certified.cert.pem()).unwrap();

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes = Arc::new(Mutex::new(HashMap::new()));
        let requests = Arc::new(AtomicUsize::new(0));
        tokio::spawn(serve(
            listener,
            acceptor,
            Arc::clone(&routes),
            Arc::clone(&requests),
        ));
        DocumentServer {
            port,
            ca_file,
            routes,
            requests,
        }
    }

    /// Returns the https URL of `path` on `host` (localhost or 127.0.0.1).
    pub fn url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.port)
    }

    /// Serves `response` at `path`.
    pub fn route(&self, path: &str, response: Canned) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), response);
    }

    /// Returns how many requests arrived.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for DocumentServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}

async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    routes: Arc<Mutex<HashMap<String, Canned>>>,
    requests: Arc<AtomicUsize>,
) {
    while let Ok((stream, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        let routes = Arc::clone(&routes);
        let requests = Arc::clone(&requests);
        tokio::spawn(async move {
            let handled = tokio::time::timeout(Duration::from_secs(10), async {
                let mut tls = acceptor.accept(stream).await.ok()?;
                let path = read_request_path(&mut tls).await?;
                requests.fetch_add(1, Ordering::SeqCst);
                let canned = routes.lock().unwrap().get(&path).cloned();
                let response = canned.unwrap_or(Canned {
                    status: "404 Not Found",
                    headers: Vec::new(),
                    body: Vec::new(),
                });
                tls.write_all(&encode(&response)).await.ok()?;
                tls.shutdown().await.ok()
            });
            let _ = handled.await;
        });
    }
}

/// Reads the request head (at most 16 KiB) and returns the request path.
async fn read_request_path(
    tls: &mut tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = tls.read(&mut buffer).await.ok()?;
        if read == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace().nth(1).map(str::to_owned)
}

fn encode(response: &Canned) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {}\r\n", response.status);
    for (name, value) in &response.headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&response.body);
    bytes
}
