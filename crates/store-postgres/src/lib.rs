//! PostgreSQL backend of the oauth-apps store traits, so that any number of
//! server processes can share one database.
//!
//! [`PostgresStore`] implements every trait of [`oauth_apps_core::store`]
//! with diesel-async over a deadpool connection pool. The operations that
//! guard an invariant across requests run as single conditional statements
//! or short transactions in the database, never as a read in the service
//! followed by a write:
//!
//! - code redemption is an `UPDATE ... WHERE redeemed_at IS NULL AND
//!   expires_at > now RETURNING ...` that creates the token family in the
//!   same transaction (RFC 6749 section 4.1.2);
//! - refresh rotation is an `UPDATE ... WHERE state = 'active'` plus the
//!   inserts of the new tokens in one transaction, and a reused token
//!   revokes its family (OAuth 2.1 section 4.3.1, RFC 9700 section 4.14.2);
//! - grant revocation deletes the grant and revokes its families and tokens
//!   in one transaction, and so does client deletion for every grant and
//!   family of the client;
//! - device authorization decisions and polls (RFC 8628) lock the row with
//!   `SELECT ... FOR UPDATE`, apply the core's transition and write it back
//!   in one transaction, and the poll that redeems creates the token family
//!   in that transaction;
//! - the first approval of a self-registered client is an `UPDATE ...
//!   WHERE first_approved_at IS NULL`.
//!
//! Timestamps are `bigint` Unix seconds taken from the caller's `now`, the
//! same integers as [`oauth_apps_core::time::Timestamp`], so expiry compares
//! exactly as the pure transitions in the core do and the database clock is
//! never read.
//!
//! Errors: connection failures and pool timeouts become
//! [`StoreError::Unavailable`](oauth_apps_core::error::StoreError), unique
//! violations `Conflict`, anything else `Internal`. Messages carry the
//! server's one-line message and the constraint name, but not its `detail`
//! field, which repeats the row's values.
//!
//! Limitations: connections are made without TLS (`tokio_postgres::NoTls`),
//! so the database must be reached over a trusted network or a local socket
//! proxy.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]

mod client_rows;
mod clients;
mod codes;
mod convert;
mod device_rows;
mod devices;
mod directory;
mod error;
mod families;
mod grants;
mod initial_tokens;
mod migrate;
mod pool;
mod purge;
mod registrations;
mod rotation;
mod schema;
mod tokens;

pub use pool::{PoolOptions, PostgresStore};
pub use purge::PurgeReport;
