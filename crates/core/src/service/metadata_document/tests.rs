//! Checks of client ID metadata documents and of the URL that names them.

use super::*;

const URL: &str = "https://tool.example/oauth/client.json";
const NOW: Timestamp = Timestamp::from_unix_seconds(1_700_000_000);

fn document() -> ClientMetadataDocument {
    ClientMetadataDocument {
        client_id: URL.into(),
        client_name: Some("Tool".into()),
        redirect_uris: vec![
            "https://tool.example/callback".into(),
            "http://127.0.0.1/callback".into(),
        ],
        ..ClientMetadataDocument::default()
    }
}

fn build(document: ClientMetadataDocument, max_age: Option<Duration>) -> Result<Client, String> {
    let resolved = ResolvedMetadataDocument { document, max_age };
    client_from_document(URL, &resolved, &ScopeCatalog::default(), None, NOW)
}

fn rejection(document: ClientMetadataDocument) -> String {
    build(document, None).unwrap_err()
}

#[test]
fn valid_document_becomes_public_pkce_client() {
    let client = build(document(), Some(Duration::from_secs(3600))).unwrap();
    assert_eq!(client.id.as_str(), URL);
    assert_eq!(client.name, "Tool");
    assert_eq!(client.client_type, ClientType::Public);
    assert_eq!(client.pkce, PkceMode::Required);
    assert_eq!(client.source, RegistrationSource::MetadataDocument);
    assert_eq!(client.auth_method, Some(TokenEndpointAuthMethod::None));
    assert_eq!(
        client.grant_types,
        [GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert_eq!(client.workspace_id, None);
    assert_eq!(client.allowed_scopes, ScopeCatalog::default().all());
    assert!(client.default_scopes.contains("profile"));
    let expires_at = client.registration.unwrap().metadata_expires_at;
    assert_eq!(expires_at, Some(NOW + Duration::from_secs(3600)));
}

#[test]
fn document_scope_is_limited_to_catalog() {
    let client = build(
        ClientMetadataDocument {
            scope: Some("bugs:read other:scope".into()),
            ..document()
        },
        None,
    )
    .unwrap();
    assert_eq!(client.allowed_scopes, ScopeSet::parse("bugs:read").unwrap());
    assert_eq!(client.default_scopes, ScopeSet::parse("bugs:read").unwrap());
}

#[test]
fn lifetime_is_clamped() {
    for (max_age, expected) in [
        (None, MIN_METADATA_LIFETIME),
        (Some(Duration::ZERO), MIN_METADATA_LIFETIME),
        (Some(Duration::from_secs(600)), Duration::from_secs(600)),
        (
            Some(Duration::from_secs(86_400 * 30)),
            MAX_METADATA_LIFETIME,
        ),
    ] {
        assert_eq!(metadata_lifetime(max_age), expected, "{max_age:?}");
    }
}

#[test]
fn refetch_keeps_status_and_creation() {
    let first = build(document(), None).unwrap();
    let suspended = Client {
        status: ClientStatus::Suspended,
        created_at: Timestamp::from_unix_seconds(1),
        ..first
    };
    let resolved = ResolvedMetadataDocument {
        document: document(),
        max_age: None,
    };
    let later = NOW + Duration::from_secs(7200);
    let again = client_from_document(
        URL,
        &resolved,
        &ScopeCatalog::default(),
        Some(&suspended),
        later,
    )
    .unwrap();
    assert_eq!(again.status, ClientStatus::Suspended);
    assert_eq!(again.created_at, Timestamp::from_unix_seconds(1));
    let expires_at = again.registration.unwrap().metadata_expires_at;
    assert_eq!(expires_at, Some(later + MIN_METADATA_LIFETIME));
}

#[test]
fn client_id_mismatch_is_rejected() {
    let error = rejection(ClientMetadataDocument {
        client_id: "https://tool.example/other.json".into(),
        ..document()
    });
    assert!(
        error.contains("is not the URL it was fetched from"),
        "{error}"
    );
}

#[test]
fn confidential_documents_are_rejected() {
    for method in [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ] {
        let error = rejection(ClientMetadataDocument {
            token_endpoint_auth_method: Some(method.into()),
            ..document()
        });
        assert!(error.contains("must be public"), "{method}: {error}");
    }
    let with_secret = ClientMetadataDocument {
        client_secret: Some(IgnoredAny),
        ..document()
    };
    assert!(rejection(with_secret).contains("client_secret"));
}

#[test]
fn unsupported_grants_and_responses_are_rejected() {
    let error = rejection(ClientMetadataDocument {
        grant_types: Some(vec!["client_credentials".into()]),
        ..document()
    });
    assert!(error.contains("client_credentials"), "{error}");
    let error = rejection(ClientMetadataDocument {
        response_types: Some(vec!["token".into()]),
        ..document()
    });
    assert!(error.contains("response type"), "{error}");
}

#[test]
fn redirect_uris_must_be_on_client_host_or_loopback() {
    for uri in [
        "https://evil.example/callback",
        "https://tool.example.evil.example/cb",
        "com.example.tool:/callback",
        "http://tool.example/callback",
        "https://tool.example/cb#fragment",
    ] {
        let result = build(
            ClientMetadataDocument {
                redirect_uris: vec![uri.into()],
                ..document()
            },
            None,
        );
        assert!(result.is_err(), "{uri} must be rejected");
    }
    assert!(
        rejection(ClientMetadataDocument {
            redirect_uris: Vec::new(),
            ..document()
        })
        .contains("no redirect_uris")
    );
    let too_many = (0..=MAX_DOCUMENT_REDIRECT_URIS)
        .map(|index| format!("https://tool.example/cb{index}"))
        .collect();
    assert!(
        rejection(ClientMetadataDocument {
            redirect_uris: too_many,
            ..document()
        })
        .contains("more than")
    );
}

#[test]
fn client_name_is_bounded() {
    let long = "x".repeat(MAX_CLIENT_NAME_CHARS + 1);
    assert!(
        rejection(ClientMetadataDocument {
            client_name: Some(long),
            ..document()
        })
        .contains("longer than")
    );
    assert!(
        rejection(ClientMetadataDocument {
            client_name: Some("Tool\u{202e}".into()),
            ..document()
        })
        .contains("formatting characters")
    );
    for invisible in ['\u{00AD}', '\u{034F}', '\u{115F}', '\u{2028}', '\u{E0001}'] {
        let error = rejection(ClientMetadataDocument {
            client_name: Some(format!("To{invisible}ol")),
            ..document()
        });
        assert!(
            error.contains(&format!("U+{:04X}", u32::from(invisible))),
            "{error}"
        );
    }
    let unnamed = build(
        ClientMetadataDocument {
            client_name: None,
            ..document()
        },
        None,
    )
    .unwrap();
    assert_eq!(unnamed.name, "tool.example");
}

#[test]
fn homepage_only_on_client_host() {
    let on_host = build(
        ClientMetadataDocument {
            client_uri: Some("https://tool.example/".into()),
            ..document()
        },
        None,
    )
    .unwrap();
    assert_eq!(
        on_host.homepage_url.as_deref(),
        Some("https://tool.example/")
    );
    let elsewhere = build(
        ClientMetadataDocument {
            client_uri: Some("https://bank.example/".into()),
            ..document()
        },
        None,
    )
    .unwrap();
    assert_eq!(elsewhere.homepage_url, None);
}

#[test]
fn client_id_url_rules() {
    for (url, expected) in [
        ("http://tool.example/client.json", "https"),
        ("https://tool.example/", "path"),
        ("https://tool.example", "path"),
        ("https://tool.example/a#f", "fragment"),
        ("https://user:pw@tool.example/a", "user information"),
        ("https://tool.example/a/../b", ". or .."),
        ("https://tool.example/a/%2E/b", ". or .."),
        ("not a url", "not a valid URL"),
    ] {
        let error = check_client_id_url(url).unwrap_err();
        assert!(error.contains(expected), "{url}: {error}");
    }
    assert_eq!(
        check_client_id_url("https://tool.example:8443/c?v=1").unwrap(),
        "tool.example"
    );
}

#[test]
fn names_metadata_document_needs_scheme_and_path() {
    assert!(names_metadata_document(URL));
    assert!(names_metadata_document("http://tool.example/c.json"));
    assert!(!names_metadata_document("https://tool.example/"));
    assert!(!names_metadata_document("https://tool.example"));
    assert!(!names_metadata_document("app_public"));
}
