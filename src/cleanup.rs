//! The background task that deletes expired codes and tokens from the store
//! every `--purge-interval` seconds, together with self-registered clients
//! that no member approved within `--unapproved-registration-ttl` seconds. A failed purge is logged and retried at
//! the next tick, and never stops the server.

use std::sync::Arc;
use std::time::Duration;

use oauth_apps_core::store::{ClientStore, StoreResult};
use oauth_apps_core::time::{Clock, Timestamp};
use oauth_apps_store_memory::MemoryStore;
use oauth_apps_store_postgres::PostgresStore;

/// Rows one purge deleted, per kind.
pub(crate) struct Purged {
    /// `(kind, rows deleted)` pairs, in the order the store deleted them.
    pub counts: Vec<(&'static str, u64)>,
    /// `false` when rows were left for the next purge.
    pub complete: bool,
}

/// A store whose expired records can be purged.
pub(crate) trait Purge {
    /// Deletes what expired at or before `now`, at most `batch_size` rows
    /// per statement where the store works in statements.
    async fn purge(&self, now: Timestamp, batch_size: u32) -> StoreResult<Purged>;
}

impl Purge for MemoryStore {
    async fn purge(&self, now: Timestamp, _batch_size: u32) -> StoreResult<Purged> {
        let dropped = self.purge_expired(now)?;
        Ok(Purged {
            counts: vec![("codes and tokens", dropped as u64)],
            complete: true,
        })
    }
}

impl Purge for PostgresStore {
    async fn purge(&self, now: Timestamp, batch_size: u32) -> StoreResult<Purged> {
        let report = self.purge_expired(now, batch_size).await?;
        Ok(Purged {
            counts: vec![
                ("access_tokens", report.access_tokens),
                ("refresh_tokens", report.refresh_tokens),
                ("codes", report.codes),
                ("families", report.families),
            ],
            complete: report.complete,
        })
    }
}

/// Starts the purge loop on the current actix runtime. The first purge runs
/// one `interval` after start.
pub fn spawn<S: Purge + ClientStore + 'static>(
    store: Arc<S>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    batch_size: u32,
    unapproved_ttl: Duration,
) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        // The first tick of an interval completes at once.
        ticker.tick().await;
        loop {
            ticker.tick().await;
            purge_once(store.as_ref(), clock.now(), batch_size).await;
            delete_unapproved(store.as_ref(), clock.now(), unapproved_ttl).await;
        }
    });
}

/// Runs one purge and logs its outcome.
async fn purge_once<S: Purge>(store: &S, now: Timestamp, batch_size: u32) {
    match store.purge(now, batch_size).await {
        Ok(purged) => {
            let total: u64 = purged.counts.iter().map(|(_, rows)| rows).sum();
            let counts = purged
                .counts
                .iter()
                .map(|(kind, rows)| format!("{kind}={rows}"))
                .collect::<Vec<_>>()
                .join(" ");
            tracing::info!(total, %counts, complete = purged.complete, "expired records purged");
        }
        Err(error) => {
            tracing::warn!(%error, "purging expired records failed, retrying at the next interval")
        }
    }
}

/// Deletes self-registered clients created more than `ttl` before `now`
/// that no member approved, and logs the outcome.
async fn delete_unapproved<S: ClientStore>(store: &S, now: Timestamp, ttl: Duration) {
    let age = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
    let created_before = Timestamp::from_unix_seconds(now.unix_seconds().saturating_sub(age));
    match store.delete_unapproved_registrations(created_before).await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "unapproved client registrations deleted"),
        Err(error) => tracing::warn!(
            %error,
            "deleting unapproved client registrations failed, retrying at the next interval"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn memory_purge_reports_count() {
        let store = MemoryStore::new();
        let purged = store
            .purge(Timestamp::from_unix_seconds(1), 10)
            .await
            .unwrap();
        assert_eq!(purged.counts, vec![("codes and tokens", 0)]);
        assert!(purged.complete);
    }
}
