//! End-to-end tests: each test starts the real `oauth-apps` binary on a
//! free loopback port with its own seed file, and drives it over HTTP with
//! the `oauth2` crate as the client and a cookie-keeping HTTP client as the
//! member's browser.

mod helpers;

mod authorize_errors;
mod flows;
mod token_errors;
