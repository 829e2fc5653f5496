//! Mapping of diesel and pool errors to [`StoreError`].
//!
//! Connection failures, pool timeouts and server shutdowns become
//! `Unavailable`, so the HTTP layer returns 503 and clients retry. Unique
//! violations become `Conflict`, everything else `Internal`. Messages keep
//! the server's one-line message and the constraint name, but never the
//! `detail` field, which repeats the conflicting values.

use deadpool::managed::PoolError;
use diesel::ConnectionError;
use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::PoolError as ManagerError;
use oauth_apps_core::error::StoreError;

/// SQLSTATE codes, besides class 08 (connection exception), that mean the
/// server cannot serve requests right now: too many connections, admin
/// shutdown, crash shutdown, and "cannot connect now" during start-up.
const UNAVAILABLE_STATES: [&str; 4] = ["53300", "57P01", "57P02", "57P03"];

/// A [`StoreError`] raised inside a transaction. diesel-async requires the
/// error type of a transaction to convert from diesel's, which the orphan
/// rule forbids for `StoreError` itself.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) StoreError);

impl From<DieselError> for Failure {
    fn from(error: DieselError) -> Self {
        Failure(db_error(error))
    }
}

impl From<Failure> for StoreError {
    fn from(Failure(error): Failure) -> Self {
        error
    }
}

/// Maps a query error.
pub(crate) fn db_error(error: DieselError) -> StoreError {
    match error {
        DieselError::DatabaseError(kind, info) => database_error(kind, info.as_ref()),
        DieselError::BrokenTransactionManager => {
            StoreError::Unavailable("the connection broke during a transaction".to_owned())
        }
        DieselError::RollbackErrorOnCommit { commit_error, .. } => db_error(*commit_error),
        other => StoreError::Internal(other.to_string()),
    }
}

/// Maps an error reported by the server, or by the client library for a
/// lost connection.
fn database_error(
    kind: DatabaseErrorKind,
    info: &(dyn DatabaseErrorInformation + Send + Sync),
) -> StoreError {
    let message = match info.constraint_name() {
        Some(constraint) => format!("{} (constraint {constraint})", info.message()),
        None => info.message().to_owned(),
    };
    match kind {
        DatabaseErrorKind::UniqueViolation => StoreError::Conflict(message),
        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
            StoreError::Unavailable(message)
        }
        _ if info
            .sqlstate()
            .is_some_and(|state| is_unavailable_state(state.as_str())) =>
        {
            StoreError::Unavailable(message)
        }
        _ => StoreError::Internal(message),
    }
}

fn is_unavailable_state(code: &str) -> bool {
    code.starts_with("08") || UNAVAILABLE_STATES.contains(&code)
}

/// Maps a failure to check out a connection: every case but a missing
/// runtime means the database cannot be reached in time.
pub(crate) fn pool_error(error: PoolError<ManagerError>) -> StoreError {
    match error {
        PoolError::Timeout(kind) => {
            StoreError::Unavailable(format!("timed out waiting for a connection ({kind:?})"))
        }
        PoolError::Backend(ManagerError::ConnectionError(error)) => connection_error(error),
        PoolError::Backend(ManagerError::QueryError(error)) => match db_error(error) {
            // The check query of a recycled connection failed: the server is gone.
            StoreError::Internal(message) => StoreError::Unavailable(message),
            other => other,
        },
        PoolError::Closed => StoreError::Unavailable("the connection pool is closed".to_owned()),
        PoolError::PostCreateHook(error) => StoreError::Unavailable(error.to_string()),
        PoolError::NoRuntimeSpecified => {
            StoreError::Internal("the connection pool has no async runtime".to_owned())
        }
    }
}

fn connection_error(error: ConnectionError) -> StoreError {
    match error {
        ConnectionError::CouldntSetupConfiguration(error) => db_error(error),
        other => StoreError::Unavailable(format!("cannot connect to PostgreSQL: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server error as diesel reports it, with `detail` set to a value that
    /// must not reach the message.
    struct ServerError {
        state: &'static str,
        constraint: Option<&'static str>,
    }

    impl DatabaseErrorInformation for ServerError {
        fn message(&self) -> &str {
            "server message"
        }
        fn details(&self) -> Option<&str> {
            Some("Key (hash)=(\\xdeadbeef) already exists.")
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            self.constraint
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
        fn sqlstate(&self) -> Option<diesel::result::SqlState> {
            diesel::result::SqlState::new(self.state.as_bytes().try_into().unwrap())
        }
    }

    fn server_error(kind: DatabaseErrorKind, state: &'static str) -> StoreError {
        let info = ServerError {
            state,
            constraint: Some("users_email_key"),
        };
        db_error(DieselError::DatabaseError(kind, Box::new(info)))
    }

    #[test]
    fn unique_violation_is_conflict_without_values() {
        let error = server_error(DatabaseErrorKind::UniqueViolation, "23505");
        assert_eq!(
            error,
            StoreError::Conflict("server message (constraint users_email_key)".to_owned())
        );
    }

    #[test]
    fn lost_connection_is_unavailable() {
        let cases = [
            (DatabaseErrorKind::ClosedConnection, "08006"),
            (DatabaseErrorKind::UnableToSendCommand, "08006"),
            (DatabaseErrorKind::Unknown, "08001"),
            (DatabaseErrorKind::Unknown, "57P01"),
            (DatabaseErrorKind::Unknown, "57P03"),
            (DatabaseErrorKind::Unknown, "53300"),
        ];
        for (kind, state) in cases {
            let error = server_error(kind, state);
            assert!(
                matches!(error, StoreError::Unavailable(_)),
                "{kind:?} {state}: {error:?}"
            );
        }
    }

    #[test]
    fn other_server_errors_are_internal() {
        let cases = [
            (DatabaseErrorKind::CheckViolation, "23514"),
            (DatabaseErrorKind::ForeignKeyViolation, "23503"),
            (DatabaseErrorKind::Unknown, "42P01"),
        ];
        for (kind, state) in cases {
            let error = server_error(kind, state);
            assert!(
                matches!(error, StoreError::Internal(_)),
                "{kind:?} {state}: {error:?}"
            );
        }
    }

    #[test]
    fn pool_timeout_is_unavailable() {
        let error = pool_error(PoolError::Timeout(deadpool::managed::TimeoutType::Wait));
        assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    }

    #[test]
    fn refused_connection_is_unavailable() {
        let refused = ConnectionError::BadConnection("connection refused".to_owned());
        let error = pool_error(PoolError::Backend(ManagerError::ConnectionError(refused)));
        assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    }
}
