//! Unit tests of the services, run against `mockall` stand-ins for the
//! store traits, on a fixed clock with predictable randomness.
//!
//! The mocks are strict: a store call the test did not expect fails it, so
//! each test states every store operation the service may perform.

mod issued;
mod mock;
mod support;

mod approve;
mod client_auth;
mod code_exchange;
mod create_client;
mod device;
mod device_grant;
mod introspection;
mod refresh;
mod registration;
mod resource;
mod revocation;
mod validate;
