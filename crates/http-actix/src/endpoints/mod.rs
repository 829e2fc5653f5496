//! The HTTP endpoints. Each handler reads its input, calls one service
//! function and converts the result; errors become responses in
//! [`crate::error`].

pub(crate) mod authorize;
mod consent;
pub(crate) mod device_authorization;
pub(crate) mod mcp;
pub(crate) mod metadata;
mod prompt;
pub(crate) mod protected_resource;
mod query_utf8;
pub(crate) mod registration;
pub(crate) mod token;
pub(crate) mod verification;
