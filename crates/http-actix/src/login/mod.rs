//! The bundled login: an email and password form checked against argon2
//! hashes in the [`DirectoryStore`], and a stateless signed session cookie.
//!
//! The session cookie is `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure`
//! whenever the issuer is an https URL. The login form is protected against
//! login CSRF by a random nonce cookie, scoped to the login path, and a
//! token derived from it and the return address in a hidden field. Failed
//! sign-ins re-show the form with one generic message, whatever failed, and
//! are logged with the user ID or a hash of the email, never the password.
//!
//! Signing in can end in a redirect to the client, when a remembered grant
//! covers the request, and browsers check that redirect against the login
//! page's CSP `form-action`. So the page allows the origin of the
//! `redirect_uri` of an authorization request it returns to. That origin
//! comes only from a request the authorization endpoint validated, because
//! the endpoint shows the login page only after validation, and the CSRF
//! token binds the posted return address to the one the form was shown with.
//!
//! Not included: sign-out, account lockout and rate limiting of attempts.

mod password;
mod return_path;

pub use password::{PasswordHashError, check_password_hash, hash_password};

use std::sync::Arc;
use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_core::directory::normalize_email;
use oauth_apps_core::random::RandomSource;
use oauth_apps_core::store::DirectoryStore;
use oauth_apps_core::time::Clock;
use sha2::{Digest, Sha256};

use crate::authenticator::{Authenticator, Session};
use crate::error::HttpError;
use crate::form::read_form;
use crate::pages::{LoginPage, login_page};
use crate::paths;
use crate::security::{form_action_source, html};
use crate::session::SessionKey;
use crate::telemetry::trace_request;
use return_path::{authorize_redirect_uri, is_local_path, login_binding};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "oauth_apps_session";
/// Name of the cookie that carries the login form's CSRF nonce.
pub const LOGIN_NONCE_COOKIE: &str = "oauth_apps_login";
/// Default lifetime of a session.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

const LOGIN_CSRF_PURPOSE: &str = "login";
const LOGIN_FAILED: &str = "The email or password is incorrect.";
const LOGIN_FORM_EXPIRED: &str =
    "The sign-in form has expired. Go back to the app and start signing in again.";

/// The bundled login. Cheap to clone.
#[derive(Clone)]
pub struct BundledLogin {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    directory: Arc<dyn DirectoryStore>,
    key: SessionKey,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
    secure: bool,
    lifetime: Duration,
}

impl BundledLogin {
    /// Creates the login over `directory`. Cookies are `Secure` when
    /// `issuer` starts with `https://`.
    pub fn new(
        directory: Arc<dyn DirectoryStore>,
        key: SessionKey,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
        issuer: &str,
    ) -> BundledLogin {
        BundledLogin {
            inner: Arc::new(Inner {
                directory,
                key,
                clock,
                random,
                secure: issuer.starts_with("https://"),
                lifetime: DEFAULT_SESSION_LIFETIME,
            }),
        }
    }

    /// Sets how long a session lasts after signing in.
    pub fn with_session_lifetime(mut self, lifetime: Duration) -> BundledLogin {
        Arc::make_mut(&mut self.inner).lifetime = lifetime;
        self
    }

    fn cookie<'a>(
        &self,
        name: &'a str,
        value: String,
        path: &'a str,
        max_age: Duration,
    ) -> Cookie<'a> {
        let seconds = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        Cookie::build(name, value)
            .path(path)
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.inner.secure)
            .max_age(time::Duration::seconds(seconds))
            .finish()
    }

    /// Renders the login form with a fresh nonce cookie.
    fn form_response(
        &self,
        status: StatusCode,
        return_to: &str,
        email: &str,
        error: Option<&str>,
    ) -> HttpResponse {
        let mut nonce = [0u8; 16];
        self.inner.random.fill(&mut nonce);
        let nonce: String = nonce.iter().map(|byte| format!("{byte:02x}")).collect();
        let csrf_token = self
            .inner
            .key
            .csrf_token(LOGIN_CSRF_PURPOSE, &login_binding(&nonce, return_to));

        let page = login_page(&LoginPage {
            action: paths::LOGIN,
            return_to,
            csrf_token: &csrf_token,
            email,
            error,
        });
        let form_target =
            authorize_redirect_uri(return_to).and_then(|uri| form_action_source(&uri));
        let mut response = html(status, page, form_target.as_deref());
        let cookie = self.cookie(
            LOGIN_NONCE_COOKIE,
            nonce,
            paths::LOGIN,
            Duration::from_secs(3600),
        );
        if let Err(error) = response.add_cookie(&cookie) {
            tracing::error!(%error, "failed to set the login nonce cookie");
        }
        response
    }

    /// Checks `email` and `password`; returns the user ID when they match.
    async fn check_password(
        &self,
        email: &str,
        password: String,
    ) -> Result<Option<String>, HttpError> {
        let user = self
            .inner
            .directory
            .find_user_by_email(email)
            .await
            .map_err(HttpError::PageStore)?;
        let hash = user
            .as_ref()
            .and_then(|user| user.password_hash.clone())
            .unwrap_or_else(|| password::DECOY_HASH.clone());

        // argon2 takes tens of milliseconds, so it runs off the async workers.
        let matches = web::block(move || password::verify_password(&hash, &password))
            .await
            .unwrap_or(false);

        match user {
            Some(user) if matches && user.password_hash.is_some() => Ok(Some(user.id.to_string())),
            Some(user) => {
                tracing::warn!(user_id = %user.id, "sign-in failed: wrong password or no password set");
                Ok(None)
            }
            None => {
                tracing::warn!(email_sha256 = %email_digest(email), "sign-in failed: unknown email");
                Ok(None)
            }
        }
    }
}

impl Authenticator for BundledLogin {
    fn current_session(&self, request: &HttpRequest) -> Option<Session> {
        let cookie = request.cookie(SESSION_COOKIE)?;
        let now = self.inner.clock.now();
        let user_id = self.inner.key.open_session(cookie.value(), now)?;
        Some(Session {
            user_id,
            binding: cookie.value().to_owned(),
        })
    }

    /// Renders the login form. A `return_to` on the authorization endpoint
    /// must be a request that passed validation, because the page allows
    /// form posts to the origin of its `redirect_uri`.
    fn login_response(&self, _request: &HttpRequest, return_to: &str) -> HttpResponse {
        self.form_response(StatusCode::OK, return_to, "", None)
    }

    fn configure(&self, config: &mut web::ServiceConfig) {
        config.service(
            web::resource(paths::LOGIN)
                .app_data(web::Data::new(self.clone()))
                .wrap(from_fn(trace_request))
                .route(web::post().to(submit_login)),
        );
    }
}

/// `POST /oauth/login`: checks the form and, on success, sets the session
/// cookie and returns to the authorization request.
async fn submit_login(
    request: HttpRequest,
    payload: web::Payload,
    login: web::Data<BundledLogin>,
) -> Result<HttpResponse, HttpError> {
    let mut form = read_form(&request, payload)
        .await
        .map_err(|error| HttpError::BadPageRequest(error.to_string()))?;
    let return_to = form.take("return_to").unwrap_or_default();
    let nonce = request.cookie(LOGIN_NONCE_COOKIE);
    let token = form.get("csrf_token").unwrap_or_default();
    let nonce_ok = nonce.is_some_and(|nonce| {
        let binding = login_binding(nonce.value(), &return_to);
        login
            .inner
            .key
            .csrf_token_matches(LOGIN_CSRF_PURPOSE, &binding, token)
    });
    if !nonce_ok {
        return Err(HttpError::BadPageRequest(LOGIN_FORM_EXPIRED.to_owned()));
    }
    if !is_local_path(&return_to) {
        return Err(HttpError::BadPageRequest(
            "The sign-in form names an invalid return address.".to_owned(),
        ));
    }

    let email = normalize_email(form.get("email").unwrap_or_default());
    let password = form.take("password").unwrap_or_default();
    let Some(user_id) = login.check_password(&email, password).await? else {
        return Ok(login.form_response(StatusCode::OK, &return_to, &email, Some(LOGIN_FAILED)));
    };

    tracing::info!(user_id, "member signed in");
    let expires_at = login.inner.clock.now() + login.inner.lifetime;
    let value = login
        .inner
        .key
        .seal_session(&oauth_apps_core::ids::UserId::new(user_id), expires_at);
    let session = login.cookie(SESSION_COOKIE, value, "/", login.inner.lifetime);
    let mut expired_nonce = login.cookie(
        LOGIN_NONCE_COOKIE,
        String::new(),
        paths::LOGIN,
        Duration::ZERO,
    );
    expired_nonce.make_removal();

    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, return_to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(session)
        .cookie(expired_nonce)
        .finish())
}

/// Identifies an email in logs without writing it: the first 16 hex
/// characters of its SHA-256.
fn email_digest(email: &str) -> String {
    Sha256::digest(email.as_bytes())[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_digest_hides_email() {
        let digest = email_digest("ada@example.com");
        assert_eq!(digest.len(), 16);
        assert!(!digest.contains("ada"));
    }
}
