//! Fetching client ID metadata documents: the
//! [`ClientMetadataResolver`] the core uses when a `client_id` is the
//! https URL of a JSON document (draft-ietf-oauth-client-id-metadata-document).
//!
//! The `client_id` comes from anyone on the internet, so the fetch is
//! guarded against server-side request forgery. Only https is used. The
//! host is resolved once, every address is checked ([`address`]), and the
//! connection goes to those checked addresses only, so a second DNS answer
//! cannot point elsewhere. Redirects are not followed, the whole fetch has
//! a time limit, the body a size limit, and the content type must be JSON. The response's `Cache-Control:
//! max-age` is passed to the core, which clamps it.

mod address;
mod response;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use oauth_apps_core::service::{
    ClientMetadataResolver, MetadataFetchError, ResolvedMetadataDocument,
};
use oauth_apps_core::store::Store;
use url::{Host, Url};

use crate::state::AppState;
use response::read_document;

/// Default time limit for resolving, connecting and reading a document.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Default maximum size of a document, in bytes.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 5 * 1024;

/// Settings of a [`MetadataDocumentFetcher`].
#[derive(Debug, Clone)]
pub struct FetcherSettings {
    /// Time limit for the whole fetch, DNS included.
    pub timeout: Duration,
    /// Maximum body size in bytes; larger documents are rejected.
    pub max_document_bytes: usize,
    /// Admits loopback addresses. Unsafe outside tests: anyone could then
    /// make the server fetch from services on its own host.
    pub allow_loopback: bool,
    /// Extra trusted root certificates (PEM), added to the bundled web PKI
    /// roots; for tests with a self-signed document server.
    pub extra_roots_pem: Vec<Vec<u8>>,
}

impl Default for FetcherSettings {
    fn default() -> FetcherSettings {
        FetcherSettings {
            timeout: DEFAULT_FETCH_TIMEOUT,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            allow_loopback: false,
            extra_roots_pem: Vec::new(),
        }
    }
}

/// A root certificate could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("invalid PEM root certificate: {0}")]
pub struct InvalidRootCertificate(String);

/// Fetches documents over HTTPS with the guards in the module docs.
pub struct MetadataDocumentFetcher {
    settings: FetcherSettings,
    roots: Vec<reqwest::Certificate>,
}

impl MetadataDocumentFetcher {
    /// Creates a fetcher; fails when an extra root certificate is invalid.
    pub fn new(settings: FetcherSettings) -> Result<Self, InvalidRootCertificate> {
        let mut roots = Vec::new();
        for pem in &settings.extra_roots_pem {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|error| InvalidRootCertificate(error.to_string()))?;
            if certificates.is_empty() {
                return Err(InvalidRootCertificate("no certificate found".into()));
            }
            roots.extend(certificates);
        }
        if settings.allow_loopback {
            tracing::warn!("client ID metadata documents may be fetched from loopback addresses");
        }
        Ok(MetadataDocumentFetcher { settings, roots })
    }

    async fn fetch(&self, client_id: &str) -> Result<ResolvedMetadataDocument, MetadataFetchError> {
        let url = Url::parse(client_id)
            .map_err(|_| MetadataFetchError::new("the client_id is not a valid URL"))?;
        if url.scheme() != "https" {
            return Err(MetadataFetchError::new(
                "a client_id metadata document must be served over https",
            ));
        }
        let addresses = self.checked_addresses(&url).await?;
        let client = self.client_for(&url, &addresses)?;

        let response = client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| {
                tracing::info!(%url, error = %error, "metadata document request failed");
                MetadataFetchError::new(describe_request_error(&error))
            })?;
        read_document(response, self.settings.max_document_bytes).await
    }

    /// Resolves the host once and checks every address.
    async fn checked_addresses(&self, url: &Url) -> Result<Vec<SocketAddr>, MetadataFetchError> {
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses: Vec<SocketAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
            Some(Host::Domain(domain)) => tokio::net::lookup_host((domain, port))
                .await
                .map_err(|_| {
                    MetadataFetchError::new(format!("the host {domain} could not be resolved"))
                })?
                .collect(),
            None => return Err(MetadataFetchError::new("the client_id URL has no host")),
        };
        if addresses.is_empty() {
            return Err(MetadataFetchError::new("the host has no address"));
        }
        if let Some(blocked) = addresses
            .iter()
            .find(|address| !address::is_allowed(address.ip(), self.settings.allow_loopback))
        {
            // The address goes to the log only: telling the client would let
            // it map which private addresses the server's resolver returns.
            tracing::info!(%url, address = %blocked.ip(), "metadata document host resolves to a blocked address");
            return Err(MetadataFetchError::new(
                "the host does not resolve to a public internet address",
            ));
        }
        Ok(addresses)
    }

    /// Builds a client that connects only to `addresses` and follows no
    /// redirects. One client per fetch, because the pinned addresses are
    /// part of its configuration.
    fn client_for(
        &self,
        url: &Url,
        addresses: &[SocketAddr],
    ) -> Result<reqwest::Client, MetadataFetchError> {
        let mut builder = reqwest::Client::builder()
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.settings.timeout)
            .connect_timeout(self.settings.timeout)
            .no_proxy()
            .user_agent(concat!("oauth-apps/", env!("CARGO_PKG_VERSION")));
        if let Some(Host::Domain(domain)) = url.host() {
            builder = builder.resolve_to_addrs(domain, addresses);
        }
        for root in &self.roots {
            builder = builder.add_root_certificate(root.clone());
        }
        builder.build().map_err(|error| {
            tracing::error!(%error, "failed to build the metadata document HTTP client");
            MetadataFetchError::new("the server could not fetch the document")
        })
    }
}

#[async_trait]
impl ClientMetadataResolver for MetadataDocumentFetcher {
    async fn resolve(&self, url: &str) -> Result<ResolvedMetadataDocument, MetadataFetchError> {
        match tokio::time::timeout(self.settings.timeout, self.fetch(url)).await {
            Ok(result) => result,
            Err(_) => Err(MetadataFetchError::new(format!(
                "fetching the document timed out after {} s",
                self.settings.timeout.as_secs()
            ))),
        }
    }
}

impl<S: Store + 'static> AppState<S> {
    /// Accepts client IDs that are the URLs of client ID metadata
    /// documents, fetched through `resolver` (usually a
    /// [`MetadataDocumentFetcher`]), and announces this in the server
    /// metadata (`client_id_metadata_document_supported`).
    pub fn with_metadata_resolver(mut self, resolver: Arc<dyn ClientMetadataResolver>) -> Self {
        self.authorization = self.authorization.with_metadata_resolver(resolver);
        self
    }
}

fn describe_request_error(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "fetching the document timed out"
    } else if error.is_connect() {
        "the document server could not be reached over https"
    } else {
        "the document could not be fetched"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blocked_address_is_not_revealed() {
        let fetcher = MetadataDocumentFetcher::new(FetcherSettings::default()).unwrap();
        // An IP literal needs no DNS lookup, and the check fails before any
        // connection is made.
        let error = fetcher
            .resolve("https://10.1.2.3/client.json")
            .await
            .unwrap_err();
        assert_eq!(
            error.description,
            "the host does not resolve to a public internet address"
        );
        assert!(!error.description.contains("10.1.2.3"));
    }
}
