//! Benchmarks of the core services on the in-memory store: the paths every
//! authorization and every API call takes. They measure the core and the
//! store without HTTP; see docs/benchmarks.md for figures and the machine.

use std::sync::{Arc, Mutex};

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_apps_core::client::{ClientType, Environment, PkceMode};
use oauth_apps_core::ids::{UserId, WorkspaceId};
use oauth_apps_core::permission::Role;
use oauth_apps_core::random::OsRandom;
use oauth_apps_core::scope::ScopeCatalog;
use oauth_apps_core::service::{
    AppService, AuthorizationRequest, AuthorizationService, ClientAuthMethod, ClientCredentials,
    Context, NewClient, PresentedSecret, Settings, TokenRequest, TokenService,
};
use oauth_apps_core::time::SystemClock;
use oauth_apps_store_memory::MemoryStore;

const SECRET: &str = "bench-confidential-secret-0123456789abcdef";
const REDIRECT: &str = "https://bench.example/cb";

struct Fixture {
    authorization: AuthorizationService<MemoryStore>,
    tokens: TokenService<MemoryStore>,
    user: UserId,
    workspace: WorkspaceId,
}

async fn fixture() -> Fixture {
    let store = Arc::new(MemoryStore::default());
    let context = Arc::new(Context {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        settings: Settings::new("https://auth.bench.example"),
        catalog: ScopeCatalog::default(),
    });
    let apps = AppService::new(store.clone(), context.clone());
    let workspace = apps
        .create_workspace(Some("ws_bench"), "Bench")
        .await
        .unwrap();
    let user = apps
        .create_user("bench@example.com", "Bench", None)
        .await
        .unwrap();
    apps.set_membership(&workspace.id, &user.id, Role::Member)
        .await
        .unwrap();
    apps.create_client(NewClient {
        workspace_id: Some(workspace.id.clone()),
        client_id: Some("bench".into()),
        name: "Bench".into(),
        description: String::new(),
        homepage_url: None,
        client_type: ClientType::Confidential,
        redirect_uris: vec![REDIRECT.into()],
        allowed_scopes: "profile bugs:read offline_access".into(),
        default_scopes: "profile".into(),
        environment: Environment::Production,
        pkce: PkceMode::Optional,
        client_secret: Some(SECRET.into()),
        resource_server: true,
    })
    .await
    .unwrap();

    Fixture {
        authorization: AuthorizationService::new(store.clone(), context.clone()),
        tokens: TokenService::new(store, context),
        user: user.id,
        workspace: workspace.id,
    }
}

fn credentials() -> ClientCredentials {
    ClientCredentials {
        client_id: "bench".into(),
        secret: Some(PresentedSecret::new(SECRET)),
        method: ClientAuthMethod::Basic,
    }
}

/// Runs validation, approval and the code exchange; returns the response.
async fn authorize_and_exchange(fixture: &Fixture) -> oauth_apps_core::service::TokenResponse {
    let request = AuthorizationRequest {
        response_type: Some("code".into()),
        client_id: Some("bench".into()),
        redirect_uri: Some(REDIRECT.into()),
        scope: Some("profile bugs:read offline_access".into()),
        state: Some("s".into()),
        ..AuthorizationRequest::default()
    };
    let validated = fixture.authorization.validate(&request).await.unwrap();
    let location = fixture
        .authorization
        .approve(&validated, &fixture.user, &fixture.workspace)
        .await
        .unwrap();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, value)| value.into_owned())
        .unwrap();
    let token_request = TokenRequest {
        grant_type: Some("authorization_code".into()),
        code: Some(code),
        redirect_uri: Some(REDIRECT.into()),
        ..TokenRequest::default()
    };
    fixture
        .tokens
        .token(credentials(), &token_request)
        .await
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fixture = runtime.block_on(fixture());
    let issued = runtime.block_on(authorize_and_exchange(&fixture));
    let access = issued.access_token.clone();
    let refresh = Mutex::new(issued.refresh_token.clone().unwrap());

    c.bench_function("authorize_approve_exchange", |b| {
        b.to_async(&runtime)
            .iter(|| authorize_and_exchange(&fixture));
    });
    c.bench_function("introspect_access_token", |b| {
        b.to_async(&runtime).iter(|| async {
            fixture
                .tokens
                .introspect(credentials(), &access)
                .await
                .unwrap()
        });
    });
    c.bench_function("verify_access_token", |b| {
        b.to_async(&runtime).iter(|| async {
            fixture
                .tokens
                .verify_access_token(&access, None)
                .await
                .unwrap()
        });
    });
    c.bench_function("refresh_rotation", |b| {
        b.to_async(&runtime).iter(|| async {
            let current = refresh.lock().unwrap().clone();
            let request = TokenRequest {
                grant_type: Some("refresh_token".into()),
                refresh_token: Some(current),
                ..TokenRequest::default()
            };
            let response = fixture.tokens.token(credentials(), &request).await.unwrap();
            *refresh.lock().unwrap() = response.refresh_token.unwrap();
        });
    });
}

criterion_group!(services, benches);
criterion_main!(services);
