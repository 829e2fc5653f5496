use std::sync::Arc;

use oauth_apps_core::ids::ClientId;
use oauth_apps_core::random::OsRandom;
use oauth_apps_core::scope::ScopeCatalog;
use oauth_apps_core::service::{Context, Settings};
use oauth_apps_core::store::ClientStore;
use oauth_apps_core::time::SystemClock;
use oauth_apps_store_memory::MemoryStore;

use super::*;

#[test]
fn example_seed_file_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let seed = read(&path).unwrap();
    assert!(!seed.workspaces.is_empty());
    assert!(!seed.users.is_empty());
    assert!(!seed.memberships.is_empty());
    assert!(!seed.apps.is_empty());
}

#[test]
fn unknown_field_is_rejected() {
    let error =
        toml::from_str::<SeedFile>("[[workspaces]]\nid = \"a\"\nname = \"A\"\ncolor = \"red\"\n")
            .err()
            .unwrap();
    assert!(error.to_string().contains("color"), "{error}");
}

#[test]
fn app_defaults() {
    let seed: SeedFile = toml::from_str(
        "[[apps]]\nname = \"A\"\nclient_type = \"public\"\nredirect_uris = [\"http://127.0.0.1/cb\"]\nallowed_scopes = [\"profile\"]\n",
    )
    .unwrap();
    let app = &seed.apps[0];
    assert_eq!(app.environment, Environment::Production);
    assert_eq!(app.pkce, PkceMode::Required);
    assert!(app.workspace.is_none());
    assert!(!app.resource_server);
}

const RESOURCE_SERVER_APP: &str = "[[apps]]\nclient_id = \"rs\"\nname = \"RS\"\n\
    redirect_uris = [\"https://rs.example/cb\"]\nallowed_scopes = [\"profile\"]\n\
    resource_server = true\n";

fn app_service(store: &Arc<MemoryStore>) -> AppService<MemoryStore> {
    let context = Context {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        settings: Settings::new("http://127.0.0.1:8080"),
        catalog: ScopeCatalog::default(),
    };
    AppService::new(Arc::clone(store), Arc::new(context))
}

#[actix_web::test]
async fn resource_server_reaches_the_client() {
    let store = Arc::new(MemoryStore::new());
    let text = format!("{RESOURCE_SERVER_APP}client_type = \"confidential\"\n");
    let seed: SeedFile = toml::from_str(&text).unwrap();
    load(seed, &app_service(&store), store.as_ref())
        .await
        .unwrap();
    let client = store.find_client(&ClientId::new("rs")).await.unwrap();
    assert!(client.unwrap().resource_server);
}

#[actix_web::test]
async fn public_resource_server_is_rejected() {
    let store = Arc::new(MemoryStore::new());
    let text = format!("{RESOURCE_SERVER_APP}client_type = \"public\"\n");
    let seed: SeedFile = toml::from_str(&text).unwrap();
    let error = load(seed, &app_service(&store), store.as_ref())
        .await
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("cannot be a resource server"),
        "{error}"
    );
    assert!(
        store
            .find_client(&ClientId::new("rs"))
            .await
            .unwrap()
            .is_none()
    );
}

#[test]
fn example_seed_file_has_a_resource_server() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let seed = read(&path).unwrap();
    let servers: Vec<_> = seed.apps.iter().filter(|app| app.resource_server).collect();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].client_type, ClientType::Confidential);
}
