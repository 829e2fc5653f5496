//! The shared state of the endpoints.

use std::sync::Arc;

use oauth_apps_core::service::{AuthorizationService, Context, DeviceService, TokenService};
use oauth_apps_core::service::{RegistrationPolicy, RegistrationService};
use oauth_apps_core::store::Store;

use crate::authenticator::Authenticator;
use crate::guess_limit::GuessLimiter;
use crate::login::BundledLogin;
use crate::rate_limit::{DEFAULT_REGISTRATIONS_PER_MINUTE, RateLimiter};
use crate::session::SessionKey;

/// The services, the login system and the CSRF key that the endpoints use.
pub struct AppState<S> {
    pub(crate) store: Arc<S>,
    pub(crate) context: Arc<Context>,
    pub(crate) authorization: AuthorizationService<S>,
    pub(crate) tokens: TokenService<S>,
    pub(crate) devices: DeviceService<S>,
    pub(crate) device_guesses: GuessLimiter,
    pub(crate) registration: RegistrationService<S>,
    pub(crate) registration_limit: RateLimiter,
    pub(crate) authenticator: Arc<dyn Authenticator>,
    pub(crate) key: SessionKey,
}

impl<S: Store + 'static> AppState<S> {
    /// Creates the state with an embedding service's own `authenticator`.
    /// `key` signs the consent form's CSRF tokens; processes behind one
    /// load balancer must share it.
    pub fn new(
        store: Arc<S>,
        context: Arc<Context>,
        authenticator: Arc<dyn Authenticator>,
        key: SessionKey,
    ) -> AppState<S> {
        AppState {
            authorization: AuthorizationService::new(Arc::clone(&store), Arc::clone(&context)),
            tokens: TokenService::new(Arc::clone(&store), Arc::clone(&context)),
            devices: DeviceService::new(Arc::clone(&store), Arc::clone(&context)),
            device_guesses: GuessLimiter::default(),
            registration: RegistrationService::new(
                Arc::clone(&store),
                Arc::clone(&context),
                RegistrationPolicy::Open,
            ),
            registration_limit: RateLimiter::per_minute(DEFAULT_REGISTRATIONS_PER_MINUTE),
            store,
            context,
            authenticator,
            key,
        }
    }

    /// Creates the state with the bundled password login, whose session
    /// cookies `key` also signs.
    pub fn with_bundled_login(
        store: Arc<S>,
        context: Arc<Context>,
        key: SessionKey,
    ) -> AppState<S> {
        let login = BundledLogin::new(
            Arc::clone(&store) as Arc<dyn oauth_apps_core::store::DirectoryStore>,
            key.clone(),
            Arc::clone(&context.clock),
            Arc::clone(&context.random),
            &context.settings.issuer,
        );
        AppState::new(store, context, Arc::new(login), key)
    }

    /// Sets who may register clients dynamically and how many registrations
    /// one IP address may make per minute (default: open, 20).
    pub fn with_registration(mut self, policy: RegistrationPolicy, per_minute: u32) -> AppState<S> {
        self.registration =
            RegistrationService::new(Arc::clone(&self.store), Arc::clone(&self.context), policy);
        self.registration_limit = RateLimiter::per_minute(per_minute);
        self
    }

    /// Returns the token service, for resource servers that check tokens by
    /// calling [`TokenService::verify_access_token`] directly.
    pub fn tokens(&self) -> &TokenService<S> {
        &self.tokens
    }

    /// Returns the shared context.
    pub fn context(&self) -> &Arc<Context> {
        &self.context
    }
}
