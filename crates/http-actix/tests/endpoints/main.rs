//! Endpoint tests: the real handlers on an actix test service over the
//! in-memory store.

mod authorize;
mod helpers;
mod login;
mod token;
