//! The interface between the OAuth endpoints and the login system.
//!
//! The endpoints need two things from a login system: the current session,
//! and a response that sends a visitor who is not signed in to a login page
//! which returns to the authorization request afterwards. [`Authenticator`] is that seam. The bundled
//! [`crate::login::BundledLogin`] implements it with a password form and a
//! signed cookie; an embedding service implements it over its own session.

use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::ids::UserId;

/// The session of a signed-in user, as the authorization endpoint uses it.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The signed-in user.
    pub user_id: UserId,
    /// A value unique to this session and unknown to other sites, such as
    /// the session cookie or a session ID. CSRF tokens are derived from it,
    /// so a token taken from one session is useless in another.
    pub binding: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// Finds the signed-in user and sends everyone else to a login page.
///
/// Implement this to use an existing login instead of the bundled one; the
/// endpoints call nothing else of the login system.
pub trait Authenticator: Send + Sync + 'static {
    /// Returns the session of the user who sent `request`, or `None` when
    /// the request carries no valid session.
    fn current_session(&self, request: &HttpRequest) -> Option<Session>;

    /// Builds the response for a visitor who is not signed in: a login page,
    /// or a redirect to one. After signing in, the visitor must be sent to
    /// `return_to`, a path on this server that starts with `/`.
    fn login_response(&self, request: &HttpRequest, return_to: &str) -> HttpResponse;

    /// Mounts the routes the login system needs, such as the target of its
    /// login form. The default mounts nothing.
    fn configure(&self, config: &mut web::ServiceConfig) {
        let _ = config;
    }
}
