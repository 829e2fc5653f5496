//! End-to-end tests: each test starts the real `oauth-apps` binary on a
//! free loopback port with its own seed file, and drives it over HTTP with
//! the `oauth2` crate as the client and a cookie-keeping HTTP client as the
//! member's browser. The PostgreSQL tests give each test a schema of its
//! own in the test database (see `postgres_support`).

mod helpers;

mod authorize_errors;
mod device;
mod flows;
mod mcp;
mod outage;
mod postgres;
mod postgres_support;
mod registration;
mod token_errors;
mod tools;
