//! The HTTP endpoints. Each handler reads its input, calls one service
//! function and converts the result; errors become responses in
//! [`crate::error`].

pub(crate) mod authorize;
mod consent;
pub(crate) mod metadata;
pub(crate) mod token;
