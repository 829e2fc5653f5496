//! The `serve` options for protected resources and client ID metadata
//! documents. Resources are the URIs tokens may be issued for (RFC 8707),
//! by default the bundled MCP resource. Metadata documents are the JSON
//! documents whose URLs MCP clients use as their `client_id`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Args;
use oauth_apps_core::store::Store;
use oauth_apps_http_actix::{AppState, FetcherSettings, MetadataDocumentFetcher};

/// Options of the protected resources and the metadata document fetcher.
#[derive(Debug, Clone, Args)]
pub struct ResourceArgs {
    /// A protected resource that tokens may be issued for, as the exact
    /// absolute URI clients send in `resource` (RFC 8707). Repeat the
    /// option for several; the environment variable takes a
    /// comma-separated list. Defaults to `<issuer>/mcp`, the bundled MCP
    /// resource, which is served only while it is in this list.
    #[arg(
        long = "resource",
        value_name = "URI",
        env = "OAUTH_APPS_RESOURCES",
        value_delimiter = ','
    )]
    pub resources: Vec<String>,

    /// Do not accept client IDs that are URLs of client ID metadata
    /// documents.
    #[arg(long, env = "OAUTH_APPS_NO_METADATA_DOCUMENTS")]
    pub no_metadata_documents: bool,

    /// UNSAFE, for tests only: fetch client ID metadata documents from
    /// loopback addresses too, which lets anyone make the server send
    /// requests to services on its own host.
    #[arg(long, env = "OAUTH_APPS_METADATA_DOCUMENT_ALLOW_LOOPBACK")]
    pub metadata_document_allow_loopback: bool,

    /// PEM file of extra root certificates to trust when fetching client ID
    /// metadata documents, in addition to the bundled web PKI roots. Meant
    /// for tests with a self-signed document server.
    #[arg(long, env = "OAUTH_APPS_METADATA_DOCUMENT_CA_FILE")]
    pub metadata_document_ca_file: Option<PathBuf>,
}

/// Returns the configured resources, or `<issuer>/mcp` when none is set.
/// Each must be an absolute URI without a fragment (RFC 8707 section 2).
pub fn resources(args: &ResourceArgs, issuer: &str) -> anyhow::Result<Vec<String>> {
    if args.resources.is_empty() {
        return Ok(vec![format!("{}/mcp", issuer.trim_end_matches('/'))]);
    }
    for resource in &args.resources {
        let url = url::Url::parse(resource)
            .with_context(|| format!("the resource {resource:?} is not an absolute URI"))?;
        if url.fragment().is_some() {
            bail!("the resource {resource:?} must not contain a fragment");
        }
    }
    Ok(args.resources.clone())
}

/// Builds the metadata document fetcher, or `None` when metadata documents
/// are turned off.
pub fn fetcher(args: &ResourceArgs) -> anyhow::Result<Option<MetadataDocumentFetcher>> {
    if args.no_metadata_documents {
        return Ok(None);
    }
    let mut settings = FetcherSettings {
        allow_loopback: args.metadata_document_allow_loopback,
        ..FetcherSettings::default()
    };
    if let Some(path) = &args.metadata_document_ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("failed to read the CA file {}", path.display()))?;
        settings.extra_roots_pem.push(pem);
    }
    let fetcher =
        MetadataDocumentFetcher::new(settings).context("invalid --metadata-document-ca-file")?;
    Ok(Some(fetcher))
}

/// Adds `fetcher`, if any, to the endpoints' state.
pub fn with_fetcher<S: Store + 'static>(
    state: AppState<S>,
    fetcher: Option<MetadataDocumentFetcher>,
) -> AppState<S> {
    match fetcher {
        Some(fetcher) => state.with_metadata_resolver(Arc::new(fetcher)),
        None => state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn args(extra: &[&str]) -> ResourceArgs {
        let argv = ["oauth-apps", "serve"]
            .into_iter()
            .chain(extra.iter().copied());
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Serve(args) => args.resources,
            _ => unreachable!("the serve subcommand was parsed"),
        }
    }

    #[test]
    fn default_resource_is_bundled_mcp() {
        let resources = resources(&args(&[]), "https://auth.example").unwrap();
        assert_eq!(resources, ["https://auth.example/mcp"]);
    }

    #[test]
    fn resource_option_repeats_and_splits() {
        let parsed = args(&[
            "--resource",
            "https://api.example/v1",
            "--resource",
            "https://a.example,https://b.example",
        ]);
        let resources = resources(&parsed, "https://auth.example").unwrap();
        assert_eq!(
            resources,
            [
                "https://api.example/v1",
                "https://a.example",
                "https://b.example"
            ]
        );
    }

    #[test]
    fn invalid_resources_are_rejected() {
        for resource in ["not a uri", "https://api.example/#f"] {
            let parsed = args(&["--resource", resource]);
            assert!(
                resources(&parsed, "https://auth.example").is_err(),
                "{resource}"
            );
        }
    }

    #[test]
    fn fetcher_is_on_by_default() {
        assert!(fetcher(&args(&[])).unwrap().is_some());
        assert!(
            fetcher(&args(&["--no-metadata-documents"]))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn invalid_ca_file_is_rejected() {
        let path = std::env::temp_dir().join(format!("oauth-apps-ca-{}.pem", std::process::id()));
        std::fs::write(&path, "not a certificate").unwrap();
        let result = fetcher(&args(&[
            "--metadata-document-ca-file",
            path.to_str().unwrap(),
        ]));
        std::fs::remove_file(&path).unwrap();
        assert!(result.is_err());
    }
}
