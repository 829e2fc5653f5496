//! The smallest program that mounts the oauth-apps endpoints in an existing
//! actix-web app, next to the app's own `/hello` route, on the in-memory
//! store with the bundled login.
//!
//! Run it with `cargo run --example embed`, then open
//! <http://127.0.0.1:8081/.well-known/oauth-authorization-server>.

use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use oauth_apps_core::random::OsRandom;
use oauth_apps_core::scope::ScopeCatalog;
use oauth_apps_core::service::{Context, Settings};
use oauth_apps_core::time::SystemClock;
use oauth_apps_http_actix::{AppState, SessionKey, configure};
use oauth_apps_store_memory::MemoryStore;

async fn hello() -> &'static str {
    "Hello from the embedding app\n"
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let context = Arc::new(Context {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        settings: Settings::new("http://127.0.0.1:8081"),
        catalog: ScopeCatalog::default(),
    });
    let store = Arc::new(MemoryStore::new());
    let key = SessionKey::generate(&OsRandom);
    let oauth = web::Data::new(AppState::with_bundled_login(store, context, key));

    HttpServer::new(move || {
        App::new()
            .route("/hello", web::get().to(hello))
            .configure(configure(oauth.clone()))
    })
    .bind("127.0.0.1:8081")?
    .run()
    .await
}
