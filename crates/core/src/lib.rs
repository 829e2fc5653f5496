//! Core of the oauth-apps authorization server: domain types, policies,
//! state machines, services and the store traits they run on.
//!
//! The core does no I/O. Time comes from a [`time::Clock`], randomness from
//! a [`random::RandomSource`], and persistence from the traits in [`store`],
//! so every rule here can be tested deterministically and every backend
//! (in-memory, PostgreSQL) shares the same behaviour.
//!
//! Implemented: the authorization code grant with PKCE (RFC 6749 section
//! 4.1, RFC 7636), refresh tokens with rotation and reuse detection (OAuth
//! 2.1, RFC 9700), token revocation (RFC 7009), introspection (RFC 7662) and
//! the authorization response `iss` parameter (RFC 9207).
//!
//! Not supported: the implicit and password grants (removed by OAuth 2.1),
//! the PKCE `plain` method, and JWT access tokens (tokens are opaque).

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]

pub mod client;
pub mod code;
pub mod device;
pub mod directory;
pub mod error;
pub mod grant;
pub mod ids;
pub mod permission;
pub mod pkce;
pub mod random;
pub mod redirect;
pub mod scope;
pub mod secret;
pub mod service;
pub mod store;
pub mod text;
pub mod time;
pub mod token;
